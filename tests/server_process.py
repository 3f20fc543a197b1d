"""A real `diemcau serve` process on a free loopback port: the live and browser tests start it, and
the benchmarks start it (and the bare baseline) through a subclass."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    """A real `diemcau serve` process (eventlet by default) on a free loopback port."""

    def __init__(self, instance: Path, async_mode: str = "eventlet", extra: list[str] | None = None,
                 port: int | None = None):
        self.instance = instance
        self.async_mode = async_mode
        self.extra = extra or []
        self.port = port or free_port()       # a given port: restart a killed server where its clients expect it
        self.proc: subprocess.Popen | None = None
        self.log = instance / "server.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def database_url(self) -> str:
        return f"sqlite:///{self.instance / 'diemcau.sqlite3'}"

    def command(self) -> list[str]:
        demo = [] if "--no-demo" in self.extra else ["--demo"]     # most live tests run on the demo event
        return [sys.executable, "-m", "server", "serve", "--port", str(self.port), "--async-mode",
                self.async_mode, *demo, *self.extra]

    def environment(self) -> dict:
        return dict(os.environ, DIEMCAU_INSTANCE=str(self.instance), PYTHONUNBUFFERED="1")

    def start(self, timeout: float = 60) -> "ServerProcess":
        self.proc = subprocess.Popen(self.command(), cwd=ROOT, env=self.environment(),
                                     stdout=self.log.open("ab"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-3000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"server did not start: {self.log.read_text()[-3000:]}")

    @property
    def pids(self) -> list[int]:
        """The server's processes (one here; a tests.deployment.Deployment has several)."""
        return [self.proc.pid] if self.proc and self.proc.poll() is None else []

    def exited(self) -> str | None:
        """Why the server is no longer running, if it stopped on its own."""
        if self.proc and self.proc.poll() is not None:
            return f"server exited with {self.proc.returncode}"
        return None

    def log_tail(self, chars: int = 2000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()          # SIGKILL: no chance to tidy up, like a power cut
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


def diemcau(instance: Path, *argv: str, ok: bool = True, env: dict | None = None) -> str:
    """A `diemcau` command in its own process on `instance`, as an organiser types it beside a running
    server: what it printed. It must end as expected (`ok`) and never with a traceback."""
    environment = ServerProcess(instance).environment() | (env or {})
    done = subprocess.run([sys.executable, "-m", "server", *argv], cwd=ROOT, env=environment, capture_output=True,
                          text=True, timeout=120, stdin=subprocess.DEVNULL)
    text = done.stdout + done.stderr
    assert (done.returncode == 0) == ok, text
    assert "Traceback" not in text, text
    return text
