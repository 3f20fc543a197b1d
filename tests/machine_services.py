"""The machine's own services that the several-workers tests use: PostgreSQL (trust auth), Redis and
Debian's nginx. Outside CI a missing one skips with how to get it; with CI=true it fails."""
from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

from tests.conftest import need

PG_ADMIN_URL = os.environ.get("DIEMCAU_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("DIEMCAU_TEST_REDIS", "redis://127.0.0.1:6379/0")


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def need_postgresql() -> None:
    need(reachable("127.0.0.1", 5432), "PostgreSQL is not reachable on 127.0.0.1:5432 "
         "(start it: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start)")


def need_redis() -> None:
    need(reachable("127.0.0.1", 6379), "Redis is not reachable on 127.0.0.1:6379 "
         "(start it: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '')")


def need_nginx() -> None:
    need(bool(shutil.which("nginx") or Path("/usr/sbin/nginx").exists()),
         "nginx is not installed (apt-get install nginx-light)")
