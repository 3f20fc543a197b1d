"""The report's tables as files: XLSX (openpyxl) and CSV, plus the one definition of every table that the
page (templates/report.html) and the PDF (report_pdf) show as well, so all four say the same.

Plain data in, bytes out: the report dict of `server.services.report.report()`, no database, no Flask.

A table is a list of columns, each with its Vietnamese header, how to get the value from a row, and a
kind that decides how the value is written:

    kind        text (CSV, page, PDF)            XLSX cell
    text        as is                            string (never a formula, even when it starts with "=")
    int         "1.234"                          number
    ms          "1.234" (milliseconds)           number
    percent     "87,5 %"                         number 0.875, format 0.0%  (Excel shows it in its locale)
    time        "23/11/2020 07:33"               date-time in the event's zone, format dd/mm/yyyy hh:mm
    time_s      "23/11/2020 07:33:10"            the same with seconds (the cue log, incidents)
    duration    "6:10", "1:56:25"                number of days, format [h]:mm:ss
    signed      "+3:40", "-0:25"                 string: Excel cannot show a negative time in its 1900
                                                 date system (it prints ####), so a signed duration stays text

The page and the PDF show times compactly ("07:33", or "24/11 07:33" on another day than the event's):
the date is in their header once. XLSX and CSV always carry the full date.

CSV: UTF-8 with a byte-order mark, so Excel opens Vietnamese correctly; comma separated, CRLF lines.
A cell that starts with = + - @ (a name or note typed by someone, and "+3:40", which Excel would read
as the formula "=+3:40", a range of rows) is written with a leading apostrophe, Excel's "this is text"
mark, which it does not show: a spreadsheet never runs a cell of the report (OWASP "CSV injection").
"""
from __future__ import annotations

import csv
import io
import json
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import Any, Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .local_time import DEFAULT_TIMEZONE

TOTAL = "Tổng cộng"
# The rule of attendance.counted_point, said where the numbers are read.
ATTENDANCE_NOTE = ("Mỗi đại biểu được tính tại điểm cầu của mình. Đại biểu chưa được xếp điểm cầu được tính tại "
                   "điểm cầu nơi đã quét mã vào; người chưa xếp điểm cầu và chưa đến ở dòng “Chưa xếp điểm cầu”.")

ACTION_LABELS = {
    "go": "Bắt đầu chương trình", "next": "Chuyển mục tiếp", "previous": "Quay lại mục trước",
    "goto": "Chuyển đến mục", "pause": "Tạm dừng", "resume": "Tiếp tục", "add_time": "Thêm thời gian",
    "end_segment": "Kết thúc phần riêng", "local_next": "Phần riêng: mục tiếp",
    "local_previous": "Phần riêng: mục trước", "tally_program": "Lên sóng", "tally_preview": "Chờ lên sóng",
    "flash": "Nháy màn hình điểm cầu", "message": "Gửi tin nhắn", "floor_request": "Xin phát biểu",
    "floor_withdrawn": "Rút đăng ký phát biểu", "floor_granted": "Cho phát biểu", "floor_declined": "Từ chối phát biểu",
    "incident_reported": "Báo sự cố", "incident_acknowledged": "Tiếp nhận sự cố", "incident_resolved": "Đã xử lý sự cố",
    "roll_call_start": "Bắt đầu điểm danh điểm cầu", "roll_call_answer": "Điểm cầu xác nhận",
    "roll_call_close": "Kết thúc điểm danh điểm cầu", "link_policy": "Đổi ngưỡng đường truyền",
    "screen_navigate": "Điều khiển màn hình", "check_mark": "Kiểm tra kỹ thuật",
    "award_batches_built": "Xếp đợt khen thưởng", "award_moved": "Đổi chỗ người nhận",
    "award_presenter": "Người trao, khu ghế", "award_call": "Mời đợt lên sân khấu", "award_present": "Đã trao",
    "award_absent": "Vắng mặt", "award_proxy": "Nhận thay", "award_reset": "Đặt lại khen thưởng",
    "award_batch_done": "Xong đợt khen thưởng", "awards_edited": "Sửa danh sách khen thưởng",
    "awards_imported": "Nhập danh sách khen thưởng", "nomination_approved": "Duyệt đề nghị khen thưởng",
    "programme_add": "Thêm mục chương trình", "programme_update": "Sửa mục chương trình",
    "programme_delete": "Xóa mục chương trình", "programme_move": "Đổi thứ tự chương trình",
    "programme_add_local": "Thêm mục riêng", "programme_update_local": "Sửa mục riêng",
    "programme_delete_local": "Xóa mục riêng", "programme_move_local": "Đổi thứ tự mục riêng",
    "programme_import": "Nhập chương trình",
}


