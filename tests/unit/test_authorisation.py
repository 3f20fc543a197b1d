"""Every role against every command, over the socket and the HTTP API, and against every page."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from server.extensions import socketio
from server.models import ShowState
from server.models import FloorRequest, Incident
from server.services import accounts, floor_requests, incidents, local_segments, roll_calls, show_control

ROLES = ["admin", "operator", "mc", "site_tech_own", "site_tech_other", "viewer", "checkin", "scanner"]
SHOW_COMMANDS = ["go", "next", "previous", "goto", "pause", "resume", "add_time", "end_segment"]
# What a point's own technician may do there, and what only the control room may do.
AT_POINT = ["local_next", "local_previous", "check_mark", "floor_request", "floor_withdraw", "incident_report",
            "roll_call_answer"]
CONTROL_ROOM = ["tally_program", "tally_preview", "flash", "message", "floor_grant", "floor_decline",
                "incident_acknowledge", "incident_resolve", "roll_call_start", "roll_call_close", "link_policy",
                "screen_navigate"]
COMMANDS = SHOW_COMMANDS + AT_POINT + CONTROL_ROOM
ALLOWED = {
    "admin": set(COMMANDS),
    "operator": set(COMMANDS),
    "mc": set(),
    "site_tech_own": set(AT_POINT),
    "site_tech_other": set(),
    "viewer": set(),
    "checkin": set(),      # door staff and scanner devices check people in; they run nothing of the show
    "scanner": set(),
}


def args_for(action, session, event, ward) -> dict:
    pending = lambda model: session.execute(select(model.id).where(model.event_id == event.id)).scalar()  # noqa: E731
    return {
        "goto": {"index": 2}, "add_time": {"seconds": 60},
        "check_mark": {"check": "camera", "status": "pass"},
        "floor_request": {"note": "Xin phát biểu"},
        "incident_report": {"kind": "no_sound", "note": "Mất tiếng"},
        "tally_program": {"bridge_point_id": ward.id}, "tally_preview": {"bridge_point_id": ward.id},
        "flash": {"bridge_point_id": ward.id}, "message": {"text": "Chuẩn bị lên sóng", "bridge_point_id": ward.id},
        "floor_grant": {"request_id": pending(FloorRequest)},
        "floor_decline": {"request_id": pending(FloorRequest), "reason": "Hết giờ"},
        "incident_acknowledge": {"incident_id": pending(Incident)},
        "incident_resolve": {"incident_id": pending(Incident)},
        "roll_call_start": {"timeout_s": 30},
        "link_policy": {"beat_interval_ms": 1000},
        "screen_navigate": {"screen_id": "abcdef123456", "page": "banner"},
    }.get(action, {})


def rev_of(session, event) -> int:
    session.expire_all()
    return session.execute(select(ShowState.rev).where(ShowState.event_id == event.id)).scalar_one()


def prepare(session, event, action, ward) -> None:
    """Put the show where `action` is valid, so only authorisation can refuse it."""
    def run(a, **args):
        show_control.command(session, event.id, a, expected_rev=rev_of(session, event), actor="setup", args=args)
    if action == "go":
        return
    run("go")                                   # item 0 is the local segment: ward cursors open
    if action == "previous":
        run("next")
    if action == "resume":
        run("pause")
    if action == "local_previous":
        local_segments.step(session, event.id, ward.id, 1, expected_rev=rev_of(session, event), actor="setup")
    if action in ("floor_grant", "floor_decline", "floor_withdraw"):
        floor_requests.request(session, event.id, "setup", {"note": ""}, ward)
    if action in ("incident_acknowledge", "incident_resolve"):
        incidents.report(session, event.id, "setup", {"kind": "no_picture"}, ward)
    if action in ("roll_call_answer", "roll_call_close"):
        roll_calls.start(session, event.id, "setup", {"timeout_s": 60})


@pytest.fixture
def world(session, make_event, make_user):
    event = make_event(n=4, segment_at=0, local_items=3, wards=2)
    wards = [p for p in event.bridge_points if p.kind == "ward"]
    users = {
        "admin": make_user("admin"), "operator": make_user("operator"), "mc": make_user("mc"),
        "site_tech_own": make_user("site_tech", bridge_point_id=wards[0].id),
        "site_tech_other": make_user("site_tech", bridge_point_id=wards[1].id),
        "viewer": make_user("viewer"),
        "checkin": make_user("checkin", bridge_point_id=wards[0].id),
        "scanner": make_user("scanner", bridge_point_id=wards[0].id),
    }
    tokens = {role: accounts.issue_token(session, user, "test") for role, user in users.items()}
    session.commit()
    return event, wards[0], users, tokens


def send_by_socket(app, event, ward, token, action, before, args) -> tuple[bool, str | None]:
    client = socketio.test_client(app, auth={"token": token, "event": event.slug})
    assert client.is_connected()
    ack = client.emit("command", {"action": action, "expected_rev": before, "args": args,
                                  "bridge_point_id": ward.id}, callback=True)
    client.disconnect()
    return ack["ok"], None if ack["ok"] else ack["error"]["code"]


def send_by_api(app, event, ward, token, action, before, args) -> tuple[bool, str | None]:
    body = {"bridge_point_id": ward.id, **({"number": 3} if action == "goto" else {}),
            **({"seconds": 60} if action == "add_time" else {}),
            **({"args": args} if action not in ("goto", "add_time") else {})}
    response = app.test_client().post(f"/api/v1/events/{event.slug}/{action}", json=body,
                                      headers={"Authorization": f"Bearer {token}"})
    if response.status_code == 200:
        assert response.json["accepted_rev"] == before + 1
        return True, None
    assert response.status_code == 403
    return False, response.json["error"]["code"]


@pytest.mark.parametrize("send", [send_by_socket, send_by_api], ids=["socket", "api"])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", COMMANDS)
def test_command_by_role(app, session, world, send, role, action):
    event, ward, users, tokens = world
    prepare(session, event, action, ward)
    before = rev_of(session, event)
    ok, code = send(app, event, ward, tokens[role], action, before, args_for(action, session, event, ward))
    if action in ALLOWED[role]:
        assert ok and rev_of(session, event) == before + 1
    else:
        assert (ok, code) == (False, "forbidden")
        assert rev_of(session, event) == before


@pytest.mark.parametrize("role", ROLES)
def test_api_state_is_readable_by_every_login(app, world, role):
    event, ward, users, tokens = world
    response = app.test_client().get(f"/api/v1/events/{event.slug}/state",
                                     headers={"Authorization": f"Bearer {tokens[role]}"})
    assert response.status_code == 200 and response.json["show"]["status"] == "standby"


@pytest.mark.parametrize("header", [None, "Bearer ", "Bearer dc_forged", "Basic abc", "Bearer revoked"])
def test_api_refuses_missing_forged_and_revoked_tokens(app, session, world, header):
    event, ward, users, tokens = world
    if header == "Bearer revoked":
        token_id = users["operator"].tokens[0].id
        accounts.revoke_token(session, token_id)
        header = f"Bearer {tokens['operator']}"
    response = app.test_client().post(f"/api/v1/events/{event.slug}/next",
                                      headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorised"
    assert rev_of(session, event) == 0


def test_socket_refuses_unauthenticated_and_forged(app, world):
    event, *_ = world
    for auth in (None, {"event": event.slug}, {"event": event.slug, "token": "dc_forged"}):
        client = socketio.test_client(app, auth=auth)
        assert not client.is_connected()


def login(client, username, password="mat-khau-thu"):
    page = client.get("/login").get_data(as_text=True)
    csrf = page.split('name="csrf" value="')[1].split('"')[0]
    return client.post("/login", data={"username": username, "password": password, "csrf": csrf})


PAGES = {  # page -> roles that may open it
    "desk": {"admin", "operator"},
    "prompter": {"admin", "operator", "mc"},
    "programme/": {"admin", "operator"},
    "stage": set(ROLES),
    "site/phuong-1": set(ROLES),
    "banner": set(ROLES),
    "control": {"admin", "operator"},
    "sheet": {"admin", "operator"},
    "console/phuong-1": {"admin", "operator", "site_tech_own"},
    "delegates/": {"admin", "operator"},
    "devices": {"admin", "operator"},
    "attendance": {"admin", "operator", "mc", "checkin"},
    "scan": {"admin", "operator", "checkin", "scanner"},
    "settings": {"admin", "operator"},
    "points": {"admin", "operator"},
    "prepare": {"admin", "operator"},
}


@pytest.mark.parametrize("role", ROLES)
def test_pages_by_role(app, world, role):
    event, ward, users, tokens = world
    client = app.test_client()
    assert login(client, users[role].username).status_code == 302
    for page, allowed in PAGES.items():
        status = client.get(f"/e/{event.slug}/{page}").status_code
        assert status == (200 if role in allowed else 403), (page, status)
    assert client.get("/admin/").status_code == (200 if role == "admin" else 403)


def test_pages_send_anonymous_people_to_login(app, world):
    event, *_ = world
    client = app.test_client()
    for page in PAGES:
        response = client.get(f"/e/{event.slug}/{page}")
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_site_console_shows_controls_only_to_its_own_technician(app, world):
    event, ward, users, tokens = world
    for role, expected in (("site_tech_own", True), ("site_tech_other", False), ("viewer", False),
                           ("operator", True)):
        client = app.test_client()
        login(client, users[role].username)
        html = client.get(f"/e/{event.slug}/site/{ward.code}").get_data(as_text=True)
        assert ('id="local-next"' in html) is expected, role


def test_wrong_password_and_forms_without_csrf_are_refused(app, world):
    event, ward, users, tokens = world
    client = app.test_client()
    assert login(client, users["operator"].username, "sai-mat-khau").status_code == 401
    assert client.post("/login", data={"username": users["operator"].username,
                                       "password": "mat-khau-thu"}).status_code == 400
    login(client, users["operator"].username)
    assert client.post(f"/e/{event.slug}/programme/add", data={"content": "X", "duration": "5"}).status_code == 400


def test_a_revoked_token_loses_its_open_socket(app, session, world):
    event, ward, users, tokens = world
    client = socketio.test_client(app, auth={"token": tokens["operator"], "event": event.slug})
    assert client.emit("command", {"action": "go", "expected_rev": 0}, callback=True)["ok"]
    accounts.revoke_token(session, users["operator"].tokens[0].id)
    ack = client.emit("command", {"action": "next", "expected_rev": 1}, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "unauthorised"
    assert rev_of(session, event) == 1


def test_api_answers_unknown_events_and_actions_in_json(app, world):
    event, ward, users, tokens = world
    headers = {"Authorization": f"Bearer {tokens['operator']}"}
    response = app.test_client().post("/api/v1/events/khong-co/next", headers=headers)
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"
    response = app.test_client().post(f"/api/v1/events/{event.slug}/explode", headers=headers)
    assert response.status_code == 400 and "explode" in response.json["error"]["message"]
    response = app.test_client().get(f"/api/v1/events/{event.slug}/state", headers=headers)
    assert [p["code"] for p in response.json["bridge_points"]] == ["hoi-truong", "phuong-1", "phuong-2"]
