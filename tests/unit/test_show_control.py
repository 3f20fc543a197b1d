"""The shared cursor's state machine, local segments, conflicts, pause and added time, restore."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from server.models import CueLog, ShowState, SiteCursor
from server.services import local_segments, show_control
from server.services.errors import Conflict, Invalid
from server.services.revision import show_changed
from server.services.snapshot import snapshot


class Clock:
    def __init__(self):
        self.now = datetime(2026, 5, 19, 1, 0, tzinfo=timezone.utc)

    def __call__(self):
        return self.now

    def advance(self, seconds: float):
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch):
    c = Clock()
    monkeypatch.setattr(show_control, "utcnow", c)
    monkeypatch.setattr(local_segments, "utcnow", c)
    return c


@pytest.fixture
def published():
    seen = []
    def receiver(change):
        seen.append(change)
    show_changed.connect(receiver)
    yield seen
    show_changed.disconnect(receiver)


def cmd(session, event, action, rev=None, **args):
    if rev is None:
        rev = session.execute(select(ShowState.rev).where(ShowState.event_id == event.id)).scalar_one()
    return show_control.command(session, event.id, action, expected_rev=rev, actor="test", args=args)


def state(session, event) -> ShowState:
    session.expire_all()
    return session.execute(select(ShowState).where(ShowState.event_id == event.id)).scalar_one()


def cue_count(session, event) -> int:
    return session.execute(select(func.count()).select_from(CueLog).where(CueLog.event_id == event.id)).scalar_one()


def test_go_starts_first_item_and_logs_the_cue(session, make_event, clock, published):
    event = make_event(n=3)
    change = cmd(session, event, "go")
    st = state(session, event)
    assert (st.status, st.cursor, st.rev, change.rev) == ("running", 0, 1, 1)
    assert st.item_started_at == clock.now and st.show_started_at == clock.now
    log = session.execute(select(CueLog).where(CueLog.event_id == event.id)).scalar_one()
    assert (log.action, log.rev, log.at, log.actor) == ("go", 1, clock.now, "test")
    assert [c.rev for c in published] == [1]
    assert published[0].patch["show"]["cursor"] == 0


def test_next_runs_to_the_end_and_then_refuses(session, make_event, clock):
    event = make_event(n=2)
    cmd(session, event, "next")                   # from standby, Next is GO
    clock.advance(60)
    cmd(session, event, "next")
    clock.advance(60)
    cmd(session, event, "next")
    st = state(session, event)
    assert (st.status, st.show_ended_at) == ("ended", clock.now)
    with pytest.raises(Invalid):
        cmd(session, event, "next")
    assert state(session, event).rev == 3 and cue_count(session, event) == 3


def test_actual_times_are_recorded_per_item(session, make_event, clock):
    event = make_event(n=2)
    start = clock.now
    cmd(session, event, "go")
    clock.advance(90)
    cmd(session, event, "next")
    snap = snapshot(session, event.id)
    first, second = snap["items"]
    assert first["actual_start"] == int(start.timestamp() * 1000)
    assert first["actual_end"] - first["actual_start"] == 90_000
    assert second["actual_end"] is None


def test_stale_command_is_refused_and_changes_nothing(session, make_event, clock, published):
    event = make_event(n=5)
    cmd(session, event, "go", rev=0)
    seen = state(session, event).rev
    cmd(session, event, "next", rev=seen)         # the first operator's Next
    with pytest.raises(Conflict) as exc:
        cmd(session, event, "next", rev=seen)     # the second operator pressed on the same view
    assert exc.value.details["current_rev"] == seen + 1
    st = state(session, event)
    assert (st.cursor, st.rev) == (1, seen + 1)
    assert cue_count(session, event) == 2
    assert len(published) == 2


def test_previous_goto_and_their_limits(session, make_event, clock):
    event = make_event(n=4)
    with pytest.raises(Invalid):
        cmd(session, event, "previous")           # not started
    cmd(session, event, "goto", index=2)
    assert state(session, event).cursor == 2
    cmd(session, event, "previous")
    assert state(session, event).cursor == 1
    for bad in (4, -1, "2", True, None):
        with pytest.raises(Invalid):
            cmd(session, event, "goto", index=bad)
    cmd(session, event, "goto", index=0)
    with pytest.raises(Invalid):
        cmd(session, event, "previous")
    cmd(session, event, "goto", index=3)
    cmd(session, event, "next")                   # ends the show
    cmd(session, event, "previous")               # back into the last item
    st = state(session, event)
    assert (st.status, st.cursor, st.show_ended_at) == ("running", 3, None)


def test_pause_resume_and_added_time(session, make_event, clock):
    event = make_event(n=2, duration_s=300)
    cmd(session, event, "go")
    clock.advance(30)
    cmd(session, event, "pause")
    with pytest.raises(Invalid):
        cmd(session, event, "pause")
    clock.advance(45)
    cmd(session, event, "resume")
    st = state(session, event)
    assert (st.status, st.paused_ms, st.paused_at) == ("running", 45_000, None)
    cmd(session, event, "add_time", seconds=120)
    cmd(session, event, "add_time", seconds=-60)
    assert state(session, event).extra_ms == 60_000
    cmd(session, event, "add_time", seconds=-3600)       # cannot go below zero planned time
    assert state(session, event).extra_ms == -300_000
    for bad in (0, 1.5, "60", 3601, True):
        with pytest.raises(Invalid):
            cmd(session, event, "add_time", seconds=bad)
    clock.advance(10)
    cmd(session, event, "next")                           # a new item starts clean
    st = state(session, event)
    assert (st.paused_ms, st.extra_ms, st.item_started_at) == (0, 0, clock.now)


def test_unknown_command_and_missing_revision(session, make_event, clock):
    event = make_event(n=2)
    with pytest.raises(Invalid):
        show_control.command(session, event.id, "explode", expected_rev=0, actor="t")
    for bad in (None, "0", 1.0, True):
        with pytest.raises(Invalid):
            show_control.command(session, event.id, "next", expected_rev=bad, actor="t")
    assert state(session, event).rev == 0


def test_local_segment_gives_each_ward_its_own_cursor(session, make_event, clock, published):
    event = make_event(n=4, segment_at=1, local_items=3, wards=3)
    cmd(session, event, "go")
    change = cmd(session, event, "next")          # into the local segment
    wards = [p for p in event.bridge_points if p.kind == "ward"]
    main = next(p for p in event.bridge_points if p.kind == "main")
    assert sorted(s["bridge_point_id"] for s in change.patch["sites"]) == sorted(p.id for p in wards)
    assert local_segments.active_cursor(session, event.id, main.id) is None

    ward_a, ward_b = wards[0], wards[1]
    rev = change.rev
    step_a = local_segments.step(session, event.id, ward_a.id, 1, expected_rev=rev, actor="kt-a")
    # Ward B acts on the revision it saw before ward A moved: its own cursor did not change, so it goes.
    local_segments.step(session, event.id, ward_b.id, 1, expected_rev=rev, actor="kt-b")
    # Ward A pressing again on its old view is stale.
    with pytest.raises(Conflict):
        local_segments.step(session, event.id, ward_a.id, 1, expected_rev=rev, actor="kt-a")
    local_segments.step(session, event.id, ward_a.id, 1, expected_rev=step_a.rev + 1, actor="kt-a")
    last = local_segments.step(session, event.id, ward_a.id, 1, expected_rev=state(session, event).rev, actor="kt-a")
    assert last.patch["sites"][0]["status"] == "done"
    with pytest.raises(Invalid):
        local_segments.step(session, event.id, ward_a.id, 1, expected_rev=last.rev, actor="kt-a")

    # The district hall carries on while the wards are still in their own part.
    cmd(session, event, "next")
    b = local_segments.active_cursor(session, event.id, ward_b.id)
    assert (b.status, b.index) == ("running", 1)

    end = cmd(session, event, "end_segment")
    assert {s["status"] for s in end.patch["sites"]} == {"closed"}
    assert local_segments.active_cursor(session, event.id, ward_b.id) is None
    with pytest.raises(Invalid):
        cmd(session, event, "end_segment")
    revs = [c.rev for c in published]
    assert revs == list(range(1, len(revs) + 1))     # one revision per change, no gaps


def test_entering_a_segment_again_does_not_rewind_a_ward(session, make_event, clock):
    event = make_event(n=3, segment_at=1, local_items=2, wards=2)
    cmd(session, event, "goto", index=1)
    ward = next(p for p in event.bridge_points if p.kind == "ward")
    local_segments.step(session, event.id, ward.id, 1, expected_rev=state(session, event).rev, actor="kt")
    cmd(session, event, "previous")
    cmd(session, event, "next")
    cursors = session.execute(select(SiteCursor).where(SiteCursor.bridge_point_id == ward.id)).scalars().all()
    assert [(c.index, c.status) for c in cursors] == [(1, "running")]


def test_local_previous_from_done_returns_to_the_last_item(session, make_event, clock):
    event = make_event(n=2, segment_at=0, local_items=2, wards=1)
    cmd(session, event, "go")
    ward = next(p for p in event.bridge_points if p.kind == "ward")
    for _ in range(2):
        local_segments.step(session, event.id, ward.id, 1, expected_rev=state(session, event).rev, actor="kt")
    assert local_segments.active_cursor(session, event.id, ward.id).status == "done"
    local_segments.step(session, event.id, ward.id, -1, expected_rev=state(session, event).rev, actor="kt")
    cursor = local_segments.active_cursor(session, event.id, ward.id)
    assert (cursor.status, cursor.index, cursor.finished_at) == ("running", 1, None)


def test_show_is_restored_exactly_after_a_restart(settings, make_event, session, clock):
    from server.app import create_app
    event = make_event(n=4, segment_at=2, local_items=2, wards=2)
    cmd(session, event, "go")
    cmd(session, event, "next")
    cmd(session, event, "next")
    cmd(session, event, "pause")
    cmd(session, event, "add_time", seconds=90)
    before = snapshot(session, event.id)
    restarted = create_app(settings)              # a new process on the same database file
    with restarted.extensions["diemcau.db"].session() as fresh:
        after = snapshot(fresh, event.id)
    before.pop("server_time"), after.pop("server_time")
    assert after == before
    assert after["show"]["status"] == "paused" and len(after["sites"]) == 2