# ------------------------------------------------------------------------------------------ formatting

@lru_cache(maxsize=16)
def zone(name: str | None) -> tzinfo:
    """The event's time zone; Asia/Ho_Chi_Minh (UTC+7, no daylight saving) when the name is missing or
    the machine has no zone database."""
    try:
        return ZoneInfo(name or DEFAULT_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return timezone(timedelta(hours=7))


def local(ms: int | None, tz: tzinfo) -> datetime | None:
    return None if ms is None else datetime.fromtimestamp(ms / 1000, tz)


def clean(value: Any) -> str:
    """NFC text on one line, no control characters."""
    text = unicodedata.normalize("NFC", "" if value is None else str(value))
    return " ".join("".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text).split())


def fmt_int(value: int | None) -> str:
    return "" if value is None else f"{int(value):,}".replace(",", ".")


def fmt_percent(value: float | None) -> str:
    """87.5 -> "87,5 %", 100.0 -> "100 %" (Vietnamese decimal comma, a space before the sign)."""
    if value is None:
        return ""
    text = f"{float(value):.1f}".replace(".", ",")
    return f"{text[:-2] if text.endswith(',0') else text} %"


def fmt_duration(seconds: int | None) -> str:
    """370 -> "6:10", 6985 -> "1:56:25"."""
    if seconds is None:
        return ""
    seconds = int(round(seconds))
    sign, seconds = ("-", -seconds) if seconds < 0 else ("", seconds)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{sign}{h}:{m:02d}:{s:02d}" if h else f"{sign}{m}:{s:02d}"


def fmt_signed(seconds: int | None) -> str:
    """220 -> "+3:40", -25 -> "-0:25", 0 -> "0:00". (A plain hyphen: Noto Sans, the PDF's font, has no U+2212.)"""
    if seconds is None:
        return ""
    return ("+" if seconds > 0 else "") + fmt_duration(seconds)


@dataclass(frozen=True)
class Fmt:
    """How to write values: the event's zone and day; compact = the page and the PDF."""
    tz: tzinfo
    day: date | None = None
    compact: bool = False

    @classmethod
    def of(cls, report: dict, compact: bool = False) -> "Fmt":
        event = report.get("event") or {}
        tz = zone(event.get("timezone"))
        start = local(event.get("starts_at"), tz)
        return cls(tz, start.date() if start else None, compact)

    def time(self, ms: int | None, seconds: bool = False) -> str:
        moment = local(ms, self.tz)
        if moment is None:
            return ""
        clock = "%H:%M:%S" if seconds else "%H:%M"
        if self.compact:
            return moment.strftime(clock if moment.date() == self.day else f"%d/%m {clock}")
        return moment.strftime(f"%d/%m/%Y {clock}")


