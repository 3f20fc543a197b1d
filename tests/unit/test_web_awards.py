"""The awards page: who may open it, "Xếp đợt" through the page in Vietnamese name order, dragging a
recipient between batches through the JSON route (and a batch already on stage refused), the ↑/↓
buttons, the presenter, kinds, adding and editing an award, and importing the award list."""
from __future__ import annotations

import html as html_lib
import io
import re

import pytest
from sqlalchemy import select

from server.models import Award, AwardBatch, AwardKind, Delegate, ProgrammeItem
from server.services import awards, commands, delegates
from tests.unit.test_authorisation import login

ROLES = {"admin": 200, "operator": 200, "mc": 403, "viewer": 403, "site_tech": 403}
# Shuffled on purpose; the stage order is by given name, then the rest (Vietnamese list order).
NAMES = ["Trần Văn Nam", "Lê Thị Bình", "Đỗ Văn An", "Nguyễn Thị Ánh", "Phạm Văn Hùng", "Bùi Văn An"]
STAGE_ORDER = ["Bùi Văn An", "Đỗ Văn An", "Nguyễn Thị Ánh", "Lê Thị Bình", "Phạm Văn Hùng", "Trần Văn Nam"]


class World:
    pass


@pytest.fixture
def world(app, session, make_event, make_user):
    w = World()
    w.app, w.session = app, session
    w.event = make_event(n=7, segment_at=3, local_items=3, wards=2)
    w.main, w.p1, w.p2 = w.event.bridge_points
    w.items = session.scalars(select(ProgrammeItem).where(ProgrammeItem.event_id == w.event.id)
                              .order_by(ProgrammeItem.position)).all()
    w.users = {role: make_user(role, bridge_point_id=w.p1.id if role == "site_tech" else None) for role in ROLES}
    with app.app_context():
        w.kind = awards.kind_of(session, w.event.id, "Giấy khen cấp quận")
        w.people = [delegates.add(session, w.event.id, {"full_name": name, "organisation": f"Chi bộ {i}",
                                                        "bridge_point_id": w.main.id}, "test")
                    for i, name in enumerate(NAMES)]
        w.awards = [awards.add(session, w.event.id, {"delegate_id": d.id, "kind_id": w.kind.id, "level": "quận",
                                                     "decision_number": "315-QĐ/QU", "decision_date": "5/10/2020",
                                                     "programme_item_id": w.items[5].id}) for d in w.people]
    session.commit()
    return w


def client_for(w, role="operator"):
    client = w.app.test_client()
    assert login(client, w.users[role].username).status_code == 302
    return client


def page(client, w, **args) -> str:
    response = client.get(f"/e/{w.event.slug}/awards/", query_string=args)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def flashes(html: str) -> list[str]:
    return [html_lib.unescape(m) for m in re.findall(r'<div class="flash (?:ok|error)">(.*?)</div>', html, re.S)]


def batches(w) -> list[list[str]]:
    """The names in each batch of the main hall's item 6, in stage order."""
    w.session.expire_all()
    rows = w.session.scalars(select(AwardBatch).where(AwardBatch.event_id == w.event.id,
                                                      AwardBatch.programme_item_id == w.items[5].id)
                             .order_by(AwardBatch.position)).all()
    return [[w.session.get(Delegate, a.delegate_id).full_name for a in w.session.scalars(
        select(Award).where(Award.batch_id == b.id).order_by(Award.stage_order))] for b in rows]


def build(client, w, size="2"):
    html = page(client, w)
    return client.post(f"/e/{w.event.slug}/awards/build", data={
        "csrf": csrf(html), "bridge_point_id": w.main.id, "programme_item_id": w.items[5].id,
        "local_item_id": "", "size": size}, follow_redirects=True)


def names_on_page(html: str) -> list[str]:
    return re.findall(r'<strong class="aw-name">([^<]+)</strong>', html)


@pytest.mark.parametrize("role, status", ROLES.items())
def test_page_by_role(world, role, status):
    client = client_for(world, role)
    assert client.get(f"/e/{world.event.slug}/awards/").status_code == status
    home = client.get("/").get_data(as_text=True)
    assert (f"/e/{world.event.slug}/awards/" in home) is (status == 200)


