"""The HTTP API's door to events and bridge points: the same service as the pages and the command
line, the same roles and errors as the show's commands."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from server.models import BridgePoint, Event
from server.services import accounts, events


@pytest.fixture
def tokens(session, make_user, make_event):
    event = make_event(n=2, wards=2)
    ward = next(p for p in event.bridge_points if p.kind == "ward")
    users = {"operator": make_user("operator"), "viewer": make_user("viewer"),
             "site_tech": make_user("site_tech", bridge_point_id=ward.id)}
    out = {role: accounts.issue_token(session, user, "test") for role, user in users.items()}
    session.commit()
    return event, out


def call(app, method, path, token, body=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return app.test_client().open(path, method=method, json=body, headers=headers)


def count(session, model) -> int:
    session.expire_all()
    return session.execute(select(func.count()).select_from(model)).scalar()


def test_create_then_patch_an_event_read_in_its_time_zone(app, session, tokens):
    _, token = tokens
    response = call(app, "POST", "/api/v1/events", token["operator"],
                    {"title": "Lễ trao Huy hiệu Đảng đợt 7/11", "organiser": "Đảng ủy phường Kiến An",
                     "date": "2023-11-06", "start": "14:00", "venue": "Hội trường phường"})
    assert response.status_code == 201
    body = response.json["event"]
    assert body["slug"] == "le-trao-huy-hieu-dang-dot-7-11"
    assert (body["date"], body["start"], body["timezone"], body["language"]) == ("2023-11-06", "14:00",
                                                                               "Asia/Ho_Chi_Minh", "vi")
    assert body["starts_at"] == 1699254000000          # 07:00 UTC
    response = call(app, "PATCH", f"/api/v1/events/{body['slug']}", token["operator"],
                    {"start": "08:30", "plan_number": "Số 12-KH/ĐU"})
    assert response.status_code == 200
    assert (response.json["event"]["date"], response.json["event"]["start"]) == ("2023-11-06", "08:30")
    assert response.json["event"]["plan_number"] == "Số 12-KH/ĐU"
    listed = call(app, "GET", "/api/v1/events", token["operator"]).json["events"]
    assert {e["slug"] for e in listed} >= {body["slug"], tokens[0].slug}


@pytest.mark.parametrize("body, status, words", [
    ({"title": ""}, 400, "Hãy nhập tên hội nghị"),
    ({"title": "X", "timezone": "Mars/Olympus"}, 400, "Múi giờ “Mars/Olympus” không có"),
    ({"title": "X", "date": "19.5.2023"}, 400, "không đọc được"),
    ({"title": "X", "colour": "đỏ"}, 400, "Trường không có: colour"),
    ({"title": {"nested": [1, 2, {"deep": True}]}}, 400, "phải là văn bản"),
    ({"title": "X", "slug": "Có Dấu"}, 400, "không hợp lệ"),
    (["title"], 400, "đối tượng JSON"),
])
def test_a_bad_event_body_is_refused_with_what_to_fix_and_makes_nothing(app, session, tokens, body, status, words):
    _, token = tokens
    before = count(session, Event)
    response = call(app, "POST", "/api/v1/events", token["operator"], body)
    assert response.status_code == status
    assert response.json["ok"] is False and response.json["error"]["code"] == "invalid"
    assert words in response.json["error"]["message"]
    assert count(session, Event) == before


def test_roles_viewer_reads_only_and_a_point_account_sees_only_its_event(app, session, tokens):
    event, token = tokens
    other = events.create(session, {"title": "Hội nghị khác", "slug": "hoi-nghi-khac"}, "test")
    session.commit()
    for method, path, body in (("POST", "/api/v1/events", {"title": "X"}),
                               ("PATCH", f"/api/v1/events/{event.slug}", {"title": "Y"}),
                               ("POST", f"/api/v1/events/{event.slug}/points", {"name": "Phường Z"})):
        response = call(app, method, path, token["viewer"], body)
        assert response.status_code == 403 and response.json["error"]["code"] == "forbidden", path
    assert call(app, "GET", f"/api/v1/events/{event.slug}/points", token["viewer"]).status_code == 200
    seen = {e["slug"] for e in call(app, "GET", "/api/v1/events", token["site_tech"]).json["events"]}
    assert seen == {event.slug}
    for path in (f"/api/v1/events/{other.slug}", f"/api/v1/events/{other.slug}/points",
                 f"/api/v1/events/{other.slug}/state"):
        response = call(app, "GET", path, token["site_tech"])
        assert response.status_code == 404 and response.json["error"]["code"] == "not_found", path
    response = call(app, "GET", "/api/v1/events", None)
    assert response.status_code == 401 and response.json["error"]["code"] == "unauthorised"
    session.expire_all()
    assert session.get(Event, event.id).title == "Hội nghị thử 1"


def test_points_are_added_listed_and_refused_with_reasons(app, session, tokens):
    event, token = tokens
    path = f"/api/v1/events/{event.slug}/points"
    response = call(app, "POST", path, token["operator"], {"name": "Đảng ủy phường Phú Hữu", "short_name": "Phú Hữu"})
    assert response.status_code == 201
    assert response.json["bridge_point"] | {"id": 0} == {"id": 0, "code": "phu-huu", "name": "Đảng ủy phường Phú Hữu",
                                                         "short_name": "Phú Hữu", "kind": "ward"}
    before = count(session, BridgePoint)
    for body, words in (({"name": "Hội trường 2", "kind": "main"}, "đã có điểm cầu chính"),
                        ({"name": "Phú Hữu 2", "code": "phu-huu"}, "đã có"),
                        ({"name": "X", "kind": "tỉnh"}, "Cấp điểm cầu “tỉnh” không có"),
                        ({"name": ""}, "Hãy nhập tên điểm cầu"),
                        ({"name": "X", "seats": 40}, "Trường không có: seats")):
        response = call(app, "POST", path, token["operator"], body)
        assert response.status_code == 400 and words in response.json["error"]["message"], body
    assert count(session, BridgePoint) == before
    listed = call(app, "GET", path, token["operator"]).json["bridge_points"]
    assert [p["code"] for p in listed] == ["hoi-truong", "phuong-1", "phuong-2", "phu-huu"]


def test_an_archived_event_is_refused_in_json(app, session, tokens):
    event, token = tokens
    events.archive(session, event, "test")
    session.commit()
    for method, path, body in (("PATCH", f"/api/v1/events/{event.slug}", {"title": "Y"}),
                               ("POST", f"/api/v1/events/{event.slug}/points", {"name": "Phường Z"})):
        response = call(app, method, path, token["operator"], body)
        assert response.status_code == 403 and response.json["error"]["code"] == "archived", path
    assert call(app, "GET", f"/api/v1/events/{event.slug}", token["operator"]).json["event"]["archived"] is True
