"""The event pages and the bridge-point list: every form goes through its service, every refusal is
shown and changes nothing."""
from __future__ import annotations

import io
from datetime import datetime, timezone

from sqlalchemy import select

from server.models import BridgePoint, Event, ProgrammeItem, ShowState, User, utcnow
from tests.unit.test_authorisation import login

FIELDS = {"title": "", "slug": "", "organiser": "", "plan_number": "", "plan_date": "", "venue": "", "date": "",
          "start": "", "timezone": "Asia/Ho_Chi_Minh", "language": "vi", "issuing_body": "", "document_number": "",
          "place_name": "", "banner": ""}


def csrf_of(client, url):
    return client.get(url).get_data(as_text=True).split('name="csrf" value="')[1].split('"')[0]


def organiser(app, make_user, role="operator"):
    client = app.test_client()
    login(client, make_user(role).username)
    return client


def find_event(session, slug):
    session.expire_all()
    return session.execute(select(Event).where(Event.slug == slug)).scalar_one_or_none()


def event_count(session):
    session.expire_all()
    return len(session.execute(select(Event.id)).all())


# ---------------------------------------------------------------- create, edit

def test_create_folds_the_title_into_the_slug_and_reads_the_start_in_the_event_zone(app, session, make_user):
    client = organiser(app, make_user)
    page = client.get("/events/new").get_data(as_text=True)
    assert "Tạo hội nghị mới" in page and 'value="Asia/Ho_Chi_Minh"' in page
    form = FIELDS | {"title": "Lễ trao Huy hiệu Đảng đợt 19/5", "organiser": "Quận ủy Ninh Kiều",
                     "date": "2023-05-19", "start": "08:00", "banner": "QUẬN ỦY NINH KIỀU\nLỄ TRAO HUY HIỆU"}
    response = client.post("/events/new", data=form | {"csrf": csrf_of(client, "/events/new")})
    assert response.status_code == 302
    assert response.location.endswith("/e/le-trao-huy-hieu-dang-dot-19-5/prepare")     # what to do next
    event = find_event(session, "le-trao-huy-hieu-dang-dot-19-5")
    assert event.title == "Lễ trao Huy hiệu Đảng đợt 19/5"
    assert event.starts_at == datetime(2023, 5, 19, 1, 0, tzinfo=timezone.utc)     # 08:00 in Hồ Chí Minh
    assert event.banner == "QUẬN ỦY NINH KIỀU\nLỄ TRAO HUY HIỆU"
    assert session.execute(select(ShowState).where(ShowState.event_id == event.id)).scalar_one().status == "standby"
    page = client.get(response.location).get_data(as_text=True)
    assert "Đã tạo hội nghị “Lễ trao Huy hiệu Đảng đợt 19/5”" in page and "Chuẩn bị hội nghị" in page
    page = client.get("/e/le-trao-huy-hieu-dang-dot-19-5/settings").get_data(as_text=True)
    assert 'value="08:00"' in page and 'value="19/05/2023"' in page


def test_a_viewer_gets_403_and_creates_nothing(app, session, make_user, make_event):
    event = make_event(n=1)
    client = organiser(app, make_user, role="viewer")
    assert client.get("/events/new").status_code == 403
    assert client.get(f"/e/{event.slug}/settings").status_code == 403
    assert client.get(f"/e/{event.slug}/points").status_code == 403
    before = event_count(session)
    token = csrf_of(client, "/login")
    assert client.post("/events/new", data=FIELDS | {"title": "X", "csrf": token}).status_code == 403
    assert client.post(f"/e/{event.slug}/delete", data={"csrf": token, "confirm_slug": event.slug}).status_code == 403
    assert event_count(session) == before and find_event(session, event.slug) is not None


def test_a_bad_time_zone_is_shown_and_creates_nothing(app, session, make_user):
    client = organiser(app, make_user)
    before = event_count(session)
    response = client.post("/events/new", data=FIELDS | {"title": "Hội nghị tháng 6", "date": "2023-06-19",
                                                         "timezone": "Châu Á/Hà Nội",
                                                         "csrf": csrf_of(client, "/events/new")})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Múi giờ “Châu Á/Hà Nội” không có" in html
    assert 'value="Hội nghị tháng 6"' in html            # what was typed is kept
    assert event_count(session) == before


