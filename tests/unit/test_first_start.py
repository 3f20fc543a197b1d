"""A blank install: no account, no event. The first admin is made on the setup page with the code the
server prints; the index then leads to a new event and its checklist."""
from __future__ import annotations

from sqlalchemy import func, select

from server.models import CHECKS, Delegate, User, utcnow
from server.services import accounts, bridge_points, day_accounts, events, preparation, tech_checks
from tests.unit.test_web_events import csrf_of


def user_count(session) -> int:
    session.expire_all()
    return session.execute(select(func.count()).select_from(User)).scalar()


def test_a_blank_install_sends_everyone_to_the_setup_page(app):
    client = app.test_client()
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.location
    response = client.get(response.location)
    assert response.status_code == 302 and response.location.endswith("/setup")
    page = client.get("/setup").get_data(as_text=True)
    assert "Cài đặt lần đầu" in page and "diemcau create-user" in page


def test_the_setup_code_is_needed_and_a_wrong_one_makes_nothing(app, session, settings):
    client = app.test_client()
    for code in ("", "AAAA-BBBB-CCCC", accounts.setup_code("another instance's key")):
        response = client.post("/setup", data={"code": code, "username": "quantri", "password": "mat-khau-dai",
                                               "csrf": csrf_of(client, "/setup")})
        assert response.status_code == 400
        assert "Mã cài đặt không đúng" in response.get_data(as_text=True)
    assert user_count(session) == 0


def test_bad_names_and_short_passwords_are_refused_with_what_to_fix(app, session, settings):
    client = app.test_client()
    code = accounts.setup_code(settings.secret_key)
    for username, password, words in (("quản trị", "mat-khau-dai", "Tên đăng nhập chỉ gồm"),
                                      ("ab", "mat-khau-dai", "Tên đăng nhập chỉ gồm"),
                                      ("quantri", "ngan", "ít nhất 8 ký tự")):
        response = client.post("/setup", data={"code": code, "username": username, "password": password,
                                               "csrf": csrf_of(client, "/setup")})
        assert response.status_code == 400 and words in response.get_data(as_text=True)
    assert user_count(session) == 0


def test_the_first_admin_is_signed_in_and_the_page_closes_behind_them(app, session, settings):
    client = app.test_client()
    code = accounts.setup_code(settings.secret_key).lower()          # typed in lower case: still right
    response = client.post("/setup", data={"code": code, "username": "quantri", "password": "mat-khau-dai",
                                           "csrf": csrf_of(client, "/setup")})
    assert response.status_code == 302 and response.location.endswith("/events/new")
    session.expire_all()
    admin = session.execute(select(User)).scalar_one()
    assert (admin.username, admin.role) == ("quantri", "admin")
    index = client.get("/").get_data(as_text=True)
    assert "Chưa có hội nghị nào" in index and "/events/new" in index
    # The page is gone for everyone once an account exists; a second try makes nothing.
    other = app.test_client()
    assert other.get("/setup").location.endswith("/login")
    token = csrf_of(other, "/login")
    response = other.post("/setup", data={"code": code, "username": "ke-la", "password": "mat-khau-dai",
                                          "csrf": token})
    assert response.status_code == 302 and user_count(session) == 1


def test_a_viewer_with_no_event_is_told_to_ask_the_organisers(app, make_user):
    from tests.unit.test_authorisation import login
    client = app.test_client()
    login(client, make_user("viewer").username)
    page = client.get("/").get_data(as_text=True)
    assert "Hãy hỏi ban tổ chức" in page and "/events/new" not in page


def steps(session, event) -> dict[str, bool]:
    session.expire_all()
    return {s.key: s.done for s in preparation.checklist(session, event)}


def test_the_checklist_follows_the_preparation_step_by_step(app, session, make_event):
    event = events.create(session, {"title": "Lễ trao Huy hiệu Đảng"}, "test")
    session.commit()
    assert steps(session, event) == {"details": False, "programme": False, "points": False, "accounts": False,
                                     "delegates": False, "invitations": False, "checks": False}
    events.update(session, event, {"date": "2027-05-19", "start": "08:00"})
    hall = bridge_points.add(session, event, {"name": "Hội trường Quận ủy", "kind": "main"})
    ward = bridge_points.add(session, event, {"name": "Phường Long Bình"})
    session.commit()
    assert steps(session, event)["details"] and steps(session, event)["points"]
    with app.test_request_context():
        day_accounts.issue_all(session, event, "test", points=[hall])
    assert not steps(session, event)["accounts"]                # the ward has no one yet
    with app.test_request_context():
        day_accounts.issue_all(session, event, "test", points=[ward])
    assert steps(session, event)["accounts"]
    for check in CHECKS:
        tech_checks.mark(session, event.id, "kt", {"check": check, "status": "pass"}, hall)
    assert not steps(session, event)["checks"]
    for check in CHECKS:
        tech_checks.mark(session, event.id, "kt", {"check": check, "status": "pass"}, ward)
    assert steps(session, event)["checks"]
    session.add(Delegate(event_id=event.id, full_name="Nguyễn Văn An", name_key="nguyen van an",
                         bridge_point_id=hall.id, created_at=utcnow()))
    session.commit()
    assert steps(session, event)["delegates"]


def test_the_checklist_page_links_each_step_to_its_page(app, session, make_user):
    from tests.unit.test_authorisation import login
    event = events.create(session, {"title": "Hội nghị tháng 6", "slug": "hn-thang-6"}, "test")
    session.commit()
    client = app.test_client()
    login(client, make_user("operator").username)
    html = client.get("/e/hn-thang-6/prepare").get_data(as_text=True)
    assert "Còn 7 việc trước ngày hội nghị" in html
    for path in ("/e/hn-thang-6/settings", "/e/hn-thang-6/programme/", "/e/hn-thang-6/points",
                 "/e/hn-thang-6/sheet", "/e/hn-thang-6/delegates/", "/e/hn-thang-6/control"):
        assert f'href="{path}"' in html, path
    assert event.slug in client.get("/").get_data(as_text=True)
