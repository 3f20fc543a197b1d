"""Reading a programme table (TT / Nội dung / Thực hiện / Thời lượng) from CSV or XLSX.

All or nothing: every bad row is reported with its line and what to fix, and nothing is imported
unless the whole table is valid.
"""
from __future__ import annotations

from ..i18n import lazy
from .errors import Invalid
from .programme import parse_duration
from .table_import import ImportFailed, RowError, all_or_nothing, find_header, is_header, read_table
from .text import clean_cell

__all__ = ["DEFAULT_DURATION_S", "HEADERS", "ImportFailed", "RowError", "parse_programme", "read_table"]

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


def _headline(count: int):
    return lazy("Không nhập được chương trình: %(count)s lỗi. Sửa tệp rồi nhập lại.", count=count)


def parse_programme(filename: str, data: bytes) -> list[dict]:
    rows = read_table(filename, data, headline=_headline)
    columns, header_line = find_header(rows, HEADERS, REQUIRED, lazy(
        "Không tìm thấy dòng tiêu đề. Bảng cần các cột: TT, Nội dung, Thực hiện (và có thể Thời lượng)."),
        headline=_headline)
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
        if is_header(cells, HEADERS, REQUIRED):
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
    items = all_or_nothing(items, errors, header_line, lazy("Bảng không có dòng chương trình nào."), _headline)
    return sorted(items, key=lambda item: item["number"])


def _number(value) -> int:
    text = clean_cell(value).rstrip(".")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if text.isdigit():
        return int(text)
    raise Invalid(lazy("TT “%(value)s” không phải số thứ tự.", value=text))
