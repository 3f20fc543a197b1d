"""Check-in as people meet it: a phone's camera shows a delegate's QR to the scanner page, the
attendance dashboard in another browser shows the arrival; a gate PC keeps scanning through an
outage and its queue reaches the server when it is back."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SLUG, Person
from tests.browser.fake_camera import write_y4m
from tests.conftest import ServerProcess
from tests.live.checkin_helpers import ServerData

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