FORMATTERS: dict[str, Callable[[Any, Fmt], str]] = {
    "text": lambda v, f: clean(v),
    "int": lambda v, f: fmt_int(v),
    "ms": lambda v, f: fmt_int(v),
    "percent": lambda v, f: fmt_percent(v),
    "time": lambda v, f: f.time(v),
    "time_s": lambda v, f: f.time(v, seconds=True),
    "duration": lambda v, f: fmt_duration(v),
    "signed": lambda v, f: fmt_signed(v),
}
NUMERIC = {"int", "ms", "percent", "duration", "signed"}      # right-aligned


# ---------------------------------------------------------------------------------------------- tables

@dataclass(frozen=True)
class Column:
    header: str
    get: Callable[[dict], Any]
    kind: str = "text"
    wide: bool = False               # long free text: wrapped, and given the room in the PDF

    def format(self, value: Any, fmt: Fmt) -> str:
        return FORMATTERS[self.kind](value, fmt)

    @property
    def numeric(self) -> bool:
        return self.kind in NUMERIC


@dataclass(frozen=True)
class Table:
    key: str                         # in URLs and file names
    title: str                       # page and PDF heading
    sheet: str                       # XLSX sheet name (≤ 31 characters)
    columns: tuple[Column, ...]
    rows: Callable[[dict], list[dict]]
    total: Callable[[dict], dict | None] | None = None
    note: str = ""

    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    def values(self, row: dict) -> list[Any]:
        return [c.get(row) for c in self.columns]

    def body(self, report: dict) -> list[dict]:
        return list(self.rows(report) or [])

    def total_row(self, report: dict) -> dict | None:
        return self.total(report) if self.total else None

    def text_rows(self, report: dict, compact: bool = False) -> tuple[list[list[str]], list[str] | None]:
        """(formatted body rows, formatted total row or None)."""
        fmt = Fmt.of(report, compact)
        body = [[c.format(c.get(row), fmt) for c in self.columns] for row in self.body(report)]
        total = self.total_row(report)
        return body, ([c.format(c.get(total), fmt) for c in self.columns] if total else None)


def _key(name: str) -> Callable[[dict], Any]:
    return lambda row: row.get(name)


def col(header: str, name: str, kind: str = "text", wide: bool = False) -> Column:
    return Column(header, _key(name), kind, wide)


def _programme_rows(report: dict) -> list[dict]:
    rows = []
    for row in report["programme"]["rows"]:
        planned_end = row["planned_start"] + row["planned_s"] * 1000 if row.get("planned_start") is not None else None
        end_drift = round((row["actual_end"] - planned_end) / 1000) if row.get("actual_end") and planned_end else None
        rows.append({**row, "end_drift_s": end_drift})
    return rows


def _programme_total(report: dict) -> dict | None:
    p = report["programme"]
    rows = p["rows"]
    if not rows:
        return None
    planned = sum(r["planned_s"] or 0 for r in rows)
    done = [r for r in rows if r.get("actual_s") is not None]
    actual = sum(r["actual_s"] for r in done) if done else None
    over = sum(r["over_s"] or 0 for r in done) if done else None
    return {"number": None, "content": "Cả chương trình", "performer": "", "planned_start": rows[0]["planned_start"],
            "planned_s": planned, "actual_start": p.get("actual_start"), "actual_end": p.get("actual_end"),
            "actual_s": actual, "over_s": over, "end_drift_s": p.get("drift_s")}


def _attendance_total(report: dict) -> dict:
    return {"bridge_point": TOTAL, "category_label": "", **report["attendance"]["total"]}


def _awards_total(report: dict) -> dict:
    return {"kind": TOTAL, "level": "", **report["awards"]["total"]}


def _points_total(report: dict) -> dict | None:
    rows = report["bridge_points"]["rows"]
    if not rows:
        return None
    total = {"bridge_point": TOTAL}
    for name in ("incidents", "incident_s", "lost_s", "degraded_s", "samples", "checks_passed", "checks_total"):
        total[name] = sum(r.get(name) or 0 for r in rows)
    return total


