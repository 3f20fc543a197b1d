"""Shared by tests/live/test_check_in.py and bench/checkin.py: a real server's check-in data seen from
outside the process (its SQLite file and its secret key), scanner and dashboard socket clients.

Invitation codes are made exactly as the server makes them: `invitation_tokens.token_for` inside the
app context of a bare Flask app whose SECRET_KEY is the server's (DIEMCAU_SECRET_KEY, else
<instance>/secret_key, as server/config.py reads it)."""
from __future__ import annotations

import itertools
import os
import threading
import time
import uuid
from pathlib import Path
from typing import Callable

import socketio
from flask import Flask
from sqlalchemy import func, select

from server.db import Database
from server.demo import SLUG
from server.models import BridgePoint, CheckIn, Delegate, Event, Invitation, Scan, User
from server.services import accounts, delegates, invitation_tokens

EVENT = SLUG
_serial = itertools.count(1)


def new_scan_id(tag: str = "s") -> str:
    """A scan id as a scanner makes it: unique, 8-64 of [A-Za-z0-9_.:-]."""
    return f"{tag}-{next(_serial)}-{uuid.uuid4().hex[:12]}"


def server_secret(instance: Path) -> str:
    return os.environ.get("DIEMCAU_SECRET_KEY") or (Path(instance) / "secret_key").read_text().strip()


class ServerData:
    """The server's database and key, from outside the server process."""

    def __init__(self, database_url: str, instance: Path):
        self.db = Database(database_url)
        self.app = Flask(__name__)
        self.app.config["SECRET_KEY"] = server_secret(instance)
        self._tokens: dict[str, str] = {}
        with self.db.session() as s:
            self.event_id = s.execute(select(Event.id).where(Event.slug == EVENT)).scalar_one()

    @classmethod
    def of(cls, server) -> "ServerData":
        """For a tests.server_process.ServerProcess."""
        return cls(server.database_url, server.instance)

    def close(self) -> None:
        self.db.engine.dispose()

    # --- logins and points ---------------------------------------------------------------------
    def token(self, username: str) -> str:
        """A bearer token for a demo login, issued straight into the server's database."""
        if username not in self._tokens:
            with self.db.session() as s:
                user = s.execute(select(User).where(User.username == username)).scalar_one()
                self._tokens[username] = accounts.issue_token(s, user, "check-in test")
                s.commit()
        return self._tokens[username]

    def point_ids(self) -> dict[str, int]:
        with self.db.session() as s:
            return dict(s.execute(select(BridgePoint.code, BridgePoint.id)
                                  .where(BridgePoint.event_id == self.event_id)).all())

    # --- invitations ---------------------------------------------------------------------------
    def sign(self, event_id: int, nonce: str) -> str:
        """A correctly signed token for any event id and nonce (the server's key)."""
        with self.app.app_context():
            return invitation_tokens.token_for(Invitation(event_id=event_id, nonce=nonce))

    def codes(self, bridge_point_id: int | None = None) -> dict[int, str]:
        """delegate id -> the code of their live invitation (of one point, or of the whole event)."""
        with self.db.session() as s, self.app.app_context():
            query = (select(Invitation, Delegate.id).join(Delegate, Delegate.id == Invitation.delegate_id)
                     .where(Invitation.event_id == self.event_id, Invitation.revoked_at.is_(None),
                            Invitation.replaced_at.is_(None)))
            if bridge_point_id is not None:
                query = query.where(Delegate.bridge_point_id == bridge_point_id)
            return {d: invitation_tokens.token_for(inv) for inv, d in s.execute(query).all()}

    def delegate_points(self) -> dict[int, tuple[int | None, str]]:
        """delegate id -> (bridge point id, category)."""
        with self.db.session() as s:
            return {d: (p, c) for d, p, c in s.execute(select(Delegate.id, Delegate.bridge_point_id, Delegate.category)
                                                       .where(Delegate.event_id == self.event_id))}

    def add_delegates(self, bridge_point_id: int, count: int, tag: str = "Khách") -> dict[int, str]:
        """`count` more delegates at a point, each with an invitation, as the registry adds them;
        returns delegate id -> code."""
        made = {}
        with self.db.session() as s, self.app.app_context():
            for i in range(count):
                delegate = delegates.add(s, self.event_id, {
                    "full_name": f"{tag} Thử Nghiệm {bridge_point_id}-{i + 1}", "category": "delegate",
                    "bridge_point_id": bridge_point_id, "organisation": f"Đơn vị {bridge_point_id}-{i + 1}"}, "test")
                made[delegate.id] = invitation_tokens.token_for(invitation_tokens.issue(s, delegate))
            s.commit()
        return made

    def revoke(self, delegate_id: int) -> int:
        with self.db.session() as s:
            n = invitation_tokens.revoke(s, s.get(Delegate, delegate_id))
            s.commit()
            return n

    def reissue(self, delegate_id: int) -> str:
        """A new invitation for the delegate (the old code now answers "replaced"); its code."""
        with self.db.session() as s, self.app.app_context():
            code = invitation_tokens.token_for(invitation_tokens.issue(s, s.get(Delegate, delegate_id)))
            s.commit()
            return code

    # --- what the check-in stored --------------------------------------------------------------
    def scan_rows(self, **where) -> list[Scan]:
        with self.db.session() as s:
            query = select(Scan).where(Scan.event_id == self.event_id)
            for name, value in where.items():
                column = getattr(Scan, name)
                query = query.where(column.in_(value) if isinstance(value, (list, set, tuple)) else column == value)
            return list(s.execute(query.order_by(Scan.id)).scalars())

    def check_ins(self) -> dict[int, CheckIn]:
        """delegate id -> their arrival."""
        with self.db.session() as s:
            return {c.delegate_id: c for c in s.execute(select(CheckIn).where(CheckIn.event_id == self.event_id))
                    .scalars()}

    def counts(self) -> tuple[int, int]:
        """(scan rows, check-in rows) of the event."""
        with self.db.session() as s:
            scans = s.execute(select(func.count()).select_from(Scan).where(Scan.event_id == self.event_id)).scalar_one()
            ins = s.execute(select(func.count()).select_from(CheckIn)
                            .where(CheckIn.event_id == self.event_id)).scalar_one()
            return scans, ins


