"""Importing the delegate list: good CSV and XLSX files as offices write them, and a table of bad files
and rows, each refused with its line and what to fix."""
from __future__ import annotations


import pytest
from sqlalchemy import func, select

from server.models import BridgePoint, Delegate, Invitation
from server.services import delegates
from server.services.delegate_import import ImportFailed, import_delegates, parse_delegates
from server.services.programme_import import parse_programme
from tests.tables import cp1258, xlsx

HEADER = "STT,Họ và tên,Chức vụ,Đơn vị,Thành phần,Điểm cầu,Khu,Hàng,Ghế,Điện thoại,Email,VIP,Khen thưởng"
GOOD_CSV = "\n".join([
    "DANH SÁCH ĐẠI BIỂU DỰ HỘI NGHỊ,,,,,,,,,,,,",
    "",
    HEADER,
    "1,Nguyễn Văn An,Bí thư,Đảng ủy phường 1,Lãnh đạo quận,Phường 1,A,1,1,0912345678,an@example.vn,,",
    "2,Trần Thị Bình,Phó Bí thư,Đảng ủy phường 2,Bí thư chi bộ,P. 2,A,1,2,,,x,",
    ",,,,,,,,,,,,",
    HEADER,                                                           # repeated after a page break
    "3,Lê Quốc Bằng,Đảng viên,Chi bộ TDP số 3,Người nhận khen thưởng,hoi-truong,B,2,5,,,,Huy hiệu 30 năm tuổi Đảng",
    "4,Phạm Thu Hà,Phóng viên,Báo Hải Phòng,Báo chí,,,,,,,,",
    "5,,,,,,,,,,,,",                                                  # a numbered template row left empty
]) + "\n"


def count_delegates(session, event_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Delegate).where(Delegate.event_id == event_id))


def point_id(session, event_id: int, code: str) -> int:
    return session.scalar(select(BridgePoint.id).where(BridgePoint.event_id == event_id, BridgePoint.code == code))


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"], ids=["utf8", "utf8-bom"])
def test_good_csv_with_or_without_bom(session, make_event, bom):
    event = make_event(n=1)
    rows = parse_delegates(session, event.id, "dai-bieu.csv", bom + GOOD_CSV.encode())
    assert [r["full_name"] for r in rows] == ["Nguyễn Văn An", "Trần Thị Bình", "Lê Quốc Bằng", "Phạm Thu Hà"]
    assert [r["line"] for r in rows] == [4, 5, 8, 9]
    an, binh, bang, ha = rows
    assert an["category"] == "district_leader" and an["vip"] is True           # VIP by its category
    assert an["bridge_point_id"] == point_id(session, event.id, "phuong-1")
    assert an["phone"] == "0912345678" and an["email"] == "an@example.vn"
    assert (an["seat_zone"], an["seat_row"], an["seat_number"]) == ("A", "1", "1")
    assert binh["category"] == "cell_secretary" and binh["vip"] is True         # "x" in the VIP column
    assert binh["bridge_point_id"] == point_id(session, event.id, "phuong-2")
    assert bang["award"] == "Huy hiệu 30 năm tuổi Đảng" and bang["vip"] is False
    assert bang["bridge_point_id"] == point_id(session, event.id, "hoi-truong")
    assert ha["category"] == "press" and ha["bridge_point_id"] is None and ha["organisation"] == "Báo Hải Phòng"


def test_good_xlsx_with_other_header_spellings_and_numeric_cells(session, make_event):
    event = make_event(n=1)
    data = xlsx([
        ["QUẬN ỦY KIẾN AN"],
        ["TT", "Họ tên", "Cơ quan", "Đối tượng", "Điểm cầu", "Khu", "Hàng", "Số ghế", "SĐT", "Thư điện tử",
         "VIP", "Hình thức khen thưởng"],
        [1, "Nguyễn Văn An", "Đảng ủy phường 1", "Khách mời thành phố", "Phường 3", "A", 2.0, 12.0,
         912345678.0, None, None, None],
        [2, "Trần Thị Bình", "Chi bộ 4", "", "phuong-3", "A", 2, 13, "0987 654 321", "binh@example.vn", "có",
         "Giấy khen"],
        [3, "Đỗ Văn Cường", "Chi bộ 5", "Đại biểu", "P. 3", None, None, None, None, None, "không", None],
    ])
    rows = parse_delegates(session, event.id, "Danh sach.XLSX", data)
    an, binh, cuong = rows
    assert [r["line"] for r in rows] == [3, 4, 5]
    assert an["phone"] == "0912345678"                       # the 0 Excel dropped comes back
    assert (an["seat_row"], an["seat_number"]) == ("2", "12")
    assert an["category"] == "city_guest" and an["vip"] is True
    assert binh["phone"] == "0987 654 321" and binh["category"] == "delegate" and binh["vip"] is True
    assert binh["award"] == "Giấy khen" and binh["email"] == "binh@example.vn"
    assert cuong["vip"] is False
    assert {r["bridge_point_id"] for r in rows} == {point_id(session, event.id, "phuong-3")}


