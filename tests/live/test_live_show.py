"""Against a real server process: 15 bridge points and a stage display follow the whole programme,
two operators race, and the show survives kill -9."""
from __future__ import annotations

import threading

from sqlalchemy import func, select

from server.demo import BRIDGE_POINTS, SLUG
from server.models import BridgePoint, CueLog, Event, ProgrammeItem, ShowState
from tests.live.conftest import comparable

# A script presses Next on purpose faster than a person would: it confirms past the double-press
# guard (show_control._guard), which test_press_guard checks on its own.
SCRIPTED = {"confirm": True}

WARD_CODES = [code for code, _name, _short, kind in BRIDGE_POINTS if kind == "ward"]


def point_ids(tokens) -> dict[str, int]:
    with tokens.db.session() as s:
        return dict(s.execute(select(BridgePoint.code, BridgePoint.id)
                              .join(Event).where(Event.slug == SLUG)).all())


def ok(ack: dict) -> dict:
    assert ack and ack["ok"], ack
    return ack


def press(screen, action: str, args: dict | None = None) -> dict:
    """One command, then wait until this screen has seen its own change: its next command carries that
    revision (the ack can come before the patch, and a command sent on the older one is stale)."""
    ack = ok(screen.command(action, args))
    screen.wait_for(lambda f: f.rev >= ack["rev"])
    return ack


def test_fifteen_points_and_the_stage_follow_the_whole_programme(live_server, tokens, follow):
    ids = point_ids(tokens)
    sites = {code: follow(f"kt-{code}") for code, *_ in BRIDGE_POINTS}
    stage = follow("xem")
    desk = follow("dieuhanh")
    screens = [*sites.values(), stage, desk]
    assert len(sites) == 15

    def everyone_at(rev):
        for screen in screens:
            screen.wait_for(lambda f: f.rev >= rev)

    start = desk.rev                                     # the demo's own revisions (its award batches) came first
    press(desk, "go")
    for _ in range(4):                                  # to item 5, the wards' local segment
        everyone_at(desk.rev)
        press(desk, "next", SCRIPTED)
    everyone_at(desk.rev)
    assert stage.current_item()["content"].startswith("Chuyển sang nội dung riêng")
    for code in WARD_CODES:
        assert sites[code].site_cursor(ids[code])["index"] == 0
    assert sites["quan-uy"].site_cursor(ids["quan-uy"]) is None     # the main hall has no local part

    # Each ward drives its own three local items, all at once, from its own console.
    def run_ward(code):
        ward = sites[code]
        for _ in range(3):
            ok(ward.command("local_next", bridge_point_id=ids[code]))
            ward.wait_for(lambda f: f.site_cursor(ids[code])["changed_rev"] == f.rev or True)
    threads = [threading.Thread(target=run_ward, args=(code,)) for code in WARD_CODES]
    [t.start() for t in threads]
    # Meanwhile the district hall carries on with its awards (plan 000).
    ok(desk.command("next", SCRIPTED, expected_rev=desk.state["show"]["cursor_rev"]))
    [t.join(60) for t in threads]

    with tokens.db.session() as s:
        final_rev = s.execute(select(ShowState.rev).join(Event).where(Event.slug == SLUG)).scalar_one()
    everyone_at(final_rev)
    for _ in range(3):                                   # items 7, 8, then the end
        ok(desk.command("next", SCRIPTED, expected_rev=desk.state["show"]["cursor_rev"]))
        with tokens.db.session() as s:
            final_rev = s.execute(select(ShowState.rev).join(Event).where(Event.slug == SLUG)).scalar_one()
        everyone_at(final_rev)

    assert desk.state["show"]["status"] == "ended"
    assert final_rev == start + 1 + 4 + 13 * 3 + 1 + 3
    reference = comparable(desk.state)
    for screen in screens:
        assert screen.revs_seen == list(range(start + 1, final_rev + 1)), screen.name   # every revision, in order
        assert screen.gaps == 0
        assert comparable(screen.state) == reference, screen.name
    for code in WARD_CODES:
        assert sites[code].site_cursor(ids[code])["status"] == "done"


def test_two_operators_racing_move_the_show_once_per_accepted_command(live_server, tokens, follow):
    with tokens.db.session() as s:                       # a long programme so 200 presses fit
        event = Event(slug="dua-lenh", title="Thử hai bàn điều hành", banner="")
        s.add(event)
        s.flush()
        s.add_all([ProgrammeItem(event_id=event.id, position=i, content=f"Mục {i + 1}", duration_s=60)
                   for i in range(250)])
        s.add(ShowState(event_id=event.id))
        s.commit()
        event_id = event.id
    a, b = follow("dieuhanh", "dua-lenh"), follow("admin", "dua-lenh")
    watcher = follow("xem", "dua-lenh")
    results = {"accepted": 0, "conflicts": 0, "other": []}
    lock = threading.Lock()

    def press(operator):
        for _ in range(100):
            ack = operator.command("next", SCRIPTED)                # with the revision this desk last saw
            with lock:
                if ack["ok"]:
                    results["accepted"] += 1
                elif ack["error"]["code"] == "stale_revision":
                    results["conflicts"] += 1
                else:
                    results["other"].append(ack)

    threads = [threading.Thread(target=press, args=(op,)) for op in (a, b)]
    [t.start() for t in threads]
    [t.join(120) for t in threads]
    assert results["other"] == []
    assert results["accepted"] + results["conflicts"] == 200
    accepted = results["accepted"]
    with tokens.db.session() as s:
        state = s.execute(select(ShowState).where(ShowState.event_id == event_id)).scalar_one()
        logged = s.execute(select(func.count()).select_from(CueLog).where(CueLog.event_id == event_id)).scalar_one()
    assert state.cursor == accepted - 1                  # the first Next is GO, onto item 1
    assert state.rev == accepted == logged
    watcher.wait_for(lambda f: f.rev == accepted)
    assert watcher.revs_seen == list(range(1, accepted + 1))
    assert watcher.state["show"]["cursor"] == accepted - 1


def test_kill_9_mid_show_then_every_client_resyncs_to_the_same_revision(live_server, tokens, follow):
    ids = point_ids(tokens)
    desk = follow("dieuhanh")
    screens = [follow("xem"), follow("kt-long-binh"), follow("kt-hiep-phu"), follow("mc")]
    press(desk, "go")
    for _ in range(4):
        press(desk, "next", SCRIPTED)
    lb = screens[1]
    lb.wait_for(lambda f: f.rev == desk.rev)
    ok(lb.command("local_next", bridge_point_id=ids["long-binh"]))
    desk.wait_for(lambda f: f.rev == lb.rev)
    ok(desk.command("pause"))
    before = desk.rev
    for screen in screens:
        screen.wait_for(lambda f: f.rev == before)
    reference = comparable(desk.snapshot_copy())
    snapshots_before = [s.snapshots for s in screens]

    live_server.kill()                                    # SIGKILL mid-show
    live_server.start()                                   # same database, same port

    for screen, count in zip([*screens], snapshots_before):
        screen.wait_for(lambda f: f.snapshots > count, timeout=30)   # reconnected and resynced
        assert screen.rev == before
        assert comparable(screen.snapshot_copy()) == reference
    desk.wait_for(lambda f: f.snapshots > 1, timeout=30)
    assert comparable(desk.snapshot_copy()) == reference
    # The show goes on from exactly where it was.
    ok(desk.command("resume"))
    for screen in screens:
        screen.wait_for(lambda f: f.rev == before + 1)
        assert screen.state["show"]["status"] == "running"
    assert screens[1].site_cursor(ids["long-binh"])["index"] == 1
