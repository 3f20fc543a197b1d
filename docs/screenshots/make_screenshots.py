"""Retake the README's screenshots at 1920×1080: operator desk (mid-show, item 3), stage display,
a ward's site display during the local segment, and the control room with 15 simulated points
(one on air, one on standby, one lost, a floor request, an incident, a closed roll call); and the
technician console on a phone (390×844); the attendance dashboard after 60 arrivals, and the scanner
on a phone welcoming a VIP (check_in); the awards registry and the escorts' view (awards).

    .venv/bin/python docs/screenshots/make_screenshots.py

Starts its own server (the demo event, in a temporary instance folder) and drives Debian's Chromium
through Playwright; never downloads a browser.
"""
from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

OUT = Path(__file__).resolve().parent
ROOT = OUT.parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import expect, sync_playwright  # noqa: E402

from tests.conftest import ServerProcess  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
EVENT = "/e/quan9-chi-thi-05"
SIZE = {"width": 1920, "height": 1080}


def logins(instance: Path) -> dict[str, str]:
    rows = [line.split("\t") for line in (instance / "demo-logins.txt").read_text(encoding="utf-8").splitlines() if line]
    return {r[0]: r[1] for r in rows}


def open_as(browser, server: ServerProcess, username: str, path: str, viewport=SIZE, ready="#clock"):
    context = browser.new_context(viewport=viewport, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    page = context.new_page()
    page.goto(f"{server.url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", logins(server.instance)[username])
    with page.expect_navigation():
        page.click("form button.primary")
    page.goto(f"{server.url}{path}")
    if ready == "#clock":
        expect(page.locator("#clock")).not_to_have_text("–")     # snapshot drawn and the clock ticking
    return page


def shoot(page, name: str) -> None:
    page.evaluate("document.fonts.ready")
    page.mouse.move(0, 0)
    path = OUT / name
    page.screenshot(path=str(path))
    print(f"wrote {path.relative_to(ROOT)}")


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="diemcau-shots-") as tmp, sync_playwright() as driver:
        server = ServerProcess(Path(tmp)).start()
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            desk = open_as(browser, server, "dieuhanh", f"{EVENT}/desk")
            stage = open_as(browser, server, "xem", f"{EVENT}/stage")
            site = open_as(browser, server, "kt-long-binh", f"{EVENT}/site/long-binh")

            # mid-show: items 1 and 2 done, item 3 running
            desk.locator("#btn-next").click()
            expect(desk.locator("#cur-number")).to_have_text("1.")
            expect(desk.locator("body")).not_to_have_class(re.compile(r"\bbusy\b"))
            desk.keyboard.press("Space")
            expect(desk.locator("#cur-number")).to_have_text("2.")
            expect(desk.locator("body")).not_to_have_class(re.compile(r"\bbusy\b"))
            desk.keyboard.press("Space")
            expect(desk.locator("#cur-number")).to_have_text("3.")
            expect(stage.locator("#stage-content")).to_have_text("Phần giao lưu của các tập thể, cá nhân điển hình")
            shoot(desk, "desk.png")
            shoot(stage, "stage.png")

            # the wards' local segment: Long Bình has moved on to its second local item
            desk.locator("#rundown tr").nth(4).get_by_role("button", name="Chuyển đến").click()
            expect(site.locator("#site-mode")).to_contain_text("1/3")
            site.locator("#local-next").click()
            expect(site.locator("#site-mode")).to_contain_text("2/3")
            expect(site.locator("#site-timer")).not_to_have_text("")
            shoot(site, "site.png")
            coordination(browser, server)
            check_in(browser, server)
            awards(browser, server)
        finally:
            browser.close()
            server.stop()


def coordination(browser, server: ServerProcess) -> None:
    from sites.simulator import Simulation
    from tests.live.conftest import Tokens

    control = open_as(browser, server, "dieuhanh", f"{EVENT}/control")
    tokens = Tokens(server.database_url)
    points = control.evaluate("window.dcClient ? dcClient.state.bridge_points : null") or []
    if not points:
        raise SystemExit("the control page exposes no client (window.dcClient)")
    # 14 simulated points; long-binh is the phone below
    others = [p for p in points if p["code"] != "long-binh"]
    sim = Simulation(server.url, EVENT.split("/")[-1], {p["code"]: tokens[f"kt-{p['code']}"] for p in others},
                     others).connect()
    try:
        for point in list(sim.points.values())[:10]:
            point.pass_checks()
        console = open_as(browser, server, "kt-long-binh", f"{EVENT}/console/long-binh", viewport={"width": 390, "height": 844})
        sim["phu-huu"].report_incident("no_sound", "Không nghe tiếng từ hội trường")
        sim["hiep-phu"].request_floor("Bí thư Đảng ủy phường xin phát biểu")
        control.get_by_role("button", name="Bắt đầu điểm danh").click()
        expect(control.locator("#roll-call")).to_contain_text("14/15")
        sim["tan-phu"].drop()
        tile = control.locator('#tiles [data-point-code="long-binh"]')
        tile.click()
        control.get_by_role("button", name="Lên sóng").click()
        control.locator('#tiles [data-point-code="truong-thanh"]').click()
        control.get_by_role("button", name="Chuẩn bị").click()
        expect(control.locator('#tiles [data-point-code="tan-phu"]')).to_have_attribute("data-state", "lost", timeout=30000)
        expect(console.locator("#console-tally")).to_be_visible()
        shoot(control, "control.png")
        shoot(console, "console.png")
    finally:
        sim.close()


def check_in(browser, server: ServerProcess) -> None:
    from tests.live.checkin_helpers import CheckInClient, ServerData, new_scan_id

    data = ServerData.of(server)
    points = data.point_ids()
    staff = CheckInClient(server.url, data.token("dieuhanh"), name="screenshots").connect()
    try:
        now_ms = int(__import__("time").time() * 1000)
        for n, (code, point_id) in enumerate(points.items()):
            for k, token in enumerate(list(data.codes(point_id).values())[1: 3 + n % 5]):   # the first is the phone's
                staff.scan(point_id, {"scan_id": new_scan_id("shot"), "code": token,
                                      "scanned_at": now_ms - (40 - n * 2 - k) * 60_000})
    finally:
        staff.disconnect()
    dashboard = open_as(browser, server, "dieuhanh", f"{EVENT}/attendance", ready=None)
    expect(dashboard.locator("#att-table tbody tr")).not_to_have_count(0)
    phone = open_as(browser, server, "dt-quan-uy", f"{EVENT}/scan", viewport={"width": 390, "height": 844}, ready=None)
    expect(phone.locator("#scan-link")).to_have_class(re.compile("good"))
    vip = next(iter(data.codes(points["quan-uy"]).values()))
    phone.locator("#scan-input").press_sequentially(vip)
    phone.keyboard.press("Enter")
    expect(phone.locator("#scan-result")).to_have_attribute("data-verdict", "welcome")
    expect(dashboard.locator("#att-recent li")).not_to_have_count(0)
    shoot(dashboard, "attendance.png")
    shoot(phone, "scanner.png")


def awards(browser, server: ServerProcess) -> None:
    """The awards registry with the main hall's two batches, and the escorts' view on a phone."""
    shoot(open_as(browser, server, "dieuhanh", f"{EVENT}/awards/", ready=None), "awards.png")
    escort = open_as(browser, server, "dandat", f"{EVENT}/escort", viewport={"width": 390, "height": 844}, ready=None)
    expect(escort.locator("body")).to_contain_text("Khu ghế")
    shoot(escort, "escort.png")


if __name__ == "__main__":
    main()