def test_anonymous_people_go_to_login(world):
    client = world.app.test_client()
    for method, path in [("get", ""), ("post", "build"), ("post", "move"), ("post", "import"), ("post", "kinds")]:
        response = getattr(client, method)(f"/e/{world.event.slug}/awards/{path}")
        assert response.status_code == 302 and "/login" in response.headers["Location"], path


def test_forms_without_csrf_are_refused(world):
    w = world
    client = client_for(w)
    for path, data in [("build", {"bridge_point_id": w.main.id, "programme_item_id": w.items[5].id}),
                       ("kinds", {"name": "Bằng khen mới"})]:
        assert client.post(f"/e/{w.event.slug}/awards/{path}", data=data).status_code == 400
    assert client.post(f"/e/{w.event.slug}/awards/move", json={"award_id": w.awards[0].id, "batch_id": 1,
                                                               "index": 0}).status_code == 400
    assert batches(w) == [] and w.session.scalar(select(AwardKind).where(AwardKind.name == "Bằng khen mới")) is None


def test_build_batches_through_the_page_in_vietnamese_name_order(world):
    w = world
    client = client_for(w)
    html = page(client, w)
    assert "Mục 6. Mục 6" in html and "Chưa xếp đợt" in html
    assert names_on_page(html) == STAGE_ORDER                 # not yet placed: shown in the order they will go
    html = build(client, w).get_data(as_text=True)
    assert "Đã xếp đợt lên sân khấu." in flashes(html)
    assert batches(w) == [STAGE_ORDER[0:2], STAGE_ORDER[2:4], STAGE_ORDER[4:6]]
    assert names_on_page(html) == STAGE_ORDER and "Chưa xếp đợt" not in html
    assert [html.index(f"Đợt {n}") for n in (1, 2, 3)] == sorted(html.index(f"Đợt {n}") for n in (1, 2, 3))
    assert "Giấy khen cấp quận" in html and "Quyết định số 315-QĐ/QU ngày 05/10/2020" in html
    assert html.count('draggable="true"') == 6

    # The event's size when none is given; a size out of range is refused and nothing changes.
    w.event.award_batch_size = 4
    w.session.commit()
    build(client, w, size="")
    assert batches(w) == [STAGE_ORDER[0:4], STAGE_ORDER[4:6]]
    html = build(client, w, size="0").get_data(as_text=True)
    assert "Số người mỗi đợt phải từ 1 đến 50." in flashes(html)
    assert batches(w) == [STAGE_ORDER[0:4], STAGE_ORDER[4:6]]


def move(client, w, html, body):
    return client.post(f"/e/{w.event.slug}/awards/move", json=body, headers={"X-CSRF-Token": csrf(html)})


def test_move_between_batches_through_the_json_route(world):
    w = world
    client = client_for(w)
    html = build(client, w).get_data(as_text=True)
    by_name = {d.full_name: a for d, a in zip(w.people, w.awards)}
    first, second, third = w.session.scalars(select(AwardBatch).where(AwardBatch.event_id == w.event.id)
                                             .order_by(AwardBatch.position)).all()

    response = move(client, w, html, {"award_id": by_name["Bùi Văn An"].id, "batch_id": second.id, "index": 1})
    assert response.status_code == 200 and response.json["ok"] is True and response.json["rev"] > 0
    assert batches(w) == [["Đỗ Văn An"], ["Nguyễn Thị Ánh", "Bùi Văn An", "Lê Thị Bình"], STAGE_ORDER[4:6]]
    html = page(client, w)
    assert names_on_page(html) == ["Đỗ Văn An", "Nguyễn Thị Ánh", "Bùi Văn An", "Lê Thị Bình", "Phạm Văn Hùng",
                                   "Trần Văn Nam"]

    # A batch already called to the stage is refused, either way, and nothing moves.
    with w.app.app_context():
        commands.run(w.session, w.event.id, w.users["operator"], "award_call", args={"batch_id": third.id},
                     bridge_point_id=w.main.id)
    response = move(client, w, html, {"award_id": by_name["Đỗ Văn An"].id, "batch_id": third.id, "index": 0})
    assert response.status_code == 400 and response.json["ok"] is False
    assert "đã được mời lên sân khấu" in response.json["error"]["message"]
    response = move(client, w, html, {"award_id": by_name["Trần Văn Nam"].id, "batch_id": first.id, "index": 0})
    assert response.status_code == 400 and "đã được mời lên sân khấu" in response.json["error"]["message"]
    assert batches(w) == [["Đỗ Văn An"], ["Nguyễn Thị Ánh", "Bùi Văn An", "Lê Thị Bình"], STAGE_ORDER[4:6]]
    html = page(client, w)
    assert html.count('draggable="true"') == 4 and "Đang trên sân khấu" in html

    # Bad bodies are answered in JSON, with the service's words.
    for body, status in [([1, 2], 400), ({"award_id": by_name["Đỗ Văn An"].id, "batch_id": second.id, "index": -1}, 400),
                         ({"award_id": 999999, "batch_id": second.id, "index": 0}, 404),
                         ({"award_id": by_name["Đỗ Văn An"].id, "batch_id": "2", "index": 0}, 404)]:
        response = move(client, w, html, body)
        assert response.status_code == status and response.json["ok"] is False, body
        assert response.json["error"]["message"]


