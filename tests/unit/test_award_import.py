"""Importing the award list: good CSV and XLSX files as offices write them (a collective received by one
person, a ward-level award in the wards' own segment, a recipient who is not a delegate yet), and a table
of bad files and rows, each refused with its line and what to fix; nothing is imported when one row is bad."""
from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from server.models import Award, Delegate, Invitation, LocalItem, ProgrammeItem
from server.services import awards, delegates
from server.services.award_import import ImportFailed, import_awards, new_recipients, parse_awards
from tests.tables import cp1258, xlsx

HEADER = ("STT,Họ và tên,Đơn vị,Tập thể,Hình thức khen thưởng,Cấp,Số quyết định,Ngày quyết định,Điểm cầu,"
          "Mục chương trình,Thành tích")
GOOD_CSV = "\n".join([
    "DANH SÁCH KHEN THƯỞNG,,,,,,,,,,",
    "",
    HEADER,
    "1,Lê Thị Hoa,,,Huy hiệu 30 năm tuổi Đảng,,1520-QĐ/QU,19/5/2023,,2,",
    "2,nguyen van an,Chi bộ 2,,Giấy khen cấp quận,quận,315-QĐ/QU,2023-05-19,Hội trường,6,Gương mẫu",
    ",,,,,,,,,,",
    HEADER,                                                           # repeated after a page break
    "3,Trần Quốc Tuấn,,Chi bộ Khu phố 4,Giấy khen cấp quận,quận,315-QĐ/QU,19/05/2023,hoi-truong,6,",
    "4,Phạm Thị Mai,Tổ dân phố 3,,Giấy khen cấp phường,phường,27-QĐ/ĐU,5/10/2020,Phường 2,2,",
    "5,Phạm Thị Mai,Tổ dân phố 3,,Bằng khen của Ủy ban nhân dân Thành phố,thành phố,2468/QĐ-UBND,,P. 2,Phần riêng 3,",
    "6,,,,,,,,,,",                                                   # a numbered template row left empty
]) + "\n"


@pytest.fixture
def event(app, session, make_event):
    """Plan 000 in small: 7 items, item 4 the wards' own segment of 3 items; a main hall and 3 wards."""
    event = make_event(n=7, segment_at=3, local_items=3, wards=3)
    main, p1, p2, p3 = event.bridge_points
    with app.app_context():
        for name, org, point in [("Nguyễn Văn An", "Chi bộ 1", main), ("Nguyễn Văn An", "Chi bộ 2", p1),
                                 ("Lê Thị Hoa", "Đảng ủy phường 1", p1), ("Trần Quốc Tuấn", "Chi bộ Khu phố 4", None)]:
            delegates.add(session, event.id, {"full_name": name, "organisation": org,
                                              "bridge_point_id": point.id if point else None}, "test")
        awards.kinds(session, event.id)
    session.commit()
    return event


def person(session, event, name, org=None) -> Delegate:
    rows = [d for d in delegates.listing(session, event.id) if d.full_name == name and org in (None, d.organisation)]
    assert len(rows) == 1, rows
    return rows[0]


def item(session, event, tt) -> ProgrammeItem:
    return session.scalars(select(ProgrammeItem).where(ProgrammeItem.event_id == event.id)
                           .order_by(ProgrammeItem.position)).all()[tt - 1]


def local(session, event, n) -> LocalItem:
    return item(session, event, 4).local_items[n - 1]


def kind_id(session, event, name) -> int:
    return awards.kind_of(session, event.id, name).id


