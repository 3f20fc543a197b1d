"""Local segments: each participating bridge point runs its own cursor over the segment's local items.

A ward's cursor stays open after the shared programme moves on (plan 000: the district hall carries on
with its awards while the 13 wards run theirs) until the ward finishes or the operator ends it for all.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..i18n import lazy
from ..models import BridgePoint, ProgrammeItem, SiteCursor, utcnow
from . import revision
from .errors import Conflict, Invalid
from .snapshot import site_part


def open_segment(session: Session, segment: ProgrammeItem, rev: int, now: datetime) -> list[SiteCursor]:
    """Give every participating point a cursor at the first local item; points that already have
    one for this segment keep it (entering the segment again must not rewind a ward)."""
    have = set(session.execute(select(SiteCursor.bridge_point_id)
                               .where(SiteCursor.segment_id == segment.id)).scalars())
    points = session.execute(select(BridgePoint).where(
        BridgePoint.event_id == segment.event_id, BridgePoint.kind == segment.local_for)
        .order_by(BridgePoint.position)).scalars()
    opened = []
    for point in points:
        if point.id in have:
            continue
        cursor = SiteCursor(event_id=segment.event_id, segment_id=segment.id, bridge_point_id=point.id,
                            changed_rev=rev, status="running" if segment.local_items else "done",
                            index=0, item_started_at=now, opened_at=now,
                            finished_at=None if segment.local_items else now)
        session.add(cursor)
        opened.append(cursor)
    session.flush()
    return opened


def close_all(session: Session, event_id: int, rev: int, now: datetime) -> list[SiteCursor]:
    cursors = list(session.execute(select(SiteCursor).where(
        SiteCursor.event_id == event_id, SiteCursor.status != "closed")).scalars())
    for cursor in cursors:
        cursor.status = "closed"
        cursor.changed_rev = rev
        cursor.finished_at = cursor.finished_at or now
    return cursors


def active_cursor(session: Session, event_id: int, bridge_point_id: int) -> SiteCursor | None:
    return session.execute(select(SiteCursor).where(
        SiteCursor.event_id == event_id, SiteCursor.bridge_point_id == bridge_point_id,
        SiteCursor.status != "closed").order_by(SiteCursor.opened_at.desc())
        .execution_options(populate_existing=True)).scalars().first()


def step(session: Session, event_id: int, bridge_point_id: int, delta: int, *,
         expected_rev: int, actor: str) -> revision.Change:
    """Move one bridge point's local cursor one item forward (delta=1) or back (delta=-1)."""
    revision.require_rev(expected_rev)
    with revision.change(session, event_id):
        cursor = active_cursor(session, event_id, bridge_point_id)
        if cursor is None:
            raise Invalid(lazy("Điểm cầu này không có phần riêng nào đang chạy."))
        # Compare-and-set on this point's cursor first: a stale page cannot skip an item twice,
        # and learns it was stale rather than some other reason.
        claimed = session.execute(update(SiteCursor).where(
            SiteCursor.id == cursor.id, SiteCursor.changed_rev <= expected_rev)
            .values(changed_rev=SiteCursor.changed_rev)).rowcount
        if not claimed:
            raise Conflict(lazy("Lệnh dựa trên trạng thái cũ của điểm cầu; màn hình đã được cập nhật."),
                           current_rev=revision.load_state(session, event_id).rev)
        segment = session.get(ProgrammeItem, cursor.segment_id)
        count = len(segment.local_items)
        if delta > 0 and cursor.status == "done":
            raise Invalid(lazy("Điểm cầu đã kết thúc phần riêng."))
        if delta < 0 and cursor.status == "running" and cursor.index == 0:
            raise Invalid(lazy("Đang ở mục đầu tiên của phần riêng."))
        now = utcnow()
        rev = revision.bump(session, event_id)
        if delta > 0:
            if cursor.index + 1 >= count:
                cursor.status, cursor.finished_at = "done", now
            else:
                cursor.index += 1
                cursor.item_started_at = now
        else:
            if cursor.status == "done":
                cursor.status, cursor.finished_at, cursor.index = "running", None, max(count - 1, 0)
            else:
                cursor.index -= 1
            cursor.item_started_at = now
        cursor.changed_rev = rev
        local_item = segment.local_items[cursor.index] if count else None
        revision.log_cue(session, event_id, rev, now, actor, "local_next" if delta > 0 else "local_previous",
                         item_id=segment.id, bridge_point_id=bridge_point_id,
                         local_item_id=local_item.id if local_item and cursor.status == "running" else None,
                         status=cursor.status)
        session.commit()
        return revision.publish(revision.Change(event_id, rev, now, {"sites": [site_part(cursor)]}))

