"""Editing the programme: items and the local items of local segments, kept in order.

The shared cursor follows the item it points at when items move, so editing during the show never
changes what is on stage.
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..i18n import lazy
from ..models import BRIDGE_POINT_KINDS, LocalItem, ProgrammeItem, SiteCursor, utcnow
from . import audit, revision
from .errors import Invalid, NotFound
from .events import require_open_id
from .snapshot import programme, programme_part, show_part

MAX_DURATION_S = 6 * 3600
_DURATION = re.compile(
    r"^(?:(?P<h>\d+)\s*(?:giờ|gio|h)\s*)?(?:(?P<m>\d+)\s*(?:phút|phut|p|'|m)?)?$", re.IGNORECASE)


def parse_duration(value) -> int:
    """Seconds from what people write in a programme table: 15, "15 phút", "15'", "1 giờ 30", "1h30",
    "0:15" (h:mm), "0:15:00" (h:mm:ss), or an Excel time cell."""
    if value is None or value == "":
        raise Invalid(lazy("Thiếu thời lượng."))
    if hasattr(value, "hour") and hasattr(value, "minute"):            # datetime.time from Excel
        return value.hour * 3600 + value.minute * 60 + getattr(value, "second", 0)
    if hasattr(value, "total_seconds"):
        return int(value.total_seconds())
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value < 0:
            raise Invalid(lazy("Thời lượng không được âm."))
        return int(round(value * 60))
    text = str(value).strip()
    if ":" in text:
        parts = text.split(":")
        if len(parts) in (2, 3) and all(p.strip().isdigit() for p in parts):
            h, m, s = (int(p) for p in (parts + ["0"])[:3])
            if m < 60 and s < 60:
                return h * 3600 + m * 60 + s
    else:
        match = _DURATION.match(text.replace(",", "."))
        if match and (match["h"] or match["m"]):
            return int(match["h"] or 0) * 3600 + int(match["m"] or 0) * 60
    raise Invalid(lazy("Không hiểu thời lượng “%(value)s”; ghi số phút (15), “15 phút” hoặc giờ:phút (0:15).",
                       value=text))


def clean_fields(data: dict, *, local: bool = False) -> dict:
    """Validated item fields from a form or an import row."""
    content = str(data.get("content") or "").strip()
    if not content:
        raise Invalid(lazy("Nội dung không được để trống."))
    if len(content) > 2000:
        raise Invalid(lazy("Nội dung quá dài (tối đa 2000 ký tự)."))
    performer = str(data.get("performer") or "").strip()
    if len(performer) > 500:
        raise Invalid(lazy("Người thực hiện quá dài (tối đa 500 ký tự)."))
    script = str(data.get("script") or "")
    if len(script) > 20000:
        raise Invalid(lazy("Lời dẫn quá dài (tối đa 20000 ký tự)."))
    duration = data.get("duration_s")
    duration_s = duration if isinstance(duration, int) else parse_duration(data.get("duration"))
    if not 0 <= duration_s <= MAX_DURATION_S:
        raise Invalid(lazy("Thời lượng phải từ 0 đến 6 giờ."))
    fields = {"content": content, "performer": performer, "duration_s": duration_s, "script": script}
    if not local:
        fields["is_local_segment"] = bool(data.get("is_local_segment"))
        local_for = data.get("local_for") or "ward"
        if local_for not in BRIDGE_POINT_KINDS:
            raise Invalid(lazy("Loại điểm cầu không hợp lệ: %(kind)s.", kind=local_for))
        fields["local_for"] = local_for
    return fields


class _EditScope:
    """What an edit sees: the state, the items before it, the item on stage, and look-ups."""

    def __init__(self, session: Session, event_id: int):
        self.session, self.event_id = session, event_id
        self.state = revision.load_state(session, event_id)
        self.items = programme(session, event_id)
        cursor = self.state.cursor
        self.current_id = self.items[cursor].id if 0 <= cursor < len(self.items) else None

    def item(self, item_id: int) -> ProgrammeItem:
        item = self.session.get(ProgrammeItem, item_id)
        if item is None or item.event_id != self.event_id:
            raise NotFound(lazy("Không tìm thấy mục %(id)s trong chương trình.", id=item_id))
        return item

    def local_item(self, local_id: int) -> LocalItem:
        local = self.session.get(LocalItem, local_id)
        if local is None or local.segment.event_id != self.event_id:
            raise NotFound(lazy("Không tìm thấy mục phần riêng %(id)s.", id=local_id))
        return local


@contextmanager
def _edit(session: Session, event_id: int, actor: str, action: str) -> Iterator[_EditScope]:
    """Runs one edit under the event's change guard, keeps the cursor on its item, logs and publishes."""
    with revision.change(session, event_id):
        require_open_id(session, event_id)          # an archived event's programme stays as it ran
        scope = _EditScope(session, event_id)
        yield scope
        session.flush()
        items = programme(session, event_id)
        for position, item in enumerate(items):
            item.position = position
        if scope.current_id is not None:
            scope.state.cursor = next(i for i, item in enumerate(items) if item.id == scope.current_id)
        now = utcnow()
        rev = revision.bump(session, event_id)
        state = revision.load_state(session, event_id)
        # A command made on the old item list (goto by index) must not land on another item.
        state.cursor_rev = rev
        revision.log_cue(session, event_id, rev, now, actor, action)
        session.commit()
        session.expire_all()       # reload collections in their new order for the patch
        revision.publish(revision.Change(event_id, rev, now, {
            "items": programme_part(session, event_id), "show": show_part(state)}))