def count(session, model, event) -> int:
    return session.scalar(select(func.count()).select_from(model).where(model.event_id == event.id))


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"], ids=["utf8", "utf8-bom"])
def test_good_csv(app, session, event, bom):
    main, p1, p2, p3 = event.bridge_points
    with app.app_context():
        rows = parse_awards(session, event.id, "khen-thuong.csv", bom + GOOD_CSV.encode())
    assert [r["line"] for r in rows] == [4, 5, 8, 9, 10]
    hoa, an, tuan, mai1, mai2 = rows

    assert hoa["delegate_id"] == person(session, event, "Lê Thị Hoa").id and hoa["new_delegate"] is None
    assert hoa["bridge_point_id"] == p1.id                        # empty Điểm cầu: the recipient's own point
    assert hoa["programme_item_id"] == item(session, event, 2).id and hoa["local_item_id"] is None
    assert hoa["kind_id"] == kind_id(session, event, "Huy hiệu 30 năm tuổi Đảng")
    assert (hoa["decision_number"], hoa["decision_date"], hoa["level"]) == ("1520-QĐ/QU", date(2023, 5, 19), "")

    assert an["delegate_id"] == person(session, event, "Nguyễn Văn An", "Chi bộ 2").id   # told apart by Đơn vị
    assert an["bridge_point_id"] == main.id and an["programme_item_id"] == item(session, event, 6).id
    assert an["citation"] == "Gương mẫu" and an["level"] == "quận"

    # a collective, received by the person in Họ và tên
    assert tuan["collective"] == "Chi bộ Khu phố 4" and tuan["delegate_id"] == person(session, event, "Trần Quốc Tuấn").id
    assert tuan["bridge_point_id"] == main.id

    # a ward-level award: the bare number is the ward's own item; a new recipient, added once
    assert mai1["delegate_id"] is None and mai1["new_delegate"]["full_name"] == "Phạm Thị Mai"
    assert mai1["new_delegate"]["category"] == "award_recipient" and mai1["new_delegate"]["bridge_point_id"] == p2.id
    assert mai1["bridge_point_id"] == p2.id and mai1["programme_item_id"] is None
    assert mai1["local_item_id"] == local(session, event, 2).id
    assert mai2["local_item_id"] == local(session, event, 3).id and mai2["decision_date"] is None
    assert mai2["new_delegate"] == mai1["new_delegate"]
    assert new_recipients(rows) == 1


def test_good_xlsx_with_other_header_spellings_and_excel_cells(app, session, event):
    main, p1, p2, p3 = event.bridge_points
    data = xlsx([
        ["QUẬN ỦY QUẬN 9"],
        ["DANH SÁCH TẬP THỂ, CÁ NHÂN ĐƯỢC KHEN THƯỞNG"],
        ["TT", "Họ tên", "Cơ quan", "Tên tập thể", "Hình thức", "Cấp khen thưởng", "Số QĐ", "Ngày QĐ", "Nơi trao",
         "Mục", "Thành tích khen thưởng"],
        [1.0, "Lê Thị Hoa", None, "Đảng ủy phường 1", "giay khen cap quan", "quận", 315.0, datetime(2020, 10, 5),
         "Hội trường", 6.0, "Tập thể tiêu biểu"],
        [2.0, "Võ Văn Bảy", "Khu phố 2", None, "Giấy khen cấp phường", "phường", "27-QĐ/ĐU", "05/10/2020",
         "P. 3", "Phần riêng 1", None],
        [3.0, "Lê Thị Hoa", None, None, "Giấy khen cấp quận", "quận", 315.0, datetime(2020, 10, 5), None, 6, None],
    ])
    with app.app_context():
        rows = parse_awards(session, event.id, "Khen thuong.XLSX", data)
    assert [r["line"] for r in rows] == [4, 5, 6]
    hoa_unit, bay, hoa = rows
    assert hoa_unit["collective"] == "Đảng ủy phường 1" and hoa_unit["decision_number"] == "315"
    assert hoa_unit["decision_date"] == date(2020, 10, 5) and hoa_unit["bridge_point_id"] == main.id
    assert hoa_unit["kind_id"] == kind_id(session, event, "Giấy khen cấp quận")     # written without diacritics
    assert hoa_unit["programme_item_id"] == item(session, event, 6).id
    assert bay["new_delegate"]["bridge_point_id"] == p3.id and bay["local_item_id"] == local(session, event, 1).id
    # the same person and kind, for herself and for her unit: two awards, not a duplicate
    assert hoa["collective"] == "" and hoa["bridge_point_id"] == p1.id and hoa["delegate_id"] == hoa_unit["delegate_id"]


