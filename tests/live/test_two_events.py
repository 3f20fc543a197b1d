"""Two events running at once on one real server: no screen, count or report mixes them; and a
rehearsal reset sends every screen of one event back to the start while the other runs on."""
from __future__ import annotations

import pytest
import requests
from sqlalchemy import select

from server.demo import SLUG
from server.models import Event
from server.services import delegates, events, invitation_tokens
from server.services.report import report
from sites.follower import ShowFollower
from tests.live.checkin_helpers import CheckInClient, ServerData, close_all, new_scan_id
from tests.server_process import ServerProcess

pytestmark = pytest.mark.live
OTHER = "le-trao-huy-hieu-dang-2023"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = ServerProcess(tmp_path_factory.mktemp("two-events")).start()
    data = ServerData.of(server)
    # The second event is next month's ceremony made from the first, as an organiser would.
    with data.db.session() as s, data.app.app_context():
        source = s.execute(select(Event).where(Event.slug == SLUG)).scalar_one()
        other = events.duplicate(s, source, {"slug": OTHER, "title": "Lễ trao Huy hiệu Đảng đợt 19/5/2023"}, "test")
        s.flush()
        data.other_id = other.id
        data.other_points = {p.code: p.id for p in other.bridge_points}
        data.other_codes = {}
        for i in range(3):
            d = delegates.add(s, other.id, {"full_name": f"Đảng viên Thứ {i + 1}", "organisation": "Chi bộ 1",
                                            "bridge_point_id": data.other_points["quan-uy"]}, "test")
            data.other_codes[d.id] = invitation_tokens.token_for(invitation_tokens.issue(s, d))
        s.commit()
    yield server, data
    data.close()
    server.stop()


def ok(ack: dict) -> dict:
    assert ack and ack["ok"], ack
    return ack


def test_screens_counts_and_reports_stay_with_their_own_event(server):
    server, data = server
    token = data.token("dieuhanh")
    desk_a = ShowFollower(server.url, SLUG, token, name="desk-a").connect()
    desk_b = ShowFollower(server.url, OTHER, token, name="desk-b").connect()
    site_b = ShowFollower(server.url, OTHER, data.token("xem"), name="site-b").connect()
    scanner_a = CheckInClient(server.url, token, event=SLUG, name="scan-a").connect()
    scanner_b = CheckInClient(server.url, token, event=OTHER, name="scan-b").connect()
    board_b = CheckInClient(server.url, token, event=OTHER, name="board-b").connect()
    try:
        assert desk_b.state["event"]["slug"] == OTHER and len(desk_b.state["bridge_points"]) == 15
        ok(board_b.call("attendance", {}))
        b_rev = site_b.rev
        # The show of A moves three items; B's screens see nothing of it.
        for action in ("go", "next", "next"):
            ok(desk_a.command(action, {"confirm": True}))      # a script, past the double-press guard
        desk_a.wait_for(lambda f: f.state["show"]["cursor"] == 2)
        ok(desk_b.command("go"))                       # B starts; its screens follow B only
        site_b.wait_for(lambda f: f.state["show"]["cursor"] == 0)
        assert site_b.rev == b_rev + 1 and site_b.state["show"]["cursor"] == 0
        assert desk_a.state["show"]["cursor"] == 2

        # A's invitation at B's door is another event's; B's own is welcome, and only B's board hears it.
        point_a = desk_a.point_id("quan-uy")
        code_a = next(iter(data.codes(point_a).values()))
        foreign = scanner_b.scan(data.other_points["quan-uy"], {"scan_id": new_scan_id(), "code": code_a})
        assert foreign["ok"] and foreign["result"]["verdict"] == "foreign"
        delegate_b, code_b = next(iter(data.other_codes.items()))
        scan_id = new_scan_id("b")
        welcome = scanner_b.scan(data.other_points["quan-uy"], {"scan_id": scan_id, "code": code_b})
        assert welcome["result"]["verdict"] == "welcome"
        board_b.arrival_for(scan_id)
        wrong = scanner_a.scan(point_a, {"scan_id": new_scan_id(), "code": code_b})
        assert wrong["result"]["verdict"] == "foreign"

        with data.db.session() as s:
            report_a, report_b = report(s, data.event_id), report(s, data.other_id)
        assert report_b["attendance"]["total"]["arrived"] == 1 and report_b["attendance"]["total"]["expected"] == 3
        assert report_a["attendance"]["total"]["arrived"] == 0
        assert [r["number"] for r in report_b["programme"]["rows"] if r["actual_start"]] == [1]
        assert [r["number"] for r in report_a["programme"]["rows"] if r["actual_start"]] == [1, 2, 3]
        assert [c["action"] for c in report_b["cue_log"]] == ["go"]

        # A rehearsal reset of B: its screens go back to the start, A's show is untouched.
        with data.db.session() as s:
            events.reset(s, s.get(Event, data.other_id), "test")
        site_b.wait_for(lambda f: f.state["show"]["cursor"] == -1 and f.state["show"]["status"] == "standby")
        assert site_b.gaps >= 1                          # it noticed the gap and took a fresh snapshot
        assert desk_a.state["show"]["cursor"] == 2
        with data.db.session() as s:
            assert report(s, data.other_id)["attendance"]["total"]["arrived"] == 0
    finally:
        close_all([scanner_a, scanner_b, board_b])
        for f in (desk_a, desk_b, site_b):
            f.disconnect()


def test_an_archived_event_refuses_commands_and_scans_but_stays_readable(server):
    server, data = server
    token = data.token("dieuhanh")
    with data.db.session() as s:
        archived = events.duplicate(s, s.get(Event, data.event_id), {"slug": "luu-tru-thu", "title": "Lưu trữ"}, "t")
        events.archive(s, archived, "test")
        s.commit()
    desk = ShowFollower(server.url, "luu-tru-thu", token, name="desk-archived").connect()
    scanner = CheckInClient(server.url, token, event="luu-tru-thu", name="scan-archived").connect()
    try:
        refused = desk.command("go")
        assert refused["ok"] is False and refused["error"]["code"] == "archived"
        assert "lưu trữ" in refused["error"]["message"]
        scan = scanner.scan(desk.point_id("quan-uy"), {"scan_id": new_scan_id(), "code": "DC1.x.y.z"})
        assert scan["ok"] is False and scan["error"]["code"] == "archived"
        api = requests.post(f"{server.url}/api/v1/events/luu-tru-thu/go", headers={"Authorization": f"Bearer {token}"})
        assert api.status_code == 403 and api.json()["error"]["code"] == "archived"
        assert requests.get(f"{server.url}/api/v1/events/luu-tru-thu/state",
                            headers={"Authorization": f"Bearer {token}"}).json()["show"]["status"] == "standby"
    finally:
        close_all([scanner])
        desk.disconnect()
