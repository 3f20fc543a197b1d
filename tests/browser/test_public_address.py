"""A delegate's phone that scans a printed invitation reaches its invitation page at the public address,
in Vietnamese, with the right date: the server runs with `--public-url http://diemcau.test:PORT`, the
operator prints from http://127.0.0.1:PORT, and the phone (set to English and to UTC) resolves
diemcau.test the way a hall's network would resolve the server's name (Chromium's host rules)."""
from __future__ import annotations

import shutil
import subprocess
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from server.db import Database
from server.models import Delegate, Event
from tests.browser.conftest import SLUG, demo_passwords
from tests.conftest import CHROMIUM, CHROMIUM_ARGS, need
from tests.server_process import ServerProcess
from tests.unit.test_invitations_pdf import decode_pages

pytestmark = pytest.mark.browser
# 01:30 on Saturday 5 December in Vietnam is still Friday 4 December in UTC: the date a server on UTC
# would have printed.
START = datetime(2026, 12, 5, 1, 30, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


@pytest.fixture
def server(tmp_path):
    server = ServerProcess(tmp_path / "instance")
    (tmp_path / "instance").mkdir()
    server.extra = ["--public-url", f"http://diemcau.test:{server.port}"]
    server.start()
    db = Database(server.database_url)
    with db.session() as s:
        s.execute(select(Event).where(Event.slug == SLUG)).scalar_one().starts_at = START.astimezone(timezone.utc)
        s.commit()
    db.engine.dispose()
    yield server
    server.stop()


def test_a_printed_invitation_opens_at_the_public_address_in_vietnamese_with_the_right_date(
        browser, playwright_driver, server, tmp_path):
    need(shutil.which("pdftoppm") is not None, "pdftoppm is missing (apt-get install poppler-utils)")
    assert "Địa chỉ công khai (in trong mã QR): http://diemcau.test:" in server.log_tail(8000)
    db = Database(server.database_url)
    with db.session() as s:
        name = s.execute(select(Delegate.full_name).join(Event).where(Event.slug == SLUG)
                         .order_by(Delegate.id)).scalars().first()
    db.engine.dispose()

    # The organiser, on the server's own machine, prints one invitation.
    office = browser.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    page = office.new_page()
    page.goto(f"{server.url}/login")
    page.fill("input[name=username]", "dieuhanh")
    page.fill("input[name=password]", demo_passwords(server.instance)["dieuhanh"])
    with page.expect_navigation():
        page.click("form button.primary")
    page.goto(f"{server.url}/e/{SLUG}/desk")
    expect(page.locator(".public-url-warning")).to_have_count(0)       # a phone can open what is printed
    pdf = page.request.get(f"{server.url}/e/{SLUG}/delegates/invitations.pdf", params={"q": name})
    assert pdf.ok
    body = pdf.body()
    office.close()
    (tmp_path / "in.pdf").write_bytes(body)
    printed = subprocess.run(["pdftotext", str(tmp_path / "in.pdf"), "-"], capture_output=True, text=True,
                             check=True).stdout
    assert "thứ Bảy, ngày 05/12/2026" in printed and "01 giờ 30 phút" in printed
    today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh"))
    assert f"năm {today.year}" in printed and f"ngày {today.day:02d}" in printed      # dated where the event is
    codes = [code for page_codes in decode_pages(body, tmp_path) for code in page_codes]
    assert len(codes) == 1 and codes[0].startswith(f"http://diemcau.test:{server.port}/i/"), codes

    # The delegate's phone, set to English and to UTC, scans it.
    phone_browser = playwright_driver.chromium.launch(
        executable_path=str(CHROMIUM), headless=True,
        args=[*CHROMIUM_ARGS, "--host-resolver-rules=MAP diemcau.test 127.0.0.1"])
    try:
        phone = phone_browser.new_context(locale="en-US", timezone_id="UTC", viewport={"width": 390, "height": 844})
        screen = phone.new_page()
        screen.goto(codes[0])
        expect(screen.locator("html")).to_have_attribute("lang", "vi")
        card = screen.locator(".invitation")
        expect(card).to_contain_text("GIẤY MỜI")
        expect(card).to_contain_text(name)
        expect(card).to_contain_text("01 giờ 30 phút, thứ Bảy, ngày 05/12/2026")
        # Its owner prefers English: the whole page switches, the weekday too, and back again.
        screen.locator(".inv-lang a", has_text="EN").click()
        expect(screen.locator("html")).to_have_attribute("lang", "en")
        expect(card).to_contain_text("Saturday")
        expect(card).not_to_contain_text("thứ Bảy")
        expect(card).not_to_contain_text("GIẤY MỜI")
        screen.locator(".inv-lang a", has_text="VI").click()
        expect(card).to_contain_text("thứ Bảy, ngày 05/12/2026")
        phone.close()
    finally:
        phone_browser.close()


def test_a_second_server_on_the_same_port_stops_with_what_to_do(server, tmp_path):
    second = ServerProcess(tmp_path / "second", port=server.port)
    (tmp_path / "second").mkdir()
    done = subprocess.run(second.command(), cwd=second.environment().get("PWD") or None, env=second.environment(),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert f"Không mở được cổng {server.port}" in done.stderr and "--port" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
