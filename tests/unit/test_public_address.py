"""The public address: checked when set, stored for every worker, printed in every link and QR code
whatever address the operator's browser used, and warned about while no phone could open it."""
from __future__ import annotations

import pytest

from server.services import invitation_tokens, public_address
from server.services.errors import Invalid
from tests.unit.test_authorisation import login
from tests.unit.test_web_events import csrf_of


@pytest.mark.parametrize("url, stored", [
    ("http://192.168.1.10:5000", "http://192.168.1.10:5000"),
    ("  https://diemcau.quan9.gov.vn/  ", "https://diemcau.quan9.gov.vn"),
    ("http://[fd00::10]:8080/diemcau/", "http://[fd00::10]:8080/diemcau"),
])
def test_good_addresses_are_kept_as_written_without_a_trailing_slash(url, stored):
    assert public_address.clean(url) == stored


@pytest.mark.parametrize("url", ["192.168.1.10:5000", "ftp://diemcau.vn", "http://", "http://may chu:5000",
                                 "http://diemcau.vn:99999", "http://diemcau.vn/?a=1", "https://user@diemcau.vn",
                                 "http://diemcau.vn/#x", "javascript:alert(1)"])
def test_bad_addresses_say_what_to_write(url):
    with pytest.raises(Invalid, match="http:// hoặc https://"):
        public_address.clean(url)


@pytest.mark.parametrize("url, loopback", [
    ("http://127.0.0.1:5000", True), ("http://localhost:5000", True), ("http://[::1]:5000", True),
    ("http://0.0.0.0:5000", True), ("http://127.0.1.1", True), ("http://app.localhost", True),
    ("http://192.168.1.10:5000", False), ("https://diemcau.quan9.gov.vn", False), ("http://10.0.0.5", False),
])
def test_loopback_addresses_are_told_apart(url, loopback):
    assert public_address.is_loopback(url) is loopback


def admin_client(app, make_user):
    client = app.test_client()
    login(client, make_user("admin").username)
    return client


def test_until_it_is_set_printing_pages_warn_and_links_use_the_request(app, session, make_user, make_event):
    event = make_event(n=1)
    client = admin_client(app, make_user)
    for page in ("desk", "control", "sheet", "delegates/", "devices"):
        html = client.get(f"/e/{event.slug}/{page}").get_data(as_text=True)
        assert "public-url-warning" in html and "http://localhost" in html, page
    assert "http://localhost/e/" in client.get(f"/e/{event.slug}/sheet").get_data(as_text=True)
    # Seen from another machine (the Host it used), nothing to warn about.
    html = client.get(f"/e/{event.slug}/desk", headers={"Host": "192.168.1.10:5000"}).get_data(as_text=True)
    assert "public-url-warning" not in html


def test_set_on_the_admin_page_it_is_in_every_printed_link(app, session, make_user, make_event):
    from server.services import delegates
    event = make_event(n=1)
    with app.app_context():                 # invitation codes are signed with the app's key
        person = delegates.add(session, event.id, {"full_name": "Nguyễn Văn An", "bridge_point_id":
                                                   event.bridge_points[0].id}, "test")
        invitation_tokens.issue(session, person)
        session.commit()
    client = admin_client(app, make_user)
    token = csrf_of(client, "/admin/")
    response = client.post("/admin/public-url", data={"public_url": "192.168.1.10:5000", "csrf": token},
                           follow_redirects=True)
    assert "không hợp lệ" in response.get_data(as_text=True) and public_address.configured(session) is None
    client.post("/admin/public-url", data={"public_url": "http://192.168.1.10:5000/", "csrf": token})
    session.expire_all()
    assert public_address.configured(session) == "http://192.168.1.10:5000"
    sheet = client.get(f"/e/{event.slug}/sheet").get_data(as_text=True)
    assert "http://192.168.1.10:5000/e/" in sheet and "http://localhost" not in sheet
    assert "public-url-warning" not in client.get(f"/e/{event.slug}/desk").get_data(as_text=True)
    # The delegate's page and the scanner enrolment carry it too.
    with app.app_context():
        code = invitation_tokens.token_for(invitation_tokens.current(session, person.id))
    preview = client.get(f"/e/{event.slug}/delegates/preview?delegate={person.id}")
    assert preview.status_code == 302 and preview.location.endswith(f"/i/{code}")
    enrol = client.post(f"/e/{event.slug}/devices", data={"csrf": token, "gate": "Cổng chính", "name": "Máy 1",
                                                          "bridge_point_id": event.bridge_points[0].id})
    assert enrol.status_code == 200 and "http://192.168.1.10:5000/enrol/" in enrol.get_data(as_text=True)
    # Cleared: back to the request's address, and the warning returns.
    client.post("/admin/public-url", data={"public_url": "", "csrf": token})
    assert "public-url-warning" in client.get(f"/e/{event.slug}/desk").get_data(as_text=True)


def test_only_an_admin_sets_it(app, session, make_user):
    client = app.test_client()
    login(client, make_user("operator").username)
    token = csrf_of(client, "/")
    assert client.post("/admin/public-url", data={"public_url": "http://10.0.0.1", "csrf": token}).status_code == 403
    assert public_address.configured(session) is None
