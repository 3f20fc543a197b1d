"""From the operator desk to a bridge point's screen, in real browsers against a real eventlet server:
Next (button and Space), a ward's own local step, and a site display that survives a server crash."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import ServerProcess

pytestmark = [pytest.mark.live, pytest.mark.browser]

EVENT = "/e/quan9-chi-thi-05"
DESK = f"{EVENT}/desk"
SITE_LONG_BINH = f"{EVENT}/site/long-binh"

ITEM_1 = "Tuyên bố lý do, giới thiệu đại biểu"
ITEM_2 = "Tóm tắt những kết quả đạt được qua 04 năm thực hiện Chỉ thị 05-CT/TW"
ITEM_3 = "Phần giao lưu của các tập thể, cá nhân điển hình"
ITEM_5 = "Chuyển sang nội dung riêng tại 13 điểm cầu phường"
WARD_1 = ("Tóm tắt kết quả 04 năm thực hiện Chỉ thị 05-CT/TW của Đảng bộ phường; triển khai phương hướng, "
          "nhiệm vụ thời gian tới")
WARD_2 = ("Khen thưởng các tập thể, cá nhân thực hiện tốt việc học tập và làm theo tư tưởng, đạo đức, "
          "phong cách Hồ Chí Minh cấp quận, phường")
NOT_STARTED = "Hội nghị chưa bắt đầu"
LOST = "Mất kết nối – đang kết nối lại"
RECONNECTED = "Đã kết nối lại"

BUSY = re.compile(r"\bbusy\b")
STALE = re.compile(r"\bstale\b")


def ready_desk(person):
    """The operator desk after its first snapshot, with the revision it shows."""
    desk = person("dieuhanh").open(DESK)
    expect(desk.locator("#status")).to_have_text("Chưa bắt đầu")
    expect(desk.locator("#rev")).to_have_text(re.compile(r"^\d+$"))
    return desk, int(desk.locator("#rev").inner_text())


def ready_site(person, username: str):
    site = person(username).open(SITE_LONG_BINH)
    expect(site.locator("#site-content")).to_have_text(NOT_STARTED)
    return site


def idle(desk):
    """The desk takes one command at a time; wait until the last one has been acknowledged."""
    expect(desk.locator("body")).not_to_have_class(BUSY)
    expect(desk.locator("#command-error")).to_have_text("")


def test_next_on_the_desk_reaches_the_site_display(person):
    desk, rev = ready_desk(person)
    site = ready_site(person, "xem")

    desk.locator("#btn-next").click()              # standby: the button says BẮT ĐẦU and sends "go"
    expect(site.locator("#site-content")).to_have_text(ITEM_1)
    expect(desk.locator("#rev")).to_have_text(str(rev + 1))
    expect(desk.locator("#cur-content")).to_have_text(ITEM_1)
    expect(desk.locator("#btn-next")).to_have_text("TIẾP")
    # ahead of or behind the plan in words, not a minus sign and a word ("−6:04 sớm")
    expect(desk.locator("#drift")).to_have_text(re.compile(r"^(đúng giờ|(sớm|trễ) \d+(:\d\d)+)$"))
    idle(desk)

    desk.keyboard.press("Space")                   # right after GO: the double-press guard refuses it
    expect(desk.locator("#command-error")).to_contain_text("có thể do bấm hai lần")
    desk.keyboard.press("Space")                   # Space again is the same double press: refused too
    expect(desk.locator("#btn-confirm-next")).to_have_text("Vẫn chuyển tiếp")
    expect(desk.locator("#rev")).to_have_text(str(rev + 1))
    expect(site.locator("#site-content")).to_have_text(ITEM_1)

    desk.locator("#btn-confirm-next").click()      # the operator meant it
    expect(site.locator("#site-content")).to_have_text(ITEM_2)
    expect(site.locator("#site-performer")).to_have_text("Ban Tuyên giáo Quận ủy")
    expect(desk.locator("#rev")).to_have_text(str(rev + 2))   # one confirmed press, one step
    expect(desk.locator("#cur-number")).to_have_text("2.")
    idle(desk)

    desk.wait_for_timeout(1600)                    # past the event's 1.5 s guard: Space goes through
    desk.keyboard.press("Space")
    expect(site.locator("#site-content")).to_have_text(ITEM_3)
    expect(desk.locator("#rev")).to_have_text(str(rev + 3))
    expect(desk.locator("#cur-number")).to_have_text("3.")
    idle(desk)
    # a viewer watches and commands nothing: no local controls on their screen
    expect(site.locator("#local-next")).to_have_count(0)


def test_a_ward_technician_steps_the_local_segment(person):
    desk, rev = ready_desk(person)
    site = ready_site(person, "kt-long-binh")
    expect(site.locator("#site-controls")).to_be_hidden()       # nothing local to drive yet

    row = desk.locator("#rundown tr").nth(4)
    expect(row).to_contain_text(ITEM_5)
    row.get_by_role("button", name="Chuyển đến").click()
    expect(desk.locator("#cur-content")).to_have_text(ITEM_5)
    expect(desk.locator("#rev")).to_have_text(str(rev + 1))

    ward = desk.locator('#ward-list [data-point="long-binh"]')
    expect(ward).to_have_text("P. Long Bình 1/3")
    expect(site.locator("#site-mode")).to_have_text("PHẦN RIÊNG TẠI ĐIỂM CẦU · 1/3")
    expect(site.locator("#site-content")).to_have_text(WARD_1)
    expect(site.locator("#site-shared")).to_have_text(f"Hội trường: 5. {ITEM_5}")

    site.locator("#local-next").click()
    expect(site.locator("#site-content")).to_have_text(WARD_2)
    expect(site.locator("#site-mode")).to_have_text("PHẦN RIÊNG TẠI ĐIỂM CẦU · 2/3")
    expect(site.locator("#command-error")).to_have_text("")
    expect(ward).to_have_text("P. Long Bình 2/3")
    expect(desk.locator("#rev")).to_have_text(str(rev + 2))
    # only this ward moved; the shared programme stayed where it was
    expect(desk.locator('#ward-list [data-point="hiep-phu"]')).to_have_text("P. Hiệp Phú 1/3")
    expect(desk.locator("#cur-content")).to_have_text(ITEM_5)


def test_the_site_display_says_when_the_server_is_gone_and_recovers(person, live_server):
    desk, rev = ready_desk(person)
    site = ready_site(person, "xem")
    banner = site.locator("#conn-banner")
    expect(banner).to_be_hidden()
    desk.locator("#btn-next").click()
    expect(site.locator("#site-content")).to_have_text(ITEM_1)
    idle(desk)

    port = live_server.port
    live_server.kill()                              # SIGKILL, like a power cut in the server room
    expect(banner).to_be_visible()
    expect(banner).to_have_text(LOST)
    expect(site.locator("body")).to_have_class(STALE)
    expect(site.locator("#site-content")).to_have_text(ITEM_1)   # the last known item, greyed out

    restarted = ServerProcess(live_server.instance, port=port).start()
    try:
        # socket.io backs off up to 5 s (+50 %) between attempts: allow a few rounds
        expect(banner).to_have_text(RECONNECTED, timeout=30_000)
        expect(site.locator("body")).not_to_have_class(STALE)
        expect(site.locator("#site-content")).to_have_text(ITEM_1)
        expect(banner).to_be_hidden(timeout=10_000)

        # really live again: the desk (reconnected too) moves the show and the site follows
        expect(desk.locator("body")).not_to_have_class(STALE, timeout=30_000)
        expect(desk.locator("#rev")).to_have_text(str(rev + 1))
        desk.locator("#btn-next").click()
        expect(site.locator("#site-content")).to_have_text(ITEM_2)
        expect(desk.locator("#rev")).to_have_text(str(rev + 2))
        expect(desk.locator("#command-error")).to_have_text("")
    finally:
        restarted.stop()
