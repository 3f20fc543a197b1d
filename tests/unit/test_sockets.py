"""The socket interface: snapshot on connect, clock, garbled payloads answered and harmless."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from server.extensions import socketio
from server.models import ShowState
from server.services import accounts


@pytest.fixture
def operator_client(app, session, make_event, make_user):
    event = make_event(n=3, segment_at=1, wards=2)
    token = accounts.issue_token(session, make_user("operator"), "t")
    session.commit()
    client = socketio.test_client(app, auth={"token": token, "event": event.slug})
    yield event, client
    client.disconnect()


def test_connect_sends_a_full_snapshot(operator_client):
    event, client = operator_client
    received = client.get_received()
    assert [m["name"] for m in received] == ["snapshot"]
    snap = received[0]["args"][0]
    assert snap["rev"] == 0 and snap["show"]["status"] == "standby"
    assert [i["number"] for i in snap["items"]] == [1, 2, 3]
    assert snap["items"][1]["is_local_segment"] and len(snap["items"][1]["local_items"]) == 3
    assert [p["kind"] for p in snap["bridge_points"]] == ["main", "ward", "ward"]
    assert isinstance(snap["server_time"], int)


def test_clock_answers_server_time(operator_client):
    event, client = operator_client
    ack = client.emit("clock", {}, callback=True)
    assert ack["ok"] and ack["server_time"] > 1_700_000_000_000


def test_accepted_command_is_broadcast_as_a_patch(operator_client):
    event, client = operator_client
    client.get_received()
    ack = client.emit("command", {"action": "go", "expected_rev": 0}, callback=True)
    assert ack == {"ok": True, "rev": 1}
    patches = [m["args"][0] for m in client.get_received() if m["name"] == "patch"]
    assert len(patches) == 1 and patches[0]["rev"] == 1 and patches[0]["show"]["cursor"] == 0


@pytest.mark.parametrize("payload, code", [
    ("next", "invalid"),
    (["next"], "invalid"),
    ({"action": None, "expected_rev": 0}, "invalid"),
    ({"action": "next"}, "invalid"),
    ({"action": "next", "expected_rev": "0"}, "invalid"),
    ({"action": "goto", "expected_rev": 0, "args": {"index": "ba"}}, "invalid"),
    ({"action": "goto", "expected_rev": 0, "args": "ba"}, "invalid"),
    ({"action": "local_next", "expected_rev": 0, "bridge_point_id": "x"}, "invalid"),
    ({"action": "local_next", "expected_rev": 0, "bridge_point_id": 99999}, "not_found"),
    ({"action": "__class__", "expected_rev": 0}, "invalid"),
    ({"action": "next", "expected_rev": -5}, "stale_revision"),
])
def test_garbled_payloads_get_an_error_ack_and_change_nothing(app, session, operator_client, payload, code):
    event, client = operator_client
    ack = client.emit("command", payload, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == code, ack
    assert ack["error"]["message"]
    session.expire_all()
    assert session.execute(select(ShowState.rev).where(ShowState.event_id == event.id)).scalar_one() == 0
    # and the connection still works
    assert client.emit("clock", {}, callback=True)["ok"]
