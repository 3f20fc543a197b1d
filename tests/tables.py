"""Files as offices send them, made in the tests: an XLSX workbook and a legacy-encoded CSV."""
from __future__ import annotations

import io
import unicodedata

from openpyxl import Workbook


def xlsx(rows: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def cp1258(text: str) -> bytes:
    """Windows-1258 as old Vietnamese Excel writes it: letters with their vowel marks, tones combining."""
    out = b""
    for ch in text:
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            base, *marks = unicodedata.normalize("NFD", ch)
            letter = unicodedata.normalize("NFC", base + "".join(m for m in marks if m in "\u0302\u0306\u031b"))
            out += (letter + "".join(m for m in marks if m not in "\u0302\u0306\u031b")).encode("cp1258")
    return out
