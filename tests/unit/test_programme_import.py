"""Importing a programme table: plan 001's 11-item table as it stands, and a table of bad files."""
from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from server.services import programme as programme_service
from server.services import show_control
from server.services.errors import Invalid
from server.services.programme_import import DEFAULT_DURATION_S, ImportFailed, parse_programme
from server.services.snapshot import snapshot
from tests.tables import cp1258, xlsx

PLAN_001 = Path(__file__).parent.parent / "fixtures" / "plan001_programme.tsv"


def plan_001_rows() -> list[list[str]]:
    return [line.split("\t") for line in PLAN_001.read_text(encoding="utf-8").splitlines()]


def test_plan_001_table_imports_as_it_stands_from_csv():
    items = parse_programme("chuong-trinh.csv", PLAN_001.read_bytes())
    assert [i["number"] for i in items] == list(range(1, 12))
    assert items[0]["content"] == "Văn nghệ"
    assert items[1]["content"] == "Chào cờ (Quốc ca, Quốc tế ca)"          # markup stripped
    assert items[4]["performer"] == "Đ/c Lê Quốc Bằng - Đảng viên Chi bộ TDP số 3, phường Trần Thành Ngọ"
    assert items[10]["content"] == "Kết luận, bế mạc Hội nghị"
    assert all(i["duration_s"] == DEFAULT_DURATION_S for i in items)      # the plan gives no durations


def test_plan_001_table_imports_from_xlsx_with_bom_free_utf8_and_durations():
    rows = plan_001_rows()
    rows[0] = rows[0] + ["Thời lượng"]
    for row in rows[1:]:
        if row[0].isdigit():
            row.append(time(0, 5) if row[0] == "1" else "15 phút")
    items = parse_programme("chuong-trinh.xlsx", xlsx(rows))
    assert len(items) == 11
    assert items[0]["duration_s"] == 300 and items[1]["duration_s"] == 900


def test_utf8_bom_and_semicolons_are_accepted():
    data = "\ufeffTT;Nội dung;Thực hiện;Thời lượng\n1;Khai mạc;Văn phòng;0:10\n2;Bế mạc;Bí thư;5'\n".encode()
    items = parse_programme("a.csv", data)
    assert [(i["content"], i["duration_s"]) for i in items] == [("Khai mạc", 600), ("Bế mạc", 300)]


@pytest.mark.parametrize("name, data, expected", [
    ("a.csv", cp1258("TT,Nội dung,Thực hiện\n1,Khai mạc,VP\n"), "không ở mã UTF-8"),
    ("a.csv", "Số,Tên\n1,Khai mạc\n".encode(), "Không tìm thấy dòng tiêu đề"),
    ("a.pdf", b"%PDF", "Chỉ nhận tệp .xlsx hoặc .csv"),
    ("a.xlsx", b"not a zip", "không phải bảng tính Excel"),
    ("a.csv", "TT,Nội dung,Thực hiện\n".encode(), "không có dòng chương trình"),
])
def test_bad_files_are_refused_with_what_to_fix(name, data, expected):
    with pytest.raises(ImportFailed) as exc:
        parse_programme(name, data)
    assert expected in " ".join(exc.value.details["errors"])


def test_every_bad_row_is_reported_with_its_line():
    data = ("TT,Nội dung,Thực hiện,Thời lượng\n"
            "1,Khai mạc,VP,10\n"
            "x,Văn nghệ,TTVH,5\n"           # line 3: TT not a number
            "3,,VP,5\n"                     # line 4: no content
            "4,Phát biểu,Bí thư,mười phút\n"  # line 5: duration not understood
            "1,Trùng,VP,5\n").encode()      # line 6: TT repeats line 2
    with pytest.raises(ImportFailed) as exc:
        parse_programme("a.csv", data)
    errors = exc.value.details["errors"]
    assert len(errors) == 4
    assert errors[0].startswith("Dòng 3:") and "không phải số thứ tự" in errors[0]
    assert errors[1].startswith("Dòng 4:") and "Thiếu Nội dung" in errors[1]
    assert errors[2].startswith("Dòng 5:") and "mười phút" in errors[2]
    assert errors[3].startswith("Dòng 6:") and "trùng với dòng 2" in errors[3]


@pytest.mark.parametrize("text, seconds", [
    ("15", 900), ("15 phút", 900), ("15'", 900), ("1 giờ 30", 5400), ("1h30", 5400), ("0:15", 900),
    ("0:15:30", 930), (12, 720), (0.5, 30), (time(1, 5), 3900),
])
def test_durations_people_write(text, seconds):
    assert programme_service.parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "abc", "1:75", "-5", "15 ngày"])
def test_durations_refused(text):
    with pytest.raises(Invalid):
        programme_service.parse_duration(text)


def test_import_replaces_the_programme_only_before_the_show(session, make_event):
    event = make_event(n=3)
    rows = parse_programme("p.csv", PLAN_001.read_bytes())
    assert programme_service.replace_programme(session, event.id, rows, "test") == 11
    snap = snapshot(session, event.id)
    assert [i["number"] for i in snap["items"]] == list(range(1, 12))
    assert snap["items"][3]["content"] == "Trao Huy hiệu đảng đợt 19/5/2023"
    show_control.command(session, event.id, "go", expected_rev=snap["rev"], actor="t")
    with pytest.raises(Invalid):
        programme_service.replace_programme(session, event.id, rows, "test")
    assert len(snapshot(session, event.id)["items"]) == 11