def tamper(code: str, part: str) -> str:
    """One character of the token's nonce or signature changed (still well formed)."""
    prefix, event_id, nonce, signature = code.split(".")

    def flip(text: str, at: int) -> str:
        return text[:at] + ("B" if text[at] != "B" else "C") + text[at + 1:]
    if part == "nonce":
        return ".".join([prefix, event_id, flip(nonce, 5), signature])
    return ".".join([prefix, event_id, nonce, flip(signature, 7)])


class CheckInClient:
    """One socket of the check-in (a scanner or an attendance dashboard): a python-socketio Client
    with the bearer token, websocket transport only, events acked through `call`."""

    def __init__(self, url: str, token: str, *, name: str = "", event: str = EVENT):
        self.url, self.token, self.event, self.name = url, token, event, name
        self.arrivals: list[dict] = []
        self.arrival_times: list[float] = []
        self._cond = threading.Condition()
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("arrival", self._on_arrival)

    def connect(self, timeout: float = 15) -> "CheckInClient":
        self.sio.connect(self.url, auth={"event": self.event, "token": self.token}, transports=["websocket"],
                         wait_timeout=timeout)
        deadline = time.monotonic() + timeout             # the namespace is marked connected just after
        while "/" not in self.sio.namespaces and time.monotonic() < deadline:
            time.sleep(0.01)
        return self

    def disconnect(self) -> None:
        try:
            self.sio.disconnect()
        except Exception:  # noqa: BLE001
            pass

    def call(self, event: str, payload, timeout: float = 30) -> dict:
        return self.sio.call(event, payload, timeout=timeout)

    # --- scanner -------------------------------------------------------------------------------
    def scan(self, bridge_point_id: int | None, scan: dict, gate: str = "Cổng chính", timeout: float = 30) -> dict:
        payload = {"gate": gate, "scan": scan}
        if bridge_point_id is not None:
            payload["bridge_point_id"] = bridge_point_id
        return self.call("scan", payload, timeout)

    def scan_batch(self, bridge_point_id: int | None, scans: list, gate: str = "Cổng chính",
                   timeout: float = 60) -> dict:
        payload = {"gate": gate, "scans": scans}
        if bridge_point_id is not None:
            payload["bridge_point_id"] = bridge_point_id
        return self.call("scan", payload, timeout)

    # --- attendance dashboard ------------------------------------------------------------------
    def _on_arrival(self, data) -> None:
        with self._cond:
            self.arrivals.append(data)
            self.arrival_times.append(time.time())
            self._cond.notify_all()

    def wait_for(self, predicate: Callable[["CheckInClient"], bool], timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate(self):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{self.name}: condition not met after {len(self.arrivals)} arrivals")
                self._cond.wait(left)

    def arrival_for(self, scan_id: str, timeout: float = 15) -> dict:
        self.wait_for(lambda c: any(a["result"]["scan_id"] == scan_id for a in c.arrivals), timeout)
        with self._cond:
            return next(a for a in self.arrivals if a["result"]["scan_id"] == scan_id)


def scan_at_once(scanners: list["CheckInClient"], bridge_point_id: int, scan: dict) -> list[dict]:
    """Every scanner sends the same scan at the same moment (released by one barrier), each as its own
    gate; their acks, in the scanners' order."""
    barrier = threading.Barrier(len(scanners))
    acks: list = [None] * len(scanners)

    def send(i):
        barrier.wait()
        acks[i] = scanners[i].scan(bridge_point_id, dict(scan), gate=f"Cổng {i}")
    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(scanners))]
    [t.start() for t in threads]
    [t.join(60) for t in threads]
    return acks


def close_all(clients) -> None:
    """In parallel: a threading-mode server takes seconds to close each websocket."""
    closers = [threading.Thread(target=c.disconnect) for c in clients]
    [t.start() for t in closers]
    [t.join(30) for t in closers]
