"""The shared cursor's state machine: GO / next / previous / goto / pause / resume / add time / end segment.

`command()` is the one entry point for the operator desk (socket), the HTTP API and the CLI.
"""
from __future__ import annotations

from datetime import datetime
from typing import Callable

from sqlalchemy.orm import Session

from ..i18n import lazy
from ..models import Event, ProgrammeItem, ShowState, utcnow
from . import local_segments, revision
from .errors import Invalid, TooSoon
from .snapshot import programme, show_part, site_part, timing_part

MAX_ADD_SECONDS = 3600
GUARDED = ("go", "next")          # the presses a bounce or a second tap of Space would repeat


class _Step:
    """What one command did, gathered for the cue log and the patch."""

    def __init__(self, session: Session, state: ShowState, items: list[ProgrammeItem], now: datetime,
                 rev: int):
        self.session, self.state, self.items, self.now, self.rev = session, state, items, now, rev
        self.touched_items: dict[int, ProgrammeItem] = {}
        self.sites: list = []

    def enter(self, index: int) -> None:
        state, now = self.state, self.now
        self.leave()
        item = self.items[index]
        state.cursor, state.status = index, "running"
        state.item_started_at, state.paused_at, state.paused_ms, state.extra_ms = now, None, 0, 0
        state.show_ended_at = None
        if state.show_started_at is None:
            state.show_started_at = now
        item.actual_start = item.actual_start or now     # first start and last end make the report
        item.actual_end = None
        self.touched_items[item.id] = item
        if item.is_local_segment:
            self.sites += local_segments.open_segment(self.session, item, self.rev, now)

    def leave(self) -> None:
        state = self.state
        if 0 <= state.cursor < len(self.items) and state.status in ("running", "paused"):
            item = self.items[state.cursor]
            item.actual_end = self.now
            self.touched_items[item.id] = item


def _current(step: _Step) -> ProgrammeItem | None:
    cursor = step.state.cursor
    return step.items[cursor] if 0 <= cursor < len(step.items) else None


def _go(step: _Step, args: dict) -> None:
    if step.state.status != "standby":
        raise Invalid(lazy("Chương trình đã bắt đầu; dùng “Tiếp” để chuyển mục."))
    step.enter(0)


def _next(step: _Step, args: dict) -> None:
    state = step.state
    if state.status == "ended":
        raise Invalid(lazy("Chương trình đã kết thúc."))
    if state.cursor + 1 < len(step.items):
        step.enter(state.cursor + 1)
    else:
        step.leave()
        state.status, state.show_ended_at, state.paused_at = "ended", step.now, None


def _previous(step: _Step, args: dict) -> None:
    state = step.state
    if state.status == "standby":
        raise Invalid(lazy("Chương trình chưa bắt đầu."))
    if state.status == "ended":
        step.enter(len(step.items) - 1)
    elif state.cursor == 0:
        raise Invalid(lazy("Đang ở mục đầu tiên."))
    else:
        step.enter(state.cursor - 1)


def _goto(step: _Step, args: dict) -> None:
    index = args.get("index")
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(step.items):
        raise Invalid(lazy("Mục số %(n)s không có trong chương trình (có %(count)s mục).",
                           n=(index + 1) if isinstance(index, int) else index, count=len(step.items)))
    step.enter(index)


def _pause(step: _Step, args: dict) -> None:
    if step.state.status != "running":
        raise Invalid(lazy("Chỉ tạm dừng được khi chương trình đang chạy."))
    step.state.status, step.state.paused_at = "paused", step.now


def _resume(step: _Step, args: dict) -> None:
    state = step.state
    if state.status != "paused":
        raise Invalid(lazy("Chương trình không ở trạng thái tạm dừng."))
    state.paused_ms += int((step.now - state.paused_at).total_seconds() * 1000)
    state.status, state.paused_at = "running", None


def _add_time(step: _Step, args: dict) -> None:
    seconds = args.get("seconds")
    if not isinstance(seconds, int) or isinstance(seconds, bool) or seconds == 0 \
            or abs(seconds) > MAX_ADD_SECONDS:
        raise Invalid(lazy("Số giây thêm/bớt phải là số nguyên khác 0, tối đa %(max)s.", max=MAX_ADD_SECONDS))
    item = _current(step)
    if item is None or step.state.status not in ("running", "paused"):
        raise Invalid(lazy("Không có mục nào đang diễn ra để thêm/bớt thời gian."))
    planned_ms = item.duration_s * 1000
    step.state.extra_ms = max(step.state.extra_ms + seconds * 1000, -planned_ms)


def _end_segment(step: _Step, args: dict) -> None:
    closed = local_segments.close_all(step.session, step.state.event_id, step.rev, step.now)
    if not closed:
        raise Invalid(lazy("Không có phần riêng nào đang chạy ở các điểm cầu."))
    step.sites += closed


def _guard(step: _Step, action: str, args: dict, guard_ms: int) -> None:
    """A GO/Next within the event's guard time (1.5 s by default) after the cursor last moved is
    refused unless confirmed: the desk, the HTTP API and Companion buttons all come through here."""
    last = step.state.item_started_at if step.state.status in ("running", "paused") else None
    if action not in GUARDED or args.get("confirm") is True or last is None or guard_ms <= 0:
        return
    elapsed_ms = (step.now - last).total_seconds() * 1000
    if elapsed_ms < guard_ms:
        raise TooSoon(lazy("Mục vừa được chuyển cách đây %(s)s giây, có thể do bấm hai lần. Nếu thật sự muốn "
                           "chuyển tiếp, bấm “Vẫn chuyển tiếp”.", s=f"{elapsed_ms / 1000:.1f}".replace(".", ",")),
                      elapsed_ms=round(elapsed_ms), guard_ms=guard_ms)


COMMANDS: dict[str, Callable[[_Step, dict], None]] = {
    "go": _go, "next": _next, "previous": _previous, "goto": _goto,
    "pause": _pause, "resume": _resume, "add_time": _add_time, "end_segment": _end_segment,
}


def command(session: Session, event_id: int, action: str, *, expected_rev: int, actor: str,
            args: dict | None = None) -> revision.Change:
    """Apply one operator command if `expected_rev` is still current for the shared cursor."""
    handler = COMMANDS.get(action)
    if handler is None:
        raise Invalid(lazy("Lệnh không hợp lệ: %(action)s.", action=action))
    revision.require_rev(expected_rev)
    args = args or {}
    with revision.change(session, event_id):
        rev = revision.claim_cursor(session, event_id, expected_rev)
        state = revision.load_state(session, event_id)
        items = programme(session, event_id)
        if not items:
            raise Invalid(lazy("Chương trình chưa có mục nào."))
        step = _Step(session, state, items, utcnow(), rev)
        _guard(step, action, args, session.get(Event, event_id).press_guard_ms)
        handler(step, args)
        state.cursor_rev = rev
        current = _current(step)
        revision.log_cue(session, event_id, rev, step.now, actor, action,
                         item_id=current.id if current else None, status=state.status, **args)
        session.commit()
        patch = {"show": show_part(state)}
        if step.touched_items:
            patch["timings"] = [timing_part(i) for i in step.touched_items.values()]
        if step.sites:
            patch["sites"] = [site_part(c) for c in step.sites]
        return revision.publish(revision.Change(event_id, rev, step.now, patch))