def test_arrow_buttons_move_one_place_and_across_batches(world):
    w = world
    client = client_for(w)
    html = build(client, w).get_data(as_text=True)
    by_name = {d.full_name: a for d, a in zip(w.people, w.awards)}

    def step(name, delta):
        return client.post(f"/e/{w.event.slug}/awards/step", data={
            "csrf": csrf(html), "award_id": by_name[name].id, "delta": delta}, follow_redirects=True)

    step("Đỗ Văn An", "1")                                   # the last of batch 1 goes to the top of batch 2
    assert batches(w) == [["Bùi Văn An"], ["Đỗ Văn An", "Nguyễn Thị Ánh", "Lê Thị Bình"], STAGE_ORDER[4:6]]
    step("Lê Thị Bình", "-1")                                # within a batch
    assert batches(w) == [["Bùi Văn An"], ["Đỗ Văn An", "Lê Thị Bình", "Nguyễn Thị Ánh"], STAGE_ORDER[4:6]]
    step("Phạm Văn Hùng", "-1")                              # the first of batch 3 goes to the end of batch 2
    assert batches(w) == [["Bùi Văn An"], ["Đỗ Văn An", "Lê Thị Bình", "Nguyễn Thị Ánh", "Phạm Văn Hùng"],
                          ["Trần Văn Nam"]]
    html_after = step("Bùi Văn An", "-1").get_data(as_text=True)
    assert "Người này đã ở đầu đợt đầu tiên." in flashes(html_after)
    html_after = step("Trần Văn Nam", "7").get_data(as_text=True)
    assert "Thao tác không hợp lệ." in flashes(html_after)


def test_presenter_and_seat_block_of_a_waiting_batch(world):
    w = world
    client = client_for(w)
    html = build(client, w).get_data(as_text=True)
    first = w.session.scalars(select(AwardBatch).where(AwardBatch.event_id == w.event.id)
                              .order_by(AwardBatch.position)).first()
    html = client.post(f"/e/{w.event.slug}/awards/presenter", data={
        "csrf": csrf(html), "batch_id": first.id, "presenter": "Đ/c Bí thư Quận ủy", "seat_block": "Khu A, hàng 1"},
        follow_redirects=True).get_data(as_text=True)
    assert "Đã lưu người trao và khu ghế." in flashes(html)
    w.session.expire_all()
    assert (first.presenter, first.seat_block) == ("Đ/c Bí thư Quận ủy", "Khu A, hàng 1")
    assert 'value="Đ/c Bí thư Quận ủy"' in html
    html = client.post(f"/e/{w.event.slug}/awards/presenter", data={
        "csrf": csrf(html), "batch_id": first.id, "presenter": "x" * 201}, follow_redirects=True).get_data(as_text=True)
    assert any("tối đa 200" in f for f in flashes(html))


