"""Vietnamese text helpers: folding diacritics for search and header matching, name order."""
from __future__ import annotations

import html
import re
import unicodedata

_TAGS = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """'Nguyễn Văn Ân' -> 'nguyen van an' (đ has no decomposition, so it is mapped by hand)."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped).strip().lower()


def clean_cell(value) -> str:
    """A table cell as plain text: no markup left over from word processors, single spaces, NFC."""
    if value is None:
        return ""
    text = html.unescape(_TAGS.sub("", str(value)))
    return unicodedata.normalize("NFC", _SPACES.sub(" ", text).strip())
