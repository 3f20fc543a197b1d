"""The run-of-show: programme items, local items, the live cursors and the cue log."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime

SHOW_STATUSES = ("standby", "running", "paused", "ended")
SITE_STATUSES = ("running", "done", "closed")


class ProgrammeItem(Base):
    """One row of the programme table (TT / Nội dung / Thực hiện). TT is its position + 1."""
    __tablename__ = "programme_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    content: Mapped[str] = mapped_column(Text)
    performer: Mapped[str] = mapped_column(Text, default="")
    duration_s: Mapped[int] = mapped_column(default=300)
    script: Mapped[str] = mapped_column(Text, default="")        # what the MC reads
    # A local segment hands each participating bridge point its own cursor over local_items.
    is_local_segment: Mapped[bool] = mapped_column(default=False)
    local_for: Mapped[str] = mapped_column(String(16), default="ward")   # bridge point kind taking part
    actual_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    actual_end: Mapped[datetime | None] = mapped_column(UTCDateTime)

    local_items: Mapped[list["LocalItem"]] = relationship(
        back_populates="segment", order_by="LocalItem.position", cascade="all, delete-orphan")


class LocalItem(Base):
    """An item that each bridge point runs on its own during a local segment."""
    __tablename__ = "local_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    segment_id: Mapped[int] = mapped_column(ForeignKey("programme_item.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    content: Mapped[str] = mapped_column(Text)
    performer: Mapped[str] = mapped_column(Text, default="")
    duration_s: Mapped[int] = mapped_column(default=300)
    script: Mapped[str] = mapped_column(Text, default="")

    segment: Mapped[ProgrammeItem] = relationship(back_populates="local_items")


class ShowState(Base):
    """The shared cursor. `rev` counts every change of the event; `cursor_rev` is the rev of the
    cursor's last change, so a command based on an older view of the cursor is refused."""
    __tablename__ = "show_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), unique=True)
    rev: Mapped[int] = mapped_column(default=0)
    cursor_rev: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(16), default="standby")
    cursor: Mapped[int] = mapped_column(default=-1)              # index into the programme; -1 before GO
    item_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused_ms: Mapped[int] = mapped_column(default=0)            # pause time accumulated in this item
    extra_ms: Mapped[int] = mapped_column(default=0)             # time added (or removed) for this item
    show_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    show_ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SiteCursor(Base):
    """One bridge point's position inside one local segment."""
    __tablename__ = "site_cursor"
    __table_args__ = (UniqueConstraint("segment_id", "bridge_point_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    segment_id: Mapped[int] = mapped_column(ForeignKey("programme_item.id", ondelete="CASCADE"))
    bridge_point_id: Mapped[int] = mapped_column(ForeignKey("bridge_point.id", ondelete="CASCADE"))
    changed_rev: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(16), default="running")
    index: Mapped[int] = mapped_column(default=0)
    item_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CueLog(Base):
    """What happened, when, by whom: the report's source of truth."""
    __tablename__ = "cue_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    rev: Mapped[int]
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(40))
    item_id: Mapped[int | None]
    local_item_id: Mapped[int | None]
    bridge_point_id: Mapped[int | None]
    detail: Mapped[str] = mapped_column(Text, default="")
