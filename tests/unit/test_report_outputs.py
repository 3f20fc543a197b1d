"""The report after the event as people get it: the workbook opened by openpyxl, the CSV as Excel reads
it (UTF-8 with BOM), the charts parsed as XML, the PDF rendered by poppler (pdftoppm, pdftotext,
pdffonts), and the page with its download links, all from the Quận 9 sample report
(tests/fixtures/report_sample.py) and, for the page and the files, from the real report service."""
from __future__ import annotations

import copy
import csv
import io
import re
import shutil
import subprocess
import unicodedata
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta

import pytest

from server.services import report_charts as charts
from server.services.report_export import TABLES, csv_bytes, fmt_duration, fmt_percent, fmt_signed, xlsx
from server.services.report_pdf import report_pdf
from tests.conftest import need
from tests.fixtures.report_sample import SAMPLE
from tests.unit.test_authorisation import login

SVG = "{http://www.w3.org/2000/svg}"
SHEETS = ["Chương trình", "Phần riêng điểm cầu", "Điểm danh theo thành phần", "Điểm danh theo điểm cầu",
          "Khen thưởng theo hình thức", "Người nhận khen thưởng", "Điểm cầu", "Sự cố", "Nhật ký điều hành"]


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def marks(svg: str, cls: str) -> list[ET.Element]:
    """The elements whose class list holds every word of `cls`."""
    want = set(cls.split())
    return [e for e in ET.fromstring(svg).iter() if want <= set((e.get("class") or "").split())]


def texts(svg: str) -> list[str]:
    """What each <text> shows (its tooltip <title> left out)."""
    return [e.text or "" for e in ET.fromstring(svg).iter(f"{SVG}text")]


@pytest.fixture(scope="module")
def workbook():
    import openpyxl
    return openpyxl.load_workbook(io.BytesIO(xlsx(SAMPLE)))


@pytest.fixture(scope="module")
def pdf_bytes() -> bytes:
    return report_pdf(SAMPLE, issuing_body="QUẬN ỦY QUẬN 9", place_name="Quận 9")


# --- the sample itself --------------------------------------------------------------------------------

def test_sample_has_the_structure_of_the_report_service():
    assert set(SAMPLE) == {"event", "programme", "attendance", "awards", "bridge_points", "cue_log"}
    assert set(SAMPLE["event"]) == {"title", "slug", "organiser", "venue", "starts_at", "timezone", "generated_at"}
    p = SAMPLE["programme"]
    assert len(p["rows"]) == 8
    assert set(p["rows"][0]) == {"number", "content", "performer", "planned_start", "planned_s", "actual_start",
                                 "actual_end", "actual_s", "over_s"}
    assert set(p["local"][0]) == {"bridge_point", "content", "opened_at", "finished_at", "actual_s"}
    assert p["drift_s"] == (p["actual_end"] - p["planned_end"]) // 1000 == 1055
    a = SAMPLE["attendance"]
    assert len(a["points"]) == 15
    assert {r["category_label"] for r in a["rows"]} == {"Khách mời thành phố", "Lãnh đạo quận", "Bí thư chi bộ",
                                                        "Người nhận khen thưởng", "Báo chí", "Đại biểu"}
    assert a["total"] == {"expected": 174, "arrived": 158, "percent": 90.8}
    assert a["curve"][-1][1] == 158 and all(pt["curve"][-1][1] == pt["arrived"] for pt in a["points"])
    assert {r["kind"] for r in SAMPLE["awards"]["rows"]} == {
        "Huy hiệu 30 năm tuổi Đảng", "Bằng khen của Ủy ban nhân dân Thành phố", "Giấy khen cấp quận",
        "Giấy khen cấp phường"}
    assert SAMPLE["awards"]["total"] == {"total": 51, "presented": 44, "proxy": 3, "absent": 2, "pending": 2}
    assert len(SAMPLE["bridge_points"]["rows"]) == 15 and len(SAMPLE["bridge_points"]["incidents"]) == 5
    assert len(SAMPLE["cue_log"]) == 60
    assert [c["at"] for c in SAMPLE["cue_log"]] == sorted(c["at"] for c in SAMPLE["cue_log"])


def test_formatters():
    assert fmt_percent(87.5) == "87,5 %" and fmt_percent(100.0) == "100 %" and fmt_percent(None) == ""
    assert fmt_duration(370) == "6:10" and fmt_duration(6985) == "1:56:25" and fmt_duration(None) == ""
    assert fmt_signed(220) == "+3:40" and fmt_signed(-25) == "-0:25" and fmt_signed(0) == "0:00"