@pytest.mark.parametrize("level, kind, point, written, expected", [
    ("phường", "Giấy khen cấp phường", "Phường 1", "2", ("local", 2)),       # ward level: the ward's own item
    ("", "Giấy khen cấp phường", "Phường 1", "3", ("local", 3)),             # no Cấp: the kind says phường
    ("quận", "Giấy khen cấp quận", "Phường 1", "2", ("item", 2)),            # a district award at a ward: TT
    ("phường", "Giấy khen cấp phường", "Hội trường", "2", ("item", 2)),      # the main hall has no local segment
    ("quận", "Giấy khen cấp quận", "Phường 1", "Phần riêng 1", ("local", 1)),
    ("", "Giấy khen cấp quận", "Phường 1", "phần riêng số 2", ("local", 2)),
    ("", "Giấy khen cấp quận", "Phường 1", "Mục riêng: 3", ("local", 3)),
    ("", "Giấy khen cấp quận", "Hội trường", "Mục 7", ("item", 7)),
    ("", "Giấy khen cấp quận", "Hội trường", "TT 5", ("item", 5)),
])
def test_where_the_award_is_presented(app, session, event, level, kind, point, written, expected):
    with app.app_context():
        [parsed] = parse_awards(session, event.id, "a.csv", row(*cells(level=level, kind=kind, point=point, item=written)))
    where, n = expected
    if where == "local":
        assert (parsed["programme_item_id"], parsed["local_item_id"]) == (None, local(session, event, n).id)
    else:
        assert (parsed["programme_item_id"], parsed["local_item_id"]) == (item(session, event, n).id, None)


def test_import_adds_new_recipients_once_with_an_invitation(app, session, event):
    main, p1, p2, p3 = event.bridge_points
    before = count(session, Delegate, event)
    with app.app_context():
        rows = parse_awards(session, event.id, "khen-thuong.csv", GOOD_CSV.encode())
        assert import_awards(session, event.id, rows, "noi-vu") == 5
    assert count(session, Award, event) == 5
    assert count(session, Delegate, event) == before + 1
    mai = person(session, event, "Phạm Thị Mai")
    assert (mai.category, mai.organisation, mai.bridge_point_id, mai.created_by) == \
        ("award_recipient", "Tổ dân phố 3", p2.id, "noi-vu")
    assert [i.status for i in mai.invitations] == ["active"]
    given = session.scalars(select(Award).where(Award.delegate_id == mai.id).order_by(Award.id)).all()
    assert [a.local_item_id for a in given] == [local(session, event, 2).id, local(session, event, 3).id]
    assert all(a.batch_id is None and a.status == "pending" for a in given)      # until "Xếp đợt"

    # The same file again: every award is already there, and it says so for each line.
    with app.app_context(), pytest.raises(ImportFailed) as exc:
        parse_awards(session, event.id, "khen-thuong.csv", GOOD_CSV.encode())
    assert [e.line for e in exc.value.errors] == [4, 5, 8, 9, 10]
    assert all("đã có" in e.message and "trong danh sách khen thưởng" in e.message for e in exc.value.errors)
    assert "Tập thể Chi bộ Khu phố 4 (người nhận: Trần Quốc Tuấn)" in exc.value.errors[2].message


def row(*cells) -> bytes:
    return (HEADER + "\n" + ",".join(cells) + "\n").encode()


def rows(*lines) -> bytes:
    return (HEADER + "\n" + "\n".join(",".join(cells) for cells in lines) + "\n").encode()


def cells(name="Lê Thị Hoa", org="", collective="", kind="Giấy khen cấp quận", level="quận", number="315",
          when="5/10/2020", point="Hội trường", item="6", citation="") -> tuple:
    return ("1", name, org, collective, kind, level, number, when, point, item, citation)


