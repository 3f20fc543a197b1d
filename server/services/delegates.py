"""The delegate registry: validated fields, adding and editing, and finding people by name without
diacritics ("nguyen van an" finds "Nguyễn Văn An")."""
from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..i18n import lazy
from ..models import BridgePoint, Delegate, DelegateCategory, row_id, utcnow
from . import delegate_categories
from .errors import Invalid, NotFound
from .text import clean_cell, fold, vietnamese_name_key

LIMITS = {"full_name": 200, "position_title": 200, "organisation": 200, "seat_label": 40, "seat_zone": 40,
          "seat_row": 20, "seat_number": 20, "phone": 40, "email": 200, "award": 1000}
FIELDS = tuple(LIMITS) + ("category", "bridge_point_id", "vip")
_PHONE = re.compile(r"^\+?[0-9 .\-()]{8,20}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def seat_text(delegate: Delegate) -> str:
    """The seat as the list wrote it ("A1", "Khu B - 12"), and/or as zone, row and seat."""
    parts = [(lazy("Khu"), delegate.seat_zone), (lazy("Hàng"), delegate.seat_row), (lazy("Ghế"), delegate.seat_number)]
    written = [delegate.seat_label] if delegate.seat_label else []
    return ", ".join(written + [f"{label} {value}" for label, value in parts if value])


def clean_fields(session: Session, event_id: int, data: dict,
                 categories: list[DelegateCategory] | None = None) -> dict:
    """Validated delegate fields from a form, an import row or a walk-in; the message says what to fix.
    `categories`: the event's, when the caller checks many rows."""
    out: dict = {}
    for name, limit in LIMITS.items():
        value = clean_cell(data.get(name))
        if len(value) > limit:
            raise Invalid(lazy("%(field)s dài quá %(limit)s ký tự.", field=FIELD_LABELS[name], limit=limit))
        out[name] = value
    if not out["full_name"]:
        raise Invalid(lazy("Thiếu họ và tên."))
    if out["phone"] and not _PHONE.match(out["phone"]):
        raise Invalid(lazy("Số điện thoại “%(value)s” không hợp lệ.", value=out["phone"]))
    if out["email"] and not _EMAIL.match(out["email"]):
        raise Invalid(lazy("Thư điện tử “%(value)s” không hợp lệ.", value=out["email"]))
    category = delegate_categories.resolve(categories if categories is not None
                                           else delegate_categories.listing(session, event_id), data.get("category"))
    out["category"] = category.code
    point_id = data.get("bridge_point_id")
    if point_id in (None, ""):
        out["bridge_point_id"] = None
    else:
        try:
            point_id = int(point_id)
        except (TypeError, ValueError):
            raise Invalid(lazy("Điểm cầu “%(value)s” không hợp lệ.", value=str(point_id)[:40]))
        point = session.get(BridgePoint, point_id) if row_id(point_id) else None
        if point is None or point.event_id != event_id:
            raise Invalid(lazy("Không tìm thấy điểm cầu %(id)s trong hội nghị này.", id=point_id))
        out["bridge_point_id"] = point.id
    vip = data.get("vip")
    out["vip"] = category.vip if vip is None else vip in (True, "on", "1", "true", 1)
    return out


FIELD_LABELS = {
    "full_name": lazy("Họ và tên"), "position_title": lazy("Chức vụ"), "organisation": lazy("Đơn vị"),
    "seat_label": lazy("Chỗ ngồi"), "seat_zone": lazy("Khu"), "seat_row": lazy("Hàng"), "seat_number": lazy("Ghế"), "phone": lazy("Điện thoại"),
    "email": lazy("Thư điện tử"), "award": lazy("Khen thưởng"),
}


def duplicate_key(fields: dict) -> tuple[str, str]:
    """Two rows are the same person when their folded name and organisation match."""
    return fold(fields["full_name"]), fold(fields.get("organisation") or "")


def find_duplicate(session: Session, event_id: int, fields: dict, exclude_id: int | None = None) -> Delegate | None:
    name, org = duplicate_key(fields)
    for row in session.execute(select(Delegate).where(Delegate.event_id == event_id, Delegate.name_key == name)).scalars():
        if row.id != exclude_id and fold(row.organisation) == org:
            return row
    return None


def add(session: Session, event_id: int, data: dict, actor: str, *, walk_in: bool = False,
        fields: dict | None = None) -> Delegate:
    """Adds one delegate (flushes, does not commit) and issues nothing: tokens are the caller's call."""
    fields = fields or clean_fields(session, event_id, data)
    other = find_duplicate(session, event_id, fields)
    if other is not None:
        raise Invalid(lazy("%(name)s (%(org)s) đã có trong danh sách đại biểu.", name=other.full_name,
                           org=other.organisation or "—"))
    delegate = Delegate(event_id=event_id, name_key=fold(fields["full_name"]), walk_in=walk_in,
                        created_at=utcnow(), created_by=actor, **fields)
    session.add(delegate)
    session.flush()
    return delegate


def update(session: Session, event_id: int, delegate_id: int, data: dict) -> Delegate:
    delegate = require(session, event_id, delegate_id)
    fields = clean_fields(session, event_id, data)
    other = find_duplicate(session, event_id, fields, exclude_id=delegate.id)
    if other is not None:
        raise Invalid(lazy("%(name)s (%(org)s) đã có trong danh sách đại biểu.", name=other.full_name,
                           org=other.organisation or "—"))
    for name, value in fields.items():
        setattr(delegate, name, value)
    delegate.name_key = fold(fields["full_name"])
    session.flush()
    return delegate


def require(session: Session, event_id: int, delegate_id) -> Delegate:
    if not isinstance(delegate_id, int) or isinstance(delegate_id, bool):
        raise Invalid(lazy("Cần mã đại biểu là một số."))
    delegate = session.get(Delegate, delegate_id) if row_id(delegate_id) else None
    if delegate is None or delegate.event_id != event_id:
        raise NotFound(lazy("Không tìm thấy đại biểu %(id)s trong hội nghị này.", id=delegate_id))
    return delegate


def search(session: Session, event_id: int, query: str, *, bridge_point_id: int | None = None,
           limit: int = 20) -> list[Delegate]:
    """Every word of the query, folded, must start a word of the name ("van an" finds "Nguyễn Văn An");
    the people of `bridge_point_id` come first."""
    words = fold(clean_cell(query)).split()
    if not words:
        return []
    rows = session.execute(select(Delegate).where(Delegate.event_id == event_id,
                                                  Delegate.name_key.contains(words[-1]))).scalars()
    found = [d for d in rows if all(any(part.startswith(w) for part in d.name_key.split()) for w in words)]
    found.sort(key=lambda d: (d.bridge_point_id != bridge_point_id, vietnamese_name_key(d.full_name)))
    return found[:limit]


def listing(session: Session, event_id: int, *, bridge_point_id: int | None = None,
            category: str | None = None) -> list[Delegate]:
    query = select(Delegate).where(Delegate.event_id == event_id)
    if bridge_point_id is not None:
        query = query.where(Delegate.bridge_point_id == bridge_point_id)
    if category:
        query = query.where(Delegate.category == category)
    rows = list(session.execute(query).scalars())
    rows.sort(key=lambda d: vietnamese_name_key(d.full_name))
    return rows
