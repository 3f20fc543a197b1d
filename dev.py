#!/usr/bin/env python3
"""Bootstrap for a fresh clone with nothing but Python 3.11+: makes .venv, installs the project
(only when pyproject.toml changed), then runs the server or the tests inside it.

    python3 dev.py serve [diemcau options]     start the product (SQLite, the demo event with 15 bridge points)
    python3 dev.py test  [pytest options]      run the test suite
"""
import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"


def ensure_env(extras: str) -> None:
    if sys.version_info < (3, 11):
        sys.exit("Điểm Cầu cần Python 3.11 trở lên.")
    if not PY.exists():
        print("Tạo môi trường .venv …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    stamp = VENV / f".installed-{extras or 'base'}"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    print("Cài đặt các gói cần thiết …", flush=True)
    target = f".[{extras}]" if extras else "."
    subprocess.run([str(PY), "-m", "pip", "install", "-q", "--disable-pip-version-check", "-e", target],
                   cwd=ROOT, check=True)
    stamp.write_text(digest)


def main() -> None:
    cmd, rest = (sys.argv[1], sys.argv[2:]) if len(sys.argv) > 1 else ("serve", [])
    if cmd == "serve":
        ensure_env("")
        # The demo event for a first look; `diemcau serve` alone starts clean.
        os.execv(str(PY), [str(PY), "-m", "server", "serve", "--demo", *rest])
    elif cmd == "test":
        ensure_env("test")
        os.chdir(ROOT)
        os.execv(str(PY), [str(PY), "-m", "pytest", *rest])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
