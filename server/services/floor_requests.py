"""Xin phát biểu: a bridge point asks for the floor; the control room grants (the point goes on air)
or declines. The queue is the pending requests in the order they came."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..i18n import lazy
from ..models import BridgePoint, FloorRequest, utcnow
from . import revision
from .errors import Invalid, NotFound
from .snapshot import floor_part, tally_part
from .tally import put_on_air, tally_row
from .text import short_text

NOTE_LIMIT = 300


def queue(session: Session, event_id: int) -> list[FloorRequest]:
    return list(session.execute(select(FloorRequest).where(
        FloorRequest.event_id == event_id, FloorRequest.status == "pending")
        .order_by(FloorRequest.requested_at, FloorRequest.id)).scalars())


def _pending_of(session: Session, event_id: int, point_id: int) -> tuple[int, FloorRequest] | None:
    for place, row in enumerate(queue(session, event_id), start=1):
        if row.bridge_point_id == point_id:
            return place, row
    return None


def request(session: Session, event_id: int, actor: str, args: dict, point: BridgePoint) -> revision.Change:
    note = short_text(args.get("note"), NOTE_LIMIT, lazy("Nội dung xin phát biểu"))
    with revision.change(session, event_id):
        pending = _pending_of(session, event_id, point.id)
        if pending:
            raise Invalid(lazy("%(point)s đã xin phát biểu và đang ở vị trí %(place)s trong hàng chờ.",
                               point=point.short_name, place=pending[0]))
        now = utcnow()
        row = FloorRequest(event_id=event_id, bridge_point_id=point.id, note=note, status="pending",
                           requested_at=now, requested_by=actor)
        session.add(row)
        session.flush()
        return revision.commit_change(session, event_id, actor, "floor_request", {"coord": {"floor": [floor_part(row)]}},
                                      now=now, bridge_point_id=point.id, note=note)


def withdraw(session: Session, event_id: int, actor: str, args: dict, point: BridgePoint) -> revision.Change:
    with revision.change(session, event_id):
        pending = _pending_of(session, event_id, point.id)
        if not pending:
            raise Invalid(lazy("%(point)s không có yêu cầu phát biểu nào đang chờ.", point=point.short_name))
        return _decide(session, event_id, actor, pending[1], "withdrawn", "")


def _pending_by_id(session: Session, event_id: int, args: dict) -> FloorRequest:
    request_id = args.get("request_id")
    row = session.get(FloorRequest, request_id) if isinstance(request_id, int) else None
    if row is None or row.event_id != event_id:
        raise NotFound(lazy("Không tìm thấy yêu cầu phát biểu %(id)s.", id=str(request_id)[:20]))
    if row.status != "pending":
        raise Invalid(lazy("Yêu cầu phát biểu này đã được xử lý (%(status)s).", status=row.status))
    return row


def _decide(session: Session, event_id: int, actor: str, row: FloorRequest, status: str, reason: str,
            coord: dict | None = None) -> revision.Change:
    now = utcnow()
    row.status, row.decided_at, row.decided_by, row.reason = status, now, actor, reason
    coord = {**(coord or {}), "floor": [floor_part(row)]}
    return revision.commit_change(session, event_id, actor, f"floor_{status}", {"coord": coord}, now=now,
                                  bridge_point_id=row.bridge_point_id, request_id=row.id, reason=reason)


def grant(session: Session, event_id: int, actor: str, args: dict, point=None) -> revision.Change:
    """The point gets the floor: it goes on air in the same change, so every screen sees both at once."""
    with revision.change(session, event_id):
        row = _pending_by_id(session, event_id, args)
        tally = tally_row(session, event_id)
        put_on_air(tally, row.bridge_point_id, utcnow())
        return _decide(session, event_id, actor, row, "granted", "", {"tally": tally_part(tally)})


def decline(session: Session, event_id: int, actor: str, args: dict, point=None) -> revision.Change:
    reason = short_text(args.get("reason"), NOTE_LIMIT, lazy("Lý do"))
    with revision.change(session, event_id):
        return _decide(session, event_id, actor, _pending_by_id(session, event_id, args), "declined", reason)
