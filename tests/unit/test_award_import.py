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


# --- Plan 001 (Kiến An, 19/5/2023): one hall, 68 awards, collectives written the ways offices write them ---

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô"]
MIDDLE = ["Văn", "Thị", "Quốc", "Đức", "Thu"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Hà", "Hải", "Hoa", "Hùng", "Lan", "Minh", "Nam", "Phúc", "Quang", "Sơn",
         "Tâm", "Thảo", "Tuấn", "Vinh"]
# Huy hiệu Đảng, item 4: the 30-year badge on lines 4, 6 and 8–33 (28 rows), then 40 … 60 years.
YEARS = [30, 40, 30, 40] + [30] * 26 + [40] * 8 + [45] * 5 + [50] * 3 + [55] * 2 + [60] * 2
PLAN001_HEADER = ["STT", "Họ và tên", "Đơn vị", "Tập thể", "Hình thức khen thưởng", "Số quyết định",
                  "Ngày quyết định", "Mục chương trình"]
# The collectives of item 9, each written as in a real list (the unit, its mark, the kind as written).
PLAN001_COLLECTIVES = [
    ("Chi bộ Khu dân cư số 1, phường Bắc Sơn (tập thể)", "", "Giấy khen của Quận ủy"),
    ("Chi bộ Khu dân cư số 2, phường Bắc Sơn (Tập thể)", "", "Giấy khen của Quận ủy"),
    ("Chi bộ Khu dân cư số 5, phường Bắc Sơn (TẬP THỂ)", "", "Giấy khen của Quận ủy"),
    ("Chi bộ TDP số 7 - tập thể", "", "Giấy khen của Quận ủy"),
    ("Chi bộ Trường Tiểu học Ngọc Sơn", "x", "Giấy khen của Quận ủy"),
    ("Chi bộ Trường THCS Trần Phú", "Tập thể", "Giấy khen của Quận ủy"),
    ("Đảng bộ phường Đồng Hòa", "", "Giấy khen của Quận ủy (tập thể)"),
    ("Đảng bộ phường Nam Sơn", "", "Giấy khen của Quận ủy - Tập thể"),
]
PLAN001_UNITS = ["Chi bộ Khu dân cư số 1, phường Bắc Sơn", "Chi bộ Khu dân cư số 2, phường Bắc Sơn",
                 "Chi bộ Khu dân cư số 5, phường Bắc Sơn", "Chi bộ TDP số 7", "Chi bộ Trường Tiểu học Ngọc Sơn",
                 "Chi bộ Trường THCS Trần Phú", "Đảng bộ phường Đồng Hòa", "Đảng bộ phường Nam Sơn"]


def plan001_list(badge_30="Huy hiệu 30 năm tuổi Đảng", date_of=lambda n: "12/5/2023") -> bytes:
    """The list as the office keeps it: a title block, no Điểm cầu column (one hall), lines 4–71."""
    import csv
    import io
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["QUẬN ỦY KIẾN AN"] + [""] * 7)
    writer.writerow(["DANH SÁCH TẬP THỂ, CÁ NHÂN ĐƯỢC KHEN THƯỞNG"] + [""] * 7)
    writer.writerow(PLAN001_HEADER)
    n = 0
    for i, years in enumerate(YEARS):
        n += 1
        name = "Lê Quốc Bằng" if i == 5 else f"{SURNAMES[i % 10]} {MIDDLE[(i // 10) % 5]} {GIVEN[i % 18]}"
        kind = badge_30 if years == 30 else f"Huy hiệu {years} năm tuổi Đảng"
        writer.writerow([n, name, f"Chi bộ TDP số {i % 12 + 1}, phường Trần Thành Ngọ", "", kind, "1520-QĐ/QU",
                         date_of(n), 4])
    for unit, mark, kind in PLAN001_COLLECTIVES:
        n += 1
        writer.writerow([n, unit, "", mark, kind, "315-QĐ/QU", date_of(n), 9])
    for i in range(50, 60):
        n += 1
        writer.writerow([n, f"{SURNAMES[i % 10]} {MIDDLE[(i // 10) % 5]} {GIVEN[i % 18]}", "Công an quận", "",
                         "Giấy khen của Quận ủy", "315-QĐ/QU", date_of(n), 9])
    assert n == 68
    return out.getvalue().encode()


