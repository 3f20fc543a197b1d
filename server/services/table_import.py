"""Reading a table (the programme, the delegate list) from the CSV or XLSX file people already have.

Lists arrive as Excel files or as CSV saved from Excel, with Vietnamese headers in whatever spelling
the office uses, a title block above the header and the header repeated after page breaks. This
module turns such a file into numbered rows and finds the header row; each importer checks its own
rows and reports every bad one at once (all or nothing), one message per distinct problem with the
lines it is on.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Callable

from ..i18n import lazy
from .errors import Invalid
from .text import clean_cell, fold

HEADER_SEARCH_ROWS = 30     # title block (QUẬN ỦY…, DANH SÁCH…) above the header, never more than this


@dataclass
class RowError:
    line: int
    message: str
    problem: str = ""       # the message without what is this row's own (a name): lines that share it are one

    def __str__(self) -> str:
        return str(lazy("Dòng %(line)s: %(message)s", line=self.line, message=self.message))


def line_list(lines) -> str:
    """Line numbers as people write them: "3, 5, 7–12" (a run of three or more as a range)."""
    ordered = sorted(set(lines))
    runs: list[list[int]] = []
    for line in ordered:
        if runs and line == runs[-1][-1] + 1:
            runs[-1].append(line)
        else:
            runs.append([line])
    parts = []
    for run in runs:
        parts.extend([f"{run[0]}–{run[-1]}"] if len(run) > 2 else [str(n) for n in run])
    return ", ".join(parts)


def grouped(errors: list[RowError]) -> list[str]:
    """What the person reads: one message per distinct problem, naming all its lines ("Dòng 3, 5, 7–12: …"),
    in the order of each problem's first line, so 30 rows with the same unknown kind are one message to
    fix, not 30. A problem on one line keeps its full message."""
    groups: dict[str, list[RowError]] = {}
    for error in sorted(errors, key=lambda e: e.line):
        groups.setdefault(error.problem or error.message, []).append(error)
    out = []
    for key, group in groups.items():
        if len(group) == 1:
            out.append(str(group[0]))
        else:
            out.append(str(lazy("Dòng %(line)s: %(message)s", line=line_list(e.line for e in group), message=key)))
    return out


def file_headline(count: int):
    return lazy("Không nhập được tệp: %(count)s lỗi. Sửa tệp rồi nhập lại.", count=count)


Headline = Callable[[int], object]


class ImportFailed(Invalid):
    """Every bad row of one file. `headline(count)` says what was being imported, so the person sees
    "Không nhập được chương trình…" or "…danh sách đại biểu…" above the list of lines to fix."""
    code = "import_failed"

    def __init__(self, errors: list[RowError], headline: Headline = file_headline, **details):
        super().__init__(headline(len(errors)), errors=grouped(errors), **details)
        self.errors = errors            # one per bad line; details["errors"] groups them for people


def read_table(filename: str, data: bytes, *, headline: Headline = file_headline) -> list[tuple[int, list]]:
    """(line number, cells) for every row of the first sheet or the CSV file."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        return _read_xlsx(data, headline)
    if name.endswith((".csv", ".tsv", ".txt")):
        return _read_csv(data, headline)
    raise ImportFailed([RowError(0, str(lazy("Chỉ nhận tệp .xlsx hoặc .csv (tệp đã gửi: %(name)s).",
                                             name=filename)))], headline)


def _read_xlsx(data: bytes, headline: Headline) -> list[tuple[int, list]]:
    from openpyxl import load_workbook
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheet = book.worksheets[0]
            sheet.reset_dimensions()    # some exporters write a wrong size ("A1"), which would cut the table
            return [(line, list(row)) for line, row in enumerate(sheet.iter_rows(values_only=True), start=1)]
        finally:
            book.close()
    except Exception:
        raise ImportFailed([RowError(0, str(lazy("Tệp không phải bảng tính Excel .xlsx hợp lệ.")))], headline)


def _read_csv(data: bytes, headline: Headline) -> list[tuple[int, list]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Old Vietnamese encodings are refused, not guessed: a wrong guess turns every name into garbage.
        raise ImportFailed([RowError(0, str(lazy(
            "Tệp CSV không ở mã UTF-8 (có thể là mã cũ như TCVN3/VNI hoặc Windows-1258). "
            "Trong Excel chọn Lưu thành “CSV UTF-8 (Comma delimited)” rồi nhập lại.")))], headline)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        return [(line, row) for line, row in enumerate(csv.reader(io.StringIO(text), dialect), start=1)]
    except csv.Error:
        raise ImportFailed([RowError(0, str(lazy("Tệp CSV hỏng, không đọc được các dòng.")))], headline)


def header_key(cell) -> str:
    """A header cell as it is looked up: folded, without the marks of required columns ("Họ và tên (*):")."""
    key = fold(clean_cell(cell))
    if key.endswith("(*)"):
        key = key[:-3]
    return key.strip(" *:")


def header_columns(cells: list, headers: dict[str, str]) -> dict[str, int]:
    """Field -> column index for the cells of a header row (the first column of each field wins)."""
    columns: dict[str, int] = {}
    for index, cell in enumerate(cells):
        field = headers.get(header_key(cell))
        if field and field not in columns:
            columns[field] = index
    return columns


def is_header(cells: list, headers: dict[str, str], required: tuple[str, ...]) -> bool:
    return all(field in header_columns(cells, headers) for field in required)


def find_header(rows: list[tuple[int, list]], headers: dict[str, str], required: tuple[str, ...],
                missing, *, headline: Headline = file_headline) -> tuple[dict[str, int], int]:
    """The columns and line of the first row that has every required header; `missing` says which
    columns the table needs when there is none."""
    for line, cells in rows[:HEADER_SEARCH_ROWS]:
        columns = header_columns(cells, headers)
        if all(field in columns for field in required):
            return columns, line
    raise ImportFailed([RowError(1, str(missing))], headline)


def data_rows(rows: list[tuple[int, list]], columns: dict[str, int], header_line: int, headers: dict[str, str],
              required: tuple[str, ...]):
    """(line, {field: cell}) for every row under the header that holds data. Skipped: blank lines,
    numbered template rows left empty, and the header repeated after a page break."""
    for line, cells in rows:
        if line <= header_line:
            continue
        values = {field: cells[i] if i < len(cells) else None for field, i in columns.items()}
        if not any(cell_text(v) for field, v in values.items() if field != "number"):
            continue
        if is_header(cells, headers, required):
            continue
        yield line, values


def all_or_nothing(parsed: list, errors: list[RowError], header_line: int, empty, headline, **details) -> list:
    """The parsed rows, or every error at once: nothing is imported unless the whole table is valid,
    and an empty table is refused with `empty`."""
    if errors:
        raise ImportFailed(errors, headline, **details)
    if not parsed:
        raise ImportFailed([RowError(header_line, str(empty))], headline)
    return parsed


def cell_text(value) -> str:
    """A cell as text, with Excel's numbers as people typed them: 12.0 -> "12"."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M") if value.time() != time(0) else value.strftime("%d/%m/%Y")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return clean_cell(value)
