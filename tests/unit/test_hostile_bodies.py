"""Hostile bodies over the HTTP API: nested deeper than any command needs, they get a clear refusal
and change nothing (sockets: tests/live/test_hostile_packets.py)."""
from __future__ import annotations

import pytest

from server import bounded_json
from server.services import accounts


@pytest.fixture
def operator_token(session, make_user, make_event):
    event = make_event(n=3)
    token = accounts.issue_token(session, make_user("operator"), "test")
    session.commit()
    return event, token


def nested(levels: int) -> str:
    return '{"args": ' + "[" * levels + "]" * levels + "}"


def test_depth_skips_brackets_inside_strings():
    assert bounded_json.depth('{"a": "[[[[[[[[[[["}') == 1
    assert bounded_json.depth('[{"a": [1, {"b": "\\"]"}]}]') == 4
    assert bounded_json.depth(nested(20)) == 21 and bounded_json.loads(nested(2))["args"] == [[]]
    with pytest.raises(bounded_json.TooDeep):
        bounded_json.loads(nested(5000))


@pytest.mark.parametrize("levels", [40, 1000, 100_000])
def test_a_deep_api_body_is_refused_and_changes_nothing(app, operator_token, levels):
    event, token = operator_token
    response = app.test_client().post(f"/api/v1/events/{event.slug}/go", data=nested(levels),
                                      content_type="application/json", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400
    assert response.json["error"]["code"] == "too_deep" and "lồng quá sâu" in response.json["error"]["message"]
    state = app.test_client().get(f"/api/v1/events/{event.slug}/state", headers={"Authorization": f"Bearer {token}"})
    assert state.json["show"]["status"] == "standby"