@pytest.fixture
def plan001(app, session, make_event):
    """One hall (no wards), an 11-item programme, a delegate list imported without a Điểm cầu column."""
    event = make_event(n=11, wards=0)
    with app.app_context():
        delegates.add(session, event.id, {"full_name": "Lê Quốc Bằng",
                                          "organisation": "Chi bộ TDP số 6, phường Trần Thành Ngọ"}, "test")
        awards.kinds(session, event.id)
    session.commit()
    return event


def test_plan001_list_with_its_collectives_imports_whole(app, session, plan001):
    """Every collective is read as an award to that unit, received by its representative; the kind is
    the kind without the mark; one hall, so an empty Điểm cầu is that hall."""
    [hall] = plan001.bridge_points
    kinds_before = len(awards.kinds(session, plan001.id))
    before = count(session, Delegate, plan001)
    with app.app_context():
        rows = parse_awards(session, plan001.id, "khen-thuong-19-5.csv", plan001_list())
    assert [r["line"] for r in rows] == list(range(4, 72))
    assert all(r["bridge_point_id"] == hall.id for r in rows)
    collectives = rows[50:58]
    assert [r["collective"] for r in collectives] == PLAN001_UNITS
    assert all(r["kind_id"] == kind_id(session, plan001, "Giấy khen của Quận ủy") for r in collectives)
    assert [r["new_delegate"]["full_name"] for r in collectives] == [f"Đại diện {u}" for u in PLAN001_UNITS]
    assert all(r["new_delegate"]["organisation"] == u for r, u in zip(collectives, PLAN001_UNITS))
    assert all(r["collective"] == "" for r in rows[:50] + rows[58:])
    bang = rows[5]
    assert bang["new_delegate"] is None and bang["delegate_id"] == person(session, plan001, "Lê Quốc Bằng").id
    assert new_recipients(rows) == 49 + 8 + 10
    with app.app_context():
        assert import_awards(session, plan001.id, rows, "noi-vu") == 68
    assert count(session, Award, plan001) == 68
    assert count(session, Delegate, plan001) == before + 67
    assert len(awards.kinds(session, plan001.id)) == kinds_before           # no kind was made up


def test_plan001_list_with_one_mistake_on_many_rows_names_each_problem_once(app, session, plan001):
    """The 30-year badge written short on its 28 rows and one wrong date twice: three messages, each
    naming its lines; every bad line is still an error of its own; nothing is imported."""
    before = (count(session, Award, plan001), count(session, Delegate, plan001))
    data = plan001_list(badge_30="Huy hiệu 30 năm", date_of=lambda n: "31/4/2023" if n in (60, 62) else "12/5/2023")
    with app.app_context(), pytest.raises(ImportFailed) as exc:
        parse_awards(session, plan001.id, "khen-thuong-19-5.csv", data)
    bad_kind = [4, 6] + list(range(8, 34))
    assert [e.line for e in exc.value.errors] == bad_kind + [63, 65]
    assert str(exc.value.message) == "Không nhập được danh sách khen thưởng: 30 lỗi. Sửa tệp rồi nhập lại."
    shown = exc.value.details["errors"]
    assert len(shown) == 2, shown
    assert shown[0].startswith("Dòng 4, 6, 8–33: Hình thức khen thưởng “Huy hiệu 30 năm” không có trong danh sách")
    assert "Huy hiệu 30 năm tuổi Đảng" in shown[0]                      # the kind it resembles comes first
    assert shown[1] == "Dòng 63, 65: Ngày quyết định “31/4/2023” không hợp lệ; ghi ngày/tháng/năm, ví dụ 19/5/2023."
    session.rollback()
    assert (count(session, Award, plan001), count(session, Delegate, plan001)) == before


