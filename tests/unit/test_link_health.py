"""Link health against a controlled clock: the monitor is given `now`, so every threshold is crossed
exactly where the policy puts it, with no sleeping."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from server.extensions import socketio
from server.models import LinkPolicy, LinkSample, utcnow
from server.services import accounts, link_health
from server.services.errors import Invalid
from server.services.link_health import LinkMonitor, Policy

EVENT, POINT, OTHER = 1, 10, 11
POLICY = {EVENT: Policy(beat_interval_ms=1000, rtt_degraded_ms=300, jitter_degraded_ms=100, missed_degraded=2,
                        lost_after_ms=5000)}


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self, seconds: float = 0) -> float:
        self.now += seconds
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def monitor(clock):
    m = LinkMonitor()
    m.connect("sid-1", EVENT, "kt (site_tech)", clock())
    m.hello("sid-1", "console", POINT, "Điện thoại kỹ thuật", clock())
    return m


def beats(monitor, clock, sid="sid-1", count=5, rtt=40, every=1.0, start=0):
    for seq in range(start, start + count):
        monitor.beat(sid, seq, rtt, clock(every))


def point_state(monitor, clock, point=POINT):
    monitor.rate(clock(), POLICY)
    return monitor.tile(EVENT, point, clock(), 0, POLICY[EVENT])["state"]


def test_a_point_nobody_has_opened_is_unknown(monitor, clock):
    assert point_state(monitor, clock, OTHER) == "unknown"


def test_steady_beats_are_good(monitor, clock):
    beats(monitor, clock)
    assert point_state(monitor, clock) == "good"
    tile = monitor.tile(EVENT, POINT, clock(), 0, POLICY[EVENT])
    assert tile["rtt_ms"] == 40 and tile["jitter_ms"] == 0 and tile["screens"] == 1 and tile["rtts"] == [40] * 5


def test_missed_beats_degrade_then_silence_loses_the_point_and_a_beat_brings_it_back(monitor, clock):
    beats(monitor, clock)
    clock(1.4)                                     # one beat late by less than half an interval: fine
    assert point_state(monitor, clock) == "good"
    clock(1.2)                                     # 2.6 s since the last beat: two missed
    assert point_state(monitor, clock) == "degraded"
    clock(2.3)                                     # 4.9 s: still within lost_after (5 s)
    assert point_state(monitor, clock) == "degraded"
    clock(0.2)                                     # 5.1 s
    assert point_state(monitor, clock) == "lost"
    monitor.beat("sid-1", 5, 45, clock())
    assert point_state(monitor, clock) == "good"


def test_slow_or_unsteady_round_trips_degrade(monitor, clock):
    beats(monitor, clock, rtt=350)
    assert point_state(monitor, clock) == "degraded"        # median over 300 ms
    beats(monitor, clock, count=10, rtt=40, start=5)
    assert point_state(monitor, clock) == "good"
    for seq, rtt in enumerate([20, 250, 20, 250, 20, 250], start=15):   # median fine, jitter 230 ms
        monitor.beat("sid-1", seq, rtt, clock(1))
    assert point_state(monitor, clock) == "degraded"


def test_a_point_is_as_good_as_its_best_screen(monitor, clock):
    monitor.connect("sid-2", EVENT, "xem (viewer)", clock())
    monitor.hello("sid-2", "site", POINT, "Máy chiếu", clock())
    beats(monitor, clock, sid="sid-1")
    assert point_state(monitor, clock) == "good"            # the projector's silence doesn't matter yet
    clock(6)
    monitor.beat("sid-2", 0, 30, clock())
    assert point_state(monitor, clock) == "good"            # the console is lost, the projector beats
    screens = {s["name"]: s["state"] for s in monitor.screens(EVENT, clock(), 0, POLICY[EVENT])}
    assert screens == {"Điện thoại kỹ thuật": "lost", "Máy chiếu": "good"}


def test_a_point_whose_screens_left_waits_then_turns_lost(monitor, clock):
    beats(monitor, clock)
    monitor.disconnect("sid-1")
    assert point_state(monitor, clock) == "degraded"
    clock(5.1)
    assert point_state(monitor, clock) == "lost"
    assert monitor.tile(EVENT, POINT, clock(), 0, POLICY[EVENT])["screens"] == 0


def test_old_or_repeated_beats_change_nothing(monitor, clock):
    beats(monitor, clock, count=3)
    clock(4.5)
    monitor.beat("sid-1", 1, 40, clock())                   # a replay of an old beat
    clock(0.6)
    assert point_state(monitor, clock) == "lost"


def test_rate_reports_each_change_once_and_samples_follow_changes(monitor, clock):
    beats(monitor, clock, count=2)
    assert monitor.rate(clock(), POLICY) == [(EVENT, POINT, "unknown", "good")]
    assert monitor.rate(clock(), POLICY) == []
    assert [s["state"] for s in monitor.samples_due(clock(), 5, POLICY)] == ["good"]
    assert monitor.samples_due(clock(1), 5, POLICY) == []   # nothing new, not yet five seconds
    clock(6)
    assert monitor.rate(clock(), POLICY) == [(EVENT, POINT, "good", "lost")]
    assert [s["state"] for s in monitor.samples_due(clock(), 5, POLICY)] == ["lost"]


def test_samples_are_recorded(session, make_event, clock):
    event = make_event(n=1, wards=1)
    ward = event.bridge_points[1]
    m = LinkMonitor()
    m.connect("s", event.id, "kt", clock())
    m.hello("s", "console", ward.id, "", clock())
    m.beat("s", 0, 25, clock(1))
    policies = link_health.load_policies(session, [event.id])
    m.rate(clock(), policies)
    link_health.record_samples(session, m.samples_due(clock(), 5, policies), utcnow())
    row = session.execute(select(LinkSample)).scalar_one()
    assert (row.bridge_point_id, row.state, row.rtt_ms, row.screens) == (ward.id, "good", 25, 1)


@pytest.mark.parametrize("args, message", [
    ({"beat_interval_ms": 50}, "beat_interval_ms"),
    ({"beat_interval_ms": "1000"}, "beat_interval_ms"),
    ({"missed_degraded": True}, "missed_degraded"),
    ({"beat_interval_ms": 10_000, "lost_after_ms": 15_000}, "gấp đôi"),
])
def test_bad_thresholds_are_refused_and_change_nothing(session, make_event, args, message):
    event = make_event(n=1)
    with pytest.raises(Invalid, match=message):
        link_health.set_policy(session, event.id, "dieuhanh", args)
    assert session.execute(select(LinkPolicy)).scalar_one_or_none() is None


def test_thresholds_are_kept_and_loaded(session, make_event):
    event = make_event(n=1)
    change = link_health.set_policy(session, event.id, "dieuhanh", {"beat_interval_ms": 2000, "lost_after_ms": 9000})
    assert change.patch["coord"]["policy"]["beat_interval_ms"] == 2000
    policy = link_health.load_policies(session, [event.id])[event.id]
    assert (policy.beat_interval_ms, policy.lost_after_ms, policy.rtt_degraded_ms) == (2000, 9000, 400)


@pytest.fixture
def tech_client(app, session, make_event, make_user):
    event = make_event(n=2, wards=2)
    ward = event.bridge_points[1]
    token = accounts.issue_token(session, make_user("site_tech", bridge_point_id=ward.id), "t")
    session.commit()
    client = socketio.test_client(app, auth={"token": token, "event": event.slug})
    yield event, ward, client
    client.disconnect()


@pytest.mark.parametrize("payload", [None, "beat", [], {}, {"seq": -1}, {"seq": "1"}, {"seq": True},
                                     {"seq": 1, "rtt_ms": "fast"}, {"seq": 1, "rtt_ms": -3}, {"seq": 1.5}])
def test_a_garbled_heartbeat_gets_an_error_and_is_not_a_beat(app, tech_client, payload):
    event, ward, client = tech_client
    assert client.emit("hello", {"page": "console", "bridge_point_id": ward.id}, callback=True)["ok"]
    screen = next(iter(app.extensions["diemcau.links"]._screens.values()))
    seen = screen.last_beat
    ack = client.emit("heartbeat", payload, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "invalid"
    assert "Nhịp kết nối không hợp lệ" in ack["error"]["message"]
    assert (screen.beats, screen.last_beat) == (0, seen)
    assert client.emit("heartbeat", {"seq": 0, "rtt_ms": 12}, callback=True) == {"ok": True, "seq": 0, "state": "good"}
    assert screen.beats == 1 and list(screen.rtts) == [12]


@pytest.mark.parametrize("hello, code", [
    ({"page": "nowhere"}, "invalid"),
    ({"page": "console"}, "invalid"),                       # a console belongs to a point
    ({"page": "console", "bridge_point_id": 99999}, "not_found"),
    ({"page": "site", "bridge_point_id": 1, "name": "x" * 61}, "invalid"),
])
def test_a_garbled_hello_is_refused(tech_client, hello, code):
    event, ward, client = tech_client
    ack = client.emit("hello", hello, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == code


def test_a_technician_cannot_introduce_a_console_of_another_point(tech_client):
    event, ward, client = tech_client
    other = event.bridge_points[2]
    ack = client.emit("hello", {"page": "console", "bridge_point_id": other.id}, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "forbidden"
    # ... but may show another point's display, which acts for nobody
    assert client.emit("hello", {"page": "site", "bridge_point_id": other.id}, callback=True)["ok"]


def test_only_control_room_pages_of_operators_get_the_grid(app, tech_client):
    event, ward, client = tech_client
    ack = client.emit("hello", {"page": "control"}, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "forbidden"
