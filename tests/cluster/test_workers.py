"""Two workers on one PostgreSQL database with a Redis message queue, addressed directly on their own
ports: what one takes, the other's screens hear; racing operators and racing scanners on different
workers change the show and the check-in once; the control room on either sees every point."""
from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from server.demo import SLUG
from server.models import CueLog, Event, RollCall, ShowState
from sites.follower import ShowFollower
from tests.deployment import Cluster
from tests.live.checkin_helpers import CheckInClient, ServerData, close_all, new_scan_id, scan_at_once
from tests.live.conftest import Tokens, comparable

# A script presses Next on purpose faster than a person would: it confirms past the double-press
# guard (show_control._guard), which test_press_guard checks on its own.
SCRIPTED = {"confirm": True}

WARDS = ("long-binh", "hiep-phu", "phu-huu", "tan-phu")

pytestmark = pytest.mark.cluster


def ok(ack: dict) -> dict:
    assert ack and ack["ok"], ack
    return ack


@pytest.fixture(scope="module")
def tokens(cluster: Cluster):
    return Tokens(cluster.database_url)


@pytest.fixture
def follow(cluster: Cluster, tokens):
    """follow(username, worker index, **ShowFollower options) -> a connected follower on that worker."""
    made: list[ShowFollower] = []

    def factory(username: str, worker: int, **options) -> ShowFollower:
        f = ShowFollower(cluster.workers[worker].url, SLUG, tokens[username], name=f"{username}@w{worker + 1}",
                         **options).connect()
        made.append(f)
        return f

    yield factory
    close_all(made)


def current_rev(tokens) -> int:
    with tokens.db.session() as s:
        return s.execute(select(ShowState.rev).join(Event).where(Event.slug == SLUG)).scalar_one()


def cue_count(tokens, action: str, since_rev: int) -> int:
    with tokens.db.session() as s:
        return s.execute(select(func.count()).select_from(CueLog)
                         .where(CueLog.action == action, CueLog.rev > since_rev)).scalar_one()


def test_a_command_taken_by_one_worker_reaches_the_screens_of_the_other(cluster, tokens, follow):
    desk = follow("dieuhanh", 0)
    screens = [desk, follow("xem", 1), follow("mc", 0), *[follow(f"kt-{code}", i % 2) for i, code in enumerate(WARDS)]]
    start = desk.rev
    ok(desk.command("go"))
    for _ in range(3):
        for screen in screens:
            screen.wait_for(lambda f: f.rev >= desk.rev)
        ok(desk.command("next", SCRIPTED))
    final = current_rev(tokens)
    reference = None
    for screen in screens:
        screen.wait_for(lambda f: f.rev >= final)
        assert screen.revs_seen[-4:] == list(range(start + 1, final + 1)), screen.name   # every step, in order
        reference = reference or comparable(screen.state)
        assert comparable(screen.state) == reference, screen.name
    assert desk.state["show"]["cursor"] == 3 and desk.state["show"]["status"] == "running"


def test_two_operators_on_two_workers_racing_next_move_the_show_once_a_press(cluster, tokens, follow):
    one, two = follow("dieuhanh", 0), follow("admin", 1)
    stage = follow("xem", 1)
    if one.state["show"]["status"] != "running":
        ok(one.command("go"))
    since = current_rev(tokens)
    one.wait_for(lambda f: f.rev >= since)
    cursor_before = one.state["show"]["cursor"]
    rounds = 4
    refused: list[dict] = []
    for _ in range(rounds):
        rev = current_rev(tokens)
        for f in (one, two):
            f.wait_for(lambda f: f.rev >= rev)
        seen = one.state["show"]["cursor_rev"]
        assert two.state["show"]["cursor_rev"] == seen
        barrier = threading.Barrier(2)
        acks: list = [None, None]

        def press(i, f):
            barrier.wait()
            acks[i] = f.command("next", SCRIPTED, expected_rev=seen)
        threads = [threading.Thread(target=press, args=(i, f)) for i, f in enumerate((one, two))]
        [t.start() for t in threads]
        [t.join(30) for t in threads]
        assert sorted(bool(a["ok"]) for a in acks) == [False, True], acks        # one moved it, one was told
        refused += [a for a in acks if not a["ok"]]
    assert {a["error"]["code"] for a in refused} == {"stale_revision"}
    assert cue_count(tokens, "next", since) == rounds
    final = current_rev(tokens)
    for f in (one, two, stage):
        f.wait_for(lambda f: f.rev >= final)
        assert f.state["show"]["cursor"] == cursor_before + rounds, f.name
    assert comparable(one.state) == comparable(two.state) == comparable(stage.state)