def add_item(session: Session, event_id: int, data: dict, actor: str) -> ProgrammeItem:
    with _edit(session, event_id, actor, "programme_add") as edit:
        item = ProgrammeItem(event_id=event_id, position=len(edit.items), **clean_fields(data))
        session.add(item)
    return item


def update_item(session: Session, event_id: int, item_id: int, data: dict, actor: str) -> None:
    with _edit(session, event_id, actor, "programme_update") as edit:
        item = edit.item(item_id)
        fields = clean_fields(data)
        if item.is_local_segment and not fields["is_local_segment"] and _has_cursors(session, item):
            raise Invalid(lazy("Phần riêng này đã chạy ở các điểm cầu; không thể bỏ đánh dấu phần riêng."))
        for key, value in fields.items():
            setattr(item, key, value)


def delete_item(session: Session, event_id: int, item_id: int, actor: str) -> None:
    with _edit(session, event_id, actor, "programme_delete") as edit:
        item = edit.item(item_id)
        if item.id == edit.current_id and edit.state.status in ("running", "paused"):
            raise Invalid(lazy("Không thể xóa mục đang diễn ra."))
        if _has_cursors(session, item):
            raise Invalid(lazy("Phần riêng này đã chạy ở các điểm cầu; không thể xóa."))
        session.delete(item)


def move_item(session: Session, event_id: int, item_id: int, delta: int, actor: str) -> None:
    with _edit(session, event_id, actor, "programme_move") as edit:
        _swap(edit.items, edit.item(item_id), delta)


def add_local_item(session: Session, event_id: int, segment_id: int, data: dict, actor: str) -> LocalItem:
    with _edit(session, event_id, actor, "programme_add_local") as edit:
        segment = edit.item(segment_id)
        if not segment.is_local_segment:
            raise Invalid(lazy("Mục này không phải phần riêng của các điểm cầu."))
        local = LocalItem(position=len(segment.local_items), **clean_fields(data, local=True))
        segment.local_items.append(local)
    return local


def update_local_item(session: Session, event_id: int, local_id: int, data: dict, actor: str) -> None:
    with _edit(session, event_id, actor, "programme_update_local") as edit:
        local = edit.local_item(local_id)
        for key, value in clean_fields(data, local=True).items():
            setattr(local, key, value)


def delete_local_item(session: Session, event_id: int, local_id: int, actor: str) -> None:
    with _edit(session, event_id, actor, "programme_delete_local") as edit:
        local = edit.local_item(local_id)
        if _has_cursors(session, local.segment):
            raise Invalid(lazy("Phần riêng này đã chạy ở các điểm cầu; không thể xóa mục của nó."))
        segment = local.segment
        segment.local_items.remove(local)
        for position, other in enumerate(segment.local_items):
            other.position = position


def move_local_item(session: Session, event_id: int, local_id: int, delta: int, actor: str) -> None:
    with _edit(session, event_id, actor, "programme_move_local") as edit:
        local = edit.local_item(local_id)
        if _has_cursors(session, local.segment):
            raise Invalid(lazy("Phần riêng này đã chạy ở các điểm cầu; không thể đổi thứ tự."))
        _swap(local.segment.local_items, local, delta)


def replace_programme(session: Session, event_id: int, rows: list[dict], actor: str) -> int:
    """Put an imported table in place of the programme; only before the show starts."""
    with _edit(session, event_id, actor, "programme_import") as edit:
        if edit.state.status != "standby":
            raise Invalid(lazy("Chỉ nhập lại chương trình khi chưa bắt đầu (đang: %(status)s).",
                               status=edit.state.status))
        for item in edit.items:
            session.delete(item)
        session.flush()
        for position, row in enumerate(rows):
            session.add(ProgrammeItem(event_id=event_id, position=position, **clean_fields(row)))
        audit.record(session, actor, "import", event_id=event_id, target="programme", detail={"rows": len(rows)})
    return len(rows)


def _swap(siblings: list, item, delta: int) -> None:
    index = siblings.index(item)
    other = index + delta
    if delta not in (-1, 1) or not 0 <= other < len(siblings):
        raise Invalid(lazy("Không thể di chuyển mục ra ngoài chương trình."))
    siblings[index].position, siblings[other].position = other, index


def _has_cursors(session: Session, segment: ProgrammeItem) -> bool:
    return session.execute(select(SiteCursor.id).where(SiteCursor.segment_id == segment.id).limit(1)) \
        .first() is not None
