"""Điểm danh điểm cầu: the control room opens a roll call, every bridge point confirms within the
time given; when the time is up (or all have answered) it closes and the missing are named."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..i18n import lazy
from ..models import BridgePoint, RollCall, RollCallAnswer, utcnow
from . import revision
from .errors import Invalid
from .snapshot import point_ids, roll_call_part

TIMEOUT_RANGE = (5, 600)        # seconds a roll call may give
DEFAULT_TIMEOUT = 60


def open_roll_call(session: Session, event_id: int) -> RollCall | None:
    return session.execute(select(RollCall).where(RollCall.event_id == event_id, RollCall.closed_at.is_(None))
                           .order_by(RollCall.id.desc()).execution_options(populate_existing=True)).scalars().first()


def _publish(session: Session, event_id: int, actor: str, row: RollCall, action: str, now: datetime, **cue):
    session.flush()
    part = roll_call_part(row, point_ids(session, event_id))
    return revision.commit_change(session, event_id, actor, action, {"coord": {"roll_call": part}}, now=now,
                                  roll_call_id=row.id, **cue)


def start(session: Session, event_id: int, actor: str, args: dict, point=None) -> revision.Change:
    timeout = args.get("timeout_s", DEFAULT_TIMEOUT)
    if not isinstance(timeout, int) or isinstance(timeout, bool) or not TIMEOUT_RANGE[0] <= timeout <= TIMEOUT_RANGE[1]:
        raise Invalid(lazy("Thời gian điểm danh phải từ %(low)s đến %(high)s giây.",
                           low=TIMEOUT_RANGE[0], high=TIMEOUT_RANGE[1]))
    with revision.change(session, event_id):
        if open_roll_call(session, event_id) is not None:
            raise Invalid(lazy("Đang có một lượt điểm danh; hãy đóng lượt đó trước."))
        now = utcnow()
        row = RollCall(event_id=event_id, started_at=now, deadline_at=now + timedelta(seconds=timeout),
                       started_by=actor)
        session.add(row)
        return _publish(session, event_id, actor, row, "roll_call_start", now, timeout_s=timeout)


def answer(session: Session, event_id: int, actor: str, args: dict, point: BridgePoint) -> revision.Change | None:
    """A point confirms. Confirming twice changes nothing (a double tap on a phone is not an error)."""
    with revision.change(session, event_id):
        row = open_roll_call(session, event_id)
        now = utcnow()
        if row is None or now > row.deadline_at:
            raise Invalid(lazy("Không có lượt điểm danh nào đang mở (hoặc đã quá hạn)."))
        if any(a.bridge_point_id == point.id for a in row.answers):
            return None
        row.answers.append(RollCallAnswer(bridge_point_id=point.id, answered_at=now, answered_by=actor))
        if len(row.answers) >= len(point_ids(session, event_id)):
            row.closed_at = now
        return _publish(session, event_id, actor, row, "roll_call_answer", now, bridge_point_id=point.id)


def close(session: Session, event_id: int, actor: str, args: dict | None = None, point=None) -> revision.Change:
    with revision.change(session, event_id):
        row = open_roll_call(session, event_id)
        if row is None:
            raise Invalid(lazy("Không có lượt điểm danh nào đang mở."))
        now = utcnow()
        row.closed_at = min(now, row.deadline_at)
        return _publish(session, event_id, actor, row, "roll_call_close", now)


def close_due(session: Session, now: datetime | None = None) -> list[revision.Change]:
    """Closes every roll call whose time is up: called by the server's ticker, or a test's clock."""
    now = now or utcnow()
    changes = []
    due = session.execute(select(RollCall.event_id).where(RollCall.closed_at.is_(None),
                                                          RollCall.deadline_at <= now)).scalars().all()
    for event_id in due:
        with revision.change(session, event_id):
            row = open_roll_call(session, event_id)
            if row is None or row.deadline_at > now:
                continue
            row.closed_at = row.deadline_at
            changes.append(_publish(session, event_id, "Hệ thống", row, "roll_call_close", now))
    return changes
