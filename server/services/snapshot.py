"""What a screen needs to draw the show: a full snapshot on connect, then patches of the same parts."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..i18n import lazy
from ..models import (Award, AwardBatch, AwardKind, BridgePoint, CheckIn, CheckMark, Delegate, Event, FloorRequest,
                      Incident, LinkPolicy, LocalItem, PointMessage, ProgrammeItem, RollCall, ShowState, SiteCursor,
                      Tally, to_ms, utcnow)
from .errors import NotFound


def show_part(state: ShowState) -> dict:
    return {
        "status": state.status,
        "cursor": state.cursor,
        "cursor_rev": state.cursor_rev,
        "item_started_at": to_ms(state.item_started_at),
        "paused_at": to_ms(state.paused_at),
        "paused_ms": state.paused_ms,
        "extra_ms": state.extra_ms,
        "show_started_at": to_ms(state.show_started_at),
        "show_ended_at": to_ms(state.show_ended_at),
    }


def site_part(cursor: SiteCursor) -> dict:
    return {
        "bridge_point_id": cursor.bridge_point_id,
        "segment_id": cursor.segment_id,
        "status": cursor.status,
        "index": cursor.index,
        "changed_rev": cursor.changed_rev,
        "item_started_at": to_ms(cursor.item_started_at),
        "opened_at": to_ms(cursor.opened_at),
        "finished_at": to_ms(cursor.finished_at),
    }


def timing_part(item: ProgrammeItem) -> dict:
    return {"id": item.id, "actual_start": to_ms(item.actual_start), "actual_end": to_ms(item.actual_end)}


def _local_item(item: LocalItem) -> dict:
    return {"id": item.id, "content": item.content, "performer": item.performer,
            "duration_s": item.duration_s, "script": item.script}


def item_part(item: ProgrammeItem) -> dict:
    return {
        "id": item.id,
        "number": item.position + 1,
        "content": item.content,
        "performer": item.performer,
        "duration_s": item.duration_s,
        "script": item.script,
        "is_local_segment": item.is_local_segment,
        "local_for": item.local_for,
        "local_items": [_local_item(li) for li in item.local_items],
        **timing_part(item),
    }


def programme(session: Session, event_id: int) -> list[ProgrammeItem]:
    return list(session.execute(
        select(ProgrammeItem).where(ProgrammeItem.event_id == event_id)
        .options(selectinload(ProgrammeItem.local_items)).order_by(ProgrammeItem.position)
    ).scalars())


def programme_part(session: Session, event_id: int) -> list[dict]:
    return [item_part(item) for item in programme(session, event_id)]


def event_part(event: Event) -> dict:
    return {"id": event.id, "slug": event.slug, "title": event.title, "banner": event.banner,
            "organiser": event.organiser, "venue": event.venue, "starts_at": to_ms(event.starts_at),
            "timezone": event.timezone}


def bridge_point_part(point: BridgePoint) -> dict:
    return {"id": point.id, "code": point.code, "name": point.name, "short_name": point.short_name,
            "kind": point.kind}


# --- bridge-point coordination -------------------------------------------------------------------
# Lists are sent whole in the snapshot and as changed rows (by "id") in patches under "coord";
# objects (tally, policy, roll_call) are replaced whole.

LINK_POLICY_DEFAULTS = {"beat_interval_ms": 5000, "rtt_degraded_ms": 400, "jitter_degraded_ms": 150,
                        "missed_degraded": 2, "lost_after_ms": 15000}
RECENT_MESSAGES = 30


def tally_part(row: Tally | None) -> dict:
    return {"program": row and row.program_point_id, "preview": row and row.preview_point_id,
            "changed_at": to_ms(row and row.changed_at)}


def policy_part(row: LinkPolicy | None) -> dict:
    if row is None:
        return dict(LINK_POLICY_DEFAULTS)
    return {key: getattr(row, key) for key in LINK_POLICY_DEFAULTS}


def check_part(row: CheckMark) -> dict:
    return {"id": f"{row.bridge_point_id}:{row.check}", "bridge_point_id": row.bridge_point_id,
            "check": row.check, "status": row.status, "note": row.note, "marked_at": to_ms(row.marked_at),
            "marked_by": row.marked_by}


def roll_call_part(row: RollCall | None, point_ids: list[int]) -> dict | None:
    if row is None:
        return None
    answers = {str(a.bridge_point_id): to_ms(a.answered_at) for a in row.answers}
    return {"id": row.id, "started_at": to_ms(row.started_at), "deadline_at": to_ms(row.deadline_at),
            "closed_at": to_ms(row.closed_at), "started_by": row.started_by, "answers": answers,
            "missing": [p for p in point_ids if str(p) not in answers] if row.closed_at else []}


def floor_part(row: FloorRequest) -> dict:
    return {"id": row.id, "bridge_point_id": row.bridge_point_id, "note": row.note, "status": row.status,
            "requested_at": to_ms(row.requested_at), "decided_at": to_ms(row.decided_at),
            "decided_by": row.decided_by, "reason": row.reason}


def incident_part(row: Incident) -> dict:
    return {"id": row.id, "bridge_point_id": row.bridge_point_id, "kind": row.kind, "note": row.note,
            "status": row.status, "reported_at": to_ms(row.reported_at),
            "acknowledged_at": to_ms(row.acknowledged_at), "resolved_at": to_ms(row.resolved_at),
            "entries": [{"at": to_ms(e.at), "action": e.action, "actor": e.actor, "note": e.note}
                        for e in row.entries]}


def message_part(row: PointMessage) -> dict:
    return {"id": row.id, "bridge_point_id": row.bridge_point_id, "text": row.text,
            "sent_at": to_ms(row.sent_at), "sent_by": row.sent_by}


def point_ids(session: Session, event_id: int) -> list[int]:
    return list(session.execute(select(BridgePoint.id).where(BridgePoint.event_id == event_id)
                                .order_by(BridgePoint.position)).scalars())


def coordination_part(session: Session, event_id: int) -> dict:
    def rows(model, *order, load=()):
        return session.execute(select(model).where(model.event_id == event_id).order_by(*order)
                               .options(*(selectinload(rel) for rel in load))
                               .execution_options(populate_existing=True)).scalars()
    # Every connect takes a snapshot: timelines and answers come in one query each, not one per row.
    roll_call = session.execute(select(RollCall).where(RollCall.event_id == event_id).order_by(RollCall.id.desc())
                                .limit(1).options(selectinload(RollCall.answers))
                                .execution_options(populate_existing=True)).scalar_one_or_none()
    messages = list(session.execute(select(PointMessage).where(PointMessage.event_id == event_id)
                                    .order_by(PointMessage.id.desc()).limit(RECENT_MESSAGES)).scalars())
    return {
        "tally": tally_part(next(iter(rows(Tally, Tally.id)), None)),
        "policy": policy_part(next(iter(rows(LinkPolicy, LinkPolicy.id)), None)),
        "checks": [check_part(r) for r in rows(CheckMark, CheckMark.bridge_point_id, CheckMark.id)],
        "roll_call": roll_call_part(roll_call, point_ids(session, event_id)),
        "floor": [floor_part(r) for r in rows(FloorRequest, FloorRequest.id)],
        "incidents": [incident_part(r) for r in rows(Incident, Incident.id, load=[Incident.entries])],
        "messages": [message_part(r) for r in reversed(messages)],
    }


# --- awards ------------------------------------------------------------------------------------
# Sent whole in the snapshot and after a (re)arrangement ("awards_all"); the live flow sends the
# changed batch and awards under "awards", merged by id.

def award_part(award: Award, kind: AwardKind, delegate: Delegate, checked_in_at) -> dict:
    from .awards import decision_text
    from .delegates import seat_text
    return {"id": award.id, "kind_id": kind.id, "kind": kind.name, "level": award.level,
            "delegate_id": delegate.id, "name": delegate.full_name, "collective": award.collective,
            "position_title": delegate.position_title, "organisation": delegate.organisation,
            "seat": str(seat_text(delegate)), "decision": decision_text(award, kind), "citation": award.citation,
            "bridge_point_id": award.bridge_point_id, "programme_item_id": award.programme_item_id,
            "local_item_id": award.local_item_id, "batch_id": award.batch_id, "stage_order": award.stage_order,
            "status": award.status, "proxy_name": award.proxy_name, "marked_at": to_ms(award.marked_at),
            "checked_in_at": to_ms(checked_in_at)}


def batch_part(batch: AwardBatch) -> dict:
    return {"id": batch.id, "bridge_point_id": batch.bridge_point_id, "programme_item_id": batch.programme_item_id,
            "local_item_id": batch.local_item_id, "position": batch.position, "presenter": batch.presenter,
            "seat_block": batch.seat_block, "status": batch.status, "called_at": to_ms(batch.called_at),
            "done_at": to_ms(batch.done_at)}


def award_rows(session: Session, event_id: int, *where) -> list[dict]:
    rows = session.execute(select(Award, AwardKind, Delegate, CheckIn.at)
                           .join(AwardKind, AwardKind.id == Award.kind_id)
                           .join(Delegate, Delegate.id == Award.delegate_id)
                           .outerjoin(CheckIn, CheckIn.delegate_id == Delegate.id)
                           .where(Award.event_id == event_id, *where)
                           .order_by(Award.batch_id, Award.stage_order, Award.id)
                           .execution_options(populate_existing=True))
    return [award_part(*row) for row in rows]


def awards_part(session: Session, event_id: int) -> dict:
    batches = session.execute(select(AwardBatch).where(AwardBatch.event_id == event_id)
                              .order_by(AwardBatch.bridge_point_id, AwardBatch.position)
                              .execution_options(populate_existing=True)).scalars()
    return {"batches": [batch_part(b) for b in batches], "awards": award_rows(session, event_id)}


def snapshot(session: Session, event_id: int) -> dict:
    event = session.get(Event, event_id)
    if event is None:
        raise NotFound(lazy("Không tìm thấy hội nghị."))
    state = session.execute(select(ShowState).where(ShowState.event_id == event_id)
                            .execution_options(populate_existing=True)).scalar_one()
    cursors = session.execute(select(SiteCursor).where(SiteCursor.event_id == event_id)
                              .execution_options(populate_existing=True)).scalars()
    return {
        "rev": state.rev,
        "server_time": to_ms(utcnow()),
        "event": event_part(event),
        "bridge_points": [bridge_point_part(p) for p in event.bridge_points],
        "items": programme_part(session, event_id),
        "show": show_part(state),
        "sites": [site_part(c) for c in cursors],
        "coord": coordination_part(session, event_id),
        "awards": awards_part(session, event_id),
    }
