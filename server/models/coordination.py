"""Bridge-point coordination: technical checks, roll calls, tally, floor requests, incidents,
messages to points, and the link-health samples kept for the report."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime

# The technical checklist of a bridge point (kiểm tra kỹ thuật), in the order the technician walks it.
CHECKS = ("network", "camera", "microphone", "speakers", "display", "backup_power", "video_call")
CHECK_STATUSES = ("pass", "fail", "note")
FLOOR_STATUSES = ("pending", "granted", "declined", "withdrawn")
INCIDENT_KINDS = ("no_picture", "no_sound", "lost_connection", "other")
INCIDENT_STATUSES = ("open", "acknowledged", "resolved")
LINK_STATES = ("unknown", "good", "degraded", "lost")


class LinkPolicy(Base):
    """The thresholds that rate a bridge point's link, set by the operator per event."""
    __tablename__ = "link_policy"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), unique=True)
    beat_interval_ms: Mapped[int] = mapped_column(default=5000)
    rtt_degraded_ms: Mapped[int] = mapped_column(default=400)
    jitter_degraded_ms: Mapped[int] = mapped_column(default=150)
    missed_degraded: Mapped[int] = mapped_column(default=2)      # consecutive unanswered beats
    lost_after_ms: Mapped[int] = mapped_column(default=15000)    # no answer at all for this long


class CheckMark(Base):
    __tablename__ = "check_mark"
    __table_args__ = (UniqueConstraint("bridge_point_id", "check"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    bridge_point_id: Mapped[int] = mapped_column(ForeignKey("bridge_point.id", ondelete="CASCADE"))
    check: Mapped[str] = mapped_column(String(32))               # one of CHECKS
    status: Mapped[str] = mapped_column(String(8))               # one of CHECK_STATUSES
    note: Mapped[str] = mapped_column(Text, default="")
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    marked_by: Mapped[str] = mapped_column(String(120))


class RollCall(Base):
    """Điểm danh điểm cầu: every bridge point must confirm before `deadline_at`."""
    __tablename__ = "roll_call"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_by: Mapped[str] = mapped_column(String(120))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    answers: Mapped[list["RollCallAnswer"]] = relationship(
        order_by="RollCallAnswer.answered_at", cascade="all, delete-orphan")


class RollCallAnswer(Base):
    __tablename__ = "roll_call_answer"
    __table_args__ = (UniqueConstraint("roll_call_id", "bridge_point_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    roll_call_id: Mapped[int] = mapped_column(ForeignKey("roll_call.id", ondelete="CASCADE"), index=True)
    bridge_point_id: Mapped[int] = mapped_column(ForeignKey("bridge_point.id", ondelete="CASCADE"))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_by: Mapped[str] = mapped_column(String(120))


class Tally(Base):
    """Which point is on air (program, red) and which stands by (preview, green)."""
    __tablename__ = "tally"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), unique=True)
    program_point_id: Mapped[int | None] = mapped_column(ForeignKey("bridge_point.id", ondelete="SET NULL"))
    preview_point_id: Mapped[int | None] = mapped_column(ForeignKey("bridge_point.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class FloorRequest(Base):
    """Xin phát biểu: a point asks for the floor; the operator grants or declines."""
    __tablename__ = "floor_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    bridge_point_id: Mapped[int] = mapped_column(ForeignKey("bridge_point.id", ondelete="CASCADE"))
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="pending")
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    requested_by: Mapped[str] = mapped_column(String(120))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[str] = mapped_column(String(120), default="")
    reason: Mapped[str] = mapped_column(Text, default="")


class Incident(Base):
    """Sự cố at a point: reported, acknowledged, resolved; every step kept in `entries`."""
    __tablename__ = "incident"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    bridge_point_id: Mapped[int] = mapped_column(ForeignKey("bridge_point.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(24))
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="open")
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    entries: Mapped[list["IncidentEntry"]] = relationship(
        order_by="IncidentEntry.id", cascade="all, delete-orphan")


class IncidentEntry(Base):
    __tablename__ = "incident_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    action: Mapped[str] = mapped_column(String(16))              # reported / acknowledged / resolved / note
    actor: Mapped[str] = mapped_column(String(120))
    note: Mapped[str] = mapped_column(Text, default="")


class PointMessage(Base):
    """A short message from the control room to one point (bridge_point_id) or to all (None)."""
    __tablename__ = "point_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    bridge_point_id: Mapped[int | None] = mapped_column(ForeignKey("bridge_point.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_by: Mapped[str] = mapped_column(String(120))


class LinkSample(Base):
    """A point's link as rated at one moment: written on every change of state and every few
    seconds, so the report can give round-trip percentiles and the time each point was lost."""
    __tablename__ = "link_sample"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    bridge_point_id: Mapped[int] = mapped_column(ForeignKey("bridge_point.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(12))
    rtt_ms: Mapped[int | None]
    jitter_ms: Mapped[int | None]
    missed: Mapped[int] = mapped_column(default=0)
    screens: Mapped[int] = mapped_column(default=0)