@pytest.fixture
def data(cluster):
    d = ServerData(cluster.database_url, cluster.instance)
    yield d
    d.close()


def test_a_scan_sent_to_both_workers_at_once_is_applied_once(cluster, data):
    point = data.point_ids()["phuoc-binh"]
    codes = sorted(data.codes(point).items())[:4]
    token = data.token("dieuhanh")
    # Three scanner sockets on each worker (a queue replayed by phones at two gates, say).
    scanners = [CheckInClient(cluster.workers[i % 2].url, token, name=f"scanner {i}").connect() for i in range(6)]
    dashboard = CheckInClient(cluster.workers[1].url, token, name="attendance").connect()
    try:
        ok(dashboard.call("attendance", {}))
        before = data.counts()
        scan_ids = []
        for delegate_id, code in codes:
            scan = {"scan_id": new_scan_id("dup"), "code": code, "scanned_at": int(time.time() * 1000) - 3000}
            scan_ids.append(scan["scan_id"])
            acks = scan_at_once(scanners, point, scan)
            results = [ok(a)["result"] for a in acks]
            assert [r["replayed"] for r in results].count(False) == 1, results
            assert {r["verdict"] for r in results} == {"welcome"}
            assert {r["delegate"]["id"] for r in results} == {delegate_id}
        assert data.counts() == (before[0] + len(codes), before[1] + len(codes))
        arrived = data.check_ins()
        assert all(delegate_id in arrived for delegate_id, _code in codes)
        # The dashboard on the second worker heard every arrival, wherever the scan was taken.
        for scan_id in scan_ids:
            assert dashboard.arrival_for(scan_id)["result"]["verdict"] == "welcome"
    finally:
        close_all([*scanners, dashboard])


def test_the_control_room_on_either_worker_sees_every_point_and_a_roll_call_closes_once(cluster, tokens, follow):
    controls = [follow("dieuhanh", 0, page="control"), follow("admin", 1, page="control")]
    consoles = {code: follow(f"kt-{code}", i % 2, page="console", point_code=code) for i, code in enumerate(WARDS)}
    ids = {code: c.point_id(code) for code, c in consoles.items()}

    def sees_all(f):
        tiles = {t["bridge_point_id"]: t for t in (f.links or {}).get("tiles", [])}
        workers = {s["worker"] for s in (f.links or {}).get("screens", []) if s["bridge_point_id"] in ids.values()}
        return all(tiles.get(i, {}).get("state") == "good" and tiles[i]["screens"] >= 1 for i in ids.values()) \
            and workers == {"w1", "w2"}
    for control in controls:
        control.wait_for(sees_all, 20)

    # A roll call with a short deadline: both workers' tickers run, one closes it.
    since = current_rev(tokens)
    ack = ok(controls[0].command("roll_call_start", {"timeout_s": 5}))
    for code, console in consoles.items():
        console.wait_for(lambda f: f.rev >= ack["rev"])
        ok(console.command("roll_call_answer", bridge_point_id=ids[code]))
    controls[1].wait_for(lambda f: (f.coord("roll_call") or {}).get("closed_at") is not None, 30)
    with tokens.db.session() as s:
        closed = s.execute(select(RollCall).order_by(RollCall.id.desc()).limit(1)).scalar_one()
        answered = {a.bridge_point_id for a in closed.answers}
    assert answered == set(ids.values())
    assert cue_count(tokens, "roll_call_close", since) == 1      # by one ticker only, not one per worker

    # A ward's console leaves its worker: the other worker's control room sees the point go.
    gone = consoles["long-binh"]
    gone.disconnect()
    controls[1].wait_for(lambda f: next(t for t in f.links["tiles"] if t["bridge_point_id"] == ids["long-binh"])
                         ["state"] in ("degraded", "lost"), 20)
