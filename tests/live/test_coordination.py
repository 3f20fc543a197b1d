"""Bridge-point coordination against a real server, driven by the rehearsal simulator: 15 virtual points
answer a roll call, one drops and turns lost then good again, one goes silent with its socket open,
floor requests are granted onto the air, and an incident runs its whole lifecycle.

Link thresholds are set small through the operator's own command (beats every 200 ms, lost after
1.5 s of silence) so the tests wait for states, not for minutes; the thresholds themselves are
tested against a controlled clock in tests/unit/test_link_health.py.
"""
from __future__ import annotations

import pytest

from sites.follower import ShowFollower
from sites.simulator import Simulation
from tests.live.conftest import Tokens
from tests.server_process import ServerProcess

pytestmark = pytest.mark.live

EVENT = "quan9-chi-thi-05"
FAST_LINKS = {"beat_interval_ms": 200, "lost_after_ms": 1500, "missed_degraded": 2}


@pytest.fixture(scope="module", params=["eventlet", "threading"])
def server(request, tmp_path_factory):
    """One server per async mode for the whole module: fifteen clients connect once, and each test
    uses its own points or puts back what it changed."""
    srv = ServerProcess(tmp_path_factory.mktemp(f"coordination-{request.param}"), async_mode=request.param).start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def tokens(server):
    return Tokens(server.database_url)


@pytest.fixture(scope="module")
def control(server, tokens):
    """The operator in the control room, with fast link thresholds."""
    op = ShowFollower(server.url, EVENT, tokens["dieuhanh"], name="dieuhanh", page="control").connect()
    assert op.command("link_policy", FAST_LINKS)["ok"]
    yield op
    op.disconnect()


@pytest.fixture(scope="module")
def simulation(server, tokens, control):
    points = control.state["bridge_points"]
    assert len(points) == 15
    sim = Simulation(server.url, EVENT, {p["code"]: tokens[f"kt-{p['code']}"] for p in points}, points)
    sim.connect()
    yield sim
    sim.close()


def start_roll_call(op, timeout_s: int) -> int:
    ack = op.command("roll_call_start", {"timeout_s": timeout_s})
    assert ack["ok"], ack
    op.wait_for(lambda f: f.rev >= ack["rev"], 10)
    return op.coord("roll_call")["id"]


def roll_call_closed(op, roll_call_id):
    roll_call = op.coord("roll_call") or {}
    return roll_call.get("id") == roll_call_id and roll_call.get("closed_at") is not None


def tile_state(op, point_id):
    tile = op.tile(point_id)
    return tile and tile["state"]


def test_fifteen_points_answer_a_roll_call_and_the_grid_shows_them_all_good(control, simulation):
    ids = [p.id for p in simulation.points.values()]
    control.wait_for(lambda f: all(tile_state(f, i) == "good" for i in ids), 20)
    assert all(control.tile(i)["screens"] >= 1 for i in ids)

    roll_call_id = start_roll_call(control, 60)
    # The last answer closes the roll call at once: nobody waits for the minute to run out.
    control.wait_for(lambda f: roll_call_closed(f, roll_call_id), 30)
    roll_call = control.coord("roll_call")
    assert sorted(int(k) for k in roll_call["answers"]) == sorted(ids)
    assert roll_call["missing"] == []
    assert roll_call["closed_at"] < roll_call["deadline_at"]
    assert not [e for p in simulation.points.values() for e in p.errors]


def test_a_point_that_drops_turns_lost_and_good_again_when_it_rejoins(control, simulation):
    ward = simulation["long-binh"]
    others = [p.id for p in simulation.points.values() if p is not ward]
    control.wait_for(lambda f: tile_state(f, ward.id) == "good", 20)

    ward.drop()
    try:
        control.wait_for(lambda f: tile_state(f, ward.id) == "lost", 20)
        assert control.tile(ward.id)["screens"] == 0
        # The others stay good. With beats every 200 ms a loaded 2-core machine can miss two of one
        # screen's beats for a moment (degraded, then good again at the next beat): wait that out.
        control.wait_for(lambda f: all(tile_state(f, i) == "good" for i in others), 10)
    finally:
        ward.rejoin()      # whatever happened: the later tests of this module need the ward back
    control.wait_for(lambda f: tile_state(f, ward.id) == "good", 20)
    assert control.tile(ward.id)["screens"] == 1


def test_a_point_silent_with_its_socket_open_turns_lost_and_recovers(control, simulation):
    ward = simulation["phu-huu"]
    control.wait_for(lambda f: tile_state(f, ward.id) == "good", 20)
    ward.go_silent()
    control.wait_for(lambda f: tile_state(f, ward.id) == "lost", 20)
    assert control.tile(ward.id)["screens"] == 1            # still connected: only the beats stopped
    ward.speak_again()
    control.wait_for(lambda f: tile_state(f, ward.id) == "good", 20)


def test_a_roll_call_flags_the_point_that_did_not_answer(control, simulation):
    silent = simulation["tan-phu"]
    silent.answer_roll_calls = False
    try:
        roll_call_id = start_roll_call(control, 5)
        # Closed by the server's ticker when the five seconds are up, not by anyone pressing a button.
        control.wait_for(lambda f: roll_call_closed(f, roll_call_id), 30)
    finally:
        silent.answer_roll_calls = True
    roll_call = control.coord("roll_call")
    assert roll_call["missing"] == [silent.id]
    assert len(roll_call["answers"]) == 14
    assert roll_call["closed_at"] == roll_call["deadline_at"]


