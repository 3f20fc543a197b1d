"""An event's delegate categories (thành phần tham dự): the list its organisers' Excel file uses
("Đảng viên nhận Huy hiệu 40 năm", "Bí thư chi bộ", "Khách mời"), in the order lists print them.

A new event starts with six common ones; an import that meets a category the event lacks can create
it instead of refusing the file. A delegate keeps the category's code, so renaming a category renames
it for everyone in it.
"""
from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from flask_babel import force_locale

from ..i18n import lazy
from ..models import DELEGATE_CATEGORIES, VIP_CATEGORIES, Delegate, DelegateCategory, row_id
from .errors import Invalid, NotFound
from .text import clean_cell, fold

LABEL_MAX = 120
CODE_MAX = 24
# The defaults' labels, translated on screen while the organisers keep them as they are.
DEFAULT_LABELS = {
    "city_guest": lazy("Khách mời thành phố"),
    "district_leader": lazy("Lãnh đạo quận"),
    "cell_secretary": lazy("Bí thư chi bộ"),
    "award_recipient": lazy("Người nhận khen thưởng"),
    "press": lazy("Báo chí"),
    "delegate": lazy("Đại biểu"),
}
# Other words people write for the defaults in the "Thành phần" column (folded).
DEFAULT_WORDS = {
    "khach moi tp": "city_guest", "khach moi": "city_guest", "lanh dao": "district_leader",
    "nhan khen thuong": "award_recipient", "khen thuong": "award_recipient", "phong vien": "press",
}
DEFAULT_VIP = set(VIP_CATEGORIES)


def add_defaults(session: Session, event_id: int) -> None:
    for position, code in enumerate(DELEGATE_CATEGORIES):
        session.add(DelegateCategory(event_id=event_id, code=code, label=_vietnamese(DEFAULT_LABELS[code]),
                                     position=position, vip=code in DEFAULT_VIP))


def listing(session: Session, event_id: int) -> list[DelegateCategory]:
    return list(session.execute(select(DelegateCategory).where(DelegateCategory.event_id == event_id)
                                .order_by(DelegateCategory.position, DelegateCategory.id)).scalars())


def label(category: DelegateCategory) -> str:
    """What a screen shows: a default category kept as it was reads in the reader's language."""
    default = DEFAULT_LABELS.get(category.code)
    if default is not None and fold(category.label) == fold(_vietnamese(default)):
        return str(default)
    return category.label


def labels(session: Session, event_id: int) -> dict[str, str]:
    """code -> label, in list order (dicts keep it)."""
    return {c.code: label(c) for c in listing(session, event_id)}


def _vietnamese(text) -> str:
    """Stored in the list's own language whatever the reader's (an English admin makes the event)."""
    with force_locale("vi"):
        return str(text)


def match(categories: list[DelegateCategory], value) -> DelegateCategory | None:
    """The category a cell means: its code, its label without diacritics or case, or a usual
    other spelling of a default one."""
    text = clean_cell(value)
    key = fold(text)
    for category in categories:
        if text == category.code or key == fold(category.label):
            return category
    code = DEFAULT_WORDS.get(key)
    return next((c for c in categories if c.code == code), None)


def resolve(categories: list[DelegateCategory], value) -> DelegateCategory:
    """The category `value` names (empty: "Đại biểu", else the list's first), or a refusal that
    lists the event's categories."""
    if clean_cell(value):
        found = match(categories, value)
    else:
        found = next((c for c in categories if c.code == "delegate"), categories[0] if categories else None)
    if found is None:
        raise UnknownCategory(clean_cell(value), [label(c) for c in categories])
    return found


class UnknownCategory(Invalid):
    code = "unknown_category"

    def __init__(self, value: str, known: list[str]):
        super().__init__(lazy("Thành phần “%(value)s” không có trong danh sách của hội nghị (%(known)s). Chọn “Tạo "
                              "thành phần mới” khi nhập tệp (dòng lệnh: --create-categories) để thêm, hoặc sửa lại ô này.",
                              value=value[:LABEL_MAX], known=", ".join(known) or "—"), category=value[:LABEL_MAX])
        self.value = value


def _clean_label(value) -> str:
    text = clean_cell(value)
    if not text or len(text) > LABEL_MAX:
        raise Invalid(lazy("Tên thành phần phải có từ 1 đến %(max)s ký tự.", max=LABEL_MAX))
    return text


def _code_for(session: Session, event_id: int, text: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "_", fold(text)).strip("_")[:CODE_MAX] or "thanh_phan"
    taken = set(session.execute(select(DelegateCategory.code).where(DelegateCategory.event_id == event_id)).scalars())
    code, n = base, 1
    while code in taken:
        n += 1
        code = f"{base[:CODE_MAX - len(str(n)) - 1]}_{n}"
    return code


def add(session: Session, event_id: int, value, *, vip: bool = False) -> DelegateCategory:
    text = _clean_label(value)
    categories = listing(session, event_id)
    if match(categories, text) is not None:
        raise Invalid(lazy("Thành phần “%(label)s” đã có.", label=text))
    last = session.execute(select(func.max(DelegateCategory.position))
                           .where(DelegateCategory.event_id == event_id)).scalar()
    category = DelegateCategory(event_id=event_id, code=_code_for(session, event_id, text), label=text,
                                position=(last or 0) + 1, vip=bool(vip))
    session.add(category)
    session.flush()
    return category


def get(session: Session, event_id: int, category_id) -> DelegateCategory:
    category = session.get(DelegateCategory, category_id) if row_id(category_id, digits=True) else None
    if category is None or category.event_id != event_id:
        raise NotFound(lazy("Không tìm thấy thành phần %(id)s trong hội nghị này.", id=str(category_id)[:20]))
    return category


def update(session: Session, event_id: int, category_id, value, *, vip: bool | None = None) -> DelegateCategory:
    category = get(session, event_id, category_id)
    text = _clean_label(value)
    other = match([c for c in listing(session, event_id) if c.id != category.id], text)
    if other is not None:
        raise Invalid(lazy("Thành phần “%(label)s” đã có.", label=text))
    category.label = text
    if vip is not None:
        category.vip = bool(vip)
    session.flush()
    return category


def move(session: Session, event_id: int, category_id, delta: int) -> None:
    """One place up (-1) or down (+1) in the order lists print."""
    rows = listing(session, event_id)
    category = get(session, event_id, category_id)
    i = rows.index(category)
    j = i + (1 if delta > 0 else -1)
    if 0 <= j < len(rows):
        rows[i], rows[j] = rows[j], rows[i]
    for position, row in enumerate(rows):
        row.position = position
    session.flush()


def remove(session: Session, event_id: int, category_id) -> None:
    """Only a category nobody is in: the delegates' category would otherwise mean nothing."""
    category = get(session, event_id, category_id)
    used = session.execute(select(func.count()).select_from(Delegate).where(
        Delegate.event_id == event_id, Delegate.category == category.code)).scalar()
    if used:
        raise Invalid(lazy("Không xóa được thành phần “%(label)s”: còn %(count)s đại biểu thuộc thành phần này.",
                           label=category.label, count=used))
    session.delete(category)
    session.flush()
