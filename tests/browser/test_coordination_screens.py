"""Bridge-point coordination in real browsers against a real server: the technician console's device
self-test (Chromium's fake camera and microphone), tally from the control room to a ward's screens,
floor requests and incidents both ways, a hostile note shown as text, a tile's live link state, and
a tile's delegates arrived and a ward's own local position."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, Person
from tests.live.checkin_helpers import ServerData

pytestmark = [pytest.mark.live, pytest.mark.browser]

EVENT = "/e/quan9-chi-thi-05"
CONTROL = f"{EVENT}/control"
CONSOLE_LONG_BINH = f"{EVENT}/console/long-binh"
SITE_LONG_BINH = f"{EVENT}/site/long-binh"
DESK = f"{EVENT}/desk"
SCAN = f"{EVENT}/scan"
TILE_LONG_BINH = '#tiles [data-point-code="long-binh"]'

ON_AIR = "ĐANG LÊN SÓNG"
ON_STANDBY = "CHUẨN BỊ LÊN SÓNG"
RGB = re.compile(r"rgba?\((\d+), (\d+), (\d+)")


def _people_with_media(playwright_driver, server, allow: bool):
    """Logged-in people in a Chromium whose camera and microphone are its built-in fakes (a test
    pattern and a beep). With `allow` the permission prompts answer yes by themselves; without, the
    browser refuses access, as when a technician taps "Block"."""
    extra = ["--use-fake-device-for-media-stream"] + (["--use-fake-ui-for-media-stream"] if allow else [])
    browser = playwright_driver.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                                args=CHROMIUM_ARGS + extra)
    people: list[Person] = []

    def factory(username: str, viewport=(390, 844)) -> Person:
        p = Person(browser, server, username, viewport)
        if allow:
            p.context.grant_permissions(["camera", "microphone"], origin=server.url)
        people.append(p)
        return p

    yield factory
    errors = {p.username: p.errors for p in people if p.errors}
    browser.close()
    assert not errors, f"script errors in the pages: {errors}"


@pytest.fixture
def media_person(playwright_driver, live_server):
    yield from _people_with_media(playwright_driver, live_server, allow=True)


@pytest.fixture
def media_refused_person(playwright_driver, live_server):
    yield from _people_with_media(playwright_driver, live_server, allow=False)


def ready_control(person):
    control = person("dieuhanh").open(CONTROL)
    expect(control.locator("#tiles .tile")).to_have_count(15)
    return control


def ready_console(person, username: str = "kt-long-binh", viewport=(390, 844)):
    console = person(username, viewport).open(CONSOLE_LONG_BINH)
    expect(console.locator("#checklist .check-row")).to_have_count(7)
    expect(console.locator("#console-content")).to_have_text("Hội nghị chưa bắt đầu")
    return console


def colour(page, selector: str, prop: str) -> tuple[int, int, int]:
    value = page.locator(selector).evaluate(f"(n) => getComputedStyle(n)[{prop!r}]")
    found = RGB.search(value)
    assert found, f"no colour in {prop} of {selector}: {value!r}"
    return tuple(int(x) for x in found.groups())


def test_console_self_test_with_fake_camera_and_microphone(media_person):
    console = media_person("kt-long-binh").open(CONSOLE_LONG_BINH)

    console.locator("#camera-btn").click()
    console.wait_for_function("() => { const v = document.getElementById('selftest-video');"
                              " return v.videoWidth > 0 && !v.paused && v.readyState >= 2; }")
    expect(console.locator("#camera-status")).to_have_text(re.compile(r"^Camera hoạt động: \d+×\d+$"))

    console.locator("#mic-btn").click()
    expect(console.locator("#mic-status")).to_contain_text("Micrô đang nghe")
    # the fake microphone beeps now and then; the meter must show one of them
    expect(console.locator("#mic-level")).to_have_attribute("data-level", re.compile(r"^[1-9]\d*$"), timeout=15_000)

    console.locator("#tone-btn").click()
    expect(console.locator("#tone-btn")).to_have_attribute("data-played", "1")
    expect(console.locator("#tone-status")).to_contain_text("Đã phát tiếng thử")

    devices = console.locator("#device-list")
    expect(devices.locator('[data-kind="videoinput"]').first).to_contain_text("Camera")
    expect(devices.locator('[data-kind="audioinput"]').first).to_contain_text("Micrô")
    # with access allowed the browser names its devices: nothing left unnamed
    expect(devices.locator('[data-kind="videoinput"]').first).not_to_contain_text("chưa rõ tên")
    expect(console.locator("#camera-status")).not_to_have_attribute("data-kind", "error")

    # the same button gives the camera back (the video-call software may need it)
    expect(console.locator("#camera-btn")).to_have_text("Tắt camera")
    console.locator("#camera-btn").click()
    expect(console.locator("#camera-btn")).to_have_text("Bật camera")
    assert console.locator("#selftest-video").evaluate("(v) => v.srcObject === null")


def test_console_self_test_says_when_access_is_refused(media_refused_person):
    console = media_refused_person("kt-long-binh").open(CONSOLE_LONG_BINH)
    console.locator("#camera-btn").click()
    expect(console.locator("#camera-status")).to_have_text(
        "Chưa được phép dùng camera. Hãy cho phép trong cài đặt của trình duyệt rồi thử lại.")
    expect(console.locator("#camera-status")).to_have_attribute("data-kind", "error")
    console.locator("#mic-btn").click()
    expect(console.locator("#mic-status")).to_have_text(
        "Chưa được phép dùng micrô. Hãy cho phép trong cài đặt của trình duyệt rồi thử lại.")
    expect(console.locator("#mic-level")).to_have_attribute("data-level", "0")
    # the devices are there, but the browser keeps their names until access is allowed
    expect(console.locator('#device-list [data-kind="videoinput"]').first).to_contain_text("chưa rõ tên")


def test_putting_a_point_on_air_turns_its_screens_red_then_green(person):
    control = ready_control(person)
    site = person("xem").open(SITE_LONG_BINH)
    expect(site.locator("#site-content")).to_have_text("Hội nghị chưa bắt đầu")
    console = ready_console(person)
    expect(site.locator("body")).to_have_attribute("data-tally", "")

    tile = control.locator(TILE_LONG_BINH)
    tile.click()
    expect(tile).to_have_attribute("aria-pressed", "true")
    expect(control.locator("#selected-name")).to_have_text("Hội trường Đảng ủy phường Long Bình")
    control.get_by_role("button", name="Lên sóng").click()

    expect(site.locator("body")).to_have_attribute("data-tally", "program")
    expect(tile).to_have_attribute("data-tally", "program")
    expect(tile.locator(".tile-tally")).to_have_text("LÊN SÓNG")
    expect(site.locator("#site-tally")).to_have_text(ON_AIR)
    assert colour(site, "#site-tally", "backgroundColor") == (213, 0, 0)
    assert colour(site, "main", "boxShadow") == (213, 0, 0)        # the red frame round the whole screen
    expect(console.locator("#console-tally")).to_have_text(ON_AIR)
    expect(console.locator("body")).to_have_attribute("data-tally", "program")
    expect(control.locator("#command-error")).to_have_text("")

    control.get_by_role("button", name="Chuẩn bị").click()
    expect(site.locator("body")).to_have_attribute("data-tally", "preview")
    expect(tile).to_have_attribute("data-tally", "preview")
    assert colour(site, "#site-tally", "backgroundColor") == (0, 168, 67)
    assert colour(site, "main", "boxShadow") == (0, 168, 67)
    expect(console.locator("#console-tally")).to_have_text(ON_STANDBY)

    control.get_by_role("button", name="Tắt", exact=True).click()
    expect(site.locator("body")).to_have_attribute("data-tally", "")
    expect(console.locator("#console-tally")).to_be_hidden()
    expect(tile).to_have_attribute("data-tally", "")


def test_floor_request_and_incident_go_both_ways(person):
    control = ready_control(person)
    console = ready_console(person)
    control.on("dialog", lambda dialog: dialog.accept("Đã cử kỹ thuật viên hỗ trợ"))

    # the ward asks for the floor; the control room sees it first in the queue
    console.locator("#floor-note").fill("Đồng chí Bí thư Đảng ủy phường phát biểu")
    console.get_by_role("button", name="Xin phát biểu").click()
    expect(console.locator("#floor-place")).to_have_text("Đang chờ: vị trí 1 trong hàng")
    expect(console.locator("#floor-withdraw")).to_be_visible()
    request = control.locator('#floor-queue [data-point-code="long-binh"]')
    expect(request.locator(".place")).to_have_text("1")
    expect(request.locator(".floor-point")).to_have_text("P. Long Bình")
    expect(request.locator(".floor-note")).to_have_text("Đồng chí Bí thư Đảng ủy phường phát biểu")
    expect(request.locator(".waited")).to_have_text(re.compile(r"^\d+:\d\d$"))

    request.get_by_role("button", name="Cho phát biểu").click()
    expect(console.locator("#console-tally")).to_have_text(ON_AIR)
    expect(console.locator("#floor-result")).to_have_attribute("data-status", "granted")
    expect(console.locator("#floor-pending")).to_be_hidden()
    expect(control.locator("#floor-queue [data-request-id]")).to_have_count(0)
    expect(control.locator(TILE_LONG_BINH)).to_have_attribute("data-tally", "program")

    # the ward loses its sound; the control room takes it in hand, then closes it
    console.locator("#incident-kind").select_option("no_sound")
    console.locator("#incident-note").fill("Micrô chủ tọa không lên tiếng")
    console.get_by_role("button", name="Báo sự cố").click()
    mine = console.locator("#console-incidents .incident").first
    expect(mine).to_have_attribute("data-status", "open")
    expect(mine.locator(".incident-status")).to_have_text("Mới báo")

    incident = control.locator('#incidents .incident[data-point-code="long-binh"]')
    expect(incident).to_contain_text("Mất tiếng")
    expect(incident.locator(".incident-note")).to_have_text("Micrô chủ tọa không lên tiếng")
    expect(control.locator(TILE_LONG_BINH).locator(".tile-incidents")).to_have_text("Sự cố: 1")
    incident.get_by_role("button", name="Tiếp nhận").click()
    expect(mine).to_have_attribute("data-status", "acknowledged")
    expect(mine.locator(".incident-status")).to_have_text("Đã tiếp nhận")
    expect(mine.locator(".timeline li")).to_have_count(2)
    expect(mine.locator(".timeline li").nth(1)).to_contain_text("Đã cử kỹ thuật viên hỗ trợ")

    incident.get_by_role("button", name="Đã xử lý").click()
    expect(mine).to_have_attribute("data-status", "resolved")
    expect(mine.locator(".incident-status")).to_have_text("Đã xử lý")
    expect(incident).to_have_attribute("data-status", "resolved")
    expect(incident.get_by_role("button")).to_have_count(0)
    expect(control.locator(TILE_LONG_BINH).locator(".tile-incidents")).to_have_text("Sự cố: 0")
    expect(control.locator("#command-error")).to_have_text("")
    expect(console.locator("#command-error")).to_have_text("")


def test_a_hostile_floor_note_is_shown_as_text(person):
    control = ready_control(person)
    console = ready_console(person)
    dialogs: list[str] = []
    control.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    hostile = "<img src=x onerror=alert(1)>"

    console.locator("#floor-note").fill(hostile)
    console.get_by_role("button", name="Xin phát biểu").click()
    note = control.locator('#floor-queue [data-point-code="long-binh"] .floor-note')
    expect(note).to_have_text(hostile)
    expect(control.locator("#floor-queue img")).to_have_count(0)
    assert note.evaluate("(n) => n.childElementCount") == 0
    assert dialogs == []


def test_a_tile_turns_good_when_its_console_beats(person):
    control = ready_control(person)
    tile = control.locator(TILE_LONG_BINH)
    expect(tile).to_have_attribute("data-state", "unknown")
    expect(tile).to_have_attribute("data-screens", "0")
    expect(tile.locator(".tile-state")).to_have_text("Chưa kết nối")

    ready_console(person)
    expect(tile).to_have_attribute("data-state", "good")
    expect(tile.locator(".tile-state")).to_have_text("Tốt")
    expect(tile).to_have_attribute("data-screens", re.compile(r"^[1-9]\d*$"))
    expect(tile.locator(".tile-screens")).to_have_text("Màn hình: 1")
    # a real heartbeat (every 5 s by default) gives the time it was last heard
    expect(tile.locator(".tile-seen")).to_have_text(re.compile(r"^Lần cuối: \d\d:\d\d:\d\d$"), timeout=15_000)
    screen = control.locator('#screens-body tr[data-page="console"]')
    expect(screen).to_contain_text("P. Long Bình")
    expect(screen).to_contain_text("Trang kỹ thuật")
    # the other points stay unknown: nobody opened their screens
    expect(control.locator('#tiles [data-point-code="hiep-phu"]')).to_have_attribute("data-state", "unknown")


def test_a_tile_counts_the_delegates_who_came_and_shows_its_wards_local_position(person, live_server):
    data = ServerData.of(live_server)
    long_binh = data.point_ids()["long-binh"]
    expected = sum(1 for point, _ in data.delegate_points().values() if point == long_binh)
    control = ready_control(person)
    tile = control.locator(TILE_LONG_BINH)
    count = tile.locator(".tile-attendance")
    expect(count).to_have_text(f"Đại biểu: 0/{expected}")
    expect(tile.locator(".tile-local")).to_have_count(0)              # no local segment yet

    # the door at Long Bình: its USB scanner types a delegate's code
    gate = person("dt-long-binh").open(SCAN)
    expect(gate.locator("#scan-link")).to_have_class(re.compile("good"))
    gate.wait_for_function("window.dcScanner.station() !== null")
    gate.locator("#scan-input").press_sequentially(sorted(data.codes(long_binh).values())[0])
    gate.keyboard.press("Enter")
    expect(gate.locator("#scan-result")).to_have_attribute("data-verdict", "welcome")
    expect(count).to_have_text(f"Đại biểu: 1/{expected}")
    expect(count).to_have_attribute("data-arrived", "1")
    expect(control.locator('#tiles [data-point-code="hiep-phu"] .tile-attendance')).to_have_text(
        re.compile(r"^Đại biểu: 0/[1-9]\d*$"))

    # the desk enters the wards' own segment; Long Bình's technician steps it on its site display
    desk = person("dieuhanh").open(DESK)
    expect(desk.locator("#status")).to_have_text("Chưa bắt đầu")
    desk.locator("#rundown tr").nth(4).get_by_role("button", name="Chuyển đến").click()
    ward = desk.locator('#ward-list [data-point="long-binh"]')
    expect(ward).to_have_text("P. Long Bình 1/3")
    local = tile.locator(".tile-local")
    expect(local).to_have_text("Phần riêng 1/3")
    site = person("kt-long-binh").open(SITE_LONG_BINH)
    expect(site.locator("#site-mode")).to_have_text("PHẦN RIÊNG TẠI ĐIỂM CẦU · 1/3")
    site.locator("#local-next").click()
    expect(site.locator("#site-mode")).to_have_text("PHẦN RIÊNG TẠI ĐIỂM CẦU · 2/3")
    expect(ward).to_have_text("P. Long Bình 2/3")
    expect(local).to_have_text("Phần riêng 2/3")                       # the desk's own words for it
    expect(control.locator('#tiles [data-point-code="hiep-phu"] .tile-local')).to_have_text("Phần riêng 1/3")
    site.locator("#local-next").click()
    expect(site.locator("#site-mode")).to_have_text("PHẦN RIÊNG TẠI ĐIỂM CẦU · 3/3")
    site.locator("#local-next").click()
    expect(ward).to_have_text("P. Long Bình ✓ 3/3")
    expect(local).to_have_text("Phần riêng ✓ 3/3")
    expect(local).to_have_attribute("data-status", "done")
    expect(site.locator("#command-error")).to_have_text("")
    expect(control.locator("#command-error")).to_have_text("")
    # the main hall runs no local segment of its own
    expect(control.locator('#tiles .tile[data-point-code="quan-uy"] .tile-local')).to_have_count(0)


def test_roll_call_and_checklist_reach_the_control_room(person):
    control = ready_control(person)
    console = ready_console(person)

    # the technician walks the checklist: two passes and a note
    console.locator('[data-check="network"] button[data-status="pass"]').click()
    console.locator('[data-check="camera"] button[data-status="pass"]').click()
    console.locator('[data-check="speakers"] .check-note').fill("Loa bên trái bị rè")
    console.locator('[data-check="speakers"] button[data-status="note"]').click()
    expect(console.locator('[data-check="speakers"]')).to_have_attribute("data-status", "note")
    expect(console.locator('[data-check="speakers"] .check-mark')).to_have_text("Ghi chú: Loa bên trái bị rè")
    row = control.locator('#readiness tr[data-point-code="long-binh"]')
    expect(row.locator('[data-check="network"]')).to_have_text("✓")
    expect(row.locator('[data-check="speakers"]')).to_have_attribute("data-status", "note")
    expect(row.locator('[data-check="speakers"]')).to_have_attribute("title", re.compile(r"^Ghi chú: Loa bên trái bị rè \("))
    expect(row.locator('[data-check="display"]')).to_have_text("·")
    expect(control.locator(TILE_LONG_BINH).locator(".tile-ready")).to_have_text("Sẵn sàng: 2/7")

    # a roll call: this point answers, the others are named when it closes
    control.locator("#roll-call-seconds").fill("120")
    control.get_by_role("button", name="Bắt đầu điểm danh").click()
    expect(control.locator("#roll-call-progress")).to_have_text("0/15")
    expect(control.locator("#roll-call-countdown")).to_have_text(re.compile(r"^Còn \d:\d\d$"))
    answer = console.get_by_role("button", name="Xác nhận có mặt")
    expect(answer).to_be_visible()
    expect(console.locator("#roll-call-left")).to_have_text(re.compile(r"^Còn \d:\d\d$"))
    answer.click()
    expect(console.locator("#roll-call-done")).to_have_text(re.compile(r"^Đã xác nhận lúc \d\d:\d\d:\d\d$"))
    expect(answer).to_be_hidden()
    expect(control.locator("#roll-call-progress")).to_have_text("1/15")
    expect(control.locator(TILE_LONG_BINH).locator(".tile-roll")).to_have_text("✓ Đã điểm danh")

    control.get_by_role("button", name="Kết thúc").click()
    expect(control.locator("#roll-call")).to_have_attribute("data-state", "closed")
    expect(control.locator("#roll-call-missing li.missing")).to_have_count(14)
    expect(control.locator('#roll-call-missing [data-point-code="long-binh"]')).to_have_count(0)
    expect(control.locator('#tiles [data-point-code="hiep-phu"] .tile-roll')).to_have_text("✗ Không điểm danh")
    expect(control.locator("#command-error")).to_have_text("")


def test_the_control_room_sends_a_projector_to_another_page(person):
    control = ready_control(person)
    projector = person("xem").open(f"{EVENT}/banner?screen=Máy chiếu Long Bình")
    expect(projector.locator("#banner-lines")).to_contain_text("QUẬN ỦY QUẬN 9")

    row = control.locator('#screens-body tr[data-page="banner"]')
    expect(row).to_contain_text("Máy chiếu Long Bình")
    row.locator("select.nav-page").select_option("site")
    row.locator("select.nav-point").select_option(label="P. Long Bình")
    row.get_by_role("button", name="Chuyển trang").click()
    projector.wait_for_url(re.compile(r"/e/quan9-chi-thi-05/site/long-binh$"))
    expect(projector.locator(".site-name")).to_have_text("Hội trường Đảng ủy phường Long Bình")
    expect(control.locator('#screens-body tr[data-page="site"]')).to_contain_text("Máy chiếu Long Bình")
