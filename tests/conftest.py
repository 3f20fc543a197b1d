"""Shared fixtures: an app on a fresh SQLite file, sessions, factories, and a real server process."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.server_process import ServerProcess  # noqa: F401  (the live_server fixture and tests use it)

IN_CI = os.environ.get("CI") == "true"
# Debian's Chromium, never a downloaded browser; one Playwright driver for the whole session, shared
# by tests/browser and tests/cluster (a second sync driver in the same thread is refused).
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def need(condition: bool, reason: str) -> None:
    """Skip outside CI when a part of the machine is missing; in CI the same lack is a failure."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI=true and {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def playwright_driver():
    need(CHROMIUM.exists(), f"Debian's Chromium is missing at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        need(False, "the Python package playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as driver:
        yield driver


@pytest.fixture
def browser(playwright_driver):
    """A headless Chromium per test. `launch()` gives it a fresh temporary profile (user data dir)
    that Playwright deletes on close (Playwright refuses `--user-data-dir` among launch() args)."""
    chromium = playwright_driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
    yield chromium
    chromium.close()


@pytest.fixture(autouse=True)
def fast_password_hash(monkeypatch):
    """scrypt costs 0.1 s a hash; the tests make hundreds of accounts. test_accounts checks the default."""
    from server.services import accounts
    monkeypatch.setattr(accounts, "PASSWORD_METHOD", "pbkdf2:sha256:1000")


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory):
    """One database migrated to head; each test copies it instead of running Alembic again."""
    from server.db import Database
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    db = Database(f"sqlite:///{path}")
    db.upgrade()
    db.engine.dispose()
    return path


@pytest.fixture
def settings(tmp_path, migrated_template):
    import shutil
    from server.config import Settings
    shutil.copy(migrated_template, tmp_path / "test.sqlite3")
    return Settings(instance_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'test.sqlite3'}",
                    async_mode="threading", load_demo=False, testing=True, secret_key="test-secret")


@pytest.fixture
def app(settings):
    from server.app import create_app
    return create_app(settings)


@pytest.fixture
def db(app):
    return app.extensions["diemcau.db"]


@pytest.fixture
def session(db):
    with db.session() as s:
        yield s


@pytest.fixture
def demo_event(session, settings):
    """The reference event of plan 000 with its demo logins (slow: 19 password hashes)."""
    from server.demo import demo_logins, load_reference_event
    event = load_reference_event(session)
    demo_logins(session, event, settings.instance_dir)
    return event


@pytest.fixture
def make_event(session):
    """An event with `n` plain items and optionally a local segment for the wards at `segment_at`."""
    from server.models import Event, LocalItem, ProgrammeItem, utcnow
    from server.services import bridge_points, events
    counter = iter(range(1, 10_000))

    def factory(n: int = 5, segment_at: int | None = None, local_items: int = 3, wards: int = 3,
                duration_s: int = 300) -> Event:
        k = next(counter)
        event = events.create(session, {"slug": f"test-{k}", "title": f"Hội nghị thử {k}",
                                        "banner": "QUẬN ỦY\nHỘI NGHỊ THỬ"}, "test")
        event.starts_at = utcnow()
        event.press_guard_ms = 0        # commands here come as fast as code runs; test_press_guard.py turns it on
        bridge_points.add(session, event, {"code": "hoi-truong", "name": "Hội trường", "kind": "main"})
        for w in range(wards):
            bridge_points.add(session, event, {"code": f"phuong-{w + 1}", "name": f"Phường {w + 1}",
                                               "short_name": f"P. {w + 1}", "kind": "ward"})
        for i in range(n):
            item = ProgrammeItem(event_id=event.id, position=i, content=f"Mục {i + 1}", performer="Ban Tổ chức",
                                 duration_s=duration_s, is_local_segment=i == segment_at)
            if i == segment_at:
                item.local_items = [LocalItem(position=j, content=f"Phần riêng {j + 1}", duration_s=120)
                                    for j in range(local_items)]
            session.add(item)
        session.commit()
        return event

    return factory


@pytest.fixture
def make_user(session):
    from server.services import accounts

    def factory(role: str, username: str | None = None, bridge_point_id: int | None = None):
        user = accounts.create_user(session, username or f"{role}-{os.urandom(3).hex()}", "mat-khau-thu",
                                    role, bridge_point_id=bridge_point_id)
        session.commit()
        return user

    return factory


@pytest.fixture
def live_server(tmp_path):
    server = ServerProcess(tmp_path).start()
    yield server
    server.stop()