BAD = [
    # (name, data, line, words expected in that line's message)
    pytest.param("a.csv", "STT,Họ và tên,Đơn vị\n1,Lê Thị Hoa,P1\n".encode(), 1,
                 ["Không tìm thấy dòng tiêu đề", "Hình thức khen thưởng", "Mục chương trình"], id="no-header"),
    pytest.param("a.csv", row(*cells(name="")), 2, ["Thiếu họ và tên người nhận"], id="missing-name"),
    pytest.param("a.csv", row(*cells(kind="")), 2, ["Thiếu hình thức khen thưởng"], id="missing-kind"),
    pytest.param("a.csv", row(*cells(kind="Giấy khen X")), 2,
                 ["Hình thức khen thưởng “Giấy khen X” không có", "Giấy khen cấp quận", "Thêm hình thức mới"],
                 id="unknown-kind"),
    pytest.param("a.csv", row(*cells(name="Nguyễn Văn An")), 2,
                 ["Có 2 đại biểu tên Nguyễn Văn An", "Chi bộ 1", "Chi bộ 2", "Ghi cột Đơn vị"], id="two-of-that-name"),
    pytest.param("a.csv", row(*cells(name="Nguyễn Văn An", org="Chi bộ 9")), 2,
                 ["không có Nguyễn Văn An ở đơn vị “Chi bộ 9”", "Chi bộ 1", "thêm người này ở trang Đại biểu"],
                 id="name-with-another-unit"),
    pytest.param("a.csv", rows(cells(name="Võ Văn Mới", org="Tổ 1"), cells(name="Võ Văn Mới", org="Tổ 2", number="9"),
                               cells(name="vo van moi", org="", kind="Giấy khen cấp phường")), 4,
                 ["Tệp có 2 người tên vo van moi", "Ghi cột Đơn vị"], id="two-new-of-that-name"),
    pytest.param("a.csv", row(*cells(point="Phường 9")), 2, ["Không có điểm cầu “Phường 9”", "P. 1"],
                 id="unknown-point"),
    pytest.param("a.csv", row(*cells(name="Trần Quốc Tuấn", point="")), 2,
                 ["Trần Quốc Tuấn chưa được xếp điểm cầu", "ghi cột Điểm cầu"], id="no-point"),
    pytest.param("a.csv", row(*cells(name="Võ Văn Mới", point="")), 2, ["Võ Văn Mới chưa được xếp điểm cầu"],
                 id="new-recipient-no-point"),
    pytest.param("a.csv", row(*cells(item="")), 2, ["Thiếu mục chương trình", "Phần riêng 2"], id="missing-item"),
    pytest.param("a.csv", row(*cells(item="Khai mạc")), 2, ["Mục chương trình “Khai mạc” không rõ"], id="item-words"),
    pytest.param("a.csv", row(*cells(item="12")), 2, ["Mục số 12 không có trong chương trình (có 7 mục)"],
                 id="item-out-of-range"),
    pytest.param("a.csv", row(*cells(point="Phường 1", item="4")), 2, ["Mục 4 là phần riêng", "Phần riêng <số>"],
                 id="item-is-the-local-segment"),
    pytest.param("a.csv", row(*cells(item="Phần riêng 1")), 2, ["Điểm cầu Hội trường không có phần riêng"],
                 id="local-item-at-the-main-hall"),
    pytest.param("a.csv", row(*cells(point="P. 1", level="phường", item="5")), 2,
                 ["Phần riêng không có mục 5 (có 3 mục)"], id="local-item-out-of-range"),
    pytest.param("a.csv", row(*cells(when="31/2/2023")), 2, ["Ngày quyết định “31/2/2023” không hợp lệ"], id="bad-date"),
    pytest.param("a.csv", row(*cells(number="Q" * 61)), 2, ["Số quyết định dài quá 60 ký tự"], id="long-decision"),
    pytest.param("a.csv", rows(cells(), cells(name="Lê Văn Ba", point="Phường 1"), cells(name="le thi hoa", number="1")), 4,
                 ["Lê Thị Hoa: Giấy khen cấp quận trùng với dòng 2"], id="duplicate-in-file"),
    pytest.param("a.csv", rows(cells(collective="Chi bộ 5"), cells(collective="CHI BỘ 5", item="7")), 3,
                 ["Tập thể CHI BỘ 5 (người nhận: Lê Thị Hoa): Giấy khen cấp quận trùng với dòng 2"],
                 id="duplicate-collective-in-file"),
    pytest.param("a.csv", row(*cells(kind="Huy hiệu 30 năm tuổi Đảng")), 2,
                 ["Lê Thị Hoa đã có Huy hiệu 30 năm tuổi Đảng trong danh sách khen thưởng"], id="duplicate-of-existing"),
    pytest.param("a.csv", cp1258(HEADER + "\n" + ",".join(cells()) + "\n"), 0, ["không ở mã UTF-8", "CSV UTF-8"],
                 id="windows-1258"),
    pytest.param("a.pdf", b"%PDF-1.4", 0, ["Chỉ nhận tệp .xlsx hoặc .csv", "a.pdf"], id="pdf"),
    pytest.param("a.xlsx", b"PK\x03\x04 not really a zip", 0, ["không phải bảng tính Excel"], id="garbled-xlsx"),
    pytest.param("a.csv", (HEADER + "\n1,,,,,,,,,,\n\n").encode(), 1, ["Bảng không có khen thưởng nào"], id="empty-table"),
]


