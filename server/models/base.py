from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import DateTime, MetaData, TypeDecorator
from sqlalchemy.orm import DeclarativeBase


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


MAX_ROW_ID = 2**31 - 1     # row ids are 32-bit integers in PostgreSQL; a larger number names no row


def row_id(value, *, digits: bool = False) -> int | None:
    """A row id as a client sent it, or None: a whole number in the database's range (not a bool: True
    would be row 1); with `digits`, also its ASCII digits from a form. Anything out of range would make
    the database driver fail rather than find nothing."""
    if digits and isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip()) if len(value.strip()) <= 10 else 0
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ROW_ID:
        return value
    return None


def to_ms(value: datetime | None) -> int | None:
    """Clients get epoch milliseconds: timestamps, never ticking values."""
    return None if value is None else int(value.timestamp() * 1000)


class UTCDateTime(TypeDecorator):
    """Stores UTC; always gives back an aware datetime (SQLite forgets the zone)."""
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(timezone.utc) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    })