def test_edit_the_settings(app, session, make_user, make_event):
    event = make_event(n=1)
    client = organiser(app, make_user, role="admin")
    url = f"/e/{event.slug}/settings"
    form = FIELDS | {"title": "Hội nghị sơ kết", "slug": event.slug, "venue": "Hội trường Quận ủy",
                     "date": "2023-07-01", "start": "14:30", "timezone": "Asia/Bangkok", "language": "en"}
    response = client.post(url, data=form | {"csrf": csrf_of(client, url)}, follow_redirects=True)
    assert "Đã lưu thông tin hội nghị." in response.get_data(as_text=True)
    event = find_event(session, event.slug)
    assert (event.title, event.venue, event.timezone, event.language) == \
        ("Hội nghị sơ kết", "Hội trường Quận ủy", "Asia/Bangkok", "en")
    assert event.starts_at == datetime(2023, 7, 1, 7, 30, tzinfo=timezone.utc)
    response = client.post(url, data=form | {"title": "", "csrf": csrf_of(client, url)})
    assert "Hãy nhập tên hội nghị." in response.get_data(as_text=True)
    assert find_event(session, event.slug).title == "Hội nghị sơ kết"


# ---------------------------------------------------------------- duplicate, reset, archive, delete

def test_duplicate_keeps_points_and_programme(app, session, make_user, make_event):
    event = make_event(n=3, segment_at=1, local_items=2, wards=2)
    client = organiser(app, make_user)
    url = f"/e/{event.slug}/settings"
    response = client.post(f"/e/{event.slug}/duplicate", data={"csrf": csrf_of(client, url), "slug": "dot-thang-6",
                                                               "title": "Hội nghị đợt tháng 6", "date": "2023-06-19"})
    assert response.location.endswith("/e/dot-thang-6/settings")
    copy = find_event(session, "dot-thang-6")
    assert copy.title == "Hội nghị đợt tháng 6"
    assert [(p.code, p.name, p.kind) for p in copy.bridge_points] == \
        [(p.code, p.name, p.kind) for p in find_event(session, event.slug).bridge_points]
    items = session.execute(select(ProgrammeItem).where(ProgrammeItem.event_id == copy.id)
                            .order_by(ProgrammeItem.position)).scalars().all()
    assert [i.content for i in items] == ["Mục 1", "Mục 2", "Mục 3"]
    assert [li.content for li in items[1].local_items] == ["Phần riêng 1", "Phần riêng 2"]


def _running(session, event):
    state = session.execute(select(ShowState).where(ShowState.event_id == event.id)).scalar_one()
    state.status, state.cursor, state.show_started_at, state.item_started_at = "running", 2, utcnow(), utcnow()
    session.commit()


def _state(session, event):
    session.expire_all()
    state = session.execute(select(ShowState).where(ShowState.event_id == event.id)).scalar_one()
    return state.status, state.cursor, state.show_started_at


def test_reset_needs_the_checkbox_then_clears_the_show_state(app, session, make_user, make_event):
    event = make_event(n=3)
    _running(session, event)
    client = organiser(app, make_user)
    url = f"/e/{event.slug}/settings"
    page = client.get(url).get_data(as_text=True)
    assert "Giữ nguyên: chương trình, điểm cầu" in page
    response = client.post(f"/e/{event.slug}/reset", data={"csrf": csrf_of(client, url)}, follow_redirects=True)
    assert "Chưa đặt lại" in response.get_data(as_text=True)
    status, cursor, started = _state(session, event)
    assert (status, cursor) == ("running", 2) and started is not None
    response = client.post(f"/e/{event.slug}/reset", data={"csrf": csrf_of(client, url), "confirm": "on"},
                           follow_redirects=True)
    assert "Đã đặt lại hội nghị sau diễn tập" in response.get_data(as_text=True)
    assert _state(session, event) == ("standby", -1, None)
    assert len(session.execute(select(ProgrammeItem).where(ProgrammeItem.event_id == event.id)).all()) == 3