@pytest.mark.parametrize("name, data, line, words", BAD)
def test_bad_files_and_rows_are_refused_with_what_to_fix(app, session, event, name, data, line, words):
    main, p1, p2, p3 = event.bridge_points
    with app.app_context():
        delegates.add(session, event.id, {"full_name": "Lê Văn Ba", "bridge_point_id": p1.id}, "test")
        awards.add(session, event.id, {"delegate_id": person(session, event, "Lê Thị Hoa").id,
                                       "kind": "Huy hiệu 30 năm tuổi Đảng", "programme_item_id": item(session, event, 2).id})
    session.commit()
    before = (count(session, Award, event), count(session, Delegate, event))
    with app.app_context(), pytest.raises(ImportFailed) as exc:
        parse_awards(session, event.id, name, data)
    assert "Không nhập được danh sách khen thưởng: 1 lỗi" in str(exc.value.message)
    [error] = exc.value.errors
    assert error.line == line
    for word in words:
        assert word in error.message, error.message
    assert str(error).startswith(f"Dòng {line}:")
    assert exc.value.details["errors"] == [str(error)]
    session.rollback()
    assert (count(session, Award, event), count(session, Delegate, event)) == before


def test_every_bad_row_is_reported_and_nothing_is_imported(app, session, event):
    before = (count(session, Award, event), count(session, Delegate, event))
    data = rows(cells(),                                                   # line 2: good
                cells(name="Võ Văn Mới", point="Phường 3", item="Phần riêng 2", level="phường"),   # 3: good, new
                cells(name="Lê Văn Ba", point="Phường 1", kind="Giấy khen X"),                   # 4: unknown kind
                cells(name="Trần Quốc Tuấn", point="Hội trường", when="hôm qua"))               # 5: bad date
    with app.app_context(), pytest.raises(ImportFailed) as exc:
        parse_awards(session, event.id, "a.csv", data)
    assert [e.line for e in exc.value.errors] == [4, 5]
    assert str(exc.value.message) == "Không nhập được danh sách khen thưởng: 2 lỗi. Sửa tệp rồi nhập lại."
    session.rollback()
    assert (count(session, Award, event), count(session, Delegate, event)) == before


def test_import_keeps_nothing_when_a_row_fails_on_the_way_in(app, session, event):
    with app.app_context():
        rows_ = parse_awards(session, event.id, "khen-thuong.csv", GOOD_CSV.encode())
        session.commit()                                   # the default kinds
        # Someone gives Trần Quốc Tuấn's unit the same award after the file was checked.
        awards.add(session, event.id, {"delegate_id": person(session, event, "Trần Quốc Tuấn").id,
                                       "kind": "Giấy khen cấp quận", "collective": "chi bo khu pho 4",
                                       "bridge_point_id": event.bridge_points[0].id,
                                       "programme_item_id": item(session, event, 7).id})
        session.commit()
    before = (count(session, Award, event), count(session, Delegate, event), count(session, Invitation, event))
    with app.test_request_context(), pytest.raises(ImportFailed) as exc:
        import_awards(session, event.id, rows_, "noi-vu")
    assert [e.line for e in exc.value.errors] == [8]
    assert "đã có Giấy khen cấp quận" in exc.value.errors[0].message
    assert (count(session, Award, event), count(session, Delegate, event), count(session, Invitation, event)) == before