@pytest.mark.parametrize("written", ["P. Long Bình", "Long Bình", "Hội trường Đảng ủy phường Long Bình",
                                     "long-binh", "phường long binh", "LONG BÌNH"])
def test_bridge_point_as_people_write_it(session, make_event, written):
    event = make_event(n=1)
    session.add(BridgePoint(event_id=event.id, code="long-binh", name="Hội trường Đảng ủy phường Long Bình",
                            short_name="P. Long Bình", kind="ward", position=9))
    session.commit()
    rows = parse_delegates(session, event.id, "a.csv", f"Họ và tên,Điểm cầu\nNguyễn Văn An,{written}\n".encode())
    assert rows[0]["bridge_point_id"] == point_id(session, event.id, "long-binh")


BAD = [
    # (name, data, line, words expected in that line's message)
    pytest.param("a.csv", "Số,Tên người\n1,Nguyễn Văn An\n".encode(), 1, ["Không tìm thấy dòng tiêu đề", "Họ và tên"],
                 id="no-header"),
    pytest.param("a.csv", "Chức vụ,Đơn vị\nBí thư,Phường 1\n".encode(), 1, ["Họ và tên"], id="no-name-column"),
    pytest.param("a.csv", "STT,Họ và tên,Đơn vị\n1,Nguyễn Văn An,P1\n2,,Phường 2\n".encode(), 3,
                 ["Thiếu họ và tên"], id="missing-name"),
    pytest.param("a.csv", "Họ và tên,Thành phần\nNguyễn Văn An,Khách VIP\n".encode(), 2,
                 ["Thành phần “Khách VIP” không có trong danh sách", "Khách mời thành phố"], id="unknown-category"),
    pytest.param("a.csv", "Họ và tên,Điểm cầu\nNguyễn Văn An,Phường 9\n".encode(), 2,
                 ["Không có điểm cầu “Phường 9”", "Hội trường", "P. 1"], id="unknown-bridge-point"),
    pytest.param("a.csv", "Họ và tên,Điện thoại\nNguyễn Văn An,09-abc\n".encode(), 2,
                 ["Số điện thoại “09-abc” không hợp lệ"], id="bad-phone"),
    pytest.param("a.csv", "Họ và tên,Email\nNguyễn Văn An,an@example\n".encode(), 2,
                 ["Thư điện tử “an@example” không hợp lệ"], id="bad-email"),
    pytest.param("a.csv", "Họ và tên,VIP\nNguyễn Văn An,có lẽ\n".encode(), 2, ["Cột VIP “có lẽ” không rõ"], id="bad-vip"),
    pytest.param("a.csv", ("Họ và tên,Đơn vị\nNguyễn Văn An,Phường 1\nTrần Bình,Phường 1\n"
                           "nguyen van an,PHƯỜNG 1\n").encode(), 4,
                 ["trùng với dòng 2", "cùng họ tên và đơn vị"], id="duplicate-in-file"),
    pytest.param("a.csv", "Họ và tên,Đơn vị\nLê Văn Tám,Chi bộ 2\n".encode(), 2,
                 ["Lê Văn Tám (Chi bộ 2) đã có trong danh sách đại biểu"], id="duplicate-of-existing"),
    pytest.param("a.csv", ("Họ và tên,Điểm cầu,Khu,Hàng,Ghế\nNguyễn Văn An,Phường 1,A,1,5\n"
                           "Trần Bình,P. 1,a,1,5\n").encode(), 3,
                 ["Khu a, Hàng 1, Ghế 5 đã xếp cho dòng 2"], id="same-seat-twice"),
    pytest.param("a.csv", cp1258("Họ và tên,Đơn vị\nNguyễn Văn An,Phường 1\n"), 0,
                 ["không ở mã UTF-8", "CSV UTF-8"], id="windows-1258"),
    pytest.param("a.pdf", b"%PDF-1.4", 0, ["Chỉ nhận tệp .xlsx hoặc .csv", "a.pdf"], id="pdf"),
    pytest.param("a.xlsx", b"PK\x03\x04 not really a zip", 0, ["không phải bảng tính Excel"], id="garbled-xlsx"),
    pytest.param("a.csv", "STT,Họ và tên,Đơn vị\n1,,\n\n".encode(), 1, ["Bảng không có đại biểu nào"], id="empty-table"),
]


