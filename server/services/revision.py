"""Every change of an event's live state goes through here: one revision, one cue-log row, one signal.

Changes of one event are serialised by an in-process lock and, across worker processes, by a lock
on the event's show-state row (PostgreSQL; SQLite has one writer anyway), and a cursor move is a
compare-and-set, so two operators pressing Next at once, on any workers, move the show one step.
"""
from __future__ import annotations

import json
import threading
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterator

from blinker import signal
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..models import CueLog, ShowState, to_ms, utcnow
from ..i18n import lazy
from .errors import Conflict, Invalid

# Realtime listens to this; services never know who does.
show_changed = signal("show-changed")

_locks: dict[tuple[str, int], threading.Lock] = defaultdict(threading.Lock)
_locks_guard = threading.Lock()


@contextmanager
def event_lock(event_id: int, kind: str = "show") -> Iterator[None]:
    """Serialises one kind of change of one event within this process (check-in scans have their
    own kind, so a queue of scans never holds up the desk's Next)."""
    with _locks_guard:
        lock = _locks[(kind, event_id)]
    with lock:
        yield


@contextmanager
def change(session: Session, event_id: int) -> Iterator[None]:
    """One change of an event: serialised with the others, and nothing of it kept if it fails."""
    with event_lock(event_id):
        try:
            # Held until the commit: every check a service makes before writing (one batch on
            # stage, a roll call still open) sees the other workers' changes.
            session.execute(select(ShowState.event_id).where(ShowState.event_id == event_id).with_for_update())
            yield
        except BaseException:
            session.rollback()
            raise


# The revision of a command sent without one (a hardware button, a script): later than any real one,
# so it is compared with the state as it stands once the command holds the event's lock, never with
# one read before (on PostgreSQL, other presses commit in between).
AT_ARRIVAL = 2 ** 62


def require_rev(expected_rev) -> int:
    """Every command carries the revision its sender saw (a whole number, not a string or bool)."""
    if not isinstance(expected_rev, int) or isinstance(expected_rev, bool):
        raise Invalid(lazy("Thiếu phiên bản trạng thái (expected_rev) trong lệnh."))
    return expected_rev


@dataclass
class Change:
    event_id: int
    rev: int
    at: datetime
    patch: dict = field(default_factory=dict)

    def message(self) -> dict:
        return {"rev": self.rev, "server_time": to_ms(self.at), **self.patch}


def claim_cursor(session: Session, event_id: int, expected_rev: int) -> int:
    """Take the next revision for a change of the shared cursor, or refuse a stale view of it."""
    new_rev = session.execute(
        update(ShowState)
        .where(ShowState.event_id == event_id, ShowState.cursor_rev <= expected_rev)
        .values(rev=ShowState.rev + 1, cursor_rev=ShowState.rev + 1)
        .returning(ShowState.rev)
    ).scalar_one_or_none()
    if new_rev is None:
        current = session.execute(select(ShowState.rev).where(ShowState.event_id == event_id)).scalar_one()
        raise Conflict(lazy("Lệnh dựa trên trạng thái cũ (phiên bản %(seen)s, hiện tại %(current)s); "
                            "màn hình đã được cập nhật, hãy bấm lại nếu vẫn cần.",
                            seen=expected_rev, current=current),
                       current_rev=current)
    return new_rev


def bump(session: Session, event_id: int) -> int:
    """Take the next revision for a change that does not move the shared cursor."""
    return session.execute(
        update(ShowState).where(ShowState.event_id == event_id)
        .values(rev=ShowState.rev + 1).returning(ShowState.rev)
    ).scalar_one()


def load_state(session: Session, event_id: int) -> ShowState:
    return session.execute(
        select(ShowState).where(ShowState.event_id == event_id).execution_options(populate_existing=True)
    ).scalar_one()


def log_cue(session: Session, event_id: int, rev: int, at: datetime, actor: str, action: str, *,
            item_id: int | None = None, local_item_id: int | None = None,
            bridge_point_id: int | None = None, **detail) -> None:
    session.add(CueLog(event_id=event_id, rev=rev, at=at, actor=actor, action=action, item_id=item_id,
                       local_item_id=local_item_id, bridge_point_id=bridge_point_id,
                       detail=json.dumps(detail, ensure_ascii=False) if detail else ""))


def publish(change: Change) -> Change:
    """Called after the commit, still under the event lock, so patches leave in revision order."""
    show_changed.send(change)
    return change


def commit_change(session: Session, event_id: int, actor: str, action: str, patch: dict, *,
                  now: datetime | None = None, **cue) -> Change:
    """The tail of a change that does not move the shared cursor: next revision, cue-log row,
    commit, publish. Call it inside `change()` once the rows are updated."""
    now = now or utcnow()
    rev = bump(session, event_id)
    log_cue(session, event_id, rev, now, actor, action, **cue)
    session.commit()
    return publish(Change(event_id, rev, now, patch))
