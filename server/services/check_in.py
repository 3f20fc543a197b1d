"""Check-in: one scan at one gate of one bridge point, applied at most once.

Modelled on pretix's `perform_checkin`: the scanner makes the scan id, so a scan replayed after a
lost answer or an offline spell is recognised and answered as before; a late scan keeps the time it
was made; a scan made offline that the server would have refused (or that checked the same person in
at two points) is kept and flagged, never dropped. Across server processes the unique keys on
(event, scan id) and on the delegate's check-in make the same guarantees: a lost race is retried and
then sees the winner.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from blinker import signal
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..i18n import _, lazy
from ..models import BridgePoint, CheckIn, Delegate, Event, Scan, ScannerDevice, User, to_ms, utcnow
from . import delegate_categories, delegates, invitation_tokens, local_time, permissions
from .accounts import actor_name
from .bridge_points import require_point
from .errors import Forbidden, Invalid, ServiceError
from .events import require_open_id
from .revision import event_lock
from .text import short_text

# Realtime listens: an arrival or a flagged scan goes to the attendance dashboards.
checked_in = signal("checked-in")

SCAN_ID = re.compile(r"^[A-Za-z0-9_.:-]{8,64}$")
MAX_BATCH = 500
LATE_LIMIT = timedelta(days=3)        # a queued scan older than this is kept, with the server's time
AHEAD_LIMIT = timedelta(minutes=5)    # a scanner clock this far ahead is wrong
ACCEPTED = ("welcome", "already")


@dataclass
class Station:
    """Where a scan is made: a gate of a bridge point, by a device or a member of staff."""
    event_id: int
    bridge_point: BridgePoint
    gate: str
    actor: str
    device_id: int | None = None


def station_for(session: Session, event_id: int, user: User, bridge_point_id=None, gate=None) -> Station:
    """An enrolled device scans at its own gate; staff at their own point; organisers anywhere."""
    require_open_id(session, event_id)      # an archived event takes no more scans
    device = session.execute(select(ScannerDevice).where(ScannerDevice.user_id == user.id)).scalar_one_or_none()
    if device is not None:
        if device.revoked_at is not None or device.event_id != event_id:
            raise Forbidden(lazy("Máy quét này đã bị thu hồi hoặc không thuộc hội nghị này; hãy đăng ký lại."))
        point = session.get(BridgePoint, device.bridge_point_id)
        return Station(event_id, point, device.gate, actor_name(user), device.id)
    if bridge_point_id is None and not permissions.anywhere(user, "checkin.scan"):
        bridge_point_id = user.bridge_point_id
    if bridge_point_id is None:
        permissions.require(user, "checkin.scan")     # one who may not scan is told so, not to pick a point
        raise Invalid(lazy("Chọn điểm cầu nơi đang quét (bridge_point_id)."))
    point = require_point(session, event_id, bridge_point_id)
    permissions.require(user, "checkin.scan", point.id)
    return Station(event_id, point, short_text(gate, 60, _("Cổng")) or str(lazy("Cổng chính")), actor_name(user))


def delegate_brief(delegate: Delegate, points: dict[int, BridgePoint], labels: dict[str, str]) -> dict:
    """`labels`: the event's category labels (delegate_categories.labels)."""
    point = points.get(delegate.bridge_point_id)
    return {"id": delegate.id, "full_name": delegate.full_name, "position_title": delegate.position_title,
            "organisation": delegate.organisation, "category": delegate.category,
            "category_label": labels.get(delegate.category, delegate.category),
            "seat": delegates.seat_text(delegate), "vip": delegate.vip, "award": delegate.award,
            "bridge_point_id": delegate.bridge_point_id, "bridge_point": point.short_name if point else ""}


def arrivals(session: Session, delegate_ids: list[int]) -> dict[int, datetime]:
    """Arrival time by delegate, for the people a name search found."""
    if not delegate_ids:
        return {}
    return dict(session.execute(select(CheckIn.delegate_id, CheckIn.at).where(CheckIn.delegate_id.in_(delegate_ids))).all())


