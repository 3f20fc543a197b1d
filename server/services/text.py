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


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def short_text(value, limit: int, label: str, *, required: bool = False) -> str:
    """A note or message typed by a person: plain text, NFC, within `limit` characters. Too long is
    refused rather than cut, so nothing the sender wrote is silently lost. Escaping is the screens'
    job (they only ever set textContent)."""
    from ..i18n import lazy
    from .errors import Invalid
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise Invalid(lazy("%(label)s phải là văn bản.", label=label))
    text = unicodedata.normalize("NFC", _CONTROL.sub(" ", value)).strip()
    if required and not text:
        raise Invalid(lazy("Hãy nhập %(label)s.", label=label.lower()))
    if len(text) > limit:
        raise Invalid(lazy("%(label)s dài %(length)s ký tự, tối đa %(limit)s; hãy rút gọn.",
                           label=label, length=len(text), limit=limit))
    return text
