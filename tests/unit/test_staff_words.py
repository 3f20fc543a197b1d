"""Words staff know: role names instead of codes, zone names instead of zone codes, a favicon instead of
a 404 on every page, a button that says what it does."""
from __future__ import annotations

from datetime import datetime

from server.services import nominations
from tests.unit.test_authorisation import login


def test_the_admin_page_names_roles_as_people_say_them(app, make_user, make_event):
    event = make_event(n=1)
    make_user("site_tech", bridge_point_id=event.bridge_points[1].id)
    make_user("checkin", bridge_point_id=event.bridge_points[1].id)
    client = app.test_client()
    login(client, make_user("admin").username)
    html = client.get("/admin/").get_data(as_text=True)
    assert "Kỹ thuật điểm cầu" in html and "Đón tiếp (quét mã)" in html
    assert ">site_tech<" not in html and ">checkin<" not in html
    assert '<option value="site_tech">Kỹ thuật điểm cầu</option>' in html      # the form still sends the code


def test_the_nominations_deadline_names_the_zone_and_the_button_says_what_it_does(app, session, make_user,
                                                                                make_event):
    event = make_event(n=1)
    operator = make_user("operator")
    nominations.set_deadline(session, event.id, datetime(2027, 3, 8, 17, 0), operator)
    session.commit()
    client = app.test_client()
    login(client, operator.username)
    html = client.get(f"/e/{event.slug}/nominations/").get_data(as_text=True)
    shown = html.split("<script>window.DC_EVENT")[0]            # the scripts get the zone's code, people do not
    assert "Giờ Việt Nam" in shown and "Asia/Ho_Chi_Minh" not in shown
    assert "Ngừng nhận đề nghị" in html and "Bỏ hạn cuối" not in html


def test_the_favicon_is_served(app):
    response = app.test_client().get("/favicon.ico")
    assert response.status_code == 200 and response.data[:4] == b"\x00\x00\x01\x00"      # an ICO file