def _points(session: Session, event_id: int) -> dict[int, BridgePoint]:
    return {p.id: p for p in session.execute(select(BridgePoint).where(BridgePoint.event_id == event_id)).scalars()}


def _message(verdict: str, event: Event, delegate: Delegate | None, arrival: CheckIn | None,
             points: dict[int, BridgePoint]) -> str:
    if verdict == "welcome":
        return _("Chào mừng đại biểu")
    if verdict == "already" and arrival is not None:
        return _("Đã điểm danh lúc %(time)s tại %(point)s – %(gate)s", time=local_time.clock(event, arrival.at),
                 point=points[arrival.bridge_point_id].short_name, gate=arrival.gate)
    if verdict == "wrong_point" and delegate is not None:
        return _("Đại biểu thuộc điểm cầu %(point)s", point=points[delegate.bridge_point_id].short_name)
    return {
        "invalid": _("Mã không hợp lệ: không phải thư mời của hội nghị này."),
        "foreign": _("Thư mời của một hội nghị khác."),
        "revoked": _("Thư mời đã bị thu hồi."),
        "replaced": _("Thư mời này đã được thay bằng thư mời mới; đề nghị dùng thư mời mới."),
    }.get(verdict, verdict)


def result(session: Session, row: Scan, *, replayed: bool = False) -> dict:
    """What the scanner shows, from the stored scan: the same answer however often it is replayed."""
    event = session.get(Event, row.event_id)
    points = _points(session, row.event_id)
    delegate = session.get(Delegate, row.delegate_id) if row.delegate_id else None
    arrival = session.execute(select(CheckIn).where(CheckIn.delegate_id == row.delegate_id)).scalar_one_or_none() \
        if delegate else None
    out = {"scan_id": row.scan_id, "verdict": row.verdict, "replayed": replayed, "conflict": row.conflict,
           "scanned_at": to_ms(row.scanned_at), "override_reason": row.override_reason,
           "message": _message(row.verdict, event, delegate, arrival, points),
           "delegate": delegate_brief(delegate, points, delegate_categories.labels(session, row.event_id))
           if delegate else None,
           "check_in": None}
    if arrival is not None:
        out["check_in"] = {"at": to_ms(arrival.at), "time": local_time.clock(event, arrival.at),
                           "bridge_point": points[arrival.bridge_point_id].short_name, "gate": arrival.gate}
    return out


@dataclass
class _Request:
    scan_id: str
    code: str | None
    delegate_id: int | None
    scanned_at: datetime
    offline: bool
    override_reason: str
    method: str
    clock_note: str


def _parse(payload, now: datetime, method: str | None = None) -> _Request:
    if not isinstance(payload, dict):
        raise Invalid(lazy("Mỗi lượt quét phải là một đối tượng JSON."))
    scan_id = payload.get("scan_id")
    if not isinstance(scan_id, str) or not SCAN_ID.match(scan_id):
        raise Invalid(lazy("Thiếu mã lượt quét (scan_id: 8–64 ký tự chữ, số, - _ . :)."))
    code, delegate_id = payload.get("code"), payload.get("delegate_id")
    if code is not None and not isinstance(code, str):
        raise Invalid(lazy("Mã quét (code) phải là văn bản."))
    if delegate_id is not None and (not isinstance(delegate_id, int) or isinstance(delegate_id, bool)):
        raise Invalid(lazy("Mã đại biểu (delegate_id) phải là một số."))
    if (code is None) == (delegate_id is None):
        raise Invalid(lazy("Mỗi lượt quét cần đúng một trong hai: mã QR (code) hoặc đại biểu tìm theo tên (delegate_id)."))
    scanned_at, clock_note = now, ""
    raw = payload.get("scanned_at")
    if raw is not None:
        if not isinstance(raw, (int, float)) or isinstance(raw, bool):
            raise Invalid(lazy("Giờ quét (scanned_at) phải là mili giây kể từ 1970."))
        try:
            when = datetime.fromtimestamp(raw / 1000, timezone.utc)
        except (OverflowError, OSError, ValueError):
            when = None
        if when is not None and now - LATE_LIMIT <= when <= now + AHEAD_LIMIT:
            scanned_at = min(when, now)
        else:          # kept, never lost: with the server's time and a note to look at the device's clock
            clock_note = str(lazy("Giờ của máy quét sai lệch; đã ghi theo giờ máy chủ."))
    offline = payload.get("offline", False)
    if not isinstance(offline, bool):
        raise Invalid(lazy("offline phải là true hoặc false."))
    return _Request(scan_id, code, delegate_id, scanned_at, offline,
                    short_text(payload.get("override_reason"), 200, _("Lý do cho vào")),
                    method or ("search" if delegate_id is not None else "qr"), clock_note)