# --- XLSX ----------------------------------------------------------------------------------------------

def test_workbook_has_one_sheet_per_table_with_bold_frozen_headers_and_widths(workbook):
    assert workbook.sheetnames == SHEETS
    assert all(len(name) <= 31 for name in workbook.sheetnames)
    for table, ws in zip(TABLES.values(), workbook.worksheets):
        assert [c.value for c in ws[1]] == table.headers(), ws.title
        assert all(c.font.bold for c in ws[1])
        assert ws.freeze_panes == "A2"
        total = 1 if table.total_row(SAMPLE) else 0
        assert ws.max_row == 1 + len(table.body(SAMPLE)) + total, ws.title
        widths = [ws.column_dimensions[c.column_letter].width for c in ws[1]]
        assert all(6 <= w <= 62 for w in widths), (ws.title, widths)


def test_programme_sheet_values(workbook):
    ws = workbook["Chương trình"]
    first = [c.value for c in ws[2]]
    assert first[:3] == [1, "Tuyên bố lý do, giới thiệu đại biểu", "Trung tâm Văn hóa quận (dẫn chương trình)"]
    assert first[3] == datetime(2020, 11, 23, 7, 30)                      # the event's wall clock
    assert first[4] == timedelta(minutes=5) and first[7] == timedelta(seconds=370)
    assert first[5] == datetime(2020, 11, 23, 7, 33, 10) and first[6] == datetime(2020, 11, 23, 7, 39, 20)
    assert first[8:] == ["+1:10", "+4:20"]                                  # signed durations stay text
    assert ws["D2"].number_format == "dd/mm/yyyy hh:mm" and ws["E2"].number_format == "[h]:mm:ss"
    total = [c.value for c in ws[10]]
    assert total[1] == "Cả chương trình" and total[4] == timedelta(seconds=6120) and total[9] == "+17:35"
    assert all(c.font.bold for c in ws[10])
    widths = {c: ws.column_dimensions[c].width for c in "AB"}
    assert widths["B"] > 3 * widths["A"]                                  # from the content, not one default
    assert ws["B8"].alignment.wrap_text                                     # item 7's long title wraps


def test_number_cells_are_numbers(workbook):
    ws = workbook["Điểm danh theo điểm cầu"]
    assert [c.value for c in ws[2]] == ["Hội trường Quận ủy", 18, 16, pytest.approx(0.889)]
    assert ws["D2"].number_format == "0.0%"
    assert [c.value for c in ws[ws.max_row]] == ["Tổng cộng", 174, 158, pytest.approx(0.908)]
    awards = workbook["Khen thưởng theo hình thức"]
    assert [c.value for c in awards[awards.max_row]] == ["Tổng cộng", None, 51, 44, 3, 2, 2]
    cue = workbook["Nhật ký điều hành"]
    assert cue["A2"].value == datetime(2020, 11, 23, 7, 10) and cue["A2"].number_format == "dd/mm/yyyy hh:mm:ss"
    assert cue["B2"].value == 100 and cue["D2"].value == "Bắt đầu điểm danh điểm cầu"
    people = workbook["Người nhận khen thưởng"]
    proxied = [r for r in people.iter_rows(min_row=2, values_only=True) if r[5] == "Nhận thay"]
    assert [r[6] for r in proxied] == ["Nguyễn Thị Hồng Nhung", "Trần Văn Lực", "Lê Thị Kiều Oanh"]


def test_one_table_workbook_and_text_that_looks_like_a_formula():
    import openpyxl
    report = copy.deepcopy(SAMPLE)
    report["awards"]["people"][0]["name"] = '=HYPERLINK("http://x.invalid","bấm")'
    wb = openpyxl.load_workbook(io.BytesIO(xlsx(report, "award-recipients")))
    assert wb.sheetnames == ["Người nhận khen thưởng"]
    cell = wb.active["A2"]
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://x.invalid","bấm")'
    with pytest.raises(KeyError):
        xlsx(report, "khong-co")


# --- CSV -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("key", list(TABLES))
def test_csv_is_utf8_with_bom_and_vietnamese_headers(key):
    data = csv_bytes(SAMPLE, key)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    table = TABLES[key]
    assert rows[0] == table.headers()
    assert len(rows) == 1 + len(table.body(SAMPLE)) + (1 if table.total_row(SAMPLE) else 0)
    assert all(len(r) == len(rows[0]) for r in rows)
    assert b"\r\n" in data


