"""On air and standby (tally): which bridge point the programme shows (program, red) and which is
cued next (preview, green). One point cannot be both."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Tally, utcnow
from . import revision
from .bridge_points import require_point
from .snapshot import tally_part


def tally_row(session: Session, event_id: int) -> Tally:
    row = session.execute(select(Tally).where(Tally.event_id == event_id)
                          .execution_options(populate_existing=True)).scalar_one_or_none()
    if row is None:
        row = Tally(event_id=event_id)
        session.add(row)
        session.flush()
    return row


def put_on_air(row: Tally, point_id: int | None, now: datetime) -> None:
    """The point goes to program; if it was on standby, standby empties (it is no longer next)."""
    row.program_point_id = point_id
    if point_id is not None and row.preview_point_id == point_id:
        row.preview_point_id = None
    row.changed_at = now


def put_on_standby(row: Tally, point_id: int | None, now: datetime) -> None:
    row.preview_point_id = point_id
    if point_id is not None and row.program_point_id == point_id:
        row.program_point_id = None
    row.changed_at = now


def _target(session: Session, event_id: int, args: dict) -> int | None:
    """args.bridge_point_id: the point to put there, or null to clear."""
    target = args.get("bridge_point_id")
    return None if target is None else require_point(session, event_id, target).id


def _setter(put, action: str):
    def run(session: Session, event_id: int, actor: str, args: dict, point=None) -> revision.Change:
        with revision.change(session, event_id):
            target = _target(session, event_id, args)
            now = utcnow()
            row = tally_row(session, event_id)
            put(row, target, now)
            return revision.commit_change(session, event_id, actor, action, {"coord": {"tally": tally_part(row)}},
                                          now=now, bridge_point_id=target)
    return run


set_program = _setter(put_on_air, "tally_program")
set_preview = _setter(put_on_standby, "tally_preview")
