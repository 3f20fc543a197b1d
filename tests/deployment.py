"""A deployment of several workers on this machine, as docs/deployment.md describes it: real
`diemcau serve` processes on one PostgreSQL database with a Redis message queue between them, and
Debian's nginx in front with docs/deployment/nginx-diemcau.conf. Used by tests/cluster and bench/workers.py."""
from __future__ import annotations

import re
import secrets
import shutil
import subprocess
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

from server.config import STICKY_COOKIE
from tests.machine_services import PG_ADMIN_URL, REDIS_URL, reachable
from tests.server_process import ROOT, ServerProcess, free_port

NGINX_SITE = ROOT / "docs" / "deployment" / "nginx-diemcau.conf"


def sticky_header() -> dict:
    """A client's own random sticky value (as a browser gets from its first page), so that nginx spreads
    clients over the workers; without it every loopback client hashes by the same address."""
    return {"Cookie": f"{STICKY_COOKIE}={secrets.token_urlsafe(12)}"}


@contextmanager
def fresh_database():
    """A new, empty database on the machine's PostgreSQL, dropped afterwards (with its connections)."""
    import psycopg2
    name = f"diemcau_test_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(PG_ADMIN_URL)
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}"')
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def clear_channel(channel: str) -> None:
    """Remove what a deployment left on Redis under its channel (its link board)."""
    import redis
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"{channel}:*"):
        client.delete(key)
    client.close()


class Worker(ServerProcess):
    """One worker of the deployment: shared instance folder (secret key), shared PostgreSQL and Redis."""

    def __init__(self, instance: Path, name: str, database_url: str, channel: str, async_mode: str = "eventlet",
                 port: int | None = None):
        super().__init__(instance, async_mode=async_mode, port=port,
                         extra=["--database-url", database_url, "--message-queue", REDIS_URL,
                                "--channel", channel, "--worker-name", name])
        self.name, self._database_url = name, database_url
        self.log = instance / f"{name}.log"

    @property
    def database_url(self) -> str:
        return self._database_url


class Cluster:
    def __init__(self, instance: Path, database_url: str, channel: str, async_mode: str, size: int = 2):
        self.instance, self.database_url = instance, database_url
        self.workers = [Worker(instance, f"w{i + 1}", database_url, channel, async_mode) for i in range(size)]

    def start(self) -> "Cluster":
        """All workers at once, as a service manager starts them: the setup lock must make the others
        wait for the first one's migration and demo."""
        errors: list[Exception] = []

        def start(w):
            try:
                w.start(timeout=90)
            except Exception as exc:   # noqa: BLE001  (raised below, with the log)
                errors.append(exc)
        threads = [threading.Thread(target=start, args=(w,)) for w in self.workers]
        [t.start() for t in threads]
        [t.join() for t in threads]
        if errors:
            self.stop()
            raise errors[0]
        return self

    def stop(self) -> None:
        for w in self.workers:
            w.stop()

    def logs(self) -> str:
        return "\n".join(f"--- {w.name}\n{w.log.read_text(errors='replace')[-3000:]}"
                         for w in self.workers if w.log.exists())


class Nginx:
    """Debian's nginx in the foreground, serving docs/deployment/nginx-diemcau.conf with the workers'
    ports and a loopback port of its own put in."""

    def __init__(self, workdir: Path, upstream_ports: list[int], processes: int = 1):
        self.workdir, self.port = workdir, free_port()
        site = NGINX_SITE.read_text()
        servers = "".join(f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;\n" for p in upstream_ports)
        site = re.sub(r"(?m)^    server 127\.0\.0\.1:\d+.*\n", "", site)
        site = site.replace("    # workers\n", "    # workers\n" + servers)
        site = re.sub(r"listen [^;]+;", f"listen 127.0.0.1:{self.port};", site)
        for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (workdir / sub).mkdir(exist_ok=True)
        self.conf = workdir / "nginx.conf"
        self.conf.write_text(
            f"worker_processes {processes};\n"
            f"pid {workdir}/nginx.pid;\nerror_log {workdir}/error.log warn;\n"
            # as docs/deployment.md asks of /etc/nginx/nginx.conf: a screen holds two of a worker's
            # connections (its own and nginx's to the upstream), and Debian's 768 would stop at 384
            "worker_rlimit_nofile 16384;\nevents { worker_connections 8192; }\n"
            "http {\n  access_log off;\n"
            + "".join(f"  {sub}_temp_path {workdir / sub};\n" for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
            + site + "\n}\n")
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "Nginx":
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        check = subprocess.run([nginx, "-t", "-c", str(self.conf), "-p", str(self.workdir)],
                               capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
        self.proc = subprocess.Popen([nginx, "-c", str(self.conf), "-p", str(self.workdir), "-g", "daemon off;"],
                                     stdout=subprocess.DEVNULL, stderr=(self.workdir / "stderr.log").open("wb"))
        deadline = time.monotonic() + 20
        while not reachable("127.0.0.1", self.port):
            assert self.proc.poll() is None, (self.workdir / "stderr.log").read_text()
            assert time.monotonic() < deadline, "nginx did not start"
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


class Deployment:
    """A whole deployment for a benchmark: a database of its own, a Redis channel of its own, `size`
    workers and nginx in front. Looks like a ServerProcess to a client: `url` (nginx's), `database_url`,
    `instance`, `pids` (the workers'), `start()`, `stop()`, `exited()`, `log_tail()`."""

    def __init__(self, workdir: Path, size: int = 2, async_mode: str = "eventlet", nginx_processes: int = 1):
        self.instance, self.size, self.async_mode = workdir, size, async_mode
        self.nginx_processes = nginx_processes
        self.channel = f"diemcau-bench-{uuid.uuid4().hex[:10]}"
        self._database = fresh_database()
        self.database_url = ""
        self.cluster: Cluster | None = None
        self.nginx: Nginx | None = None

    @property
    def url(self) -> str:
        return self.nginx.url

    @property
    def pids(self) -> list[int]:
        return [pid for w in self.cluster.workers for pid in w.pids] if self.cluster else []

    def start(self) -> "Deployment":
        self.database_url = self._database.__enter__()
        self.cluster = Cluster(self.instance, self.database_url, self.channel, self.async_mode, self.size).start()
        nginx_dir = self.instance / "nginx"
        nginx_dir.mkdir(exist_ok=True)
        self.nginx = Nginx(nginx_dir, [w.port for w in self.cluster.workers], self.nginx_processes).start()
        return self

    def stop(self) -> None:
        if self.nginx:
            self.nginx.stop()
        if self.cluster:
            self.cluster.stop()
        if self.database_url:
            self._database.__exit__(None, None, None)
            self.database_url = ""
        clear_channel(self.channel)

    def exited(self) -> str | None:
        return next((w.exited() for w in (self.cluster.workers if self.cluster else []) if w.exited()), None)

    def log_tail(self, chars: int = 2000) -> str:
        return self.cluster.logs()[-chars:] if self.cluster else ""
