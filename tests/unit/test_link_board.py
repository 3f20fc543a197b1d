"""Several workers' link monitors merged: each rates a point from every worker's screens. The merge
runs on a controlled clock (two monitors with different monotonic clocks, one wall clock); the board
itself runs against the machine's Redis."""
from __future__ import annotations

import uuid

import pytest

from server.link_board import STALE_MS, LocalBoard, RedisBoard, make_board
from server.services.link_health import LinkMonitor, Policy
from tests.deployment import clear_channel
from tests.machine_services import REDIS_URL, need_redis

EVENT, POINT, OTHER = 1, 10, 11
POLICY = {EVENT: Policy(beat_interval_ms=1000, rtt_degraded_ms=300, jitter_degraded_ms=100, missed_degraded=2,
                        lost_after_ms=5000)}
WALL = 1_800_000_000_000


class Worker:
    """A monitor with a monotonic clock of its own (workers' monotonic clocks never agree)."""

    def __init__(self, name: str, mono_start: float):
        self.monitor = LinkMonitor(worker=name)
        self.mono_start = mono_start

    def mono(self, wall_ms: int) -> float:
        return self.mono_start + (wall_ms - WALL) / 1000


def share(a: Worker, b: Worker, wall_ms: int) -> None:
    """What the ticker does each tick, through a perfect board."""
    export_a, export_b = a.monitor.export(a.mono(wall_ms), wall_ms), b.monitor.export(b.mono(wall_ms), wall_ms)
    a.monitor.take_remote([("b", row) for rows in export_b.values() for row in rows], a.mono(wall_ms), wall_ms)
    b.monitor.take_remote([("a", row) for rows in export_a.values() for row in rows], b.mono(wall_ms), wall_ms)


def tile(w: Worker, wall_ms: int, point: int = POINT) -> dict:
    w.monitor.rate(w.mono(wall_ms), POLICY)
    return w.monitor.tile(EVENT, point, w.mono(wall_ms), wall_ms, POLICY[EVENT])


def test_a_point_whose_screen_is_on_another_worker_is_rated_there_from_its_beats():
    a, b = Worker("a", 50.0), Worker("b", 90_000.0)
    a.monitor.connect("s1", EVENT, "kt", a.mono(WALL))
    a.monitor.hello("s1", "console", POINT, "Điện thoại kỹ thuật", a.mono(WALL))
    for seq in range(4):
        a.monitor.beat("s1", seq, 40 + seq, a.mono(WALL + seq * 1000))
    now = WALL + 3500
    share(a, b, now)
    remote = tile(b, now)
    assert remote["state"] == "good" and remote["screens"] == 1 and remote["rtts"] == [40, 41, 42, 43]
    assert remote["last_seen"] == WALL + 3000 == tile(a, now)["last_seen"]      # the same wall time on both
    row = next(s for s in b.monitor.screens(EVENT, b.mono(now), now, POLICY[EVENT]) if s["bridge_point_id"] == POINT)
    assert row["worker"] == "a" and row["name"] == "Điện thoại kỹ thuật"
    assert tile(b, now, OTHER)["state"] == "unknown"

    # The screen falls silent on a: b sees the missed beats, then the point lost, on the same thresholds.
    share(a, b, WALL + 6500)
    assert tile(b, WALL + 6500)["state"] == "degraded"
    share(a, b, WALL + 8500)
    assert tile(b, WALL + 8500)["state"] == "lost"


def test_a_point_is_as_good_as_its_best_screen_on_any_worker():
    a, b = Worker("a", 0.0), Worker("b", 7.0)
    for w, sid in ((a, "sa"), (b, "sb")):
        w.monitor.connect(sid, EVENT, "kt", w.mono(WALL))
        w.monitor.hello(sid, "site", POINT, sid, w.mono(WALL))
    a.monitor.beat("sa", 0, 900, a.mono(WALL + 1000))          # slow on a
    b.monitor.beat("sb", 0, 30, b.mono(WALL + 1000))           # fine on b
    share(a, b, WALL + 1200)
    assert tile(a, WALL + 1200)["state"] == tile(b, WALL + 1200)["state"] == "good"
    assert tile(a, WALL + 1200)["screens"] == 2


def test_when_the_other_workers_screens_are_gone_the_point_waits_then_turns_lost():
    a, b = Worker("a", 0.0), Worker("b", 1e6)
    a.monitor.connect("s1", EVENT, "kt", a.mono(WALL))
    a.monitor.hello("s1", "console", POINT, "", a.mono(WALL))
    share(a, b, WALL + 100)
    assert tile(b, WALL + 100)["state"] == "good"
    a.monitor.disconnect("s1")                                  # or worker a died: its post went stale
    share(a, b, WALL + 400)
    assert tile(b, WALL + 400)["state"] == "degraded" and tile(b, WALL + 400)["screens"] == 0
    share(a, b, WALL + 5200)
    assert tile(b, WALL + 5200)["state"] == "lost"


def test_alone_the_board_is_local_and_always_leads():
    class Settings:
        message_queue, channel, worker = None, "diemcau", "w"
    board = make_board(Settings())
    assert isinstance(board, LocalBoard) and board.leader() and board.remote({1}, WALL) == []


@pytest.fixture
def boards():
    need_redis()
    channel = f"diemcau-test-{uuid.uuid4().hex[:8]}"
    made = [RedisBoard(REDIS_URL, channel, name) for name in ("w1", "w2", "w3")]
    yield made
    clear_channel(channel)


def test_the_redis_board_shares_posts_drops_stale_workers_and_keeps_one_leader(boards):
    w1, w2, w3 = boards
    screen = {"id": "abc123", "event_id": EVENT, "actor": "kt", "page": "console", "bridge_point_id": POINT,
              "name": "Điện thoại", "seq": 3, "beats": 4, "rtts": [40, 41], "connected_at": WALL - 5000,
              "last_beat": WALL - 200}
    w1.post({EVENT: [screen]}, WALL)
    w2.post({}, WALL)
    assert w2.remote({EVENT}, WALL + 100) == [("w1", screen)]
    assert w1.remote({EVENT}, WALL + 100) == []                       # never its own
    assert w3.remote(set(), WALL + 100) == [("w1", screen)]           # events found on the board itself

    # w1 stops posting (killed): after STALE_MS the others no longer count its screens.
    assert w2.remote({EVENT}, WALL + STALE_MS + 1) == []
    assert w3.remote({EVENT}, WALL + STALE_MS + 1) == []

    # Its last screen of the event leaves: the next post takes it off at once.
    w1.post({EVENT: [screen]}, WALL + 10_000)
    w1.post({}, WALL + 10_250)
    assert w2.remote({EVENT}, WALL + 10_300) == []

    leaders = [b.leader() for b in boards]
    assert leaders.count(True) == 1
    first = leaders.index(True)
    assert [b.leader() for b in boards] == leaders                    # the lease is kept while renewed
    boards[first].redis.delete(f"{boards[first].prefix}:leader")       # the leader dies (its lease runs out)
    assert [b.leader() for b in boards].count(True) == 1


def test_a_garbled_post_on_the_board_is_skipped(boards):
    w1, w2, _w3 = boards
    w1.redis.hset(f"{w1.prefix}:{EVENT}", "intruder", b"{not json")
    w1.post({EVENT: []}, WALL)
    assert w2.remote({EVENT}, WALL) == []
