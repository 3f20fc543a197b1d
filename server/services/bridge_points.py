"""Finding a bridge point of an event, for every service that acts at or for one."""
from __future__ import annotations

from sqlalchemy.orm import Session

from ..i18n import lazy
from ..models import BridgePoint, row_id
from .errors import Invalid, NotFound


def require_point(session: Session, event_id: int, bridge_point_id) -> BridgePoint:
    if not isinstance(bridge_point_id, int) or isinstance(bridge_point_id, bool):
        raise Invalid(lazy("Cần mã điểm cầu (bridge_point_id) là một số."))
    point = session.get(BridgePoint, bridge_point_id) if row_id(bridge_point_id) else None
    if point is None or point.event_id != event_id:
        raise NotFound(lazy("Không tìm thấy điểm cầu %(id)s trong hội nghị này.", id=bridge_point_id))
    return point