def test_floor_requests_queue_by_time_and_a_grant_puts_the_point_on_air(control, simulation):
    first, second = simulation["long-binh"], simulation["hiep-phu"]
    assert first.request_floor("Bí thư phường xin báo cáo điển hình")["ok"]
    assert second.request_floor()["ok"]
    again = first.request_floor("lần nữa")
    assert not again["ok"] and "vị trí 1" in again["error"]["message"]

    for point in (first, second, control):
        point_view = point.follower if point is not control else control
        point_view.wait_for(lambda f: len([r for r in f.coord("floor") if r["status"] == "pending"]) == 2, 10)
    queue = sorted((r for r in control.coord("floor") if r["status"] == "pending"),
                   key=lambda r: (r["requested_at"], r["id"]))
    assert [r["bridge_point_id"] for r in queue] == [first.id, second.id]

    assert control.command("floor_grant", {"request_id": queue[0]["id"]})["ok"]
    # The point sees itself on air: the grant and the tally arrive in one patch.
    first.follower.wait_for(lambda f: f.coord("tally")["program"] == first.id, 10)
    granted = next(r for r in first.follower.coord("floor") if r["id"] == queue[0]["id"])
    assert granted["status"] == "granted" and granted["decided_by"].startswith("dieuhanh")

    assert control.command("floor_decline", {"request_id": queue[1]["id"], "reason": "Hết thời gian"})["ok"]
    second.follower.wait_for(lambda f: any(r["id"] == queue[1]["id"] and r["status"] == "declined"
                                           for r in f.coord("floor")), 10)
    assert second.follower.coord("tally")["program"] == first.id
    stale = control.command("floor_grant", {"request_id": queue[1]["id"]})
    assert not stale["ok"] and stale["error"]["code"] == "invalid"


def test_an_incident_is_reported_acknowledged_and_resolved_with_its_timeline(control, simulation):
    ward = simulation["truong-thanh"]
    assert ward.report_incident("no_sound", "Không nghe tiếng từ hội trường")["ok"]
    control.wait_for(lambda f: any(i["bridge_point_id"] == ward.id for i in f.coord("incidents")), 10)
    incident = next(i for i in control.coord("incidents") if i["bridge_point_id"] == ward.id)
    assert incident["status"] == "open" and incident["kind"] == "no_sound"

    assert control.command("incident_acknowledge", {"incident_id": incident["id"], "note": "Đang kiểm tra"})["ok"]
    refused = control.command("incident_acknowledge", {"incident_id": incident["id"]})
    assert not refused["ok"]
    assert control.command("incident_resolve", {"incident_id": incident["id"], "note": "Đã đổi cáp âm thanh"})["ok"]

    ward.follower.wait_for(lambda f: any(i["id"] == incident["id"] and i["status"] == "resolved"
                                         for i in f.coord("incidents")), 10)
    done = next(i for i in ward.follower.coord("incidents") if i["id"] == incident["id"])
    assert [e["action"] for e in done["entries"]] == ["reported", "acknowledged", "resolved"]
    assert done["entries"][0]["actor"].startswith("kt-truong-thanh")
    assert done["entries"][2]["note"] == "Đã đổi cáp âm thanh"
    assert done["reported_at"] <= done["acknowledged_at"] <= done["resolved_at"]


def test_a_site_token_cannot_act_for_another_point(control, simulation):
    ward, other = simulation["long-binh"], simulation["phuoc-binh"]
    tally = dict(control.coord("tally"))
    ack = ward.follower.command("incident_report", {"kind": "no_picture"}, bridge_point_id=other.id)
    assert not ack["ok"] and ack["error"]["code"] == "forbidden"
    ack = ward.follower.command("tally_program", {"bridge_point_id": ward.id})
    assert not ack["ok"] and ack["error"]["code"] == "forbidden"
    # A later change reaches everyone, so the refused ones would have too.
    rev = control.command("message", {"text": "Kiểm tra xong"})["rev"]
    control.wait_for(lambda f: f.rev >= rev, 10)
    assert not [i for i in control.coord("incidents") if i["bridge_point_id"] == other.id]
    assert control.coord("tally") == tally


def test_the_simulate_command_runs_a_rehearsal_and_revokes_its_tokens(server, control):
    """`diemcau simulate` as an organiser runs it beside the server: tokens issued into the server's
    database for the points' technicians, every point passes its checks, tokens revoked at the end."""
    import subprocess
    import sys
    from sqlalchemy import func, select
    from server.db import Database
    from server.models import ApiToken, CheckMark
    from tests.server_process import ROOT

    done = subprocess.run([sys.executable, "-m", "server", "simulate", "--url", server.url, "--sites", "15",
                           "--minutes", "0.05", "--database-url", server.database_url, "--drop-rate", "0",
                           "--floor-rate", "0", "--incident-rate", "0"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "15 điểm cầu giả lập đã kết nối" in done.stderr
    with Database(server.database_url).session() as s:
        passed = s.execute(select(CheckMark.bridge_point_id, func.count()).where(CheckMark.status == "pass")
                           .group_by(CheckMark.bridge_point_id)).all()
        assert len(passed) == 15 and {n for _, n in passed} == {7}
        issued = s.execute(select(ApiToken).where(ApiToken.name == "Mô phỏng diễn tập")).scalars().all()
        assert len(issued) == 15 and all(t.revoked_at is not None for t in issued)
