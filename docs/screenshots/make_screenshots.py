"""Retake the README's screenshots at 1920×1080: operator desk (mid-show, item 3), stage display,
a ward's site display during the local segment, and the control room with 15 simulated points
(one on air, one on standby, one lost, a floor request, an incident, a closed roll call); and the
technician console on a phone (390×844); the attendance dashboard after 60 arrivals, and the scanner
on a phone welcoming a VIP (check_in); the awards registry and the escorts' view (awards); the
report after a short rehearsal run to the end (report); and a new user's first event on a blank
install, one picture a step (first_event).

    .venv/bin/python docs/screenshots/make_screenshots.py            # every screenshot
    .venv/bin/python docs/screenshots/make_screenshots.py report     # only these steps, on a fresh event

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


STEPS = ("desk", "coordination", "check_in", "awards", "report")
BLANK_STEPS = ("first_event",)          # each on a blank install of its own (no demo)


def main(argv: list[str] | None = None) -> None:
    wanted = list(argv) if argv else [*STEPS, *BLANK_STEPS]
    unknown = [name for name in wanted if name not in (*STEPS, *BLANK_STEPS)]
    if unknown:
        raise SystemExit(f"unknown step(s) {', '.join(unknown)}; choose from {', '.join((*STEPS, *BLANK_STEPS))}")
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            if any(name in wanted for name in STEPS):
                with tempfile.TemporaryDirectory(prefix="diemcau-shots-") as tmp:
                    # a hall's address, as a real install prints it (no loopback warning in the pictures)
                    server = ServerProcess(Path(tmp), extra=["--public-url", "http://192.168.1.10:5000"]).start()
                    try:
                        for name in STEPS:     # always in this order: each carries on from the one before
                            if name in wanted:
                                globals()[name](browser, server)
                    finally:
                        server.stop()
            for name in BLANK_STEPS:
                if name in wanted:
                    with tempfile.TemporaryDirectory(prefix="diemcau-shots-") as tmp:
                        server = ServerProcess(Path(tmp), extra=["--no-demo", "--public-url",
                                                                 "http://192.168.1.10:5000"]).start()
                        try:
                            globals()[name](browser, server)
                        finally:
                            server.stop()
        finally:
            browser.close()


def first_event(browser, server: ServerProcess) -> None:
    """A new user's first event on a blank install, one picture a step (tests/browser/first_event_flow.py)."""
    from tests.browser.first_event_flow import run
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN",
                                  timezone_id="Asia/Ho_Chi_Minh")
    run(context.new_page(), server.url, server.log_tail(5000), shoot=lambda page, name: shoot(page, name))
    context.close()


def desk(browser, server: ServerProcess) -> None:
    desk = open_as(browser, server, "dieuhanh", f"{EVENT}/desk")
    stage = open_as(browser, server, "xem", f"{EVENT}/stage")
    site = open_as(browser, server, "kt-long-binh", f"{EVENT}/site/long-binh")

    # mid-show: items 1 and 2 done, item 3 running
    desk.locator("#btn-next").click()
    expect(desk.locator("#cur-number")).to_have_text("1.")
    expect(desk.locator("body")).not_to_have_class(re.compile(r"\bbusy\b"))
    desk.wait_for_timeout(1600)                # as an operator would: past the double-press guard
    desk.keyboard.press("Space")
    expect(desk.locator("#cur-number")).to_have_text("2.")
    expect(desk.locator("body")).not_to_have_class(re.compile(r"\bbusy\b"))
    desk.wait_for_timeout(1600)
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