def test_csv_values_as_excel_shows_them():
    rows = list(csv.reader(io.StringIO(csv_bytes(SAMPLE, "attendance-points").decode("utf-8-sig"))))
    assert rows[1] == ["Hội trường Quận ủy", "18", "16", "88,9 %"]
    assert rows[-1] == ["Tổng cộng", "174", "158", "90,8 %"]
    programme = list(csv.reader(io.StringIO(csv_bytes(SAMPLE, "programme").decode("utf-8-sig"))))
    assert programme[1][3:8] == ["23/11/2020 07:30", "5:00", "23/11/2020 07:33", "23/11/2020 07:39", "6:10"]
    assert programme[1][8] == "'+1:10" and programme[5][8] == "'-0:25"     # not run as formulas by Excel
    incidents = list(csv.reader(io.StringIO(csv_bytes(SAMPLE, "incidents").decode("utf-8-sig"))))
    assert incidents[1][:2] == ["Hội trường UBND Quận", "Khác"] and incidents[1][3] == "23/11/2020 07:41:05"
    cue = list(csv.reader(io.StringIO(csv_bytes(SAMPLE, "cue-log").decode("utf-8-sig"))))
    running = [r for r in cue if r[3] == "Bắt đầu chương trình"]
    assert running[0][4] == "1. Tuyên bố lý do, giới thiệu đại biểu" and running[0][6] == "status: running"


def test_csv_guards_text_that_starts_like_a_formula():
    report = copy.deepcopy(SAMPLE)
    report["awards"]["people"][0]["name"] = "=1+2"
    report["awards"]["people"][1]["name"] = "@SUM(A1)"
    rows = list(csv.reader(io.StringIO(csv_bytes(report, "award-recipients").decode("utf-8-sig"))))
    assert rows[1][0] == "'=1+2" and rows[2][0] == "'@SUM(A1)"


# --- charts --------------------------------------------------------------------------------------------

def test_programme_timeline():
    svg = charts.programme_timeline(SAMPLE)
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg" and "Be Vietnam Pro" in root.get("font-family")
    assert len(marks(svg, "bar planned")) == 8
    assert len(marks(svg, "bar actual")) + len(marks(svg, "bar late")) >= 8
    assert len(marks(svg, "bar late")) == 8                     # started 3 minutes late: every item ends late
    labels = [t for t in texts(svg) if re.match(r"\d\. ", t)]
    assert labels[0].startswith("1. Tuyên bố lý do, giới thiệu đại biểu")
    assert len(labels) == 8 and labels[6].startswith("7. Khen thưởng") and labels[6].endswith("…")
    ticks = [t for t in texts(svg) if re.fullmatch(r"\d\d:\d\d", t)]
    assert ticks[0] == "07:30" and "09:15" in ticks                 # hh:mm in Hồ Chí Minh City time
    overs = [t for t in texts(svg) if re.fullmatch(r"[+-]\d+:\d\d", t)]
    assert overs == ["+1:10", "+3:40", "+1:05", "+6:30", "-0:25", "-0:40", "+3:50", "-0:45"]
    assert any("09:29" in t and "+17:35" in t for t in texts(svg))
    assert "<script" not in svg and "href" not in svg and "http://www.w3.org/2000/svg" in svg


def test_chart_text_is_escaped():
    report = copy.deepcopy(SAMPLE)
    report["programme"]["rows"][0]["content"] = 'Phát biểu <b>"A & B"</b>'
    svg = charts.programme_timeline(report)
    assert "<b>" not in svg
    assert any(t.startswith('1. Phát biểu <b>"A & B"</b>') for t in texts(svg))


def test_arrival_curves():
    total = charts.arrival_curve(SAMPLE["attendance"], tz="Asia/Ho_Chi_Minh")
    assert len(marks(total, "series")) == 1 and len(marks(total, "expected")) == 1
    assert "158 đã đến" in texts(total) and "174 dự kiến" in texts(total)
    assert marks(total, "expected")[0].get("stroke-dasharray")
    each = charts.arrival_curve(SAMPLE["attendance"]["points"], tz="Asia/Ho_Chi_Minh")
    assert len(marks(each, "series")) == 15 and len(marks(each, "expected")) == 15
    legend = [t for t in texts(each) if t.startswith("P. Hiệp Phú")]
    assert legend == ["P. Hiệp Phú 11/11"]
    one = charts.arrival_curve(SAMPLE["attendance"]["points"][7])
    assert len(marks(one, "series")) == 1 and "8 đã đến" in texts(one)
    empty = charts.arrival_curve({"bridge_point": "P. 1", "expected": 5, "curve": []})
    assert texts(empty)[-1] == "Chưa có ai điểm danh."


