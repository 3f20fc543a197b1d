"""Live tests: a real server process (eventlet) and real python-socketio clients on loopback."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from server.db import Database
from server.models import User
from server.services import accounts
from sites.follower import ShowFollower

pytestmark = pytest.mark.live


class Tokens:
    """Bearer tokens for the demo logins, issued straight into the server's database."""

    def __init__(self, database_url: str):
        self.db = Database(database_url)
        self._cache: dict[str, str] = {}

    def __getitem__(self, username: str) -> str:
        if username not in self._cache:
            with self.db.session() as s:
                user = s.execute(select(User).where(User.username == username)).scalar_one()
                self._cache[username] = accounts.issue_token(s, user, "live-test")
                s.commit()
        return self._cache[username]


@pytest.fixture
def tokens(live_server):
    return Tokens(live_server.database_url)


@pytest.fixture
def follow(live_server, tokens):
    """follow(username, event=...) -> a connected ShowFollower; all are disconnected at the end."""
    made: list[ShowFollower] = []

    def factory(username: str, event: str = "quan9-chi-thi-05") -> ShowFollower:
        follower = ShowFollower(live_server.url, event, tokens[username], name=username).connect()
        made.append(follower)
        return follower

    yield factory

    def close(follower):
        try:
            follower.disconnect()
        except Exception:
            pass
    # In parallel: a threading-mode server takes seconds to close each websocket.
    closers = [threading.Thread(target=close, args=(f,)) for f in made]
    [t.start() for t in closers]
    [t.join(30) for t in closers]


def comparable(state: dict) -> dict:
    """A state with what differs legitimately between clients (server_time, list order) removed."""
    out = dict(state)
    out.pop("server_time", None)
    out["sites"] = sorted(state["sites"], key=lambda c: (c["segment_id"], c["bridge_point_id"]))
    return out


@pytest.fixture(params=["eventlet", "threading"])
def live_server(request, tmp_path):
    """The live suite runs under eventlet (the user's choice) and threading (proof that application
    code stays async-neutral, DESIGN.md)."""
    from tests.conftest import ServerProcess
    server = ServerProcess(tmp_path, async_mode=request.param).start()
    yield server
    server.stop()
