"""Check-in in the browser and over the socket: device enrolment by link, the delegate's own invitation
page and its QR, who may open which page, and who may scan where."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from server.extensions import socketio
from server.models import Scan, utcnow
from server.services import accounts, delegates, invitation_tokens as tokens, scanner_devices
from server.web.context import DEVICE_COOKIE
from tests.unit.test_authorisation import login

ROLES = ["admin", "operator", "mc", "checkin", "scanner", "site_tech", "viewer"]
PAGES = {  # page -> roles that may open it
    "delegates/": {"admin", "operator"},
    "devices": {"admin", "operator"},
    "attendance": {"admin", "operator", "mc", "checkin"},
    "scan": {"admin", "operator", "checkin", "scanner"},
    "scan?point=phuong-1": {"admin", "operator", "checkin", "scanner"},
    "scan?point=phuong-2": {"admin", "operator"},        # door staff and devices of phường 1 only scan there
}


class World:
    pass


@pytest.fixture
def world(app, session, make_event, make_user):
    w = World()
    w.app, w.session = app, session
    w.event = make_event(n=2)
    w.main, w.p1, w.p2, w.p3 = w.event.bridge_points
    w.users = {role: make_user(role, bridge_point_id=w.p1.id if role in accounts.POINT_ROLES else None)
               for role in ROLES}
    w.users["checkin_other"] = make_user("checkin", bridge_point_id=w.p2.id)
    with app.app_context():
        w.an = delegates.add(session, w.event.id, {
            "full_name": "Nguyễn Văn Ân", "position_title": "Bí thư Chi bộ", "organisation": "Khu phố 4",
            "bridge_point_id": w.p1.id, "seat_zone": "B", "seat_row": "3", "seat_number": "12"}, "test")
        w.token = tokens.token_for(tokens.issue(session, w.an))
    session.commit()
    return w


def new_device(w, point=None, gate="Cổng A"):
    with w.app.app_context():
        device, code = scanner_devices.create(w.session, w.event.id, (point or w.p1).id, gate, "Điện thoại cổng A", "t")
    w.session.commit()
    return device, code


def revoke_device(w, device):
    """As the devices page does it, in a session that sees what the enrolment request wrote."""
    w.session.expire_all()
    with w.app.app_context():
        scanner_devices.revoke(w.session, w.event.id, device.id)


# --- device enrolment -------------------------------------------------------------------------------


def test_enrolment_link_sets_an_http_only_device_cookie_and_opens_the_scanner(world):
    w = world
    device, code = new_device(w, gate="Cổng phụ")
    client = w.app.test_client()
    response = client.get(f"/enrol/{code}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/e/{w.event.slug}/scan")
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(DEVICE_COOKIE + "=")]
    assert len(cookies) == 1
    attributes = [a.strip().lower() for a in cookies[0].split(";")]
    assert "httponly" in attributes and "samesite=lax" in attributes and "path=/" in attributes
    token = cookies[0].split(";")[0].split("=", 1)[1]
    user = accounts.token_row(w.session, token).user
    assert user.role == "scanner" and user.bridge_point_id == w.p1.id

    page = client.get(f"/e/{w.event.slug}/scan")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "P. 1" in html and "Cổng phụ" in html and token not in html     # the page never sees the token
    for refused in ("devices", "delegates/", "attendance", "scan?point=phuong-2"):
        assert client.get(f"/e/{w.event.slug}/{refused}").status_code == 403, refused
    assert client.post(f"/e/{w.event.slug}/devices", data={"name": "x"}).status_code in (400, 403)

    assert w.app.test_client().get(f"/enrol/{code}").status_code == 404      # a second phone, same link


def test_a_revoked_device_is_sent_to_the_login_page(world):
    w = world
    device, code = new_device(w)
    client = w.app.test_client()
    client.get(f"/enrol/{code}")
    assert client.get(f"/e/{w.event.slug}/scan").status_code == 200
    revoke_device(w, device)
    response = client.get(f"/e/{w.event.slug}/scan")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("code", ["khong-co-ma-nay", "x" * 300, "%00"])
def test_a_bad_enrolment_code_answers_404_in_vietnamese(world, code):
    response = world.app.test_client().get(f"/enrol/{code}")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Không đăng ký được máy quét" in html and "không đúng hoặc đã được dùng" in html
    assert not [c for c in response.headers.getlist("Set-Cookie") if c.startswith(DEVICE_COOKIE)]


def test_an_expired_enrolment_code_says_so(world):
    w = world
    device, code = new_device(w)
    device.enrolment_expires_at = utcnow() - timedelta(minutes=1)
    w.session.commit()
    response = w.app.test_client().get(f"/enrol/{code}")
    assert response.status_code == 400 and "15 phút" in response.get_data(as_text=True)
    assert not [c for c in response.headers.getlist("Set-Cookie") if c.startswith(DEVICE_COOKIE)]


def test_enrolment_through_the_devices_page(world):
    w = world
    client = w.app.test_client()
    login(client, w.users["operator"].username)
    csrf = client.get(f"/e/{w.event.slug}/devices").get_data(as_text=True).split('name="csrf" value="')[1].split('"')[0]
    page = client.post(f"/e/{w.event.slug}/devices", data={"csrf": csrf, "bridge_point_id": str(w.p2.id),
                                                           "gate": "Cổng B", "name": "Máy cổng B"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    code = html.split("/enrol/")[1].split('"')[0].split("<")[0]
    phone = w.app.test_client()
    assert phone.get(f"/enrol/{code}").status_code == 302
    assert "Cổng B" in phone.get(f"/e/{w.event.slug}/scan").get_data(as_text=True)
    assert client.post(f"/e/{w.event.slug}/devices", data={"bridge_point_id": str(w.p2.id),
                                                           "name": "Không csrf"}).status_code == 400


# --- the delegate's invitation page -----------------------------------------------------------------


def test_the_invitation_page_shows_the_delegate_and_their_seat(world):
    w = world
    response = w.app.test_client().get(f"/i/{w.token}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Nguyễn Văn Ân" in html and "Khu B, Hàng 3, Ghế 12" in html and "Phường 1" in html
    assert w.app.test_client().get(f"/i/{w.token}/now").json["ok"] is True


def test_a_revoked_invitation_answers_410(world):
    w = world
    with w.app.app_context():
        tokens.revoke(w.session, w.an)
    w.session.commit()
    client = w.app.test_client()
    response = client.get(f"/i/{w.token}")
    html = response.get_data(as_text=True)
    assert response.status_code == 410 and "thu hồi" in html and "Nguyễn Văn Ân" not in html
    assert client.get(f"/i/{w.token}/qr.png").status_code == 410
    assert client.get(f"/i/{w.token}/now").status_code == 410


def test_a_replaced_invitation_answers_410_and_the_new_one_works(world):
    w = world
    with w.app.app_context():
        new = tokens.token_for(tokens.issue(w.session, w.an))
    w.session.commit()
    client = w.app.test_client()
    response = client.get(f"/i/{w.token}")
    assert response.status_code == 410 and "thay" in response.get_data(as_text=True)
    assert "Nguyễn Văn Ân" not in response.get_data(as_text=True)
    assert client.get(f"/i/{new}").status_code == 200


@pytest.mark.parametrize("change", ["forged", "signature", "event", "garbage", "long"])
def test_a_forged_or_tampered_invitation_answers_404(world, change):
    w = world
    prefix, event_id, nonce, signature = w.token.split(".")
    code = {"forged": f"DC1.{event_id}.{'A' * 22}.{'B' * 22}",
            "signature": f"DC1.{event_id}.{nonce}.{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}",
            "event": f"DC1.{int(event_id) + 1}.{nonce}.{signature}",
            "garbage": "khong-phai-thu-moi", "long": "DC1." + "9" * 400}[change]
    client = w.app.test_client()
    response = client.get(f"/i/{code}")
    assert response.status_code == 404 and "Mã thư mời không đúng" in response.get_data(as_text=True)
    assert client.get(f"/i/{code}/qr.png").status_code == 404


def test_the_invitation_qr_decodes_to_the_invitation_url(world):
    zxingcpp = pytest.importorskip("zxingcpp")
    response = world.app.test_client().get(f"/i/{world.token}/qr.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.data[:8] == b"\x89PNG\r\n\x1a\n"
    image = Image.open(io.BytesIO(response.data)).convert("L")
    found = zxingcpp.read_barcodes(image)
    assert [r.text for r in found] == [f"http://localhost/i/{world.token}"]
    assert tokens.extract(found[0].text).group(1) == world.token


# --- pages by role ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES + ["checkin_other"])
def test_checkin_pages_by_role(world, role):
    w = world
    client = w.app.test_client()
    assert login(client, w.users[role].username).status_code == 302
    allowed_as = "checkin" if role == "checkin_other" else role
    for page, allowed in PAGES.items():
        if role == "checkin_other" and page.startswith("scan?point="):     # at phường 2, not phường 1
            allowed = {"checkin"} if page.endswith("phuong-2") else set()
        status = client.get(f"/e/{w.event.slug}/{page}").status_code
        assert status == (200 if allowed_as in allowed else 403), (page, status)


def test_checkin_pages_send_anonymous_people_to_login(world):
    client = world.app.test_client()
    for page in PAGES:
        response = client.get(f"/e/{world.event.slug}/{page}")
        assert response.status_code == 302 and "/login" in response.headers["Location"], page


# --- socket events ----------------------------------------------------------------------------------


def connect(w, role):
    token = accounts.issue_token(w.session, w.users[role], "test")
    w.session.commit()
    client = socketio.test_client(w.app, auth={"token": token, "event": w.event.slug})
    assert client.is_connected()
    return client


def calls(w, point_id, scan_id="sock-0001"):
    return {
        "scanner": {"bridge_point_id": point_id},
        "scan": {"bridge_point_id": point_id, "scan": {"scan_id": scan_id, "code": w.token}},
        "scan_batch": {"bridge_point_id": point_id, "scans": [{"scan_id": scan_id, "code": w.token}]},
        "find_delegate": {"bridge_point_id": point_id, "q": "van an"},
        "walk_in": {"bridge_point_id": point_id, "scan_id": scan_id + "w", "delegate": {"full_name": "Khách Mới"}},
    }


def emit(client, name, payload):
    return client.emit("scan" if name == "scan_batch" else name, payload, callback=True)


@pytest.mark.parametrize("role", ["viewer", "mc", "site_tech"])
def test_socket_check_in_events_are_refused_to_people_without_the_right(world, role):
    w = world
    client = connect(w, role)
    for point_id in (w.p1.id, None):
        for name, payload in calls(w, point_id).items():
            ack = emit(client, name, payload)
            assert ack["ok"] is False and ack["error"]["code"] == "forbidden", (name, point_id, ack)
    ack = client.emit("attendance", {}, callback=True)
    assert ack["ok"] is (role == "mc"), ack                      # the MC introduces the guests who came
    if role != "mc":
        assert ack["error"]["code"] == "forbidden"
    client.disconnect()
    w.session.expire_all()
    with w.app.app_context():
        assert tokens.read(w.session, w.event.id, w.token).verdict == "ok"
    assert not w.session.execute(select(Scan.id)).first()                  # nothing was scanned


def test_door_staff_act_only_for_their_own_point_over_the_socket(world):
    w = world
    client = connect(w, "checkin_other")          # door staff of phường 2, acting for phường 1
    for name, payload in calls(w, w.p1.id).items():
        ack = emit(client, name, payload)
        assert ack["ok"] is False and ack["error"]["code"] == "forbidden", (name, ack)
    client.disconnect()
    own = connect(w, "checkin")                    # door staff of phường 1 at phường 1
    ack = own.emit("scanner", {}, callback=True)
    assert ack["ok"] and ack["station"]["bridge_point_id"] == w.p1.id and ack["can_walk_in"] is True
    hashes = {r["h"] for r in ack["roster"]}
    assert tokens.token_hash(w.token) in hashes and w.token not in str(ack)
    ack = own.emit("scan", calls(w, w.p1.id)["scan"], callback=True)
    assert ack["ok"] and ack["result"]["verdict"] == "welcome"
    ack = own.emit("attendance", {}, callback=True)
    assert ack["ok"] and ack["summary"]["arrived"]
    own.disconnect()


def test_a_device_scans_at_its_own_point_whatever_it_asks_over_the_socket(world):
    w = world
    device, code = new_device(w, point=w.p1, gate="Cổng A")
    browser = w.app.test_client()
    browser.get(f"/enrol/{code}")
    client = socketio.test_client(w.app, flask_test_client=browser, auth={"event": w.event.slug})
    assert client.is_connected()
    ack = client.emit("scanner", {"bridge_point_id": w.p2.id, "gate": "Cổng giả"}, callback=True)
    assert ack["ok"] and (ack["station"]["bridge_point_id"], ack["station"]["gate"]) == (w.p1.id, "Cổng A")
    assert ack["can_walk_in"] is False
    ack = client.emit("walk_in", calls(w, w.p1.id)["walk_in"], callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "forbidden"
    assert client.emit("attendance", {}, callback=True)["error"]["code"] == "forbidden"
    ack = client.emit("scan", calls(w, w.p2.id)["scan"], callback=True)
    assert ack["ok"] and ack["result"]["verdict"] == "welcome"
    assert ack["result"]["check_in"]["bridge_point"] == "P. 1"
    revoke_device(w, device)
    ack = client.emit("scan", calls(w, w.p1.id, "sock-0002")["scan"], callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "unauthorised"
    client.disconnect()


def test_the_attendance_dashboard_hears_each_arrival(world):
    w = world
    dashboard = connect(w, "mc")
    assert dashboard.emit("attendance", {}, callback=True)["ok"]
    dashboard.get_received()
    door = connect(w, "checkin")
    assert door.emit("scan", calls(w, w.p1.id)["scan"], callback=True)["result"]["verdict"] == "welcome"
    assert door.emit("scan", calls(w, w.p1.id)["scan"], callback=True)["result"]["replayed"] is True
    arrivals = [m["args"][0] for m in dashboard.get_received() if m["name"] == "arrival"]
    assert len(arrivals) == 1                       # the replay is not a second arrival
    assert arrivals[0]["result"]["delegate"]["full_name"] == "Nguyễn Văn Ân"
    assert arrivals[0]["arrived"] == {f"{w.p1.id}|delegate": 1}
    door.disconnect()
    dashboard.disconnect()


def test_the_control_room_hears_each_arrival_as_its_points_count(world):
    w = world
    for role in ("mc", "checkin", "site_tech"):             # the counts are for the control room only
        other = connect(w, role)
        assert other.emit("point_attendance", {}, callback=True)["error"]["code"] == "forbidden"
        other.disconnect()
    control = connect(w, "operator")
    ack = control.emit("point_attendance", {}, callback=True)
    assert ack["ok"] and ack["points"] == {str(w.p1.id): [0, 1]}
    control.get_received()
    door = connect(w, "checkin")
    assert door.emit("scan", calls(w, w.p1.id)["scan"], callback=True)["result"]["verdict"] == "welcome"
    assert door.emit("scan", calls(w, w.p1.id)["scan"], callback=True)["result"]["replayed"] is True
    heard = [m["args"][0] for m in control.get_received() if m["name"] == "point_attendance"]
    assert len(heard) == 1                                   # the replay changes no count
    assert heard[0]["points"] == {str(w.p1.id): [1, 1]}      # only the point that changed
    assert heard[0]["server_time"] >= ack["server_time"]
    door.disconnect()
    control.disconnect()
