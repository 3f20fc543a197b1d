"""Sự cố: a bridge point reports a fault; the control room acknowledges it and resolves it. Every step
is an entry of the incident's timeline, kept for the report."""
from __future__ import annotations

from sqlalchemy.orm import Session

from ..i18n import lazy
from ..models import INCIDENT_KINDS, BridgePoint, Incident, IncidentEntry, utcnow
from . import revision
from .errors import Invalid, NotFound
from .snapshot import incident_part
from .text import short_text

NOTE_LIMIT = 500

# status an action may start from -> status it leaves
TRANSITIONS = {
    "acknowledged": ("open",),
    "resolved": ("open", "acknowledged"),
}


def _publish(session: Session, event_id: int, actor: str, row: Incident, action: str, note: str, now) -> revision.Change:
    row.entries.append(IncidentEntry(at=now, action=action, actor=actor, note=note))
    session.flush()
    return revision.commit_change(session, event_id, actor, f"incident_{action}",
                                  {"coord": {"incidents": [incident_part(row)]}}, now=now,
                                  bridge_point_id=row.bridge_point_id, incident_id=row.id, note=note)


def report(session: Session, event_id: int, actor: str, args: dict, point: BridgePoint) -> revision.Change:
    kind = args.get("kind")
    if kind not in INCIDENT_KINDS:
        raise Invalid(lazy("Loại sự cố không hợp lệ; chọn một trong: %(kinds)s.", kinds=", ".join(INCIDENT_KINDS)))
    note = short_text(args.get("note"), NOTE_LIMIT, lazy("Mô tả sự cố"), required=kind == "other")
    with revision.change(session, event_id):
        now = utcnow()
        row = Incident(event_id=event_id, bridge_point_id=point.id, kind=kind, note=note, status="open",
                       reported_at=now)
        session.add(row)
        return _publish(session, event_id, actor, row, "reported", note, now)


def _move(status: str):
    def run(session: Session, event_id: int, actor: str, args: dict, point=None) -> revision.Change:
        note = short_text(args.get("note"), NOTE_LIMIT, lazy("Ghi chú"))
        with revision.change(session, event_id):
            incident_id = args.get("incident_id")
            row = session.get(Incident, incident_id) if isinstance(incident_id, int) else None
            if row is None or row.event_id != event_id:
                raise NotFound(lazy("Không tìm thấy sự cố %(id)s.", id=str(incident_id)[:20]))
            session.refresh(row)
            if row.status not in TRANSITIONS[status]:
                raise Invalid(lazy("Sự cố %(id)s đang ở trạng thái “%(status)s”, không thể chuyển sang “%(target)s”.",
                                   id=row.id, status=row.status, target=status))
            now = utcnow()
            row.status = status
            setattr(row, f"{status}_at", now)
            return _publish(session, event_id, actor, row, status, note, now)
    return run


acknowledge = _move("acknowledged")
resolve = _move("resolved")
