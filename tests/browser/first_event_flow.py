"""A district office's first morning with the product, in the browser, on a blank install: the first
admin, its own event, two bridge points, a five-item programme, twenty delegates with a category of
its own, the invitations printed, the day accounts, and GO on the desk. Run by
tests/browser/test_first_event.py and by docs/screenshots/make_screenshots.py (first-event), which
passes `shoot` to keep a picture of each step."""
from __future__ import annotations

import re
from typing import Callable

from playwright.sync_api import expect

from tests.fixtures import first_event as plan

SETUP_CODE = re.compile(r"mã cài đặt ([A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4})")
USERNAME, PASSWORD = "quantri", "mat-khau-dai-du"


def steps_left(page) -> int:
    return page.locator("li.todo[data-step]").count()


def run(page, base_url: str, server_log: str, shoot: Callable[[object, str], None] = lambda page, name: None) -> dict:
    """Drives `page` through every step; returns what the test checks at the end."""
    # 1. A blank install sends the first visitor to the setup page; the code is on the server's screen.
    page.goto(f"{base_url}/")
    expect(page).to_have_url(re.compile(r"/setup$"))
    code = SETUP_CODE.search(server_log).group(1)
    page.fill("input[name=code]", code)
    page.fill("input[name=username]", USERNAME)
    page.fill("input[name=password]", PASSWORD)
    shoot(page, "first-event-1-setup.png")
    with page.expect_navigation():
        page.click("form button.primary")
    expect(page).to_have_url(re.compile(r"/events/new$"))

    # 2. The event, as plan 001 gives it; the checklist is the next page.
    page.fill("input[name=title]", plan.TITLE)
    page.fill("input[name=organiser]", plan.ORGANISER)
    page.fill("input[name=plan_number]", "Số 245-KH/QU")
    page.fill("input[name=venue]", "Hội trường Quận ủy Kiến An")
    page.fill("input[name=date]", "06/11/2023")              # as people write it; the API takes 2023-11-06
    page.fill("input[name=start]", plan.START)
    shoot(page, "first-event-2-new.png")
    with page.expect_navigation():
        page.click("form button.primary")
    expect(page).to_have_url(re.compile(rf"/e/{plan.SLUG}/prepare$"))
    expect(page.locator(".flash.ok")).to_contain_text(plan.TITLE)
    before = steps_left(page)
    shoot(page, "first-event-3-prepare.png")

    # 3. Two bridge points from the checklist's link.
    page.click("li[data-step=points] a.fix")
    for name, short, kind in plan.POINTS:
        form = page.locator("form.point-form").last
        form.locator("input[name=name]").fill(name)
        form.locator("input[name=short_name]").fill(short)
        form.locator("select[name=kind]").select_option(kind)
        with page.expect_navigation():
            form.locator("button").click()
    expect(page.locator("tr[data-point]")).to_have_count(2)
    shoot(page, "first-event-4-points.png")

    # 4. The programme from the office's table.
    page.goto(f"{base_url}/e/{plan.SLUG}/programme/")
    page.set_input_files("input[type=file]", files=[{"name": "chuong-trinh.csv", "mimeType": "text/csv",
                                                      "buffer": plan.programme_csv()}])
    with page.expect_navigation():
        page.locator("input[type=file]").locator("xpath=..").locator("button").click()
    expect(page.locator("body")).to_contain_text("Đã nhập 5 mục")
    shoot(page, "first-event-5-programme.png")

    # 5. The delegate list: its category is new to the event; the page offers to create it.
    page.goto(f"{base_url}/e/{plan.SLUG}/delegates/")
    delegates_file = [{"name": "dai-bieu.csv", "mimeType": "text/csv", "buffer": plan.delegates_csv()}]
    import_form = page.locator("form[action$='/import']")
    import_form.locator("input[type=file]").set_input_files(files=delegates_file)
    with page.expect_navigation():
        import_form.locator("button").click()
    expect(page.locator("p.notice")).to_contain_text(plan.NEW_CATEGORY)
    import_form = page.locator("form[action$='/import']")
    expect(import_form.locator("input[name=create_categories]")).to_be_checked()
    import_form.locator("input[type=file]").set_input_files(files=delegates_file)
    with page.expect_navigation():
        import_form.locator("button").click()
    expect(page.locator("body")).to_contain_text("20")
    expect(page.locator(f"#categories input[name=label][value='{plan.NEW_CATEGORY}']")).to_have_count(1)
    shoot(page, "first-event-6-delegates.png")

    # 6. The invitations printed: the PDF of the whole list, with this browser's cookies.
    pdf_link = page.locator("a", has_text="In thư mời (PDF)")
    pdf = page.request.get(base_url + pdf_link.get_attribute("href"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")

    # 7. The day accounts: one press on the sheets page.
    page.goto(f"{base_url}/e/{plan.SLUG}/sheet")
    with page.expect_navigation():
        page.locator("form.inline button", has_text="Tạo tài khoản").click()
    expect(page.locator("figure", has_text="quét để đăng nhập (một lần)")).to_have_count(4)   # 2 points × 2 roles
    shoot(page, "first-event-7-sheet.png")

    # 8. Back on the checklist: only the technical checks are left.
    page.goto(f"{base_url}/e/{plan.SLUG}/prepare")
    left = [page.locator("li.todo[data-step]").nth(i).get_attribute("data-step") for i in range(steps_left(page))]
    shoot(page, "first-event-8-prepare.png")

    # 9. GO on the desk: item 1 of the office's programme is on.
    page.goto(f"{base_url}/e/{plan.SLUG}/desk")
    expect(page.locator("#status")).to_have_text("Chưa bắt đầu")
    page.locator("#btn-next").click()
    expect(page.locator("#cur-content")).to_have_text(plan.PROGRAMME[0][0])
    expect(page.locator("#next-content")).to_have_text(f"2. {plan.PROGRAMME[1][0]}")
    shoot(page, "first-event-9-desk.png")
    return {"steps_before": before, "steps_left": left}
