"""Invitations as people receive them: the personal URL their QR opens, and the printable cards for
a set of delegates (the layout is invitation_print's; this module only gathers the data)."""
from __future__ import annotations

from flask_babel import force_locale
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..models import BridgePoint, Delegate, Event, Invitation, utcnow
from . import invitation_tokens, local_time
from .delegate_categories import labels as category_labels
from .delegates import seat_text
from .invitation_print import InvitationCard, InvitationEvent, InvitationHeader



def personal_url(base_url: str, invitation: Invitation) -> str:
    return f"{base_url.rstrip('/')}/i/{invitation_tokens.token_for(invitation)}"


def header(event: Event) -> InvitationHeader:
    """Dated today where the event is (local_time.today), not on the server's UTC clock."""
    return InvitationHeader(issuing_body=event.issuing_body or event.organiser.upper(),
                            document_number=event.document_number, place_name=event.place_name or "",
                            issued_on=local_time.today(event))


def printed(event: Event) -> tuple[InvitationHeader, InvitationEvent]:
    """The header and event block of a printed invitation: an official Vietnamese document, so in
    Vietnamese whatever the language of whoever prints it (the page at /i/ follows the reader)."""
    with force_locale("vi"):
        return header(event), event_block(event)


def event_block(event: Event) -> InvitationEvent:
    return InvitationEvent(title=event.title, starts_at_text=local_time.when(event), venue=event.venue)


def cards(session: Session, event: Event, people: list[Delegate], base_url: str) -> list[InvitationCard]:
    """One card per delegate with a live invitation, in the order given (people without one are
    skipped: revoked means no invitation)."""
    points = {p.id: p for p in session.execute(select(BridgePoint).where(BridgePoint.event_id == event.id)).scalars()}
    live = {row.delegate_id: row for row in session.execute(
        select(Invitation).where(Invitation.event_id == event.id, Invitation.revoked_at.is_(None),
                                 Invitation.replaced_at.is_(None))).scalars()}
    labels = category_labels(session, event.id)
    out = []
    for d in people:
        invitation = live.get(d.id)
        if invitation is None:
            continue
        point = points.get(d.bridge_point_id)
        out.append(InvitationCard(full_name=d.full_name, position_title=d.position_title, organisation=d.organisation,
                                  category_label=labels.get(d.category, d.category), seat=seat_text(d),
                                  bridge_point=point.name if point else "", award=d.award,
                                  url=personal_url(base_url, invitation)))
    return out


def mark_printed(session: Session, event_id: int, delegate_ids: list[int]) -> None:
    """The live invitations just put in a PDF or PNG, for the setup checklist (first time only)."""
    if delegate_ids:
        session.execute(update(Invitation).where(
            Invitation.event_id == event_id, Invitation.delegate_id.in_(delegate_ids), Invitation.printed_at.is_(None),
            Invitation.revoked_at.is_(None), Invitation.replaced_at.is_(None)).values(printed_at=utcnow()))
        session.commit()
