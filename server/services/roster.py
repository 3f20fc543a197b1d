"""What a scanner keeps for working offline: its bridge point's people by token hash (never the
tokens themselves), so it can give an instant local verdict while the server is out of reach."""
from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..models import CheckIn, Delegate, Invitation, to_ms
from .delegate_categories import labels as category_labels
from .delegates import seat_text


def roster(session: Session, event_id: int, bridge_point_id: int) -> list[dict]:
    """Every invitation (live, revoked or replaced) of the point's delegates and of those with no
    point, each as {h, st, n, s, c, v, a, d, in}: hash, status, name, seat, category, VIP, award,
    delegate id, arrival time (ms) if already checked in."""
    rows = session.execute(
        select(Invitation, Delegate, CheckIn.at)
        .join(Delegate, Delegate.id == Invitation.delegate_id)
        .outerjoin(CheckIn, CheckIn.delegate_id == Delegate.id)
        .where(Invitation.event_id == event_id,
               or_(Delegate.bridge_point_id == bridge_point_id, Delegate.bridge_point_id.is_(None))))
    labels = category_labels(session, event_id)
    return [{"h": inv.token_hash, "st": inv.status, "d": d.id, "n": d.full_name, "s": seat_text(d),
             "c": labels.get(d.category, d.category), "v": d.vip, "a": d.award, "in": to_ms(at)}
            for inv, d, at in rows]
