"""The control room talks to the bridge points: a short message to one point or to all, and a flash
that makes a point's screens blink to catch the technician's eye."""
from __future__ import annotations

from sqlalchemy.orm import Session

from ..i18n import lazy
from ..models import PointMessage, to_ms, utcnow
from . import revision
from .bridge_points import require_point
from .snapshot import message_part
from .text import short_text

TEXT_LIMIT = 200


def send(session: Session, event_id: int, actor: str, args: dict, point=None) -> revision.Change:
    text = short_text(args.get("text"), TEXT_LIMIT, lazy("Tin nhắn"), required=True)
    target = args.get("bridge_point_id")
    with revision.change(session, event_id):
        target = None if target is None else require_point(session, event_id, target).id
        now = utcnow()
        row = PointMessage(event_id=event_id, bridge_point_id=target, text=text, sent_at=now, sent_by=actor)
        session.add(row)
        session.flush()
        return revision.commit_change(session, event_id, actor, "message", {"coord": {"messages": [message_part(row)]}},
                                      now=now, bridge_point_id=target, text=text)


def flash(session: Session, event_id: int, actor: str, args: dict, point=None) -> revision.Change:
    """Not kept in the snapshot: a screen that connects later has nothing to blink about."""
    with revision.change(session, event_id):
        target = require_point(session, event_id, args.get("bridge_point_id")).id
        now = utcnow()
        return revision.commit_change(session, event_id, actor, "flash",
                                      {"coord": {"flash": {"bridge_point_id": target, "at": to_ms(now)}}},
                                      now=now, bridge_point_id=target)
