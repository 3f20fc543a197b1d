"""Reading a programme table (TT / Nội dung / Thực hiện / Thời lượng) from CSV or XLSX.

All or nothing: every bad row is reported with its line and what to fix, and nothing is imported
unless the whole table is valid.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from ..i18n import lazy
from .errors import Invalid
from .programme import parse_duration
from .text import clean_cell, fold

DEFAULT_DURATION_S = 10 * 60      # plan 001's table has no duration column: 10 minutes each, editable

# Header (folded) -> field. Several spellings seen in real plans.
HEADERS = {
    "tt": "number", "stt": "number", "so tt": "number",
    "noi dung": "content",
    "thuc hien": "performer", "nguoi thuc hien": "performer", "don vi thuc hien": "performer",
    "thoi luong": "duration", "thoi luong (phut)": "duration", "thoi gian (phut)": "duration",
    "loi dan": "script", "kich ban": "script", "loi dan mc": "script",
}
REQUIRED = ("number", "content")


@dataclass
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return str(lazy("Dòng %(line)s: %(message)s", line=self.line, message=self.message))


class ImportFailed(Invalid):
    code = "import_failed"

    def __init__(self, errors: list[RowError]):
        super().__init__(lazy("Không nhập được chương trình: %(count)s lỗi. Sửa tệp rồi nhập lại.",
                              count=len(errors)), errors=[str(e) for e in errors])
        self.errors = errors


def read_table(filename: str, data: bytes) -> list[tuple[int, list]]:
    """(line number, cells) for every row of the first sheet or the CSV file."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        return _read_xlsx(data)
    if name.endswith((".csv", ".tsv", ".txt")):
        return _read_csv(data)
    raise ImportFailed([RowError(0, str(lazy("Chỉ nhận tệp .xlsx hoặc .csv (tệp đã gửi: %(name)s).",
                                             name=filename)))])


def _read_xlsx(data: bytes) -> list[tuple[int, list]]:
    from openpyxl import load_workbook
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise ImportFailed([RowError(0, str(lazy("Tệp không phải bảng tính Excel .xlsx hợp lệ.")))])
    sheet = book.worksheets[0]
    return [(line, list(row)) for line, row in enumerate(sheet.iter_rows(values_only=True), start=1)]


def _read_csv(data: bytes) -> list[tuple[int, list]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFailed([RowError(0, str(lazy(
            "Tệp CSV không ở mã UTF-8 (có thể là mã cũ như TCVN3/VNI hoặc Windows-1258). "
            "Trong Excel chọn Lưu thành “CSV UTF-8 (Comma delimited)” rồi nhập lại.")))])
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [(line, row) for line, row in enumerate(csv.reader(io.StringIO(text), dialect), start=1)]


def parse_programme(filename: str, data: bytes) -> list[dict]:
    rows = read_table(filename, data)
    columns, header_line = _find_header(rows)
    items: list[dict] = []
    errors: list[RowError] = []
    seen_numbers: dict[int, int] = {}
    for line, cells in rows:
        if line <= header_line:
            continue
        values = {field: cells[i] if i < len(cells) else None for field, i in columns.items()}
        texts = {field: clean_cell(v) for field, v in values.items()}
        if not any(texts.values()):
            continue                                    # blank line
        if _is_header(cells):
            continue                                    # the header repeated after a page break
        try:
            number = _number(values["number"])
            if number in seen_numbers:
                raise Invalid(lazy("TT %(n)s trùng với dòng %(other)s.", n=number, other=seen_numbers[number]))
            seen_numbers[number] = line
            if not texts["content"]:
                raise Invalid(lazy("Thiếu Nội dung."))
            raw_duration = values.get("duration")
            duration_s = DEFAULT_DURATION_S if raw_duration in (None, "") else parse_duration(
                raw_duration if not isinstance(raw_duration, str) else clean_cell(raw_duration))
            items.append({"number": number, "content": texts["content"],
                          "performer": texts.get("performer", ""), "duration_s": duration_s,
                          "script": texts.get("script", "")})
        except Invalid as exc:
            errors.append(RowError(line, str(exc.message)))
    if errors:
        raise ImportFailed(errors)
    if not items:
        raise ImportFailed([RowError(header_line, str(lazy("Bảng không có dòng chương trình nào.")))])
    return sorted(items, key=lambda item: item["number"])


def _is_header(cells: list) -> bool:
    folded = {fold(clean_cell(c)) for c in cells if c not in (None, "")}
    return "noi dung" in folded and bool(folded & {"tt", "stt", "so tt"})


def _find_header(rows: list[tuple[int, list]]) -> tuple[dict[str, int], int]:
    for line, cells in rows[:30]:
        if _is_header(cells):
            columns: dict[str, int] = {}
            for index, cell in enumerate(cells):
                field = HEADERS.get(fold(clean_cell(cell)))
                if field and field not in columns:
                    columns[field] = index
            return columns, line
    raise ImportFailed([RowError(1, str(lazy(
        "Không tìm thấy dòng tiêu đề. Bảng cần các cột: TT, Nội dung, Thực hiện (và có thể Thời lượng).")))])


def _number(value) -> int:
    text = clean_cell(value).rstrip(".")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if text.isdigit():
        return int(text)
    raise Invalid(lazy("TT “%(value)s” không phải số thứ tự.", value=text))
