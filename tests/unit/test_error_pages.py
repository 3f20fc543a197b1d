"""Refusals before any view answers read as the product does: Vietnamese (English if chosen), with
what to do; JSON for the HTTP API."""
from __future__ import annotations

import io

from tests.unit.test_authorisation import login


def test_unknown_pages_and_refused_rights_say_so_in_vietnamese(app, make_user, make_event):
    event = make_event(n=1)
    client = app.test_client()
    login(client, make_user("viewer").username)
    page = client.get("/khong-co-trang-nay")
    assert page.status_code == 404 and "Không tìm thấy" in page.get_data(as_text=True)
    assert "Not Found" not in page.get_data(as_text=True)
    page = client.get(f"/e/{event.slug}/desk")
    assert page.status_code == 403 and "Tài khoản của bạn không được mở trang này" in page.get_data(as_text=True)
    client.get("/lang/en")
    assert "Not found" in client.get("/khong-co-trang-nay").get_data(as_text=True)


def test_a_form_sent_after_the_session_ended_keeps_its_own_reason(app, make_user):
    client = app.test_client()
    page = client.post("/logout", data={"csrf": "het-han"})
    assert page.status_code == 400 and "Phiên làm việc đã hết hạn" in page.get_data(as_text=True)


def test_a_file_over_the_limit_names_the_limit(app, make_user, make_event):
    event = make_event(n=1)
    client = app.test_client()
    login(client, make_user("operator").username)
    big = io.BytesIO(b"x" * (9 * 1024 * 1024))
    page = client.post(f"/e/{event.slug}/delegates/import", data={"file": (big, "dai-bieu.csv")},
                       content_type="multipart/form-data")
    assert page.status_code == 413
    text = page.get_data(as_text=True)
    assert "Tệp quá lớn" in text and "8 MB" in text


def test_the_api_answers_refusals_in_json(app):
    response = app.test_client().get("/api/v1/khong-co")
    assert response.status_code == 404 and response.json["ok"] is False
    assert response.json["error"]["code"] == "not_found"
