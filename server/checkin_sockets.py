"""Socket.IO events of the check-in: the scanner's station and offline roster, scans (one or a
replayed queue), name search, walk-ins, and the subscriptions of the attendance dashboard and of the
control room's delegate counts. Each acks {"ok": true, ...} or {"ok": false, "error": {code, message}}
through `sockets.handler`."""
from __future__ import annotations

from flask_socketio import join_room
from sqlalchemy import select

from .i18n import _
from .models import BridgePoint, to_ms, utcnow
from .realtime import attendance_room, control_room
from .services import attendance, check_in, delegate_categories, delegates, permissions
from .services.errors import Invalid
from .services.roster import roster
from .sockets import handler


def _station(s, user, event_id, payload):
    if not isinstance(payload, dict):
        raise Invalid(_("Nội dung phải là một đối tượng JSON."))
    return check_in.station_for(s, event_id, user, payload.get("bridge_point_id"), payload.get("gate"))


def station_part(station: check_in.Station) -> dict:
    point: BridgePoint = station.bridge_point
    return {"bridge_point_id": point.id, "bridge_point": point.short_name, "bridge_point_name": point.name,
            "gate": station.gate, "device_id": station.device_id}


@handler("scanner")
def on_scanner(s, user, event_id, payload):
    """A scanner starts (or comes back): where it stands, and its point's roster for offline verdicts."""
    station = _station(s, user, event_id, payload)
    return {"station": station_part(station), "roster": roster(s, event_id, station.bridge_point.id),
            "server_time": to_ms(utcnow()),
            "can_walk_in": permissions.allows(user, "checkin.walk_in", station.bridge_point.id)}


@handler("scan")
def on_scan(s, user, event_id, payload):
    """{scan: {...}} for one scan, or {scans: [...]} for a queue replayed after an offline spell."""
    station = _station(s, user, event_id, payload)
    if "scans" in payload:
        return {"results": check_in.scan_batch(s, station, payload["scans"])}
    return {"result": check_in.scan(s, station, payload.get("scan"))}


@handler("find_delegate")
def on_find(s, user, event_id, payload):
    station = _station(s, user, event_id, payload)
    query = payload.get("q")
    if not isinstance(query, str) or len(query) > 100:
        raise Invalid(_("Nhập tên cần tìm (tối đa 100 ký tự)."))
    points = {p.id: p for p in s.execute(select(BridgePoint).where(BridgePoint.event_id == event_id)).scalars()}
    found = delegates.search(s, event_id, query, bridge_point_id=station.bridge_point.id)
    arrived = check_in.arrivals(s, [d.id for d in found])
    labels = delegate_categories.labels(s, event_id)
    return {"delegates": [dict(check_in.delegate_brief(d, points, labels), checked_in_at=to_ms(arrived.get(d.id)))
                          for d in found]}


@handler("walk_in")
def on_walk_in(s, user, event_id, payload):
    station = _station(s, user, event_id, payload)
    return {"result": check_in.walk_in(s, station, user, payload.get("delegate"), payload.get("scan_id"))}


@handler("attendance")
def on_attendance(s, user, event_id, payload):
    """The dashboard asks for the whole picture and then gets every arrival as it happens."""
    permissions.require(user, "attendance.view")
    join_room(attendance_room(event_id))
    return {"summary": attendance.summary(s, event_id)}


@handler("point_attendance")
def on_point_attendance(s, user, event_id, payload):
    """The control room's tiles: delegates arrived / expected per point, then each arrival's point
    (server/realtime.py). Joined before reading, so no arrival falls between the two."""
    permissions.require(user, "coord.control")
    join_room(control_room(event_id))
    now = to_ms(utcnow())          # before the reading, as with each arrival's (control.js keeps the newer)
    return {"server_time": now, "points": attendance.point_counts(s, event_id)}
