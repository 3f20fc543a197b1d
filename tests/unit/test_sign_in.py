"""Signing in against an attacker: wrong passwords lock the account (the right one included) and the
address, an admin lifts a lock, unknown names cost what known ones do, and a logout ends every session
of the account, a copied cookie and an open socket included."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from server.extensions import socketio
from server.models import SignInFailure
from server.services import accounts, sign_in
from tests.unit.test_web_events import csrf_of


def try_password(client, username, password, address="10.1.1.1"):
    token = csrf_of(client, "/login")
    return client.post("/login", data={"username": username, "password": password, "csrf": token},
                       environ_base={"REMOTE_ADDR": address})


def test_five_wrong_passwords_lock_the_account_until_an_admin_lifts_it(app, session, make_user):
    user = make_user("operator")
    client = app.test_client()
    for _ in range(sign_in.ACCOUNT_LIMIT):
        assert try_password(client, user.username, "sai-mat-khau").status_code == 401
    response = try_password(client, user.username, "mat-khau-thu")           # the right one, too late
    assert response.status_code == 429
    assert "tạm khóa đăng nhập vì nhập sai mật khẩu 5 lần" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302                                   # not signed in
    admin = app.test_client()
    assert try_password(admin, make_user("admin", "quantri").username, "mat-khau-thu", "10.9.9.9").status_code == 302
    page = admin.get("/admin/").get_data(as_text=True)
    assert user.username in page.split('id="locks"')[1].split("</section>")[0]
    admin.post("/admin/unlock", data={"username": user.username, "csrf": csrf_of(admin, "/admin/")})
    assert try_password(client, user.username, "mat-khau-thu").status_code == 302


def test_a_lock_passes_with_its_window(app, session, make_user):
    user = make_user("operator")
    client = app.test_client()
    for _ in range(sign_in.ACCOUNT_LIMIT):
        try_password(client, user.username, "sai")
    for failure in session.execute(select(SignInFailure)).scalars():        # 15 minutes and a second ago
        failure.at -= sign_in.WINDOW + timedelta(seconds=1)
    session.commit()
    assert try_password(client, user.username, "mat-khau-thu").status_code == 302


def test_one_address_guessing_many_names_is_stopped(app, session, make_user):
    user = make_user("operator")
    client = app.test_client()
    for n in range(sign_in.ADDRESS_LIMIT):
        assert try_password(client, f"doan-ten-{n}", "x", "10.6.6.6").status_code == 401
    response = try_password(client, user.username, "mat-khau-thu", "10.6.6.6")
    assert response.status_code == 429 and "Máy này đã nhập sai quá nhiều lần" in response.get_data(as_text=True)
    assert try_password(app.test_client(), user.username, "mat-khau-thu", "10.7.7.7").status_code == 302


def test_an_unknown_name_costs_the_same_hash_as_a_known_one(session, make_user, monkeypatch):
    user = make_user("operator")
    checked = []
    real = accounts.check_password_hash
    monkeypatch.setattr(accounts, "check_password_hash", lambda h, p: checked.append(h.split("$")[0]) or real(h, p))
    assert accounts.authenticate(session, user.username, "sai") is None
    assert accounts.authenticate(session, "khong-co-ai", "sai") is None
    assert len(checked) == 2 and checked[0] == checked[1]          # one hash each, of the same kind


def test_a_logout_ends_every_session_a_copied_cookie_and_an_open_socket(app, session, make_user, make_event):
    event = make_event(n=3)
    user = make_user("operator")
    laptop, phone = app.test_client(), app.test_client()
    for client in (laptop, phone):
        assert try_password(client, user.username, "mat-khau-thu").status_code == 302
    copied = laptop.get_cookie("session").value                                # what a thief took
    socket = socketio.test_client(app, flask_test_client=phone, auth={"event": event.slug})
    assert socket.is_connected()
    laptop.post("/logout", data={"csrf": csrf_of(laptop, "/")})
    assert phone.get(f"/e/{event.slug}/desk").status_code == 302            # the phone is signed out too
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get(f"/e/{event.slug}/desk").status_code == 302
    ack = socket.emit("command", {"action": "go", "expected_rev": 0}, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "unauthorised"
    assert try_password(phone, user.username, "mat-khau-thu").status_code == 302   # signing in again works


def test_an_admin_signs_an_account_out_everywhere(app, session, make_user):
    user = make_user("operator")
    phone = app.test_client()
    try_password(phone, user.username, "mat-khau-thu")
    assert phone.get("/").status_code == 200
    admin = app.test_client()
    try_password(admin, make_user("admin").username, "mat-khau-thu", "10.2.2.2")
    admin.post(f"/admin/users/{user.id}/sign-out", data={"csrf": csrf_of(admin, "/admin/")})
    assert phone.get("/").status_code == 302
