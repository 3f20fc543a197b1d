"""Browser fixtures: Debian's Chromium driven by Playwright (never a downloaded browser), one
context per person, logged in through the real login form of a `live_server`."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:          # plain `pytest` (not `python -m pytest`) leaves the root out
    sys.path.insert(0, str(ROOT))

from tests.conftest import CHROMIUM, CHROMIUM_ARGS, ServerProcess  # noqa: E402,F401  (browser tests import them here)

SLUG = "quan9-chi-thi-05"


def demo_passwords(instance: Path) -> dict[str, str]:
    """username -> password from `<instance>/demo-logins.txt` (username, password, label; tab-separated)."""
    path = instance / "demo-logins.txt"
    rows = [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines() if line]
    return {row[0]: row[1] for row in rows}


class Person:
    """One person at one screen: their own browser context (cookies), logged in, with a page."""

    def __init__(self, browser, server: ServerProcess, username: str, viewport=(1280, 800)):
        self.username = username
        self.context = browser.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh",
                                           viewport={"width": viewport[0], "height": viewport[1]})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.server = server
        password = demo_passwords(server.instance)[username]
        self.page.goto(f"{server.url}/login")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", password)
        with self.page.expect_navigation():
            self.page.click("form button.primary")
        assert "/login" not in self.page.url, f"login as {username} failed"

    def open(self, path: str):
        response = self.page.goto(f"{self.server.url}{path}")
        assert response is not None and response.ok, f"{path} answered {response and response.status}"
        return self.page


@pytest.fixture
def person(browser, live_server):
    """`person("dieuhanh")` -> a logged-in Person; at the end no page may have thrown a script error."""
    people: list[Person] = []

    def factory(username: str, viewport=(1280, 800)) -> Person:
        p = Person(browser, live_server, username, viewport)
        people.append(p)
        return p

    yield factory
    errors = {p.username: p.errors for p in people if p.errors}
    for p in people:
        p.context.close()
    assert not errors, f"script errors in the pages: {errors}"


@pytest.fixture
def camera_browser(playwright_driver):
    """`camera_browser(y4m_path)` -> a headless Chromium whose camera plays `y4m_path` (see fake_camera.py),
    with the permission prompt answered "allow"; every browser it launched is closed at the end."""
    launched = []

    def factory(y4m_path) -> object:
        args = [*CHROMIUM_ARGS, "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                f"--use-file-for-fake-video-capture={y4m_path}"]
        chromium = playwright_driver.chromium.launch(executable_path=str(CHROMIUM), args=args, headless=True)
        launched.append(chromium)
        return chromium

    yield factory
    for chromium in launched:
        chromium.close()
