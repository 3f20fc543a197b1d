"""The programme editor's forms: every change goes through a service, every error is shown."""
from __future__ import annotations

from pathlib import Path

from server.services.snapshot import snapshot
from tests.unit.test_authorisation import login

PLAN_001 = Path(__file__).parent.parent / "fixtures" / "plan001_programme.tsv"


def csrf_of(client, url):
    return client.get(url).get_data(as_text=True).split('name="csrf" value="')[1].split('"')[0]


def test_import_plan_001_through_the_page(app, session, make_event, make_user):
    event = make_event(n=2)
    client = app.test_client()
    login(client, make_user("operator").username)
    url = f"/e/{event.slug}/programme/"
    token = csrf_of(client, url)
    with PLAN_001.open("rb") as fh:
        response = client.post(url + "import", data={"csrf": token, "file": (fh, "ke-hoach-001.csv")},
                               content_type="multipart/form-data", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Đã nhập 11 mục từ ke-hoach-001.csv" in html
    assert "Trao Huy hiệu đảng đợt 19/5/2023" in html
    assert len(snapshot(session, event.id)["items"]) == 11


def test_a_bad_file_shows_each_line_and_changes_nothing(app, session, make_event, make_user):
    event = make_event(n=2)
    client = app.test_client()
    login(client, make_user("operator").username)
    url = f"/e/{event.slug}/programme/"
    data = "TT,Nội dung,Thực hiện,Thời lượng\n1,Khai mạc,VP,10\nx,,VP,5\n".encode()
    import io
    response = client.post(url + "import", data={"csrf": csrf_of(client, url), "file": (io.BytesIO(data), "a.csv")},
                           content_type="multipart/form-data", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Dòng 3: TT “x” không phải số thứ tự." in html
    assert [i["content"] for i in snapshot(session, event.id)["items"]] == ["Mục 1", "Mục 2"]


def test_add_and_refused_edit_through_the_page(app, session, make_event, make_user):
    event = make_event(n=1)
    client = app.test_client()
    login(client, make_user("operator").username)
    url = f"/e/{event.slug}/programme/"
    response = client.post(url + "add", data={"csrf": csrf_of(client, url), "content": "Chào cờ (Quốc ca, Quốc tế ca)",
                                              "performer": "Văn phòng Quận ủy", "duration": "3"},
                           follow_redirects=True)
    assert "Đã lưu chương trình." in response.get_data(as_text=True)
    response = client.post(url + "add", data={"csrf": csrf_of(client, url), "content": "X", "duration": "ba phút"},
                           follow_redirects=True)
    assert "Không hiểu thời lượng “ba phút”" in response.get_data(as_text=True)
    items = snapshot(session, event.id)["items"]
    assert [(i["content"], i["duration_s"]) for i in items] == [("Mục 1", 300), ("Chào cờ (Quốc ca, Quốc tế ca)", 180)]


def test_a_thousand_bad_lines_fit_the_page_and_the_next_request_still_works(app, session, make_user, make_event):
    """A flashed message rides in the session cookie: a thousand errors must not make it too big for
    the browser (the next request would be refused)."""
    import io
    event = make_event(n=2)
    client = app.test_client()
    login(client, make_user("operator").username)
    rows = "\n".join(f"{n},Mục {n},Ban Tổ chức,{n}x phút" for n in range(1, 1001))
    data = {"csrf": csrf_of(client, f"/e/{event.slug}/programme/"),
            "file": (io.BytesIO(f"TT,Nội dung,Thực hiện,Thời lượng\n{rows}\n".encode()), "ct.csv")}
    response = client.post(f"/e/{event.slug}/programme/import", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    assert len(response.headers.get("Set-Cookie", "")) < 4000
    page = client.get(response.location)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Không nhập được chương trình: 1000 lỗi" in html and "lỗi khác; sửa các lỗi trên" in html
    assert client.get(f"/e/{event.slug}/programme/").status_code == 200