def detail_text(detail: Any) -> str:
    """A cue-log detail as a person reads it: the JSON object the command door stores
    ('{"status": "running", "seconds": 120}') as "status: running; seconds: 120", any other text as is."""
    if isinstance(detail, str) and detail.startswith("{"):
        try:
            detail = json.loads(detail)
        except ValueError:
            return detail
    if isinstance(detail, dict):
        return "; ".join(f"{key}: {json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else value}"
                         for key, value in detail.items() if value not in (None, "", [], {}))
    return "" if detail is None else str(detail)


def _cue_rows(report: dict) -> list[dict]:
    return [{**row, "action_label": ACTION_LABELS.get(row.get("action"), row.get("action")),
             "detail_text": detail_text(row.get("detail"))} for row in report["cue_log"]]


TABLES: dict[str, Table] = {t.key: t for t in (
    Table("programme", "Chương trình: kế hoạch và thực tế", "Chương trình", (
        col("TT", "number", "int"),
        col("Nội dung", "content", wide=True),
        col("Người thực hiện", "performer", wide=True),
        col("Bắt đầu theo kế hoạch", "planned_start", "time"),
        col("Thời lượng kế hoạch", "planned_s", "duration"),
        col("Bắt đầu thực tế", "actual_start", "time"),
        col("Kết thúc thực tế", "actual_end", "time"),
        col("Thời lượng thực tế", "actual_s", "duration"),
        col("Chênh lệch thời lượng", "over_s", "signed"),
        col("Lệch giờ kết thúc", "end_drift_s", "signed"),
    ), _programme_rows, _programme_total,
        note="Chênh lệch thời lượng: thực tế trừ kế hoạch của từng mục. Lệch giờ kết thúc: giờ kết thúc thực tế "
             "so với giờ kết thúc theo kế hoạch (cộng dồn cả việc bắt đầu muộn)."),
    Table("local-segments", "Phần riêng tại các điểm cầu", "Phần riêng điểm cầu", (
        col("Điểm cầu", "bridge_point"),
        col("Nội dung", "content", wide=True),
        col("Bắt đầu", "opened_at", "time"),
        col("Kết thúc", "finished_at", "time"),
        col("Thời lượng", "actual_s", "duration"),
    ), lambda r: r["programme"]["local"]),
    Table("attendance", "Điểm danh theo điểm cầu và thành phần", "Điểm danh theo thành phần", (
        col("Điểm cầu", "bridge_point"),
        col("Thành phần", "category_label"),
        col("Dự kiến", "expected", "int"),
        col("Đã đến", "arrived", "int"),
        col("Tỷ lệ", "percent", "percent"),
    ), lambda r: r["attendance"]["rows"], _attendance_total, note=ATTENDANCE_NOTE),
    Table("attendance-points", "Điểm danh theo điểm cầu", "Điểm danh theo điểm cầu", (
        col("Điểm cầu", "bridge_point"),
        col("Dự kiến", "expected", "int"),
        col("Đã đến", "arrived", "int"),
        col("Tỷ lệ", "percent", "percent"),
    ), lambda r: r["attendance"]["points"], _attendance_total, note=ATTENDANCE_NOTE),
    Table("awards", "Khen thưởng theo hình thức và cấp", "Khen thưởng theo hình thức", (
        col("Hình thức khen thưởng", "kind", wide=True),
        col("Cấp", "level"),
        col("Tổng số", "total", "int"),
        col("Đã trao", "presented", "int"),
        col("Nhận thay", "proxy", "int"),
        col("Vắng mặt", "absent", "int"),
        col("Chưa trao", "pending", "int"),
    ), lambda r: r["awards"]["rows"], _awards_total),
    Table("award-recipients", "Danh sách người nhận khen thưởng", "Người nhận khen thưởng", (
        col("Họ và tên", "name"),
        col("Tập thể", "collective", wide=True),
        col("Hình thức khen thưởng", "kind", wide=True),
        col("Cấp", "level"),
        col("Điểm cầu", "bridge_point"),
        col("Kết quả", "status_label"),
        col("Người nhận thay", "proxy_name", wide=True),
        col("Quyết định", "decision", wide=True),
    ), lambda r: r["awards"]["people"]),
    Table("bridge-points", "Điểm cầu: sự cố và chất lượng đường truyền", "Điểm cầu", (
        col("Điểm cầu", "bridge_point"),
        col("Số sự cố", "incidents", "int"),
        col("Thời gian sự cố", "incident_s", "duration"),
        col("Độ trễ trung vị (ms)", "rtt_p50", "ms"),
        col("Độ trễ p95 (ms)", "rtt_p95", "ms"),
        col("Mất kết nối", "lost_s", "duration"),
        col("Chập chờn", "degraded_s", "duration"),
        col("Số mẫu đo", "samples", "int"),
        col("Kiểm tra đạt", "checks_passed", "int"),
        col("Số mục kiểm tra", "checks_total", "int"),
        col("Xác nhận điểm danh sau", "roll_call_s", "duration"),
    ), lambda r: r["bridge_points"]["rows"], _points_total,
        note="Độ trễ: thời gian khứ hồi giữa máy chủ và trang kỹ thuật của điểm cầu. Xác nhận điểm danh sau: "
             "thời gian từ lúc bắt đầu điểm danh điểm cầu đến lúc điểm cầu xác nhận (để trống: không xác nhận)."),
    Table("incidents", "Sự cố tại các điểm cầu", "Sự cố", (
        col("Điểm cầu", "bridge_point"),
        col("Loại sự cố", "kind_label"),
        col("Mô tả", "note", wide=True),
        col("Báo lúc", "reported_at", "time_s"),
        col("Tiếp nhận lúc", "acknowledged_at", "time_s"),
        col("Xử lý xong lúc", "resolved_at", "time_s"),
        col("Thời gian xử lý", "duration_s", "duration"),
    ), lambda r: r["bridge_points"]["incidents"]),
    Table("cue-log", "Nhật ký điều hành", "Nhật ký điều hành", (
        col("Thời điểm", "at", "time_s"),
        col("Phiên bản", "rev", "int"),
        col("Người thao tác", "actor"),
        col("Thao tác", "action_label"),
        col("Mục chương trình", "item", wide=True),
        col("Điểm cầu", "bridge_point"),
        col("Chi tiết", "detail_text", wide=True),
    ), _cue_rows),
)}


