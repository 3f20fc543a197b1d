"""Kiểm tra kỹ thuật: the technician of a bridge point marks each check pass, fail or note.
A point is ready when every check has passed."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..i18n import lazy
from ..models import CHECK_STATUSES, CHECKS, BridgePoint, CheckMark, utcnow
from . import revision
from .errors import Invalid
from .snapshot import check_part
from .text import short_text

NOTE_LIMIT = 300


def mark(session: Session, event_id: int, actor: str, args: dict, point: BridgePoint) -> revision.Change:
    check, status = args.get("check"), args.get("status")
    if check not in CHECKS:
        raise Invalid(lazy("Mục kiểm tra không hợp lệ; chọn một trong: %(checks)s.", checks=", ".join(CHECKS)))
    if status not in CHECK_STATUSES:
        raise Invalid(lazy("Kết quả kiểm tra phải là pass, fail hoặc note."))
    note = short_text(args.get("note"), NOTE_LIMIT, lazy("Ghi chú"), required=status == "note")
    with revision.change(session, event_id):
        now = utcnow()
        row = session.execute(select(CheckMark).where(CheckMark.bridge_point_id == point.id,
                                                      CheckMark.check == check)).scalar_one_or_none()
        if row is None:
            row = CheckMark(event_id=event_id, bridge_point_id=point.id, check=check)
            session.add(row)
        row.status, row.note, row.marked_at, row.marked_by = status, note, now, actor
        return revision.commit_change(session, event_id, actor, "check_mark", {"coord": {"checks": [check_part(row)]}},
                                      now=now, bridge_point_id=point.id, check=check, status=status, note=note)


def ready_points(session: Session, event_id: int) -> set[int]:
    passed: dict[int, int] = {}
    for point_id in session.execute(select(CheckMark.bridge_point_id).where(
            CheckMark.event_id == event_id, CheckMark.status == "pass")).scalars():
        passed[point_id] = passed.get(point_id, 0) + 1
    return {p for p, n in passed.items() if n == len(CHECKS)}
