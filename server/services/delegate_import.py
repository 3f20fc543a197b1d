"""Importing the delegate list (danh sách đại biểu) from the XLSX or CSV file the office keeps.

All or nothing: every bad row is reported with its line and what to fix (the same checks as adding one
delegate by hand, plus duplicates and double-booked seats across the file), and nothing is added
unless the whole list is valid. Each imported delegate gets an invitation token at once, so the
invitations can be printed straight after.
"""
from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..i18n import lazy
from ..models import BridgePoint
from . import audit, delegate_categories, delegates, invitation_tokens
from .errors import Invalid
from .table_import import ImportFailed, RowError, all_or_nothing, cell_text, data_rows, find_header, read_table
from .text import fold

__all__ = ["HEADERS", "ImportFailed", "RowError", "import_delegates", "parse_delegates"]

# Header (folded) -> field. Several spellings seen in real lists.
HEADERS = {
    "tt": "number", "stt": "number", "so tt": "number",
    "ho va ten": "full_name", "ho ten": "full_name", "ho va ten dai bieu": "full_name",
    "chuc vu": "position_title", "chuc danh": "position_title",
    "don vi": "organisation", "co quan": "organisation", "don vi cong tac": "organisation",
    "co quan, don vi": "organisation", "co quan cong tac": "organisation",
    "thanh phan": "category", "doi tuong": "category", "phan loai": "category",
    "diem cau": "bridge_point",
    "cho ngoi": "seat_label", "vi tri": "seat_label", "vi tri ngoi": "seat_label", "so cho": "seat_label",
    "khu": "seat_zone", "khu vuc": "seat_zone",
    "hang": "seat_row", "hang ghe": "seat_row",
    "ghe": "seat_number", "so ghe": "seat_number",
    "dien thoai": "phone", "sdt": "phone", "so dien thoai": "phone", "so dt": "phone", "dt": "phone",
    "email": "email", "e-mail": "email", "thu dien tu": "email",
    "vip": "vip",
    "khen thuong": "award", "hinh thuc khen thuong": "award",
}
REQUIRED = ("full_name",)
VIP_YES = {"x", "co", "1", "v", "true", "yes", "vip"}
VIP_NO = {"0", "khong", "false", "no", "-"}
# What people put before a place's own name: "Hội trường Đảng ủy phường Long Bình", "P. Long Bình".
_PLACE_PREFIX = re.compile(r"^(?:(?:hoi truong|diem cau) )?(?:(?:dang uy|ubnd|uy ban nhan dan) )?"
                           r"(?:(?:phuong|p|xa|x|thi tran|tt) )?")
_PLACE_PUNCTUATION = re.compile(r"[-–—.,;:/()]+")


def _headline(count: int):
    return lazy("Không nhập được danh sách đại biểu: %(count)s lỗi. Sửa tệp rồi nhập lại.", count=count)


def parse_delegates(session: Session, event_id: int, filename: str, data: bytes, *,
                    create_categories: bool = False) -> list[dict]:
    """The rows as validated delegate fields (delegates.clean_fields) in file order, each with its
    "line"; raises ImportFailed with every bad row, so nothing is half imported. Categories the event
    lacks are named in the failure's `unknown_categories`, or made first with `create_categories`
    (the caller's rollback undoes them if the file is refused anyway)."""
    rows = read_table(filename, data, headline=_headline)
    columns, header_line = find_header(rows, HEADERS, REQUIRED, lazy(
        "Không tìm thấy dòng tiêu đề có cột “Họ và tên”. Bảng cần cột Họ và tên, và có thể: STT, Chức vụ, "
        "Đơn vị, Thành phần, Điểm cầu, Chỗ ngồi, Khu, Hàng, Ghế, Điện thoại, Email, VIP, Khen thưởng."),
        headline=_headline)
    points = _BridgePoints(session, event_id)
    categories = delegate_categories.listing(session, event_id)
    unknown = _unknown_categories(categories, rows, columns, header_line)
    if unknown and create_categories:
        for label in unknown:
            categories.append(delegate_categories.add(session, event_id, label))
        unknown = []
    out: list[dict] = []
    errors: list[RowError] = []
    people: dict[tuple[str, str], int] = {}
    seats: dict[tuple, int] = {}
    for line, values in data_rows(rows, columns, header_line, HEADERS, REQUIRED):
        try:
            fields = delegates.clean_fields(session, event_id, _row_data(values, points), categories)
            key = delegates.duplicate_key(fields)
            if key in people:
                raise Invalid(lazy("%(name)s trùng với dòng %(other)s (cùng họ tên và đơn vị).",
                                   name=fields["full_name"], other=people[key]))
            other = delegates.find_duplicate(session, event_id, fields)
            if other is not None:
                raise Invalid(lazy("%(name)s (%(org)s) đã có trong danh sách đại biểu.", name=other.full_name,
                                   org=other.organisation or "—"))
            people[key] = line
            seat = _seat_key(fields)
            if seat is not None:
                if seat in seats:
                    raise Invalid(lazy("Chỗ ngồi %(seat)s đã xếp cho dòng %(other)s.",
                                       seat=_seat_words(fields), other=seats[seat]))
                seats[seat] = line
            out.append({**fields, "line": line})
        except Invalid as exc:
            errors.append(RowError(line, str(exc.message)))
    return all_or_nothing(out, errors, header_line, lazy("Bảng không có đại biểu nào."), _headline,
                          unknown_categories=unknown)