def test_the_same_recipient_problem_on_many_rows_is_one_message(app, session, event):
    """Recipients with no bridge point on several lines: one message naming the lines (the names are
    the lines'); a problem of one line keeps its full message."""
    data = rows(cells(name="Võ Văn Một", point=""), cells(name="Võ Văn Hai", point=""), cells(),
                cells(name="Võ Văn Ba", point=""), cells(name="Võ Văn Bốn", point=""), cells(name="Võ Văn Năm", point=""),
                cells(name="Lê Văn Sáu", point="Phường 9"))
    with app.app_context(), pytest.raises(ImportFailed) as exc:
        parse_awards(session, event.id, "a.csv", data)
    assert [e.line for e in exc.value.errors] == [2, 3, 5, 6, 7, 8]
    assert "Võ Văn Một chưa được xếp điểm cầu" in exc.value.errors[0].message
    assert exc.value.details["errors"] == [
        "Dòng 2, 3, 5–7: Người nhận chưa được xếp điểm cầu; ghi cột Điểm cầu nơi trao.",
        str(exc.value.errors[-1])]
    assert exc.value.details["errors"][1].startswith("Dòng 8: Không có điểm cầu “Phường 9”")


UNIT = "Chi bộ Khu phố 4"


@pytest.mark.parametrize("name, collective, kind, section", [
    (f"{UNIT} (tập thể)", "", "Giấy khen cấp quận", None),
    (f"{UNIT} [Tập thể]", "", "Giấy khen cấp quận", None),
    (f"Tập thể {UNIT}", "", "Giấy khen cấp quận", None),
    (f"Tập thể: {UNIT}", "", "Giấy khen cấp quận", None),
    (f"{UNIT} – tập thể", "", "Giấy khen cấp quận", None),
    (UNIT, "x", "Giấy khen cấp quận", None),
    (UNIT, "X", "Giấy khen cấp quận", None),
    (UNIT, "tập thể", "Giấy khen cấp quận", None),
    (UNIT, "✓", "Giấy khen cấp quận", None),
    (UNIT, "", "Giấy khen cấp quận (tập thể)", None),
    (UNIT, "", "giay khen cap quan (tap the)", None),
    (UNIT, "", "Giấy khen cấp quận - tập thể", None),
    (UNIT, "", "Giấy khen cấp quận cho tập thể", None),
    (UNIT, "", "Giấy khen tập thể cấp quận", None),
    (UNIT, "", "Giấy khen cấp quận", "I. TẬP THỂ (01 tập thể)"),
    (UNIT, "", "Giấy khen cấp quận", "A- Tập thể:"),
    ("", UNIT, "Giấy khen cấp quận", None),                      # the unit's column, nobody named
    (UNIT, UNIT, "Giấy khen cấp quận", None),
])
def test_a_collective_written_any_usual_way_is_an_award_to_that_unit(app, session, event, name, collective, kind,
                                                                     section):
    main = event.bridge_points[0]
    lines = [cells(name="Lê Thị Hoa", kind="Giấy khen cấp phường", point="Phường 1", item="2", level="phường")]
    if section:
        lines.append(("", section, "", "", "", "", "", "", "", "", ""))
    lines.append(cells(name=name, collective=collective, kind=kind, level=""))
    if section:                                                   # the next section: individuals again
        lines.append(("", "II. CÁ NHÂN", "", "", "", "", "", "", "", "", ""))
        lines.append(cells(name="Võ Văn Bảy", org="Khu phố 2"))
    with app.app_context():
        parsed = parse_awards(session, event.id, "a.csv", rows(*lines))
    hoa, unit, *after = parsed
    assert hoa["collective"] == ""
    assert unit["collective"] == UNIT and unit["kind_id"] == kind_id(session, event, "Giấy khen cấp quận")
    assert unit["new_delegate"]["full_name"] == f"Đại diện {UNIT}" and unit["new_delegate"]["organisation"] == UNIT
    assert unit["bridge_point_id"] == main.id
    assert [a["collective"] for a in after] == [""] * len(after)