def _decide(session: Session, station: Station, req: _Request) -> tuple[str, Delegate | None, str]:
    """(verdict, delegate, conflict note) for a new scan id."""
    if req.code is not None:
        reading = invitation_tokens.read(session, station.event_id, req.code)
        delegate = reading.invitation.delegate if reading.invitation else None
        if reading.verdict != "ok":
            note = str(lazy("Mã bị từ chối được quét khi mất kết nối.")) if req.offline else ""
            return reading.verdict, delegate, note
    else:
        delegate = delegates.require(session, station.event_id, req.delegate_id)
    arrival = session.execute(select(CheckIn).where(CheckIn.delegate_id == delegate.id)).scalar_one_or_none()
    if arrival is not None:
        note = ""
        if req.offline and arrival.bridge_point_id != station.bridge_point.id:
            note = str(lazy("Cùng một người được điểm danh ở hai điểm cầu khi mất kết nối."))
        return "already", delegate, note
    if delegate.bridge_point_id not in (None, station.bridge_point.id) and not req.override_reason:
        note = str(lazy("Đại biểu của điểm cầu khác đã được quét khi mất kết nối.")) if req.offline else ""
        return "wrong_point", delegate, note
    return "welcome", delegate, ""


def _apply(session: Session, station: Station, req: _Request, now: datetime) -> tuple[Scan, bool]:
    """(scan row, whether it was already there). Commits."""
    existing = session.execute(select(Scan).where(Scan.event_id == station.event_id,
                                                  Scan.scan_id == req.scan_id)).scalar_one_or_none()
    if existing is not None:
        return existing, True
    verdict, delegate, conflict = _decide(session, station, req)
    row = Scan(event_id=station.event_id, scan_id=req.scan_id, delegate_id=delegate and delegate.id,
               bridge_point_id=station.bridge_point.id, gate=station.gate, device_id=station.device_id,
               actor=station.actor, method=req.method, verdict=verdict, scanned_at=req.scanned_at,
               received_at=now, offline=req.offline, override_reason=req.override_reason if verdict == "welcome" else "",
               conflict=" ".join(filter(None, [conflict, req.clock_note])))
    session.add(row)
    session.flush()
    if verdict == "welcome":
        session.add(CheckIn(event_id=station.event_id, delegate_id=delegate.id, bridge_point_id=station.bridge_point.id,
                            gate=station.gate, at=req.scanned_at, scan_row_id=row.id,
                            override_reason=req.override_reason))
    elif verdict == "already":
        arrival = session.execute(select(CheckIn).where(CheckIn.delegate_id == delegate.id)).scalar_one()
        # A late scan made earlier becomes the arrival, if it would have let the person in there: so the
        # arrival does not depend on which offline queue reached the server first.
        admissible = delegate.bridge_point_id in (None, station.bridge_point.id) or bool(req.override_reason)
        if admissible and req.scanned_at < arrival.at:
            arrival.at, arrival.bridge_point_id, arrival.gate, arrival.scan_row_id = \
                req.scanned_at, station.bridge_point.id, station.gate, row.id
    if station.device_id is not None:
        device = session.get(ScannerDevice, station.device_id)
        device.last_seen_at, device.scans = now, device.scans + 1
    session.commit()
    return row, False


