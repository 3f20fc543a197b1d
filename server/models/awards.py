"""Awards (khen thưởng): the kinds an event presents, each award with its decision, the batches that go
on stage together, and the nominations units send in before the deadline."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime

AWARD_STATUSES = ("pending", "presented", "absent", "proxy")     # proxy = nhận thay
BATCH_STATUSES = ("waiting", "called", "done")
NOMINATION_STATUSES = ("submitted", "approved", "returned")


class AwardKind(Base):
    """One kind of award, in the order the ceremony presents them (Huy hiệu 75 năm before 70 …)."""
    __tablename__ = "award_kind"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))        # "Huy hiệu 50 năm tuổi Đảng", "Giấy khen cấp quận"
    position: Mapped[int] = mapped_column(default=0)


class AwardBatch(Base):
    """Recipients who go on stage together, presented by one leader, brought from one seat block."""
    __tablename__ = "award_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    bridge_point_id: Mapped[int] = mapped_column(ForeignKey("bridge_point.id", ondelete="CASCADE"))
    programme_item_id: Mapped[int | None] = mapped_column(ForeignKey("programme_item.id", ondelete="SET NULL"))
    local_item_id: Mapped[int | None] = mapped_column(ForeignKey("local_item.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(default=0)
    presenter: Mapped[str] = mapped_column(String(200), default="")    # the leader who presents
    seat_block: Mapped[str] = mapped_column(String(120), default="")
    status: Mapped[str] = mapped_column(String(12), default="waiting")
    called_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Award(Base):
    """One award to one recipient: a delegate, or a collective (tập thể) with the delegate who receives
    for it. Presented at `bridge_point_id` during a programme item, or during a ward's local item."""
    __tablename__ = "award"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    kind_id: Mapped[int] = mapped_column(ForeignKey("award_kind.id", ondelete="RESTRICT"))
    level: Mapped[str] = mapped_column(String(60), default="")          # cấp: thành phố / quận / phường
    delegate_id: Mapped[int] = mapped_column(ForeignKey("delegate.id", ondelete="CASCADE"), index=True)
    collective: Mapped[str] = mapped_column(String(200), default="")    # "" for an individual
    decision_number: Mapped[str] = mapped_column(String(60), default="")
    decision_date: Mapped[date | None] = mapped_column(Date)
    citation: Mapped[str] = mapped_column(Text, default="")             # thành tích, read out if wanted
    bridge_point_id: Mapped[int] = mapped_column(ForeignKey("bridge_point.id", ondelete="CASCADE"))
    programme_item_id: Mapped[int | None] = mapped_column(ForeignKey("programme_item.id", ondelete="SET NULL"))
    local_item_id: Mapped[int | None] = mapped_column(ForeignKey("local_item.id", ondelete="SET NULL"))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("award_batch.id", ondelete="SET NULL"), index=True)
    stage_order: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    proxy_name: Mapped[str] = mapped_column(String(200), default="")
    marked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    marked_by: Mapped[str] = mapped_column(String(120), default="")


class Nomination(Base):
    """Đề nghị khen thưởng from a unit (plans 003, 004): a nominee with a short profile (trích ngang)
    and achievements, sent before the organisers' deadline, approved or returned with a reason."""
    __tablename__ = "nomination"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    unit: Mapped[str] = mapped_column(String(200))                     # the unit that nominates
    submitted_by: Mapped[str] = mapped_column(String(120))
    full_name: Mapped[str] = mapped_column(String(200))
    position_title: Mapped[str] = mapped_column(String(200), default="")
    organisation: Mapped[str] = mapped_column(String(200), default="")
    collective: Mapped[str] = mapped_column(String(200), default="")  # a collective nominated, received by full_name
    profile: Mapped[str] = mapped_column(Text, default="")             # trích ngang
    achievements: Mapped[str] = mapped_column(Text, default="")
    kind_id: Mapped[int | None] = mapped_column(ForeignKey("award_kind.id", ondelete="SET NULL"))
    bridge_point_id: Mapped[int | None] = mapped_column(ForeignKey("bridge_point.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(12), default="submitted")
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by: Mapped[str] = mapped_column(String(120), default="")
    reason: Mapped[str] = mapped_column(Text, default="")              # why it was returned
    award_id: Mapped[int | None] = mapped_column(ForeignKey("award.id", ondelete="SET NULL"))