def test_archive_makes_the_event_read_only_but_readable(app, session, make_user, make_event):
    event = make_event(n=2)
    tech = make_user("site_tech", bridge_point_id=event.bridge_points[1].id)
    client = organiser(app, make_user)
    url = f"/e/{event.slug}/settings"
    client.post(f"/e/{event.slug}/archive", data={"csrf": csrf_of(client, url)})
    assert find_event(session, event.slug).archived_at is None              # no checkbox, not archived
    response = client.post(f"/e/{event.slug}/archive", data={"csrf": csrf_of(client, url), "confirm": "on"},
                           follow_redirects=True)
    assert "Đã lưu trữ hội nghị; 1 tài khoản tại điểm cầu đã bị khóa." in response.get_data(as_text=True)
    assert find_event(session, event.slug).archived_at is not None
    assert session.get(User, tech.id).active is False
    token = csrf_of(client, url)
    response = client.post(f"/e/{event.slug}/programme/add", data={"csrf": token, "content": "Bế mạc",
                                                                   "duration": "5"})
    assert response.status_code == 403
    assert len(session.execute(select(ProgrammeItem).where(ProgrammeItem.event_id == event.id)).all()) == 2
    assert client.get(f"/e/{event.slug}/programme/").status_code == 200
    assert client.get(f"/e/{event.slug}/points").status_code == 200
    page = client.get(url).get_data(as_text=True)
    assert "Hội nghị đã lưu trữ: chỉ xem và xuất báo cáo" in page and "<fieldset disabled>" in page
    response = client.post(url, data=FIELDS | {"title": "Đổi tên", "csrf": token})    # the service refuses
    assert "đã lưu trữ" in response.get_data(as_text=True)
    assert find_event(session, event.slug).title != "Đổi tên"


def test_delete_needs_the_typed_slug(app, session, make_user, make_event):
    event = make_event(n=2)
    client = organiser(app, make_user)
    url = f"/e/{event.slug}/settings"
    page = client.get(url).get_data(as_text=True)
    assert "Xóa hội nghị sẽ mất 2 mục chương trình, 4 điểm cầu" in page
    response = client.post(f"/e/{event.slug}/delete", data={"csrf": csrf_of(client, url), "confirm_slug": "nham"},
                           follow_redirects=True)
    assert f"Để xác nhận, nhập đúng mã hội nghị “{event.slug}”" in response.get_data(as_text=True)
    assert find_event(session, event.slug) is not None
    response = client.post(f"/e/{event.slug}/delete", data={"csrf": csrf_of(client, url), "confirm_slug": event.slug})
    assert response.status_code == 302 and response.location.endswith("/")
    assert find_event(session, event.slug) is None
    assert "Đã xóa hội nghị" in client.get("/").get_data(as_text=True)


# ---------------------------------------------------------------- bridge points

def _points(session, event):
    session.expire_all()
    return [(p.position, p.code, p.name, p.short_name, p.kind) for p in
            session.execute(select(BridgePoint).where(BridgePoint.event_id == event.id)
                            .order_by(BridgePoint.position)).scalars()]