def _unknown_categories(categories, rows, columns, header_line) -> list[str]:
    """The category cells no category of the event matches, each once, in file order."""
    if "category" not in columns:
        return []
    seen: dict[str, str] = {}
    for _line, values in data_rows(rows, columns, header_line, HEADERS, REQUIRED):
        text = cell_text(values.get("category"))
        if text and delegate_categories.match(categories, text) is None:
            seen.setdefault(fold(text), text)
    return list(seen.values())


def import_delegates(session: Session, event_id: int, rows: list[dict], actor: str) -> int:
    """Adds the parsed rows and issues each delegate's invitation token, then commits; if any row fails
    now (someone added the same person meanwhile) nothing is kept."""
    errors: list[RowError] = []
    try:
        for row in rows:
            fields = {name: value for name, value in row.items() if name != "line"}
            try:
                delegate = delegates.add(session, event_id, {}, actor, fields=fields)
            except Invalid as exc:
                errors.append(RowError(row.get("line", 0), str(exc.message)))
                continue
            invitation_tokens.issue(session, delegate)
        if errors:
            raise ImportFailed(errors, _headline)
        audit.record(session, actor, "import", event_id=event_id, target="delegates", detail={"rows": len(rows)})
    except Exception:
        session.rollback()
        raise
    session.commit()
    return len(rows)


def _row_data(values: dict, points: "_BridgePoints") -> dict:
    """One row's cells as the fields clean_fields takes."""
    data = {field: cell_text(value) for field, value in values.items()
            if field not in ("number", "bridge_point", "vip", "phone")}
    data["phone"] = _phone(values.get("phone"))
    data["bridge_point_id"] = points.find(cell_text(values.get("bridge_point")))
    data["vip"] = _vip(values.get("vip"))
    return data


def _phone(value) -> str:
    """Excel stores 0912345678 typed as a number as 912345678.0: the number comes back as digits, and a
    9 or 10 digit one gets back the 0 every Vietnamese number starts with. Typed as text, it is kept."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if isinstance(value, float) and not value.is_integer():
            return cell_text(value)                     # clean_fields says it is not a phone number
        digits = str(int(value))
        return "0" + digits if len(digits) in (9, 10) else digits
    return cell_text(value)


def _vip(value) -> bool | None:
    """x / có / 1 -> True, không / 0 -> False, empty -> None (the category decides)."""
    if isinstance(value, bool):
        return value
    text = fold(cell_text(value))
    if not text:
        return None
    if text in VIP_YES:
        return True
    if text in VIP_NO:
        return False
    raise Invalid(lazy("Cột VIP “%(value)s” không rõ: ghi x hoặc có, để trống nếu không.", value=cell_text(value)))


def _seat_key(fields: dict) -> tuple | None:
    """The same seat at the same bridge point: the seat as written ("A1"), or zone, row and number
    when all three are given."""
    parts = (fields["seat_zone"], fields["seat_row"], fields["seat_number"])
    if fields["seat_label"]:
        return (fields["bridge_point_id"], fold(fields["seat_label"]).replace(" ", ""))
    if not all(parts):
        return None
    return (fields["bridge_point_id"],) + tuple(fold(p) for p in parts)


def _seat_words(fields: dict) -> str:
    if fields["seat_label"]:
        return f"“{fields['seat_label']}”"
    return str(lazy("Khu %(zone)s, Hàng %(row)s, Ghế %(number)s", zone=fields["seat_zone"], row=fields["seat_row"],
                    number=fields["seat_number"]))


def _place_key(text: str) -> str:
    return " ".join(_PLACE_PUNCTUATION.sub(" ", fold(text)).split())


class _BridgePoints:
    """Finds a bridge point the way people write it: its code ("long-binh"), name ("Hội trường Đảng ủy
    phường Long Bình"), short name ("P. Long Bình") or bare place name ("Long Bình", "Phường Long Bình")."""

    def __init__(self, session: Session, event_id: int):
        self.points = list(session.execute(select(BridgePoint).where(BridgePoint.event_id == event_id)
                                           .order_by(BridgePoint.position, BridgePoint.id)).scalars())
        self.exact: dict[str, set[int]] = {}
        self.bare: dict[str, set[int]] = {}
        for point in self.points:
            for text in (point.code, point.name, point.short_name):
                key = _place_key(text)
                if key:
                    self.exact.setdefault(key, set()).add(point.id)
                    self.bare.setdefault(_PLACE_PREFIX.sub("", key) or key, set()).add(point.id)

    def find(self, text: str) -> int | None:
        if not text:
            return None
        key = _place_key(text)
        for table, lookup in ((self.exact, key), (self.bare, _PLACE_PREFIX.sub("", key) or key)):
            found = table.get(lookup, set())
            if len(found) == 1:
                return next(iter(found))
            if len(found) > 1:
                raise Invalid(lazy("Điểm cầu “%(value)s” khớp với nhiều điểm cầu; hãy ghi tên đầy đủ.", value=text))
        examples = ", ".join(point.short_name or point.name for point in self.points[:5])
        raise Invalid(lazy("Không có điểm cầu “%(value)s” trong hội nghị này. Ghi một trong các tên như: "
                           "%(examples)s…", value=text, examples=examples))
