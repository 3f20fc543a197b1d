"""Settings: defaults for the embedded demo, overridable by environment (DIEMCAU_*) or the runner's flags."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _instance_dir() -> Path:
    path = Path(os.environ.get("DIEMCAU_INSTANCE", ROOT / "instance"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _secret_key(instance: Path) -> str:
    """The session key is never in the repo: taken from the environment or made once per instance."""
    if os.environ.get("DIEMCAU_SECRET_KEY"):
        return os.environ["DIEMCAU_SECRET_KEY"]
    key_file = instance / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


@dataclass
class Settings:
    instance_dir: Path = field(default_factory=_instance_dir)
    database_url: str = ""
    message_queue: str | None = None
    async_mode: str | None = None          # None lets Flask-SocketIO pick what is installed and patched
    load_demo: bool = True
    secret_key: str = ""
    testing: bool = False

    def __post_init__(self) -> None:
        self.database_url = self.database_url or os.environ.get(
            "DIEMCAU_DATABASE_URL", f"sqlite:///{self.instance_dir / 'diemcau.sqlite3'}")
        self.message_queue = self.message_queue or os.environ.get("DIEMCAU_MESSAGE_QUEUE") or None
        self.secret_key = self.secret_key or _secret_key(self.instance_dir)
