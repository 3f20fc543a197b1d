"""The double-press guard: a GO/Next within the event's guard time after the cursor moved is refused
unless confirmed, on the socket (the desk), on the HTTP API (Companion) and in the service itself."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from server.extensions import socketio
from server.models import ShowState
from server.services import accounts, events, show_control
from server.services.errors import Invalid, TooSoon


@pytest.fixture
def guarded(session, make_event, make_user):
    event = make_event(n=4)
    event.press_guard_ms = 1500
    session.commit()
    token = accounts.issue_token(session, make_user("operator"), "Companion")
    session.commit()
    return event, token


def cursor(session, event) -> int:
    session.expire_all()
    return session.execute(select(ShowState.cursor).where(ShowState.event_id == event.id)).scalar_one()


def rev(session, event) -> int:
    session.expire_all()
    return session.execute(select(ShowState.cursor_rev).where(ShowState.event_id == event.id)).scalar_one()


def press(session, event, action, **args):
    return show_control.command(session, event.id, action, expected_rev=rev(session, event), actor="op", args=args)


def test_a_next_right_after_go_is_refused_and_changes_nothing(session, guarded):
    event, _ = guarded
    press(session, event, "go")
    before = rev(session, event)
    with pytest.raises(TooSoon) as refused:
        press(session, event, "next")
    assert refused.value.code == "too_soon" and refused.value.http_status == 409
    assert "có thể do bấm hai lần" in str(refused.value.message) and "Vẫn chuyển tiếp" in str(refused.value.message)
    assert refused.value.details["guard_ms"] == 1500 and 0 <= refused.value.details["elapsed_ms"] < 1500
    assert (cursor(session, event), rev(session, event)) == (0, before)
    press(session, event, "next", confirm=True)                       # the operator meant it
    assert cursor(session, event) == 1


def test_after_the_guard_time_next_goes_through(session, guarded, monkeypatch):
    event, _ = guarded
    press(session, event, "go")
    state = session.execute(select(ShowState).where(ShowState.event_id == event.id)).scalar_one()
    state.item_started_at -= timedelta(milliseconds=1600)            # the item began 1.6 s ago
    session.commit()
    press(session, event, "next")
    assert cursor(session, event) == 1


def test_other_commands_are_not_guarded_and_zero_turns_it_off(session, guarded):
    event, _ = guarded
    press(session, event, "go")
    press(session, event, "pause")
    press(session, event, "resume")
    press(session, event, "goto", index=3)                             # a deliberate jump
    press(session, event, "previous")
    assert cursor(session, event) == 2
    events.update(session, event, {"press_guard_ms": "0"})
    session.commit()
    press(session, event, "next")
    assert cursor(session, event) == 3


@pytest.mark.parametrize("value", ["-1", "10001", "1,5", "nhanh", True])
def test_a_bad_guard_time_is_refused(session, guarded, value):
    event, _ = guarded
    with pytest.raises(Invalid, match="chống bấm hai lần"):
        events.update(session, event, {"press_guard_ms": value})


def test_the_desk_socket_and_companion_meet_the_same_rule(app, session, guarded):
    event, token = guarded
    desk = socketio.test_client(app, auth={"token": token, "event": event.slug})
    assert desk.emit("command", {"action": "go", "expected_rev": rev(session, event)}, callback=True)["ok"]
    ack = desk.emit("command", {"action": "next", "expected_rev": rev(session, event)}, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "too_soon"
    assert cursor(session, event) == 0
    api = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    response = api.post(f"/api/v1/events/{event.slug}/next", headers=headers)
    assert response.status_code == 409 and response.json["error"]["code"] == "too_soon"
    assert cursor(session, event) == 0
    response = api.post(f"/api/v1/events/{event.slug}/next", json={"confirm": True}, headers=headers)
    assert response.status_code == 200 and response.json["show"]["cursor"] == 1
    ack = desk.emit("command", {"action": "next", "expected_rev": rev(session, event), "args": {"confirm": True}},
                    callback=True)
    assert ack["ok"] and cursor(session, event) == 2
    desk.disconnect()