def test_awards_bars():
    svg = charts.awards_bars(SAMPLE)
    assert [t for t in texts(svg) if t in {r["kind"] for r in SAMPLE["awards"]["rows"]}] == [
        "Huy hiệu 30 năm tuổi Đảng", "Bằng khen của Ủy ban nhân dân Thành phố", "Giấy khen cấp quận",
        "Giấy khen cấp phường"]
    assert len(marks(svg, "seg presented")) == 4 and len(marks(svg, "seg proxy")) == 2
    assert len(marks(svg, "seg absent")) == 2 and len(marks(svg, "seg pending")) == 1
    assert [e.text for e in marks(svg, "total")] == ["5", "3", "4", "39"]
    widths = {float(e.get("width")) for e in marks(svg, "seg")}
    assert max(widths) / min(widths) == pytest.approx(34, rel=0.01)           # bars to scale
    none = copy.deepcopy(SAMPLE)
    none["awards"]["rows"] = []
    assert "Hội nghị không có khen thưởng." in texts(charts.awards_bars(none))


def test_pdf_variant_of_the_charts_names_the_embedded_font_and_has_no_tooltips():
    svg = charts.programme_timeline(SAMPLE, pdf=True)
    assert "<title>" not in svg and 'font-family="NotoSans"' in svg
    assert "<title>" in charts.programme_timeline(SAMPLE)


def test_a_programme_not_run_yet_draws_only_the_plan():
    report = copy.deepcopy(SAMPLE)
    for row in report["programme"]["rows"]:
        row.update(actual_start=None, actual_end=None, actual_s=None, over_s=None)
    report["programme"].update(actual_start=None, actual_end=None, drift_s=None)
    svg = charts.programme_timeline(report)
    assert len(marks(svg, "bar planned")) == 8 and not marks(svg, "bar actual") and not marks(svg, "bar late")


# --- PDF -----------------------------------------------------------------------------------------------

def test_pdf_renders_with_the_embedded_font_and_says_what_happened(pdf_bytes, tmp_path):
    need(shutil.which("pdftoppm") is not None and shutil.which("pdftotext") is not None,
         "pdftoppm/pdftotext are missing (apt-get install poppler-utils)")
    from PIL import Image
    path = tmp_path / "bao-cao.pdf"
    path.write_bytes(pdf_bytes)
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(path), str(tmp_path / "trang")], check=True)
    pages = sorted(tmp_path.glob("trang-*.png"))
    assert len(pages) >= 6
    for page in pages:
        with Image.open(page) as image:
            assert image.height / image.width == pytest.approx(297 / 210, rel=0.02)     # A4 portrait
            assert image.convert("L").getextrema()[0] < 100                           # something printed
    text = nfc(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True).stdout.decode())
    text = " ".join(text.split())                                   # lines wrap inside table cells
    for expected in ("QUẬN ỦY QUẬN 9", "ĐẢNG CỘNG SẢN VIỆT NAM", "Quận 9, ngày 23 tháng 11 năm 2020",
                     "BÁO CÁO KẾT QUẢ TỔ CHỨC HỘI NGHỊ", "Chỉ thị 05-CT/TW",
                     "I. CHƯƠNG TRÌNH: KẾ HOẠCH VÀ THỰC TẾ", "II. ĐIỂM DANH ĐẠI BIỂU", "III. KHEN THƯỞNG",
                     "IV. ĐIỂM CẦU: SỰ CỐ VÀ ĐƯỜNG TRUYỀN", "V. NHẬT KÝ ĐIỀU HÀNH",
                     "muộn 17:35 so với kế hoạch", "158/174", "90,8 %", "+17:35", "+6:30", "1:56:25",
                     "Nguyễn Thị Hồng Nhung", "Võ Văn Khánh", "Phạm Quốc Toản", "P. Tăng Nhơn Phú A",
                     "Khách mời thành phố", "Huy hiệu 30 năm tuổi Đảng", "Mất điện cục bộ",
                     "Bắt đầu điểm danh điểm cầu", "Kết thúc theo kế hoạch 09:12",      # chart text, from the SVG
                     f"Trang 1/{len(pages)}", f"Trang {len(pages)}/{len(pages)}"):
        assert expected in text, expected
    assert "\ufffd" not in text


def test_pdf_embeds_noto_sans(pdf_bytes, tmp_path):
    need(shutil.which("pdffonts") is not None, "pdffonts is missing (apt-get install poppler-utils)")
    path = tmp_path / "bao-cao.pdf"
    path.write_bytes(pdf_bytes)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True).stdout
    listed = [line.split() for line in fonts.splitlines()[2:]]
    assert {row[0].split("+")[-1] for row in listed} == {"NotoSans", "NotoSansBold", "NotoSansItalic"}
    assert all("yes" in row[-5:-2] for row in listed)                 # embedded (and subset)