def test_a_collective_received_by_a_named_person_or_by_the_unit_on_the_delegate_list(app, session, event):
    """The Tập thể column names the unit and Họ và tên the person who receives for it (as before); a unit
    that is itself on the delegate list receives its own award; a unit's mark next to a person's name
    in the Tập thể column is the person's unit (Đơn vị)."""
    main = event.bridge_points[0]
    with app.app_context():
        delegates.add(session, event.id, {"full_name": "Đảng ủy phường 2", "bridge_point_id": main.id}, "test")
        parsed = parse_awards(session, event.id, "a.csv", rows(
            cells(name="Trần Quốc Tuấn", collective=f"{UNIT} (tập thể)"),
            cells(name="Đảng ủy phường 2 (tập thể)"),
        ))
    tuan, ward = parsed
    assert (tuan["collective"], tuan["delegate_id"]) == (UNIT, person(session, event, "Trần Quốc Tuấn").id)
    assert (ward["collective"], ward["delegate_id"]) == ("Đảng ủy phường 2", person(session, event, "Đảng ủy phường 2").id)


def test_an_unknown_kind_for_a_collective_never_asks_for_a_new_kind(app, session, event):
    with app.app_context(), pytest.raises(ImportFailed) as exc:
        parse_awards(session, event.id, "a.csv", rows(cells(name=UNIT, kind="Giấy khen Quận ủy (tập thể)"),
                                                      cells(name=f"{UNIT} (tập thể)", kind="Bằng khen", number="2"),
                                                      cells(name="Võ Văn Bảy", kind="Tập thể lao động xuất sắc")))
    first, second, title = exc.value.errors
    assert "“Giấy khen Quận ủy”" in first.message and "(tập thể)" not in first.message
    assert "Giấy khen của Quận ủy" in first.message                    # the kind it resembles
    assert "“Bằng khen”" in second.message
    for error in (first, second):
        assert "Thêm hình thức mới" not in error.message and "Với khen tập thể, ghi hình thức như với cá nhân" \
            in error.message
    # A title that starts with "Tập thể" is a kind of its own, quoted whole, and may be added.
    assert "“Tập thể lao động xuất sắc” không có" in title.message and "Thêm hình thức mới" in title.message


def test_line_lists():
    from server.services.table_import import line_list
    assert line_list([4]) == "4"
    assert line_list([3, 5, 7, 8, 9, 10, 11, 12]) == "3, 5, 7–12"
    assert line_list([2, 3, 5, 6, 7]) == "2, 3, 5–7"
    assert line_list([9, 1, 2, 3, 1]) == "1–3, 9"


def test_other_ways_a_list_says_collective_or_individual(app, session, event):
    """A heading merged across the row lands in the STT cell; a Cá nhân/Tập thể column; "x" next to a
    delegate's name with Đơn vị filled: that person receives for their unit; "(cá nhân)" in a kind."""
    header = "STT,Họ và tên,Đơn vị,Cá nhân/Tập thể,Hình thức khen thưởng,Điểm cầu,Mục chương trình\n"
    data = (header + "A. TẬP THỂ,,,,,,\n"
            f"1,{UNIT},,,Giấy khen cấp quận,Hội trường,6\n"
            "B. CÁ NHÂN,,,,,,\n"
            "2,Võ Văn Bảy,Khu phố 2,,Giấy khen cấp quận,Hội trường,6\n"
            "3,Chi bộ 9,,Tập thể,Giấy khen cấp quận,Hội trường,6\n"
            "4,Lê Thị Hoa,Đảng ủy phường 1,x,Giấy khen cấp quận,,6\n"
            "5,Võ Văn Tám,,Cá nhân,Giấy khen cấp quận (cá nhân),Hội trường,6\n").encode()
    with app.app_context():
        parsed = parse_awards(session, event.id, "a.csv", data)
    assert [r["line"] for r in parsed] == [3, 5, 6, 7, 8]
    assert [r["collective"] for r in parsed] == [UNIT, "", "Chi bộ 9", "Đảng ủy phường 1", ""]
    assert parsed[3]["delegate_id"] == person(session, event, "Lê Thị Hoa").id
    assert parsed[4]["kind_id"] == kind_id(session, event, "Giấy khen cấp quận")
    with app.app_context(), pytest.raises(ImportFailed) as exc:
        parse_awards(session, event.id, "a.csv", (header + "1,Chi bộ 9,,đơn vị,Giấy khen cấp quận,,6\n").encode())
    assert exc.value.details["errors"] == ["Dòng 2: Cột Cá nhân/Tập thể ghi “đơn vị”: ghi “Tập thể” hoặc “Cá nhân”."]
