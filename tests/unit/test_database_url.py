"""A database that cannot be opened stops the command with what to fix: no traceback, no password."""
from __future__ import annotations

import subprocess
import sys

import pytest

from tests.server_process import ROOT, free_port


@pytest.mark.parametrize("command", [["migrate"], ["serve", "--no-demo"], ["issue-token", "admin"]])
def test_an_unreachable_postgresql_is_named_without_its_password(tmp_path, command):
    port = free_port()          # nothing listens there
    url = f"postgresql://diemcau:bí-mật@127.0.0.1:{port}/diemcau"
    done = subprocess.run([sys.executable, "-m", "server", *command, "--database-url", url],
                          cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "DIEMCAU_INSTANCE": str(tmp_path)})
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert f"Không mở được cơ sở dữ liệu postgresql://diemcau:***@127.0.0.1:{port}/diemcau" in done.stderr
    assert "Connection refused" in done.stderr
    assert "--database-url" in done.stderr and "bí-mật" not in done.stderr


@pytest.mark.parametrize("url, reason", [
    ("oracle+nothing://x/y", "Can't load plugin"),
    ("not a url", "Could not parse"),
])
def test_a_malformed_database_url_is_refused_with_the_reason(tmp_path, url, reason):
    done = subprocess.run([sys.executable, "-m", "server", "migrate", "--database-url", url],
                          cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "DIEMCAU_INSTANCE": str(tmp_path)})
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "Không mở được cơ sở dữ liệu" in done.stderr and reason in done.stderr