def test_pdf_header_defaults_from_the_organiser():
    need(shutil.which("pdftotext") is not None, "pdftotext is missing (apt-get install poppler-utils)")
    text = nfc(subprocess.run(["pdftotext", "-l", "1", "-", "-"], input=report_pdf(SAMPLE), capture_output=True,
                              check=True).stdout.decode())
    assert "QUẬN ỦY QUẬN 9" in text and "Quận 9, ngày 23 tháng 11 năm 2020" in text


# --- the page and the downloads ------------------------------------------------------------------------

@pytest.fixture
def web(app):
    from server.web import report as report_web
    if "report" not in app.blueprints:               # until server/app.py registers it
        app.register_blueprint(report_web.bp)
    return app


def test_page_and_files_from_the_sample(web, make_event, make_user, monkeypatch):
    from server.services import report as service
    event = make_event(n=2)
    monkeypatch.setattr(service, "report", lambda session, event_id, now=None: SAMPLE)
    client = web.test_client()
    login(client, make_user("operator").username)
    response = client.get(f"/e/{event.slug}/report")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart"') == 4
    assert "Nguyễn Thị Hồng Nhung" in html and "90,8 %" in html and "Kết quả chính" in html
    for key in TABLES:
        for ext in ("xlsx", "csv"):
            assert f'href="/e/{event.slug}/report/{key}.{ext}"' in html
    assert f'href="/e/{event.slug}/report.pdf"' in html and f'href="/e/{event.slug}/report.xlsx"' in html

    pdf = client.get(f"/e/{event.slug}/report.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    book = client.get(f"/e/{event.slug}/report.xlsx")
    assert book.status_code == 200 and book.data.startswith(b"PK")
    assert 'filename="bao-cao-quan9-chi-thi-05.xlsx"' in book.headers["Content-Disposition"]
    one = client.get(f"/e/{event.slug}/report/incidents.csv")
    assert one.status_code == 200 and one.mimetype == "text/csv" and one.data.startswith(b"\xef\xbb\xbf")
    assert client.get(f"/e/{event.slug}/report/khong-co.csv").status_code == 404
    assert client.get("/e/khong-co/report").status_code == 404


def test_only_admin_and_operator_open_the_report(web, make_event, make_user):
    event = make_event(n=2)
    anonymous = web.test_client()
    assert anonymous.get(f"/e/{event.slug}/report").status_code == 302
    for role, status in (("mc", 403), ("viewer", 403), ("admin", 200)):
        client = web.test_client()
        login(client, make_user(role).username)
        assert client.get(f"/e/{event.slug}/report.xlsx").status_code == status, role


def test_every_output_from_the_report_service(web, session, make_event, make_user):
    """The real service on an event that has started: item 2 still running, the wards' segment open."""
    from tests.unit.test_show_control import cmd
    event = make_event(n=4, segment_at=2)
    cmd(session, event, "go")
    cmd(session, event, "next")
    client = web.test_client()
    login(client, make_user("operator").username)
    page = client.get(f"/e/{event.slug}/report")
    assert page.status_code == 200
    assert "Hội nghị thử" in page.get_data(as_text=True)
    for path in ("report.pdf", "report.xlsx", *(f"report/{key}.csv" for key in TABLES)):
        response = client.get(f"/e/{event.slug}/{path}")
        assert response.status_code == 200, path
    import openpyxl
    wb = openpyxl.load_workbook(io.BytesIO(client.get(f"/e/{event.slug}/report.xlsx").data))
    assert wb.sheetnames == SHEETS
    assert wb["Chương trình"].max_row == 1 + 4 + 1
    assert [c.value for c in wb["Chương trình"]["A"]][1:5] == [1, 2, 3, 4]


def test_write_files_for_the_command_line(tmp_path):
    from server.services.report_export import write_files
    written = write_files(SAMPLE, tmp_path / "bao-cao", ["xlsx", "csv"])
    assert sorted(p.name for p in written) == sorted(
        ["bao-cao-quan9-chi-thi-05.xlsx"] + [f"bao-cao-quan9-chi-thi-05-{key}.csv" for key in TABLES])
    assert all(p.stat().st_size > 0 for p in written)
    with pytest.raises(ValueError, match="docx"):
        write_files(SAMPLE, tmp_path, ["docx"])