def get_table(key: str) -> Table:
    """The table called `key`; KeyError when there is none."""
    return TABLES[key]


def file_name(report: dict, key: str | None, ext: str) -> str:
    """"bao-cao-quan9-chi-thi-05-programme.xlsx" (ASCII: safe in every download header)."""
    slug = "".join(ch for ch in str((report.get("event") or {}).get("slug") or "hoi-nghi")
                   if ch.isascii() and (ch.isalnum() or ch in "-_")) or "hoi-nghi"
    return f"bao-cao-{slug}{'-' + key if key else ''}.{ext}"


# ------------------------------------------------------------------------------------------------ XLSX

XLSX_FORMATS = {"percent": "0.0%", "time": "dd/mm/yyyy hh:mm", "time_s": "dd/mm/yyyy hh:mm:ss",
                "duration": "[h]:mm:ss", "int": "#,##0", "ms": "#,##0"}
MAX_WIDTH = 60
MIN_WIDTH = 7                        # a narrow column still shows its header beside the filter button


def _xlsx_value(column: Column, value: Any, fmt: Fmt) -> Any:
    if value is None or value == "":
        return None
    kind = column.kind
    if kind in ("int", "ms"):
        return int(value)
    if kind == "percent":
        return round(float(value) / 100, 6)
    if kind in ("time", "time_s"):
        return local(value, fmt.tz).replace(tzinfo=None)     # Excel has no zones: the event's wall clock
    if kind == "duration":
        return int(value) / 86400
    return column.format(value, fmt)                          # text and signed durations


