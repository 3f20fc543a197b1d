"""Settings: defaults for the embedded demo, overridable by environment (DIEMCAU_*) or the runner's flags."""
from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# A random value per browser or client that nginx hashes to keep it on one worker (docs/deployment.md):
# Socket.IO's long-polling requests must all reach the worker that holds the session.
STICKY_COOKIE = "diemcau_node"


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
        # Made aside and linked into place: workers starting together on one instance folder all
        # end up with the first one's key (sessions and invitation codes must verify on every worker).
        draft = instance / f".secret_key.{os.getpid()}"
        draft.write_text(secrets.token_hex(32))
        draft.chmod(0o600)
        try:
            os.link(draft, key_file)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return key_file.read_text().strip()


@dataclass
class Settings:
    instance_dir: Path = field(default_factory=_instance_dir)
    database_url: str = ""
    message_queue: str | None = None
    channel: str = ""                      # the message queue's channel and the link board's key prefix
    worker: str = ""                       # this process's name among the workers (screens list, logs)
    async_mode: str | None = None          # None lets Flask-SocketIO pick what is installed and patched
    load_demo: bool = False
    secret_key: str = ""
    testing: bool = False

    def __post_init__(self) -> None:
        self.database_url = self.database_url or os.environ.get(
            "DIEMCAU_DATABASE_URL", f"sqlite:///{self.instance_dir / 'diemcau.sqlite3'}")
        self.message_queue = self.message_queue or os.environ.get("DIEMCAU_MESSAGE_QUEUE") or None
        self.channel = self.channel or os.environ.get("DIEMCAU_CHANNEL", "diemcau")
        self.worker = self.worker or os.environ.get("DIEMCAU_WORKER") or f"{socket.gethostname()}:{os.getpid()}"
        self.secret_key = self.secret_key or _secret_key(self.instance_dir)
