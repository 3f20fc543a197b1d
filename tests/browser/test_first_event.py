"""A new user on a blank install (`diemcau serve`, no demo) makes their own event in the browser and
runs it: the first admin, the event, two bridge points, a five-item programme, twenty delegates in a
category of their own, invitations printed, day accounts, GO (tests/browser/first_event_flow.py)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from server.db import Database
from server.models import Delegate, DelegateCategory, Event, Invitation, ShowState, User
from tests.browser import first_event_flow
from tests.fixtures import first_event as plan
from tests.server_process import ServerProcess

pytestmark = pytest.mark.browser


@pytest.fixture
def blank(tmp_path):
    server = ServerProcess(tmp_path, extra=["--no-demo"]).start()
    yield server
    server.stop()


def test_a_new_user_runs_their_own_event_from_a_blank_install(browser, blank, tmp_path):
    context = browser.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    shots = tmp_path / "shots"
    shots.mkdir()
    result = first_event_flow.run(page, blank.url, blank.log_tail(5000),
                                  shoot=lambda p, name: p.screenshot(path=str(shots / name)))
    context.close()
    assert not errors, errors
    assert len(list(shots.glob("first-event-*.png"))) == 9

    assert result["steps_before"] == 6                    # only the date and time were given
    assert result["steps_left"] == ["checks"]             # no technician has checked a point yet

    db = Database(blank.database_url)
    with db.session() as s:
        event = s.execute(select(Event).where(Event.slug == plan.SLUG)).scalar_one()
        assert (event.title, event.organiser, event.plan_number) == (plan.TITLE, plan.ORGANISER, "Số 245-KH/QU")
        labels = [c.label for c in s.execute(select(DelegateCategory).where(DelegateCategory.event_id == event.id)
                                             .order_by(DelegateCategory.position)).scalars()]
        assert labels[-1] == plan.NEW_CATEGORY and len(labels) == 7
        count = lambda model, *where: s.execute(select(func.count()).select_from(model).where(  # noqa: E731
            model.event_id == event.id, *where)).scalar()
        assert count(Delegate) == 20
        assert count(Delegate, Delegate.category == next(
            c.code for c in event_categories(s, event) if c.label == plan.NEW_CATEGORY)) == 12
        assert count(Invitation, Invitation.printed_at.isnot(None)) == 20
        assert s.execute(select(ShowState.status).where(ShowState.event_id == event.id)).scalar_one() == "running"
        roles = sorted(u.role for u in s.execute(select(User)).scalars())
        assert roles == ["admin", "checkin", "checkin", "site_tech", "site_tech"]
    db.engine.dispose()


def event_categories(session, event):
    return session.execute(select(DelegateCategory).where(DelegateCategory.event_id == event.id)).scalars()