def _sheet(wb, t: Table, report: dict) -> None:
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(t.sheet[:31])
    fmt = Fmt.of(report)
    ws.append(t.headers())
    bold = Font(bold=True)
    for cell in ws[1]:
        cell.font = bold
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    rows = [(row, False) for row in t.body(report)]
    total = t.total_row(report)
    if total:
        rows.append((total, True))
    widths = [max(max(len(w) for w in c.header.split()), -(-len(c.header) // 2)) for c in t.columns]
    for row, is_total in rows:
        values = [_xlsx_value(c, c.get(row), fmt) for c in t.columns]
        ws.append(values)
        r = ws.max_row
        for i, (c, value) in enumerate(zip(t.columns, values)):
            cell = ws.cell(row=r, column=i + 1)
            if isinstance(value, str):
                cell.data_type = "s"                             # "=..." typed by someone stays text
                if c.kind == "signed":
                    cell.alignment = Alignment(horizontal="right")
            elif c.kind in XLSX_FORMATS:
                cell.number_format = XLSX_FORMATS[c.kind]
            if is_total:
                cell.font = bold
            widths[i] = max(widths[i], len(c.format(c.get(row), fmt)))
    for i, c in enumerate(t.columns):
        width = min(max(widths[i] + 2, MIN_WIDTH), MAX_WIDTH)
        ws.column_dimensions[get_column_letter(i + 1)].width = width
        if widths[i] + 2 > MAX_WIDTH:                           # long text wraps inside its column
            for (cell,) in ws.iter_rows(min_row=2, min_col=i + 1, max_col=i + 1):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    if ws.max_row > 1:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(t.columns))}{ws.max_row - (1 if total else 0)}"
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0


def xlsx(report: dict, table: str | None = None) -> bytes:
    """One table (its key) or, with table=None, every table, one sheet each, in the order of TABLES."""
    from openpyxl import Workbook

    chosen = [TABLES[table]] if table is not None else list(TABLES.values())
    wb = Workbook()
    wb.remove(wb.active)
    for t in chosen:
        _sheet(wb, t, report)
    title = clean((report.get("event") or {}).get("title"))
    wb.properties.title = f"Báo cáo – {title}"[:250]
    wb.properties.creator = "Điểm Cầu"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# ------------------------------------------------------------------------------------------------- CSV

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_bytes(report: dict, table: str) -> bytes:
    t = TABLES[table]
    body, total = t.text_rows(report)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(t.headers())
    for cells in body + ([total] if total else []):
        writer.writerow([f"'{text}" if text.startswith(FORMULA_START) else text for text in cells])
    return out.getvalue().encode("utf-8-sig")


# ------------------------------------------------------------------------------------------- files

FORMATS = ("xlsx", "csv", "pdf")


def write_files(report: dict, out_dir, formats=FORMATS, *, issuing_body: str | None = None,
                place_name: str | None = None) -> list:
    """Write the report into `out_dir` (made if missing): "xlsx" one workbook of every table, "csv" one
    file per table, "pdf" the printable report; returns the paths written. For `diemcau report`."""
    from pathlib import Path

    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ValueError(f"Định dạng không hỗ trợ: {', '.join(unknown)} (chọn trong {', '.join(FORMATS)}).")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []

    def write(name: str, data: bytes) -> None:
        path = out / name
        path.write_bytes(data)
        written.append(path)

    if "xlsx" in formats:
        write(file_name(report, None, "xlsx"), xlsx(report))
    if "csv" in formats:
        for key in TABLES:
            write(file_name(report, key, "csv"), csv_bytes(report, key))
    if "pdf" in formats:
        from .report_pdf import report_pdf
        write(file_name(report, None, "pdf"), report_pdf(report, issuing_body=issuing_body, place_name=place_name))
    return written
