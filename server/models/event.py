"""The event (Hội nghị) and its bridge points (điểm cầu)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime

BRIDGE_POINT_KINDS = ("main", "district", "ward", "commune")
EVENT_LANGUAGES = ("vi", "en")


class Event(Base):
    __tablename__ = "event"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(Text)
    banner: Mapped[str] = mapped_column(Text, default="")       # the hall banner, one line per row
    organiser: Mapped[str] = mapped_column(String(200), default="")
    venue: Mapped[str] = mapped_column(String(200), default="")
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Ho_Chi_Minh")
    # The invitation's header block, as the plans print it: issuing body on the left with the number,
    # "ĐẢNG CỘNG SẢN VIỆT NAM" and "<place>, ngày … tháng … năm …" on the right.
    issuing_body: Mapped[str] = mapped_column(String(200), default="")     # "QUẬN ỦY QUẬN 9"
    document_number: Mapped[str] = mapped_column(String(60), default="")   # "Số 45-GM/QU"
    place_name: Mapped[str] = mapped_column(String(120), default="")       # "Quận 9"
    # The plan (kế hoạch) the event carries out, as the report and the printed pages cite it.
    plan_number: Mapped[str] = mapped_column(String(60), default="")       # "Số 227-KH/QU"
    plan_date: Mapped[date | None] = mapped_column(Date)
    language: Mapped[str] = mapped_column(String(8), default="vi")         # the invitations' and screens' own
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Read-only once archived: its commands are refused and its point accounts disabled.
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The last rehearsal reset: the report says whether it covers a rehearsal or the day.
    reset_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Awards: how many go on stage together, and until when units may send nominations.
    award_batch_size: Mapped[int] = mapped_column(default=10)
    # A GO/Next this soon after the cursor moved is refused unless confirmed (show_control._guard).
    press_guard_ms: Mapped[int] = mapped_column(default=1500, server_default="1500")
    nomination_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)

    bridge_points: Mapped[list["BridgePoint"]] = relationship(
        back_populates="event", order_by="BridgePoint.position", cascade="all, delete-orphan")


class BridgePoint(Base):
    __tablename__ = "bridge_point"
    __table_args__ = (UniqueConstraint("event_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(60))              # used in URLs: /site/long-binh
    name: Mapped[str] = mapped_column(String(200))             # "Hội trường Đảng ủy phường Long Bình"
    short_name: Mapped[str] = mapped_column(String(80))        # "P. Long Bình"
    kind: Mapped[str] = mapped_column(String(16))              # one of BRIDGE_POINT_KINDS
    position: Mapped[int] = mapped_column(default=0)

    event: Mapped[Event] = relationship(back_populates="bridge_points")