def test_kinds_add_and_reorder(world):
    w = world
    client = client_for(w)
    html = page(client, w)
    html = client.post(f"/e/{w.event.slug}/awards/kinds", data={"csrf": csrf(html), "name": "Bằng khen của Thành ủy"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Đã thêm hình thức khen thưởng “Bằng khen của Thành ủy”." in flashes(html)
    names = [k.name for k in awards.kinds(w.session, w.event.id)]
    assert names[-1] == "Bằng khen của Thành ủy" and html.count("Bằng khen của Thành ủy") >= 2   # list and select
    html = client.post(f"/e/{w.event.slug}/awards/kinds", data={"csrf": csrf(html), "name": "bang khen cua thanh uy"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Hình thức khen thưởng “bang khen cua thanh uy” đã có." in flashes(html)

    # ↑ puts "Giấy khen cấp quận" before the kind above it; "Xếp đợt" then follows the new order.
    before = [k.name for k in awards.kinds(w.session, w.event.id)]
    at = before.index("Giấy khen cấp quận")
    client.post(f"/e/{w.event.slug}/awards/kinds/move", data={"csrf": csrf(html), "kind_id": w.kind.id, "delta": "-1"})
    w.session.expire_all()
    after = [k.name for k in awards.kinds(w.session, w.event.id)]
    assert after[at - 1:at + 1] == [before[at], before[at - 1]] and len(after) == len(before)
    top = awards.kinds(w.session, w.event.id)[0]
    html = client.post(f"/e/{w.event.slug}/awards/kinds/move", data={"csrf": csrf(html), "kind_id": top.id, "delta": "-1"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Không thể chuyển hình thức khen thưởng ra ngoài danh sách." in flashes(html)


def test_add_and_edit_an_award(world):
    w = world
    client = client_for(w)
    html = page(client, w)
    with w.app.app_context():
        hoa = delegates.add(w.session, w.event.id, {"full_name": "Lê Thị Hoa", "bridge_point_id": w.p1.id}, "t")
    w.session.commit()
    local = w.items[3].local_items[1]
    badge = awards.kind_of(w.session, w.event.id, "Huy hiệu 30 năm tuổi Đảng")
    form = {"csrf": csrf(html), "delegate_id": hoa.id, "kind_id": badge.id, "level": "phường", "collective": "",
            "decision_number": "27-QĐ/ĐU", "decision_date": "2020-10-05", "bridge_point_id": "",
            "scope": f"local:{local.id}", "citation": "30 năm tuổi Đảng"}
    html = client.post(f"/e/{w.event.slug}/awards/save", data=form, follow_redirects=True).get_data(as_text=True)
    assert "Đã lưu khen thưởng của Lê Thị Hoa." in flashes(html)
    award = w.session.scalar(select(Award).where(Award.delegate_id == hoa.id))
    assert (award.bridge_point_id, award.local_item_id, award.programme_item_id) == (w.p1.id, local.id, None)
    assert award.decision_date.isoformat() == "2020-10-05" and award.citation == "30 năm tuổi Đảng"
    assert "Mục 4 – phần riêng 2. Phần riêng 2" in html and "P. 1" in html

    # Refused: a ward's own item at the main hall; nothing is added and the reason is shown.
    count = len(w.session.scalars(select(Award.id)).all())
    html = client.post(f"/e/{w.event.slug}/awards/save", data={**form, "bridge_point_id": w.main.id},
                       follow_redirects=True).get_data(as_text=True)
    assert "Mục riêng này chỉ diễn ra tại các điểm cầu phường; Hội trường không tham gia." in flashes(html)
    html = client.post(f"/e/{w.event.slug}/awards/save", data={**form, "scope": ""}, follow_redirects=True).get_data(as_text=True)
    assert any("Chọn mục chương trình" in f for f in flashes(html))
    assert len(w.session.scalars(select(Award.id)).all()) == count

    # Edit: the form comes back filled in; moved to another item, the award leaves its batch.
    build(client, w)
    placed = w.awards[0]
    html = page(client, w, edit=placed.id)
    assert "Sửa khen thưởng" in html and f'name="award_id" value="{placed.id}"' in html
    assert f'value="item:{w.items[5].id}" selected' in html
    edit = {"csrf": csrf(html), "award_id": placed.id, "delegate_id": placed.delegate_id, "kind_id": w.kind.id,
            "level": "quận", "decision_number": "316-QĐ/QU", "decision_date": "6/10/2020", "bridge_point_id": w.main.id,
            "scope": f"item:{w.items[6].id}", "collective": "", "citation": ""}
    client.post(f"/e/{w.event.slug}/awards/save", data=edit)
    w.session.expire_all()
    assert (placed.decision_number, placed.programme_item_id, placed.batch_id) == ("316-QĐ/QU", w.items[6].id, None)
    assert "Mục 7. Mục 7" in page(client, w)


def test_import_through_the_page(world):
    w = world
    client = client_for(w)
    html = page(client, w)
    data = ("Họ và tên,Đơn vị,Tập thể,Hình thức khen thưởng,Cấp,Số quyết định,Ngày quyết định,Điểm cầu,Mục chương trình\n"
            "Trần Văn Nam,Chi bộ 0,Chi bộ 0,Giấy khen cấp quận,quận,315-QĐ/QU,5/10/2020,,6\n"
            "Võ Thị Mười,Khu phố 2,,Giấy khen cấp phường,phường,27-QĐ/ĐU,5/10/2020,Phường 2,Phần riêng 2\n").encode()
    html = client.post(f"/e/{w.event.slug}/awards/import", data={"csrf": csrf(html), "file": (io.BytesIO(data), "kt.csv")},
                       content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
    assert "Đã nhập 2 khen thưởng từ kt.csv." in flashes(html)
    assert "Đã thêm 1 người nhận mới vào danh sách đại biểu (kèm thư mời)." in flashes(html)
    assert "Võ Thị Mười" in names_on_page(html) and "Chi bộ 0" in html
    assert "Mục 4 – phần riêng 2. Phần riêng 2" in html

    # A bad file: every bad line shown, nothing imported.
    before = len(w.session.scalars(select(Award.id)).all())
    bad = ("Họ và tên,Hình thức khen thưởng,Mục chương trình,Điểm cầu\n"
           "Lê Thị Bình,Giấy khen X,6,\n"
           "Người Mới,Giấy khen cấp quận,6,\n").encode()
    html = client.post(f"/e/{w.event.slug}/awards/import", data={"csrf": csrf(html), "file": (io.BytesIO(bad), "kt.csv")},
                       content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
    shown = flashes(html)
    assert "Không nhập được danh sách khen thưởng: 2 lỗi. Sửa tệp rồi nhập lại." in shown
    assert any(f.startswith("Dòng 2: Hình thức khen thưởng “Giấy khen X”") for f in shown)
    assert any(f.startswith("Dòng 3: Người Mới chưa được xếp điểm cầu") for f in shown)
    assert len(w.session.scalars(select(Award.id)).all()) == before
    html = client.post(f"/e/{w.event.slug}/awards/import", data={"csrf": csrf(html)}, follow_redirects=True).get_data(as_text=True)
    assert "Chưa chọn tệp để nhập." in flashes(html)


def test_import_errors_on_the_page_one_per_problem_and_a_collective_read_as_such(world):
    """Issue 15: the same unknown kind on many lines is one message naming them; a "(tập thể)" unit is an
    award to that unit, never a prompt for a new kind; nothing is imported while a line is bad."""
    w = world
    client = client_for(w)
    html = page(client, w)
    header = "Họ và tên,Hình thức khen thưởng,Mục chương trình,Điểm cầu\n"
    bad = (header + "".join(f"Người Số {n},Giấy khen X,6,Hội trường\n" for n in range(1, 6))
           + "Chi bộ Khu phố 4 (tập thể),Giấy khen cấp quận,6,Hội trường\n"
           + "Người Số 6,Giấy khen X,6,Hội trường\n").encode()
    before = len(w.session.scalars(select(Award.id)).all())
    html = client.post(f"/e/{w.event.slug}/awards/import", data={"csrf": csrf(html), "file": (io.BytesIO(bad), "kt.csv")},
                       content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
    shown = flashes(html)
    assert shown[0] == "Không nhập được danh sách khen thưởng: 6 lỗi. Sửa tệp rồi nhập lại."
    assert len(shown) == 2 and shown[1].startswith("Dòng 2–6, 8: Hình thức khen thưởng “Giấy khen X” không có")
    assert "Traceback" not in html and len(w.session.scalars(select(Award.id)).all()) == before

    good = (header + "Chi bộ Khu phố 4 (tập thể),Giấy khen cấp quận (tập thể),6,Hội trường\n").encode()
    html = client.post(f"/e/{w.event.slug}/awards/import", data={"csrf": csrf(html), "file": (io.BytesIO(good), "kt.csv")},
                       content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
    assert "Đã nhập 1 khen thưởng từ kt.csv." in flashes(html)
    w.session.expire_all()
    award = w.session.scalars(select(Award).where(Award.collective == "Chi bộ Khu phố 4")).one()
    assert w.session.get(Delegate, award.delegate_id).full_name == "Đại diện Chi bộ Khu phố 4"
    assert award.kind_id == w.kind.id and len(w.session.scalars(select(AwardKind.id).where(
        AwardKind.event_id == w.event.id)).all()) == 13