def report(browser, server: ServerProcess) -> None:
    """A short rehearsal run to its end, then the report page: the simulator's 15 points pass their
    checks and answer a roll call, arrivals at every point (with a walk-in and a bad code), an incident
    reported and resolved, the wards' local segment with four wards presenting their awards, the halls'
    award batches (one absent, one received on behalf), the programme to its end. Carries on from the
    steps before it (the show mid-way, a roll call, an incident, arrivals) or starts from a fresh event."""
    import time

    from sites.follower import ShowFollower
    from sites.simulator import Simulation
    from tests.live.checkin_helpers import CheckInClient, ServerData, new_scan_id
    from tests.live.conftest import Tokens

    slug = EVENT.split("/")[-1]
    tokens, data = Tokens(server.database_url), ServerData.of(server)
    op = ShowFollower(server.url, slug, tokens["dieuhanh"], name="dieuhanh").connect()
    points = op.state["bridge_points"]
    ids = {p["code"]: p["id"] for p in points}
    wards = [p for p in points if p["kind"] == "ward"]
    items = op.state["items"]
    segment = next(i for i, item in enumerate(items) if item["is_local_segment"])
    roll_call = op.coord("roll_call")
    if roll_call and roll_call["closed_at"] is None:     # an earlier step's: closed before the points come
        op.command("roll_call_close")                    # refused only if the server's ticker was first
        op.wait_for(lambda f: f.coord("roll_call")["closed_at"] is not None)
    sim = Simulation(server.url, slug, {p["code"]: tokens[f"kt-{p['code']}"] for p in points}, points).connect()
    door = None

    def sent(ack: dict | None, what: str, follower: ShowFollower) -> dict:
        if not ack or not ack.get("ok"):
            raise SystemExit(f"report: {what} refused: {ack}")
        if ack.get("rev") is not None:
            follower.wait_for(lambda f: f.rev >= ack["rev"])
        return ack

    def send(action: str, args: dict | None = None, **kw) -> dict:
        if action in ("go", "next"):
            args = {**(args or {}), "confirm": True}     # a script, faster than the double-press guard
        return sent(op.command(action, args, **kw), action, op)

    def batches(point_id: int, **where) -> list[dict]:
        rows = [b for b in op.state["awards"]["batches"] if b["bridge_point_id"] == point_id
                and all(b[k] == v for k, v in where.items())]
        return sorted(rows, key=lambda b: b["position"])

    def on_stage(batch_id: int) -> list[int]:
        rows = [a for a in op.state["awards"]["awards"] if a["batch_id"] == batch_id]
        return [a["id"] for a in sorted(rows, key=lambda a: a["stage_order"])]

    def present(point_id: int, batch: dict, marks: dict[int, str] | None = None, act=None) -> None:
        """Call a batch at a point, mark everyone (presented unless `marks` says otherwise), close it."""
        act = act or (lambda action, args: send(action, args, bridge_point_id=point_id))
        act("award_call", {"batch_id": batch["id"]})
        for n, award_id in enumerate(on_stage(batch["id"])):
            mark = (marks or {}).get(n, "award_present")
            act(mark, {"award_id": award_id, **({"proxy_name": "Nguyễn Văn Bảo"} if mark == "award_proxy" else {})})
        act("award_batch_done", {"batch_id": batch["id"]})

    def step_ward(code: str, until_index: int | None) -> None:
        """A ward's console steps its local cursor to `until_index`, or to the end with None."""
        point = sim[code]
        point.follower.wait_for(lambda f: f.site_cursor(point.id) is not None)
        while (cursor := point.follower.site_cursor(point.id))["status"] == "running" and \
                (until_index is None or cursor["index"] < until_index):
            sent(point.step_local(), f"local_next at {code}", point.follower)

    try:
        # Every point's seven checks, and a roll call that all fifteen answer.
        for point in sim.points.values():
            point.later(point.pass_checks)
        op.wait_for(lambda f: len([c for c in f.coord("checks") if c["status"] == "pass"]) == 15 * 7, 60)
        send("roll_call_start", {"timeout_s": 120})
        op.wait_for(lambda f: f.coord("roll_call")["closed_at"] is not None, 60)

        # Arrivals over the last hour at every point (about four in five), a walk-in and a bad code.
        door = CheckInClient(server.url, data.token("dieuhanh"), name="report").connect()
        arrived, now_ms = data.check_ins(), int(time.time() * 1000)
        for n, point in enumerate(points):
            codes = list(data.codes(point["id"]).items())
            for k, (delegate_id, code) in enumerate(codes[: len(codes) * 4 // 5 - n % 3]):
                if delegate_id not in arrived:
                    door.scan(point["id"], {"scan_id": new_scan_id("report"), "code": code,
                                            "scanned_at": now_ms - (55 - (k * 7 + n * 3) % 50) * 60_000})
        door.call("walk_in", {"bridge_point_id": ids["hiep-phu"], "scan_id": new_scan_id("walk"),
                              "delegate": {"full_name": "Đặng Quốc Việt", "organisation": "Báo Sài Gòn Giải Phóng",
                                           "category": "press"}})
        door.scan(ids["quan-uy"], {"scan_id": new_scan_id("bad"), "code": "https://example.com/i/xin-chao"})

        # An incident while the show runs (resolved at its end, with any still open).
        sent(sim["truong-thanh"].report_incident("no_picture", "Máy chiếu không lên hình"), "incident", op)

        # The programme up to the wards' local segment; four wards present their awards there.
        if op.state["show"]["status"] == "standby":
            send("go")
        if op.state["show"]["cursor"] > segment:
            send("goto", {"index": segment})
        while op.state["show"]["cursor"] < segment:
            send("next")
        award_local = items[segment]["local_items"][1]["id"]
        for code in ("long-binh", "hiep-phu", "phu-huu", "tan-phu"):
            step_ward(code, 1)
            point = sim[code]
            for batch in batches(point.id, local_item_id=award_local):
                present(point.id, batch, act=lambda action, args, point=point:
                        sent(point.act(action, args), action, point.follower))

        # The halls' awards: the main hall's two batches at the next item (one absent, one received
        # on behalf), the district hall's at the one after.
        send("next")
        hall = ids["quan-uy"]
        first, *rest = batches(hall, programme_item_id=items[segment + 1]["id"])
        present(hall, first, {3: "award_absent", 4: "award_proxy"})
        for batch in rest:
            present(hall, batch)
        for code in (w["code"] for w in wards):
            step_ward(code, None)
        send("next")
        for batch in batches(ids["ubnd-quan"], programme_item_id=items[segment + 2]["id"]):
            present(ids["ubnd-quan"], batch)
        while op.state["show"]["status"] != "ended":
            send("next")
        for incident in list(op.coord("incidents")):
            if incident["status"] == "open":
                send("incident_acknowledge", {"incident_id": incident["id"]})
            if incident["status"] != "resolved":
                send("incident_resolve", {"incident_id": incident["id"], "note": "Đã xử lý"})
        refused = [(code, e) for code, p in sim.points.items() for e in p.errors]
        if refused:
            raise SystemExit(f"report: the simulated points were refused: {refused[:5]}")
    finally:
        if door is not None:
            door.disconnect()
        sim.close()
        op.disconnect()
        data.close()

    page = open_as(browser, server, "dieuhanh", f"{EVENT}/report", ready=None)
    expect(page.locator(".rp-chart svg").first).to_be_visible()
    shoot(page, "report.png")


if __name__ == "__main__":
    main(sys.argv[1:])
