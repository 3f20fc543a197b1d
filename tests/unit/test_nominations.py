"""Nominations (đề nghị khen thưởng, plans 003 and 004): the deadline, review (return with a reason,
correct and send again), approval into an award and a delegate with an invitation, what a unit may see,
and garbled input refused in Vietnamese."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from server.models import Award, AwardKind, Delegate, Event, Invitation, Nomination, ProgrammeItem
from server.services import accounts, awards, delegates, invitation_tokens, nominations
from server.services.errors import Forbidden, Invalid, NotFound
from tests.unit.test_authorisation import login

# Plan 003: "trước ngày 08/3/2021"; the organisers close at 17:00 that day, Hà Nội/HCMC time (UTC+7).
DEADLINE = datetime(2021, 3, 8, 10, 0, tzinfo=timezone.utc)
BEFORE = DEADLINE - timedelta(days=3)
CLOSED = "Đã hết hạn gửi đề nghị: hạn cuối 17:00 ngày 08/03/2021."
VIETNAMESE = re.compile(r"[ăâđêôơưáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ]", re.I)


def nominee(**changes) -> dict:
    data = {"full_name": "Nguyễn Thị Lan", "position_title": "Bí thư Chi bộ khu phố 3",
            "organisation": "Đảng ủy phường Long Bình", "collective": "",
            "profile": "Sinh năm 1968, quê Bình Định.\nVào Đảng năm 1990; Bí thư Chi bộ từ 2015.",
            "achievements": "Chi bộ 5 năm liền hoàn thành xuất sắc nhiệm vụ; xây dựng mô hình “Khu phố không rác”.",
            "kind_id": ""}
    data.update(changes)
    return data


class World:
    pass


@pytest.fixture
def w(app, session, make_event, make_user):
    w = World()
    w.app, w.session = app, session
    w.event = make_event(n=4, segment_at=2, local_items=3, wards=2)
    w.main, w.p1, w.p2 = w.event.bridge_points
    w.items = list(session.execute(select(ProgrammeItem).where(ProgrammeItem.event_id == w.event.id)
                                   .order_by(ProgrammeItem.position)).scalars())
    w.admin, w.operator, w.viewer, w.mc = (make_user(r) for r in ("admin", "operator", "viewer", "mc"))
    w.unit_a = accounts.create_user(session, "dang-uy-p1", "mat-khau-thu", "unit", display_name="Đảng ủy phường 1")
    w.unit_b = accounts.create_user(session, "dang-uy-p2", "mat-khau-thu", "unit", display_name="Đảng ủy phường 2")
    w.kinds = awards.kinds(session, w.event.id)
    nominations.set_deadline(session, w.event.id, datetime(2021, 3, 8, 17, 0), w.operator)
    session.commit()
    return w


def submit(w, user=None, now=BEFORE, **changes) -> Nomination:
    row = nominations.submit(w.session, w.event.id, user or w.unit_a, nominee(**changes), now=now)
    w.session.commit()
    return row


def approve(w, nomination, **changes) -> Award:
    data = {"kind_id": str(w.kinds[-2].id), "level": "quận", "decision_number": "125-QĐ/QU",
            "decision_date": "15/3/2021", "bridge_point_id": str(w.p1.id), "programme_item_id": str(w.items[3].id)}
    data.update(changes)
    with w.app.app_context():
        award = nominations.approve(w.session, w.event.id, nomination.id, data, w.operator)
    w.session.commit()
    return award


def refused(call, exc=Invalid) -> str:
    with pytest.raises(exc) as info:
        call()
    message = str(info.value.message)
    assert VIETNAMESE.search(message), message
    return message


# --- the deadline --------------------------------------------------------------------------------------


def test_deadline_is_stored_in_utc_from_the_events_local_time(w):
    assert w.event.nomination_deadline == DEADLINE
    assert str(nominations.deadline_text(w.event)) == "17:00 ngày 08/03/2021"


def test_a_second_before_the_deadline_is_accepted_a_second_after_is_refused(w):
    row = submit(w, now=DEADLINE - timedelta(seconds=1))
    assert row.status == "submitted" and row.unit == "Đảng ủy phường 1" and row.submitted_at == DEADLINE - timedelta(seconds=1)
    message = refused(lambda: submit(w, now=DEADLINE + timedelta(seconds=1), full_name="Trần Văn Bình"))
    assert message == CLOSED
    assert [n.full_name for n in nominations.listing(w.session, w.event.id)] == ["Nguyễn Thị Lan"]


def test_after_the_deadline_a_unit_can_neither_edit_nor_withdraw(w):
    row = submit(w)
    late = DEADLINE + timedelta(seconds=1)
    assert refused(lambda: nominations.update_own(w.session, w.event.id, row.id, w.unit_a,
                                                  nominee(position_title="Bí thư"), now=late)) == CLOSED
    w.session.rollback()
    assert refused(lambda: nominations.withdraw(w.session, w.event.id, row.id, w.unit_a, now=late)) == CLOSED


def test_no_deadline_means_not_accepting(w):
    nominations.set_deadline(w.session, w.event.id, None, w.admin)
    w.session.commit()
    assert nominations.window(w.event) == "unset"
    message = refused(lambda: submit(w))
    assert "chưa mở nhận đề nghị" in message


def test_deadline_drops_seconds_keeps_aware_times_and_only_organisers_set_it(w):
    nominations.set_deadline(w.session, w.event.id, datetime(2021, 3, 8, 10, 0, 59, tzinfo=timezone.utc), w.admin)
    assert w.event.nomination_deadline == DEADLINE
    refused(lambda: nominations.set_deadline(w.session, w.event.id, None, w.unit_a), Forbidden)
    for text in ("17:00 08/03/2021", "08/03/2021 17:00", "2021-03-08T17:00", " 17:00  ngày 08/03/2021 "):
        assert nominations.parse_deadline(w.event, text) == datetime(2021, 3, 8, 17, 0), text
    for garbled in ("08/03/2021", "25:00 08/03/2021", "ngày mai", "x" * 100, 12, "0001-01-01T00:00"):
        with pytest.raises(Invalid) as info:
            nominations.set_deadline(w.session, w.event.id, nominations.parse_deadline(w.event, garbled), w.admin)
        assert VIETNAMESE.search(str(info.value.message)), garbled
    assert w.event.nomination_deadline == DEADLINE


# --- what a unit sends ---------------------------------------------------------------------------------


def test_submission_keeps_plain_text_and_a_proposed_kind(w):
    row = submit(w, full_name="  Nguyễn   Thị\tLan ", kind_id=str(w.kinds[0].id),
                 profile="Sinh năm 1968.\r\nVào Đảng năm 1990.\x00")
    assert row.full_name == "Nguyễn Thị Lan"
    assert row.profile == "Sinh năm 1968.\nVào Đảng năm 1990."
    assert row.kind_id == w.kinds[0].id and row.submitted_by.startswith("dang-uy-p1")
    by_name = submit(w, full_name="Lê Văn Tám", kind_id="huy hieu 50 nam tuoi dang")
    assert w.session.get(AwardKind, by_name.kind_id).name == "Huy hiệu 50 năm tuổi Đảng"


def test_a_unit_nominates_a_person_once(w):
    submit(w)
    assert "đã đề nghị khen thưởng" in refused(lambda: submit(w, full_name="nguyen thi lan"))
    submit(w, user=w.unit_b)          # another unit may nominate the same person; the organisers decide


@pytest.mark.parametrize("changes, expected", [
    ({"full_name": ""}, "Hãy nhập họ và tên"),
    ({"full_name": "   "}, "Hãy nhập họ và tên"),
    ({"full_name": "!!! 123"}, "Họ và tên “!!! 123” không hợp lệ"),
    ({"full_name": "<b>Lan</b>"}, "không được chứa mã định dạng"),
    ({"full_name": "Lan" * 70}, "Họ và tên dài 210 ký tự, tối đa 200"),
    ({"full_name": ["Lan"]}, "Họ và tên phải là văn bản"),
    ({"organisation": {"x": 1}}, "Đơn vị công tác phải là văn bản"),
    ({"collective": "C" * 201}, "Tên tập thể dài 201 ký tự"),
    ({"profile": ""}, "Hãy nhập trích ngang"),
    ({"profile": None}, "Hãy nhập trích ngang"),
    ({"achievements": "\n \n"}, "Hãy nhập thành tích"),
    ({"achievements": "x" * 2001}, "Thành tích dài 2001 ký tự, tối đa 2000"),
    ({"kind_id": "99999"}, "không có trong danh sách của hội nghị"),
    ({"kind_id": "không có"}, "không có trong danh sách của hội nghị"),
    ({"kind_id": "²"}, "không có trong danh sách của hội nghị"),
    ({"kind_id": 10 ** 30}, "Hình thức khen thưởng"),
    ({"kind_id": True}, "không hợp lệ"),
    ({"bridge_point_id": "-1"}, "Điểm cầu “-1” không hợp lệ"),
    ({"bridge_point_id": "99999"}, "Không tìm thấy điểm cầu 99999"),
])
def test_garbled_nominations_are_refused_in_vietnamese(w, changes, expected):
    message = refused(lambda: submit(w, **changes))
    assert expected in message, message
    w.session.rollback()
    assert nominations.listing(w.session, w.event.id) == []


def test_not_a_dict_and_not_a_unit(w):
    refused(lambda: nominations.submit(w.session, w.event.id, w.unit_a, ["Lan"], now=BEFORE))
    for user in (w.viewer, w.operator, w.mc, None):
        refused(lambda: nominations.submit(w.session, w.event.id, user, nominee(), now=BEFORE), Forbidden)


def test_a_unit_edits_and_withdraws_its_own_while_submitted(w):
    row = submit(w)
    edited = nominations.update_own(w.session, w.event.id, row.id, w.unit_a,
                                    nominee(position_title="Phó Bí thư Đảng ủy"), now=BEFORE + timedelta(hours=1))
    w.session.commit()
    assert edited.position_title == "Phó Bí thư Đảng ủy" and edited.status == "submitted"
    assert edited.submitted_at == BEFORE + timedelta(hours=1)
    nominations.withdraw(w.session, w.event.id, row.id, w.unit_a, now=BEFORE)
    w.session.commit()
    assert nominations.listing(w.session, w.event.id) == []


# --- review --------------------------------------------------------------------------------------------


def test_returned_with_a_reason_the_unit_sees_it_corrects_and_sends_again(w):
    row = submit(w)
    refused(lambda: nominations.return_(w.session, w.event.id, row.id, "  ", w.operator))
    assert "Hãy nhập lý do trả lại" in refused(lambda: nominations.return_(w.session, w.event.id, row.id, None, w.operator))
    refused(lambda: nominations.return_(w.session, w.event.id, row.id, "x" * 1001, w.operator))
    refused(lambda: nominations.return_(w.session, w.event.id, row.id, "Thiếu năm vào Đảng", w.unit_a), Forbidden)
    nominations.return_(w.session, w.event.id, row.id, "Trích ngang thiếu năm vào Đảng.", w.operator)
    w.session.commit()

    mine = nominations.listing(w.session, w.event.id, unit="Đảng ủy phường 1")
    assert [(n.status, n.reason) for n in mine] == [("returned", "Trích ngang thiếu năm vào Đảng.")]
    assert mine[0].reviewed_by.startswith(w.operator.username)
    message = refused(lambda: approve(w, row))
    assert "đã được trả lại cho Đảng ủy phường 1" in message
    w.session.rollback()

    again = nominations.update_own(w.session, w.event.id, row.id, w.unit_a,
                                   nominee(profile="Sinh năm 1968. Vào Đảng ngày 03/02/1990."), now=BEFORE)
    w.session.commit()
    assert again.status == "submitted" and "03/02/1990" in again.profile
    assert again.reason == "Trích ngang thiếu năm vào Đảng."      # the last reason stays for the reviewers
    assert approve(w, again).delegate_id


def test_approval_creates_the_award_and_the_delegate_with_an_invitation(w):
    row = submit(w, kind_id=str(w.kinds[5].id), collective="")
    award = approve(w, row, kind_id="")                          # empty: the kind the unit proposed
    w.session.expire_all()
    row = w.session.get(Nomination, row.id)
    assert row.status == "approved" and row.award_id == award.id and row.reviewed_by.startswith(w.operator.username)
    assert award.kind_id == w.kinds[5].id and award.level == "quận" and award.decision_number == "125-QĐ/QU"
    assert award.decision_date.isoformat() == "2021-03-15" and award.bridge_point_id == w.p1.id
    assert award.programme_item_id == w.items[3].id and award.citation.startswith("Chi bộ 5 năm liền")
    person = w.session.get(Delegate, award.delegate_id)
    assert (person.full_name, person.category, person.bridge_point_id, person.organisation) == (
        "Nguyễn Thị Lan", "award_recipient", w.p1.id, "Đảng ủy phường Long Bình")
    live = invitation_tokens.current(w.session, person.id)
    assert live is not None and live.status == "active"


def test_approving_twice_is_refused_even_from_a_stale_page(w, db):
    row = submit(w)
    with db.session() as other:                              # a second organiser, with the row loaded
        stale = other.get(Nomination, row.id)
        assert stale.status == "submitted"
        approve(w, row)
        with w.app.app_context():
            message = refused(lambda: nominations.approve(other, w.event.id, row.id, {
                "kind_id": w.kinds[0].id, "bridge_point_id": w.p2.id, "programme_item_id": w.items[3].id},
                w.admin))
        other.rollback()
    assert message == "Đề nghị khen thưởng Nguyễn Thị Lan đã được duyệt rồi."
    assert refused(lambda: approve(w, row)) == message
    w.session.rollback()
    refused(lambda: nominations.return_(w.session, w.event.id, row.id, "Nhầm", w.operator))
    refused(lambda: nominations.update_own(w.session, w.event.id, row.id, w.unit_a, nominee(), now=BEFORE))
    refused(lambda: nominations.withdraw(w.session, w.event.id, row.id, w.unit_a, now=BEFORE))
    w.session.rollback()
    assert w.session.execute(select(func.count()).select_from(Award)).scalar() == 1
    assert w.session.execute(select(func.count()).select_from(Delegate)).scalar() == 1


def test_approval_reuses_a_delegate_already_on_the_list(w):
    with w.app.app_context():
        known = delegates.add(w.session, w.event.id, {"full_name": "Nguyễn Thị Lan", "organisation":
                              "Đảng ủy phường Long Bình", "category": "cell_secretary", "bridge_point_id": w.p2.id}, "t")
        first = invitation_tokens.issue(w.session, known)
    w.session.commit()
    row = submit(w)
    award = approve(w, row, bridge_point_id="")                 # the delegate's own point
    assert award.delegate_id == known.id and award.bridge_point_id == w.p2.id
    assert known.category == "cell_secretary"
    assert invitation_tokens.current(w.session, known.id).id == first.id
    assert w.session.execute(select(func.count()).select_from(Invitation)).scalar() == 1


def test_a_collective_at_a_ward_during_its_local_item(w):
    row = submit(w, full_name="Phạm Văn Hùng", collective="Chi bộ khu phố 3")
    local = w.items[2].local_items[1]
    award = approve(w, row, bridge_point_id=str(w.p2.id), programme_item_id="", local_item_id=str(local.id))
    assert (award.collective, award.local_item_id, award.programme_item_id) == ("Chi bộ khu phố 3", local.id, None)


@pytest.mark.parametrize("changes, expected", [
    ({"kind_id": ""}, "Chọn hình thức khen thưởng cho Nguyễn Thị Lan"),
    ({"kind_id": "abc"}, "Hình thức khen thưởng “abc” không có trong danh sách"),
    ({"kind_id": "0"}, "Hình thức khen thưởng “0” không hợp lệ"),
    ({"bridge_point_id": ""}, "Chọn điểm cầu nơi trao khen thưởng"),
    ({"bridge_point_id": "²"}, "Điểm cầu “²” không hợp lệ"),
    ({"programme_item_id": ""}, "Chọn mục chương trình"),
    ({"programme_item_id": "99999999999999"}, "Mục chương trình “99999999999999” không hợp lệ"),
    ({"programme_item_id": "", "local_item_id": "9999"}, "Không tìm thấy mục riêng 9999"),
    ({"decision_date": "31/02/2021"}, "Ngày quyết định “31/02/2021” không hợp lệ"),
    ({"level": "q" * 61}, "Cấp khen thưởng dài 61 ký tự"),
    ({"decision_number": ["1"]}, "Số quyết định phải là văn bản"),
])
def test_garbled_approvals_are_refused_and_leave_the_nomination_waiting(w, changes, expected):
    row = submit(w)
    message = refused(lambda: approve(w, row, **changes))
    assert expected in message, message
    w.session.rollback()
    assert w.session.get(Nomination, row.id).status == "submitted"
    assert w.session.execute(select(func.count()).select_from(Award)).scalar() == 0
    assert w.session.execute(select(func.count()).select_from(Delegate)).scalar() == 0


def test_review_refuses_unknown_and_other_events_nominations(w, make_event):
    row = submit(w)
    other = make_event(n=1)
    for bad in (row.id + 1000, "abc", -1, None, 10 ** 20):
        refused(lambda: nominations.return_(w.session, w.event.id, bad, "Lý do", w.operator), NotFound)
    refused(lambda: nominations.return_(w.session, other.id, row.id, "Lý do", w.operator), NotFound)
    refused(lambda: nominations.approve(w.session, w.event.id, row.id, {}, w.unit_a), Forbidden)


# --- what a unit may see and do -------------------------------------------------------------------------


def test_a_unit_sees_and_changes_only_its_own(w):
    mine, theirs = submit(w), submit(w, user=w.unit_b, full_name="Võ Thị Sáu")
    assert [n.id for n in nominations.listing(w.session, w.event.id, unit=nominations.unit_of(w.unit_a))] == [mine.id]
    for call in (lambda: nominations.own(w.session, w.event.id, theirs.id, w.unit_a),
                 lambda: nominations.update_own(w.session, w.event.id, theirs.id, w.unit_a, nominee(), now=BEFORE),
                 lambda: nominations.withdraw(w.session, w.event.id, theirs.id, w.unit_a, now=BEFORE)):
        assert "Không tìm thấy đề nghị" in refused(call, NotFound)
    w.session.rollback()
    assert w.session.get(Nomination, theirs.id).full_name == "Võ Thị Sáu"


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def client_for(w, user):
    client = w.app.test_client()
    assert login(client, user.username).status_code == 302
    return client


def test_pages_by_role(w):
    theirs = submit(w, user=w.unit_b, full_name="Võ Thị Sáu")
    mine = submit(w, full_name="Nguyễn Thị Lan")
    url = f"/e/{w.event.slug}/nominations/"
    anonymous = w.app.test_client().get(url)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    for user in (w.viewer, w.mc):
        client = client_for(w, user)
        assert client.get(url).status_code == 403
        assert "Đề nghị khen thưởng" not in client.get("/").get_data(as_text=True)
    for user in (w.admin, w.operator):
        client = client_for(w, user)
        html = client.get(url).get_data(as_text=True)
        assert "Võ Thị Sáu" in html and "Nguyễn Thị Lan" in html and "Đảng ủy phường 2" in html
        assert 'name="deadline"' in html and "/approve" in html
        assert f'href="{url}"' in client.get("/").get_data(as_text=True)

    client = client_for(w, w.unit_a)
    assert f'href="{url}"' in client.get("/").get_data(as_text=True)
    html = client.get(url).get_data(as_text=True)
    assert "Nguyễn Thị Lan" in html and "Võ Thị Sáu" not in html and "Đảng ủy phường 2" not in html
    assert "/approve" not in html and 'name="deadline"' not in html
    assert client.get(f"{url}?edit={theirs.id}").status_code == 404
    assert "Nguyễn Thị Lan" in client.get(f"{url}?edit={mine.id}").get_data(as_text=True)
    csrf = csrf_of(html)
    for action in (f"{theirs.id}/approve", f"{theirs.id}/return", "deadline"):
        assert client.post(url + action, data={"csrf": csrf, "reason": "x", "deadline": ""}).status_code == 403
    client.post(url + f"{theirs.id}/withdraw", data={"csrf": csrf})
    client.post(url + "save", data={"csrf": csrf, "nomination_id": str(theirs.id), **nominee(full_name="Giả mạo")})
    w.session.expire_all()
    theirs = w.session.get(Nomination, theirs.id)
    assert theirs is not None and theirs.full_name == "Võ Thị Sáu" and theirs.status == "submitted"

    operator = client_for(w, w.operator)
    csrf = csrf_of(operator.get(url).get_data(as_text=True))
    assert operator.post(url + "save", data={"csrf": csrf, **nominee()}).status_code == 403


def test_the_whole_round_in_the_browser(w):
    nominations.set_deadline(w.session, w.event.id, datetime.now(timezone.utc) + timedelta(days=1), w.admin)
    w.session.commit()
    url = f"/e/{w.event.slug}/nominations/"
    unit = client_for(w, w.unit_a)
    html = unit.get(url).get_data(as_text=True)
    assert "Hạn cuối gửi đề nghị" in html and 'name="profile"' in html and 'name="achievements"' in html
    assert unit.post(url + "save", data=nominee()).status_code == 400                    # no CSRF
    csrf = csrf_of(html)
    unit.post(url + "save", data={"csrf": csrf, **nominee(profile="")})
    assert "Hãy nhập trích ngang" in unit.get(url).get_data(as_text=True)
    unit.post(url + "save", data={"csrf": csrf, **nominee(kind_id=str(w.kinds[0].id))})
    row = nominations.listing(w.session, w.event.id)[0]
    assert row.kind_id == w.kinds[0].id

    organiser = client_for(w, w.operator)
    csrf_o = csrf_of(organiser.get(url).get_data(as_text=True))
    assert organiser.post(url + f"{row.id}/return", data={"reason": "x"}).status_code == 400   # no CSRF
    organiser.post(url + f"{row.id}/return", data={"csrf": csrf_o, "reason": "Bổ sung năm vào Đảng."})
    html = unit.get(url).get_data(as_text=True)
    assert "Bị trả lại" in html and "Bổ sung năm vào Đảng." in html and "Sửa và gửi lại" in html
    unit.post(url + "save", data={"csrf": csrf, "nomination_id": str(row.id),
                                  **nominee(profile="Sinh năm 1968. Vào Đảng năm 1990.", kind_id=str(w.kinds[0].id))})
    assert 'data-status="submitted"' in unit.get(url).get_data(as_text=True)

    organiser.post(url + f"{row.id}/approve", data={"csrf": csrf_o, "kind_id": "", "scope": "item:abc",
                                                     "bridge_point_id": str(w.p1.id)})
    page = organiser.get(url).get_data(as_text=True)
    assert "Mục chương trình “abc” không hợp lệ" in page
    organiser.post(url + f"{row.id}/approve", data={
        "csrf": csrf_o, "kind_id": "", "level": "quận", "decision_number": "125-QĐ/QU", "decision_date": "2021-03-15",
        "bridge_point_id": str(w.p1.id), "scope": f"item:{w.items[3].id}"})
    page = organiser.get(url).get_data(as_text=True)
    assert "Đã duyệt: Nguyễn Thị Lan – Huy hiệu 75 năm tuổi Đảng." in page and "QĐ số 125-QĐ/QU" in page
    organiser.post(url + f"{row.id}/approve", data={"csrf": csrf_o, "scope": f"item:{w.items[3].id}",
                                                     "bridge_point_id": str(w.p1.id)})
    assert "đã được duyệt rồi" in organiser.get(url).get_data(as_text=True)
    w.session.expire_all()
    assert w.session.execute(select(func.count()).select_from(Award)).scalar() == 1
    assert 'data-status="approved"' in unit.get(url).get_data(as_text=True)


def test_organisers_set_the_deadline_and_the_form_closes_after_it(w):
    url = f"/e/{w.event.slug}/nominations/"
    organiser = client_for(w, w.admin)
    csrf = csrf_of(organiser.get(url).get_data(as_text=True))
    organiser.post(url + "deadline", data={"csrf": csrf, "deadline": "hôm qua"})
    assert "không hợp lệ" in organiser.get(url).get_data(as_text=True)
    organiser.post(url + "deadline", data={"csrf": csrf, "deadline": "2021-03-08T17:00"})
    w.session.expire_all()
    assert w.session.get(Event, w.event.id).nomination_deadline == DEADLINE
    html = client_for(w, w.unit_a).get(url).get_data(as_text=True)
    assert CLOSED in html and 'name="full_name"' not in html
    organiser.post(url + "deadline", data={"csrf": csrf, "deadline": ""})
    w.session.expire_all()
    assert w.session.get(Event, w.event.id).nomination_deadline is None
    assert "chưa mở nhận đề nghị" in client_for(w, w.unit_a).get(url).get_data(as_text=True)

