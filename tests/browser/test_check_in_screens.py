"""Check-in as people meet it: a phone's camera shows a delegate's QR to the scanner page, the
attendance dashboard in another browser shows the arrival; a dashboard opened late shows who just
came, and a fresh event's says in words that nothing is there yet; a gate PC keeps scanning through
an outage and its queue reaches the server when it is back."""
from __future__ import annotations

import re
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SLUG, Person
from tests.browser.fake_camera import write_y4m
from tests.conftest import ServerProcess
from tests.live.checkin_helpers import CheckInClient, ServerData, new_scan_id

pytestmark = pytest.mark.browser


def _delegate_of(data: ServerData, code: str) -> tuple[int, str, int]:
    """(delegate id, invitation code, point id) of the first delegate of a point."""
    point_id = data.point_ids()[code]
    delegate_id, token = sorted(data.codes(point_id).items())[0]
    return delegate_id, token, point_id


def _name(data: ServerData, delegate_id: int) -> str:
    from server.models import Delegate
    with data.db.session() as s:
        return s.get(Delegate, delegate_id).full_name


def test_camera_scan_checks_in_and_the_dashboard_shows_it(live_server, camera_browser, person, tmp_path):
    data = ServerData.of(live_server)
    delegate_id, token, point_id = _delegate_of(data, "long-binh")
    name = _name(data, delegate_id)
    dashboard = person("dieuhanh").open(f"/e/{SLUG}/attendance")
    total = dashboard.locator(f'[data-point-total="{point_id}"]')
    expect(total).to_have_text(re.compile(r"^0 / \d+"))

    # The phone at the Long Bình entrance: its camera sees the invitation's QR (the personal URL).
    y4m = write_y4m(tmp_path / "invitation.y4m", f"{live_server.url}/i/{token}")
    phone = Person(camera_browser(y4m), live_server, "dt-long-binh", viewport=(412, 915))
    scanner = phone.open(f"/e/{SLUG}/scan")
    expect(scanner.locator("#scan-link")).to_have_class(re.compile("good"))
    scanner.click("#camera-start")
    expect(scanner.locator("#scan-result")).to_have_attribute("data-verdict", "welcome", timeout=20000)
    expect(scanner.locator("#result-name")).to_have_text(name)
    expect(scanner.locator("#result-seat")).to_contain_text("Ghế")
    expect(scanner.locator("#scan-engine")).to_contain_text("zxing-wasm")

    # The dashboard in the other browser: the arrival, live.
    expect(total).to_have_text(re.compile(r"^1 / \d+"))
    expect(dashboard.locator("#att-recent")).to_contain_text(name)
    arrivals = data.check_ins()
    assert arrivals[delegate_id].bridge_point_id == point_id
    assert not phone.errors, phone.errors
    phone.context.close()


def _recent_line(data: ServerData, delegate_id: int) -> str:
    """A "Vừa đến" line as the dashboard writes it: the arrival's time in the event's zone, the name,
    the delegate's own point."""
    from server.models import BridgePoint, Delegate, Event
    arrival = data.check_ins()[delegate_id]
    with data.db.session() as s:
        delegate, event = s.get(Delegate, delegate_id), s.get(Event, data.event_id)
        point = s.get(BridgePoint, delegate.bridge_point_id).short_name
        when = arrival.at.astimezone(ZoneInfo(event.timezone)).strftime("%H:%M")
        return f"{when} {delegate.full_name} {point}"


