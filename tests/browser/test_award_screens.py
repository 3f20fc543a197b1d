"""The award segment in real browsers against a real server: the operator desk calls the main hall's
batch and marks recipients; the stage display, the MC prompter and the escorts' phones follow; a ward's
technician runs the ward's own batch from the console and the control room sees the progress."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.live, pytest.mark.browser]

EVENT = "/e/quan9-chi-thi-05"
DESK = f"{EVENT}/desk"
STAGE = f"{EVENT}/stage"
PROMPTER = f"{EVENT}/prompter"
ESCORT = f"{EVENT}/escort"
CONTROL = f"{EVENT}/control"
CONSOLE_LONG_BINH = f"{EVENT}/console/long-binh"
CONSOLE_HIEP_PHU = f"{EVENT}/console/hiep-phu"
PHONE = (390, 844)

ITEM_6 = "Biểu dương các gương tập thể, cá nhân được khen thưởng cấp thành phố"
WARD_1 = ("Tóm tắt kết quả 04 năm thực hiện Chỉ thị 05-CT/TW của Đảng bộ phường; triển khai phương hướng, "
          "nhiệm vụ thời gian tới")
WARD_2 = ("Khen thưởng các tập thể, cá nhân thực hiện tốt việc học tập và làm theo tư tưởng, đạo đức, "
          "phong cách Hồ Chí Minh cấp quận, phường")
BADGE = "Huy hiệu 30 năm tuổi Đảng"
CITY = "Bằng khen của Ủy ban nhân dân Thành phố"
DECISION = "Quyết định số 1520-QĐ/QU ngày 05/10/2020 về việc tặng Huy hiệu 30 năm tuổi Đảng"
# The main hall's five cell secretaries (server/demo.py), in stage order: Vietnamese order, by given name.
NAMES = ["Bùi Văn Giang", "Ngô Văn Hùng", "Đỗ Văn Nam", "Đặng Văn Thảo", "Hồ Văn Yến"]
SEATS = ["Khu B, Hàng 2, Ghế 3", "Khu B, Hàng 2, Ghế 6", "Khu B, Hàng 2, Ghế 4", "Khu B, Hàng 2, Ghế 2",
         "Khu B, Hàng 2, Ghế 5"]
PROXY = "Trần Thị Mai"
NOT_CHECKED_IN = "chưa điểm danh"
BUSY = re.compile(r"\bbusy\b")


def idle(desk):
    """The desk takes one command at a time; wait until the last one has been acknowledged."""
    expect(desk.locator("body")).not_to_have_class(BUSY)
    expect(desk.locator("#command-error")).to_have_text("")


def answer_dialog(page, answer=None):
    """Accept the next confirm()/prompt() on `page` (with `answer` typed into a prompt); returns the
    messages seen, for the test to read."""
    seen: list[str] = []

    def on_dialog(dialog):
        seen.append(dialog.message)
        dialog.accept(answer) if answer is not None else dialog.accept()
    page.once("dialog", on_dialog)
    return seen


def test_the_desk_runs_a_main_hall_batch_and_every_screen_follows(person):
    desk = person("dieuhanh").open(DESK)
    expect(desk.locator("#status")).to_have_text("Chưa bắt đầu")
    stage = person("xem").open(STAGE)
    prompter = person("mc").open(PROMPTER)
    escort = person("dandat", PHONE).open(ESCORT)
    expect(escort.locator("#escort-point")).to_have_text("Hội trường Quận ủy – Lầu 2")
    expect(desk.locator("#awards")).to_be_hidden()              # nothing to present in the first items

    desk.locator("#rundown tr").nth(5).get_by_role("button", name="Chuyển đến").click()
    expect(desk.locator("#cur-content")).to_have_text(ITEM_6)
    expect(stage.locator("#stage-content")).to_have_text(ITEM_6)
    idle(desk)

    # the desk: the main hall's two batches of this item, badges first, nobody checked in yet
    panel = desk.locator("#awards")
    expect(panel).to_be_visible()
    batches = panel.locator(".award-batch")
    expect(batches).to_have_count(2)
    first, second = batches.nth(0), batches.nth(1)
    expect(first.locator(".award-batch-no")).to_have_text("Đợt 1/2")
    expect(first.locator(".award-kinds")).to_have_text(BADGE)
    expect(second.locator(".award-kinds")).to_have_text(CITY)
    expect(first.locator(".award-batch-status")).to_have_text("Chờ mời")
    expect(first.locator(".award-row .award-name")).to_have_text(NAMES)
    expect(first.locator(".award-row .award-seat")).to_have_text(SEATS)
    expect(first.locator(".award-row .award-flag")).to_have_text([NOT_CHECKED_IN] * 5)
    expect(first.locator(".award-row button")).to_have_count(0)       # nothing to mark before the call

    # the escort sees who comes next before the call
    expect(escort.locator("#escort-called")).to_have_text("Chưa có đợt nào trên sân khấu.")
    expect(escort.locator("#escort-next .escort-batch-head")).to_have_text(f"Đợt 1/2 · {BADGE}")

    # "Mời đợt" names who has not checked in and asks first
    asked = answer_dialog(desk)
    first.get_by_role("button", name="Mời đợt").click()
    expect(first).to_have_attribute("data-status", "called")
    assert len(asked) == 1 and all(name in asked[0] for name in NAMES), asked
    idle(desk)
    expect(first.locator(".award-batch-status")).to_have_text("Đang trên sân khấu")

    # the stage: the award and the five names in stage order instead of the item
    expect(stage.locator("#stage-awards")).to_be_visible()
    expect(stage.locator("#stage-now")).to_be_hidden()
    expect(stage.locator("#stage-award-title")).to_have_text(BADGE)
    expect(stage.locator("#stage-award-names li")).to_have_text(NAMES)

    # the prompter: the decision, then the names to read
    expect(prompter.locator("#p-script")).to_be_hidden()
    expect(prompter.locator("#p-decisions .p-decision")).to_have_text([DECISION])
    expect(prompter.locator("#p-names .p-name")).to_have_text(NAMES)
    expect(prompter.locator("#p-award-head")).to_have_text("Đợt 1/2")

    # one batch at a time: calling the next one is refused, and the desk says why
    second.get_by_role("button", name="Mời đợt").click()
    expect(desk.locator("#command-error")).to_have_text(
        "Đợt 1 đang trên sân khấu; bấm “Xong đợt” trước khi mời đợt sau.")
    expect(second).to_have_attribute("data-status", "waiting")

    rows = first.locator(".award-row")
    rows.nth(0).get_by_role("button", name="Đã trao").click()
    expect(rows.nth(0)).to_have_attribute("data-status", "presented")
    idle(desk)
    rows.nth(1).get_by_role("button", name="Vắng").click()
    expect(rows.nth(1)).to_have_attribute("data-status", "absent")
    idle(desk)
    asked = answer_dialog(desk, PROXY)
    rows.nth(2).get_by_role("button", name="Nhận thay").click()
    expect(rows.nth(2)).to_have_attribute("data-status", "proxy")
    assert asked and NAMES[2] in asked[0], asked
    idle(desk)
    expect(rows.nth(2).locator(".award-status")).to_have_text(f"Nhận thay: {PROXY}")
    expect(rows.nth(0).locator(".award-flag")).to_have_count(0)       # marked: no longer flagged
    expect(rows.nth(3).locator(".award-flag")).to_have_text(NOT_CHECKED_IN)

    # ... the prompter strikes out who received, marks who is absent and who receives on behalf
    names = prompter.locator("#p-names li")
    expect(names.nth(0)).to_have_attribute("data-status", "presented")
    assert "line-through" in names.nth(0).locator(".p-name").evaluate(
        "(n) => getComputedStyle(n).textDecorationLine")
    expect(names.nth(1).locator(".p-mark")).to_have_text("vắng")
    expect(names.nth(2).locator(".p-mark")).to_have_text(f"– {PROXY} nhận thay")
    expect(names.nth(3).locator(".p-mark")).to_have_count(0)

    # ... and the escort has the batch on stage with seats and states, and the next one to fetch
    on_stage = escort.locator("#escort-called .escort-batch")
    expect(on_stage.locator(".escort-batch-head")).to_have_text(f"Đợt 1/2 · {BADGE}")
    expect(on_stage.locator(".escort-block")).to_have_text("Khu ghế: Khu B, hàng 2")
    expect(on_stage.locator(".escort-list .award-name")).to_have_text(NAMES)
    expect(on_stage.locator(".escort-seat")).to_have_text(SEATS)
    expect(on_stage.locator(".award-status")).to_have_text(["Đã trao", "Vắng", f"Nhận thay: {PROXY}", "Chờ trao",
                                                             "Chờ trao"])
    expect(on_stage.locator(".award-flag")).to_have_count(2)
    expect(escort.locator("#escort-next .escort-batch-head")).to_have_text(f"Đợt 2/2 · {CITY}")
    # readable on a phone: nothing wider than the screen
    assert escort.evaluate("() => document.documentElement.scrollWidth") <= PHONE[0]

    # "Hoàn tác" puts a recipient back
    rows.nth(1).get_by_role("button", name="Hoàn tác").click()
    expect(rows.nth(1)).to_have_attribute("data-status", "pending")
    expect(names.nth(1).locator(".p-mark")).to_have_count(0)
    idle(desk)

    # "Xong đợt": the stage and the prompter are back to the item, the escort to the next batch
    first.get_by_role("button", name="Xong đợt").click()
    expect(first).to_have_attribute("data-status", "done")
    idle(desk)
    expect(stage.locator("#stage-awards")).to_be_hidden()
    expect(stage.locator("#stage-content")).to_be_visible()
    expect(stage.locator("#stage-content")).to_have_text(ITEM_6)
    expect(prompter.locator("#p-awards")).to_be_hidden()
    expect(prompter.locator("#p-script")).to_be_visible()
    expect(escort.locator("#escort-called")).to_have_text("Chưa có đợt nào trên sân khấu.")
    expect(escort.locator("#escort-next .escort-batch-head")).to_have_text(f"Đợt 2/2 · {CITY}")


def test_a_ward_technician_runs_the_ward_batch_from_the_console(person):
    desk = person("dieuhanh").open(DESK)
    expect(desk.locator("#status")).to_have_text("Chưa bắt đầu")
    control = person("admin").open(CONTROL)
    expect(control.locator("#tiles .tile")).to_have_count(15)
    console = person("kt-long-binh", PHONE).open(CONSOLE_LONG_BINH)
    expect(console.locator("#checklist .check-row")).to_have_count(7)

    tile = control.locator('#tiles [data-point-code="long-binh"] .tile-awards')
    expect(tile).to_have_text("Khen thưởng: 0/1 đợt xong · 0/3 đã trao")

    # the local segment: its first local item has no awards, the second has the ward's batch
    desk.locator("#rundown tr").nth(4).get_by_role("button", name="Chuyển đến").click()
    expect(console.locator("#console-content")).to_have_text(WARD_1)
    expect(console.locator("#awards-box")).to_be_hidden()
    ack = console.evaluate("() => window.dcClient.command('local_next', {}, {bridge_point_id: window.DC_POINT.id})")
    assert ack["ok"], ack
    expect(console.locator("#console-content")).to_have_text(WARD_2)

    box = console.locator("#awards-box")
    expect(box).to_be_visible()
    batch = box.locator(".award-batch")
    expect(batch).to_have_count(1)                                 # this ward's batch only
    expect(batch).to_have_attribute("data-point-code", "long-binh")
    expect(batch.locator(".award-kinds")).to_have_text("Giấy khen cấp phường")
    expect(batch.locator(".award-row")).to_have_count(3)
    expect(batch.locator(".award-flag")).to_have_count(3)

    asked = answer_dialog(console)
    batch.get_by_role("button", name="Mời đợt").click()
    expect(batch).to_have_attribute("data-status", "called")
    assert len(asked) == 1 and "Chưa điểm danh" in asked[0], asked
    expect(console.locator("#command-error")).to_have_text("")
    first = batch.locator(".award-row").nth(0)
    first.get_by_role("button", name="Đã trao").click()
    expect(first).to_have_attribute("data-status", "presented")
    expect(first.locator(".award-status")).to_have_text("Đã trao")
    expect(console.locator("#command-error")).to_have_text("")

    # the control room follows the ward; other wards have not started theirs
    expect(tile).to_have_text("Khen thưởng: đợt 1/1 đang trao · 1/3 đã trao")
    expect(tile).to_have_attribute("data-awards", "called")
    expect(control.locator('#tiles [data-point-code="hiep-phu"] .tile-awards')).to_have_text(
        "Khen thưởng: 0/1 đợt xong · 0/3 đã trao")
    # the main hall's stage is not the ward's: it keeps showing the shared item
    stage = person("xem").open(STAGE)
    expect(stage.locator("#stage-awards")).to_be_hidden()

    # no controls for another ward: none on this console, the server refuses, the other console is closed
    expect(console.locator('.award-batch:not([data-point-code="long-binh"])')).to_have_count(0)
    refused = console.evaluate("""() => {
        const s = window.dcClient.state, other = s.bridge_points.find((p) => p.code === 'hiep-phu');
        const b = s.awards.batches.find((x) => x.bridge_point_id === other.id);
        return window.dcClient.command('award_call', {batch_id: b.id}, {bridge_point_id: other.id});
    }""")
    assert not refused["ok"] and refused["error"]["code"] == "forbidden", refused
    response = console.goto(f"{console.url.split('/e/')[0]}{CONSOLE_HIEP_PHU}")
    assert response is not None and response.status == 403
