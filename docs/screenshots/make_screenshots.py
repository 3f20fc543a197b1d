"""Retake the README's screenshots at 1920×1080: operator desk (mid-show, item 3), stage display,
and a ward's site display during the local segment.

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


def open_as(browser, server: ServerProcess, username: str, path: str):
    context = browser.new_context(viewport=SIZE, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    page = context.new_page()
    page.goto(f"{server.url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", logins(server.instance)[username])
    with page.expect_navigation():
        page.click("form button.primary")
    page.goto(f"{server.url}{path}")
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
        finally:
            browser.close()
            server.stop()


if __name__ == "__main__":
    main()
