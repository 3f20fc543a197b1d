"""Delegates (đại biểu) and their invitations (thư mời): who is expected, where they sit, and the
signed token their QR code carries."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime

# The categories every new event starts with (thành phần tham dự), in the order lists print them; an
# event's own list is its DelegateCategory rows (services/delegate_categories.py). VIP categories get
# the alert at the door by default.
DELEGATE_CATEGORIES = ("city_guest", "district_leader", "cell_secretary", "award_recipient", "press", "delegate")
VIP_CATEGORIES = ("city_guest", "district_leader")


class DelegateCategory(Base):
    """One category of an event's delegate list, named as the organisers' list names it."""
    __tablename__ = "delegate_category"
    __table_args__ = (UniqueConstraint("event_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(24))             # what Delegate.category holds
    label: Mapped[str] = mapped_column(String(120))           # "Đảng viên nhận Huy hiệu 40 năm"
    position: Mapped[int] = mapped_column(default=0)
    vip: Mapped[bool] = mapped_column(default=False)          # its delegates get the VIP alert by default


class Delegate(Base):
    __tablename__ = "delegate"
    __table_args__ = (Index("ix_delegate_event_name", "event_id", "name_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    full_name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200))           # folded: "nguyen van an", for search
    position_title: Mapped[str] = mapped_column(String(200), default="")   # chức vụ
    organisation: Mapped[str] = mapped_column(String(200), default="")     # đơn vị
    category: Mapped[str] = mapped_column(String(24), default="delegate")  # a DelegateCategory code
    bridge_point_id: Mapped[int | None] = mapped_column(ForeignKey("bridge_point.id", ondelete="SET NULL"),
                                                        index=True)
    seat_zone: Mapped[str] = mapped_column(String(40), default="")    # khu
    seat_row: Mapped[str] = mapped_column(String(20), default="")     # hàng
    seat_number: Mapped[str] = mapped_column(String(20), default="")  # ghế
    seat_label: Mapped[str] = mapped_column(String(40), default="")   # as the list writes it: "A1", "Khu B - 12"
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    vip: Mapped[bool] = mapped_column(default=False)
    award: Mapped[str] = mapped_column(Text, default="")     # what they receive on stage, until award batches
    walk_in: Mapped[bool] = mapped_column(default=False)     # added at the door
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(120), default="")

    invitations: Mapped[list["Invitation"]] = relationship(
        back_populates="delegate", order_by="Invitation.id", cascade="all, delete-orphan")


class Invitation(Base):
    """One issued token. The database keeps its random half and its SHA-256, never its signature (made
    with the server's secret key), so a copy of the database alone forges nothing. Re-issuing marks the old row replaced, revoking
    marks it revoked, so an old code can say what happened to it."""
    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    delegate_id: Mapped[int] = mapped_column(ForeignKey("delegate.id", ondelete="CASCADE"), index=True)
    nonce: Mapped[str] = mapped_column(String(32), unique=True)        # the token's public half
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)   # sha256 of the whole token
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replaced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    printed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)   # first put in a PDF or PNG

    delegate: Mapped[Delegate] = relationship(back_populates="invitations")

    @property
    def status(self) -> str:
        return "replaced" if self.replaced_at else "revoked" if self.revoked_at else "active"