def scan(session: Session, station: Station, payload, *, now: datetime | None = None,
         method: str | None = None) -> dict:
    """Applies one scan (or answers a replayed scan id as before) and returns what the scanner shows."""
    now = now or utcnow()
    req = _parse(payload, now, method)
    for attempt in range(3):
        try:
            with event_lock(station.event_id, "check_in"):
                row, replayed = _apply(session, station, req, now)
            break
        except IntegrityError:                # another process won a race on a unique key: look again
            session.rollback()
            if attempt == 2:
                raise
    out = result(session, row, replayed=replayed)
    if not replayed and (row.verdict == "welcome" or row.conflict):
        checked_in.send(station.event_id, session=session, result=out, scan=row)
    return out


def scan_batch(session: Session, station: Station, scans) -> list[dict]:
    """A scanner's queue replayed after an offline spell: each scan answered on its own, a bad one
    with its error, so one garbled entry never blocks the rest."""
    if not isinstance(scans, list) or not scans:
        raise Invalid(lazy("Cần danh sách lượt quét (scans) không rỗng."))
    if len(scans) > MAX_BATCH:
        raise Invalid(lazy("Tối đa %(n)s lượt quét mỗi lần gửi; hãy chia nhỏ hàng đợi.", n=MAX_BATCH))
    out = []
    for payload in scans:
        try:
            out.append(scan(session, station, payload))
        except ServiceError as exc:
            scan_id = payload.get("scan_id") if isinstance(payload, dict) else None
            out.append({"scan_id": scan_id if isinstance(scan_id, str) else None, "verdict": "error",
                        "error": exc.to_dict()})
    return out


def walk_in(session: Session, station: Station, user: User, data, scan_id) -> dict:
    """Khách đến không có tên trong danh sách: staff with the right add them at the door, at this point,
    give them an invitation (so a printed badge can follow) and check them in, in one go."""
    permissions.require(user, "checkin.walk_in", station.bridge_point.id)
    if not isinstance(data, dict):
        raise Invalid(lazy("Thông tin khách phải là một đối tượng JSON."))
    if not isinstance(scan_id, str) or not SCAN_ID.match(scan_id):
        raise Invalid(lazy("Thiếu mã lượt quét (scan_id: 8–64 ký tự chữ, số, - _ . :)."))
    fields = dict(data, bridge_point_id=station.bridge_point.id)
    now = utcnow()

    def stored() -> Scan | None:
        return session.execute(select(Scan).where(Scan.event_id == station.event_id,
                                                  Scan.scan_id == scan_id)).scalar_one_or_none()

    for attempt in range(3):
        try:       # the look-up, the new person, their invitation and the scan: one lock, one commit
            with event_lock(station.event_id, "check_in"):
                existing = stored()
                if existing is not None:      # the same walk-in sent twice: answered as before
                    return result(session, existing, replayed=True)
                delegate = delegates.add(session, station.event_id, fields, station.actor, walk_in=True)
                invitation_tokens.issue(session, delegate)
                req = _parse({"scan_id": scan_id, "delegate_id": delegate.id}, now, "walk_in")
                row, replayed = _apply(session, station, req, now)
                if replayed:                  # another process took this scan id meanwhile: theirs stands
                    session.rollback()
            break
        except IntegrityError:                # another process took this scan id: look again
            session.rollback()
            if attempt == 2:
                raise
        except ServiceError:                  # e.g. "already in the list": because another process just
            session.rollback()                # added them with this very scan id?
            existing = stored()
            if existing is not None:
                return result(session, existing, replayed=True)
            raise
        except BaseException:
            session.rollback()
            raise
    out = result(session, row, replayed=replayed)
    if not replayed:
        checked_in.send(station.event_id, session=session, result=out, scan=row)
    return out