def test_the_dashboard_opens_with_who_came_and_says_so_when_nothing_is_there(live_server, person):
    data = ServerData.of(live_server)
    from server.services import bridge_points, events
    with data.db.session() as s:                 # a fresh event: one point, nobody in its list yet
        event = events.create(s, {"slug": "hoi-nghi-moi", "title": "Hội nghị mới"}, "test")
        bridge_points.add(s, event, {"code": "hoi-truong", "name": "Hội trường", "kind": "main"})
        s.commit()
    organiser = person("dieuhanh")
    fresh = organiser.open("/e/hoi-nghi-moi/attendance")
    expect(fresh.locator("#att-recent")).to_have_text("Chưa có đại biểu nào đến.")
    expect(fresh.locator("#att-curve-label")).to_have_text("Chưa có đại biểu nào đến.")
    expect(fresh.locator("#att-curve")).to_be_hidden()                       # no empty box
    expect(fresh.locator("#att-table")).to_have_text("Chưa có đại biểu nào trong danh sách.")
    expect(fresh.locator("#att-missing")).to_have_text("Không có khách VIP hay người nhận khen thưởng nào chưa đến.")
    expect(fresh.locator("#att-flagged")).to_have_text("Không có lượt quét nào cần xem lại.")

    # Two arrivals at the demo event before anyone opens its dashboard; a third once it is open.
    points = data.point_ids()
    first, later = sorted(data.codes(points["long-binh"]).items())[:2]
    second = sorted(data.codes(points["hiep-phu"]).items())[0]
    door = CheckInClient(live_server.url, data.token("dieuhanh"), name="door").connect()

    def arrive(point: str, delegate: tuple[int, str]) -> None:
        ack = door.scan(points[point], {"scan_id": new_scan_id(), "code": delegate[1]})
        assert ack["ok"] and ack["result"]["verdict"] == "welcome", ack

    arrive("long-binh", first)
    arrive("hiep-phu", second)
    dashboard = organiser.open(f"/e/{SLUG}/attendance")
    rows = dashboard.locator("#att-recent li")
    expect(rows).to_have_count(2)
    for row, (delegate_id, _) in zip((rows.nth(0), rows.nth(1)), (second, first)):   # newest first
        expect(row).to_have_attribute("data-delegate", str(delegate_id))
        expect(row).to_have_text(_recent_line(data, delegate_id))
    expect(dashboard.locator("#att-curve")).to_be_visible()
    expect(dashboard.locator("#att-curve-label")).to_have_text(re.compile(r"^2 người đến, lúc \d\d:\d\d$"))
    expect(dashboard.locator("#att-flagged")).to_have_text("Không có lượt quét nào cần xem lại.")

    arrive("long-binh", later)
    expect(rows).to_have_count(3)
    expect(rows.first).to_have_attribute("data-delegate", str(later[0]))
    expect(rows.first).to_have_text(_recent_line(data, later[0]))
    door.disconnect()


def test_usb_scanner_keeps_working_offline_and_replays(browser, tmp_path):
    """The server goes away: the gate PC's verdict comes from its roster, the scan waits in the queue
    (shown), and reaches the server once it is back; the same code again then says already."""
    server = ServerProcess(tmp_path).start()
    restarted = None
    try:
        data = ServerData.of(server)
        delegate_id, token, point_id = _delegate_of(data, "quan-uy")
        name = _name(data, delegate_id)
        gate = Person(browser, server, "dt-quan-uy")
        page = gate.open(f"/e/{SLUG}/scan")
        expect(page.locator("#scan-link")).to_have_class(re.compile("good"))
        page.wait_for_function("window.dcScanner.station() !== null")

        server.kill()
        expect(page.locator("#scan-link")).to_have_class(re.compile("bad"), timeout=20000)
        page.locator("#scan-input").press_sequentially(f"{server.url}/i/{token}")
        page.keyboard.press("Enter")
        expect(page.locator("#scan-result")).to_have_attribute("data-verdict", "welcome")
        expect(page.locator("#result-name")).to_have_text(name)
        expect(page.locator("#scan-queue")).to_have_attribute("data-count", "1")
        expect(page.locator("#scan-input")).to_have_value("")
        assert data.check_ins() == {}

        restarted = ServerProcess(tmp_path, port=server.port).start()
        expect(page.locator("#scan-queue")).to_have_attribute("data-count", "0", timeout=30000)
        arrival = data.check_ins()[delegate_id]
        assert arrival.bridge_point_id == point_id
        (row,) = data.scan_rows(delegate_id=delegate_id)
        assert row.offline and row.verdict == "welcome"

        page.locator("#scan-input").press_sequentially(token)
        page.keyboard.press("Enter")
        expect(page.locator("#scan-result")).to_have_attribute("data-verdict", "already")
        expect(page.locator("#result-detail")).to_contain_text("Đã điểm danh lúc")
        assert not gate.errors, gate.errors
        gate.context.close()
    finally:
        server.stop()
        if restarted is not None:
            restarted.stop()