def test_points_add_edit_move_and_remove(app, session, make_user, make_event):
    event = make_event(n=1, wards=2)
    client = organiser(app, make_user)
    url = f"/e/{event.slug}/points"
    page = client.get(url).get_data(as_text=True)
    assert f'href="/e/{event.slug}/site/phuong-1"' in page and f'href="/e/{event.slug}/console/phuong-1"' in page
    response = client.post(url + "/add", data={"csrf": csrf_of(client, url), "name": "Hội trường UBND phường Long Bình",
                                               "short_name": "P. Long Bình", "code": "", "kind": "ward"},
                           follow_redirects=True)
    assert "Đã thêm điểm cầu." in response.get_data(as_text=True)
    assert _points(session, event)[-1] == (3, "p-long-binh", "Hội trường UBND phường Long Bình", "P. Long Bình", "ward")
    new = session.execute(select(BridgePoint).where(BridgePoint.code == "p-long-binh")).scalar_one()
    client.post(url + "/update", data={"csrf": csrf_of(client, url), "point": new.id, "name": "Phường Long Bình",
                                       "short_name": "Long Bình", "kind": "commune"})
    assert _points(session, event)[-1] == (3, "p-long-binh", "Phường Long Bình", "Long Bình", "commune")
    client.post(url + "/move", data={"csrf": csrf_of(client, url), "point": new.id, "delta": "-1"})
    assert [code for _, code, *_ in _points(session, event)] == ["hoi-truong", "phuong-1", "p-long-binh", "phuong-2"]
    response = client.post(url + "/add", data={"csrf": csrf_of(client, url), "name": "Hội trường 2", "kind": "main"},
                           follow_redirects=True)
    assert "Hội nghị đã có điểm cầu chính" in response.get_data(as_text=True)
    assert len(_points(session, event)) == 4
    client.post(url + "/remove", data={"csrf": csrf_of(client, url), "point": new.id})
    assert [code for _, code, *_ in _points(session, event)] == ["hoi-truong", "phuong-1", "phuong-2"]
    assert [position for position, *_ in _points(session, event)] == [0, 1, 2]


def test_removing_a_point_with_a_bound_technician_is_refused(app, session, make_user, make_event):
    event = make_event(n=1, wards=2)
    point = event.bridge_points[1]
    make_user("site_tech", bridge_point_id=point.id)
    client = organiser(app, make_user)
    url = f"/e/{event.slug}/points"
    response = client.post(url + "/remove", data={"csrf": csrf_of(client, url), "point": point.id},
                           follow_redirects=True)
    assert "Không xóa được điểm cầu P. 1: đã có 1 tài khoản gắn với điểm này." in response.get_data(as_text=True)
    assert [code for _, code, *_ in _points(session, event)] == ["hoi-truong", "phuong-1", "phuong-2"]


def test_import_with_a_bad_line_adds_nothing_and_a_good_file_adds_all(app, session, make_user, make_event):
    event = make_event(n=1, wards=1)
    client = organiser(app, make_user)
    url = f"/e/{event.slug}/points"
    bad = "TT,Tên điểm cầu,Tên ngắn,Cấp\n1,Phường An Hòa,P. An Hòa,phường\n2,Tỉnh ủy,TU,tỉnh\n".encode()
    response = client.post(url + "/import", data={"csrf": csrf_of(client, url), "file": (io.BytesIO(bad), "dc.csv")},
                           content_type="multipart/form-data", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Không nhập được danh sách điểm cầu: 1 lỗi." in html
    assert "Dòng 3: Cấp điểm cầu “tỉnh” không có" in html
    assert len(_points(session, event)) == 2
    good = "TT,Tên điểm cầu,Tên ngắn,Cấp\n1,Phường An Hòa,P. An Hòa,phường\n2,Xã Mỹ Khánh,X. Mỹ Khánh,xã\n".encode()
    response = client.post(url + "/import", data={"csrf": csrf_of(client, url), "file": (io.BytesIO(good), "dc.csv")},
                           content_type="multipart/form-data", follow_redirects=True)
    assert "Đã nhập 2 điểm cầu từ dc.csv." in response.get_data(as_text=True)
    assert _points(session, event)[2:] == [(2, "p-an-hoa", "Phường An Hòa", "P. An Hòa", "ward"),
                                           (3, "x-my-khanh", "Xã Mỹ Khánh", "X. Mỹ Khánh", "commune")]


def test_the_index_links_the_event_pages_for_organisers_only(app, make_user, make_event):
    event = make_event(n=1)
    page = organiser(app, make_user).get("/").get_data(as_text=True)
    assert 'href="/events/new"' in page and f'href="/e/{event.slug}/settings"' in page
    assert f'href="/e/{event.slug}/points"' in page
    page = organiser(app, make_user, role="viewer").get("/").get_data(as_text=True)
    assert 'href="/events/new"' not in page and f'href="/e/{event.slug}/settings"' not in page
