"""Check-in at the entrances: every scan as it was submitted (the audit and the idempotency key),
the one arrival per delegate it produced, and the scanner devices enrolled at each gate."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime

# What a scan came to. welcome = checked in now; already = had arrived before; the rest check nobody in.
VERDICTS = ("welcome", "already", "wrong_point", "invalid", "foreign", "revoked", "replaced")
SCAN_METHODS = ("qr", "search", "walk_in")


class Scan(Base):
    """One submitted scan. (event, scan_id) is unique: a scan id made by the scanner is applied at
    most once however often it is replayed."""
    __tablename__ = "scan"
    __table_args__ = (UniqueConstraint("event_id", "scan_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    scan_id: Mapped[str] = mapped_column(String(64))
    delegate_id: Mapped[int | None] = mapped_column(ForeignKey("delegate.id", ondelete="SET NULL"), index=True)
    bridge_point_id: Mapped[int] = mapped_column(ForeignKey("bridge_point.id", ondelete="CASCADE"))
    gate: Mapped[str] = mapped_column(String(60), default="")
    device_id: Mapped[int | None] = mapped_column(ForeignKey("scanner_device.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(120))
    method: Mapped[str] = mapped_column(String(12), default="qr")
    verdict: Mapped[str] = mapped_column(String(16))
    override_reason: Mapped[str] = mapped_column(Text, default="")
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime)      # the scanner's time, kept when replayed late
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    offline: Mapped[bool] = mapped_column(default=False)
    conflict: Mapped[str] = mapped_column(Text, default="")         # why an offline scan needs a look


class CheckIn(Base):
    """The arrival of one delegate: the earliest accepted scan."""
    __tablename__ = "check_in"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    delegate_id: Mapped[int] = mapped_column(ForeignKey("delegate.id", ondelete="CASCADE"), unique=True)
    bridge_point_id: Mapped[int] = mapped_column(ForeignKey("bridge_point.id", ondelete="CASCADE"), index=True)
    gate: Mapped[str] = mapped_column(String(60), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    scan_row_id: Mapped[int | None] = mapped_column(ForeignKey("scan.id", ondelete="SET NULL"))
    override_reason: Mapped[str] = mapped_column(Text, default="")


class ScannerDevice(Base):
    """A phone or PC enrolled as a scanner at one gate of one bridge point. It acts through a user of
    role `scanner` and that user's API token (kept in an HTTP-only cookie on the device)."""
    __tablename__ = "scanner_device"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    bridge_point_id: Mapped[int] = mapped_column(ForeignKey("bridge_point.id", ondelete="CASCADE"))
    gate: Mapped[str] = mapped_column(String(60), default="")
    name: Mapped[str] = mapped_column(String(120))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), unique=True)
    enrolment_hash: Mapped[str | None] = mapped_column(String(64), unique=True)   # one-time code, until used
    enrolment_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(120), default="")
    enrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    scans: Mapped[int] = mapped_column(default=0)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
