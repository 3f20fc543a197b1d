"""What a screen needs to draw the show: a full snapshot on connect, then patches of the same parts."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..i18n import lazy
from ..models import BridgePoint, Event, LocalItem, ProgrammeItem, ShowState, SiteCursor, to_ms, utcnow
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
    }