@pytest.mark.parametrize("name, data, line, words", BAD)
def test_bad_files_and_rows_are_refused_with_what_to_fix(session, make_event, name, data, line, words):
    event = make_event(n=1)
    session.add(Delegate(event_id=event.id, full_name="Lê Văn Tám", name_key="le van tam", organisation="Chi bộ 2",
                         created_at=event.starts_at))
    session.commit()
    with pytest.raises(ImportFailed) as exc:
        parse_delegates(session, event.id, name, data)
    assert "Không nhập được danh sách đại biểu: 1 lỗi" in str(exc.value.message)
    [error] = exc.value.errors
    assert error.line == line
    for word in words:
        assert word in error.message
    assert str(error).startswith(f"Dòng {line}:")
    assert exc.value.details["errors"] == [str(error)]


def test_every_bad_row_is_reported_and_nothing_is_imported(session, make_event):
    event = make_event(n=1)
    before = count_delegates(session, event.id)
    data = ("Họ và tên,Đơn vị,Email\n"
            "Nguyễn Văn An,Phường 1,an@example.vn\n"
            "Trần Bình,Phường 2,khong-co-a-cong\n"     # line 3: bad email
            "Lê Chi,Phường 3,chi@example.vn\n").encode()
    with pytest.raises(ImportFailed) as exc:
        parse_delegates(session, event.id, "a.csv", data)
    assert [e.line for e in exc.value.errors] == [3]
    assert count_delegates(session, event.id) == before

    data = data.replace(b"Tr\xe1\xba\xa7n B\xc3\xacnh,Ph\xc6\xb0\xe1\xbb\x9dng 2,khong-co-a-cong",
                        "Trần Bình,Phường 2,\nPhạm Dũng,,sai@\n,Phường 4,\n".encode())
    with pytest.raises(ImportFailed) as exc:
        parse_delegates(session, event.id, "a.csv", data)
    assert [e.line for e in exc.value.errors] == [4, 5]
    assert "Không nhập được danh sách đại biểu: 2 lỗi. Sửa tệp rồi nhập lại." == str(exc.value.message)
    assert count_delegates(session, event.id) == before


def test_import_adds_everyone_with_one_active_invitation_each(app, session, make_event):
    event = make_event(n=1)
    rows = parse_delegates(session, event.id, "dai-bieu.csv", GOOD_CSV.encode())
    with app.app_context():
        assert import_delegates(session, event.id, rows, "van-phong") == 4
    people = delegates.listing(session, event.id)
    assert sorted(d.full_name for d in people) == sorted(r["full_name"] for r in rows)
    assert all(d.created_by == "van-phong" and not d.walk_in for d in people)
    for person in people:
        assert [i.status for i in person.invitations] == ["active"]
    assert session.scalar(select(func.count()).select_from(Invitation)
                          .where(Invitation.event_id == event.id)) == 4
    # The same file again: everyone is already there, and it says so for each line.
    with pytest.raises(ImportFailed) as exc:
        parse_delegates(session, event.id, "dai-bieu.csv", GOOD_CSV.encode())
    assert [e.line for e in exc.value.errors] == [4, 5, 8, 9]
    assert all("đã có trong danh sách đại biểu" in e.message for e in exc.value.errors)


def test_import_keeps_nothing_when_a_row_fails_on_the_way_in(app, session, make_event):
    event = make_event(n=1)
    rows = parse_delegates(session, event.id, "dai-bieu.csv", GOOD_CSV.encode())
    delegates.add(session, event.id, {"full_name": "Phạm Thu Hà", "organisation": "Báo Hải Phòng"}, "khac")
    session.commit()                                   # someone added her after the file was checked
    # A request context, as in the upload view: the app's locale selector reads the request to word the
    # error, which a bare app context lacks.
    with app.test_request_context(), pytest.raises(ImportFailed) as exc:
        import_delegates(session, event.id, rows, "van-phong")
    assert [e.line for e in exc.value.errors] == [9]
    assert count_delegates(session, event.id) == 1
    assert session.scalar(select(func.count()).select_from(Invitation)) == 0


def test_programme_import_keeps_its_own_headline():
    with pytest.raises(ImportFailed) as exc:
        parse_programme("a.pdf", b"%PDF")
    assert str(exc.value.message).startswith("Không nhập được chương trình: 1 lỗi")
