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


# Vietnamese collation, word by word: each word whole (its letters, then its tone) before the next word, as
# Vietnamese dictionaries and name lists do; within a word it matches ICU's "vi" collation. Alphabet: the
# Latin one with ă â after a, đ after d, ê after e, ô ơ after o, ư after u (f j w z keep their Latin place,
# as in ICU); tones: none, huyền, hỏi, ngã, sắc, nặng. Digits and punctuation come before letters (as in ICU).
_ALPHABET = {ch: i for i, ch in enumerate("aăâbcdđeêfghijklmnoôơpqrstuưvwxyz")}
_MODIFIED = {("a", "\u0306"): "ă", ("a", "\u0302"): "â", ("e", "\u0302"): "ê", ("o", "\u0302"): "ô",
             ("o", "\u031b"): "ơ", ("u", "\u031b"): "ư"}
_TONE = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}


def _rank(ch: str) -> int:
    if ch in _ALPHABET:
        return _ALPHABET[ch]
    return 1000 + ord(ch) if ch.isalpha() else ord(ch) - 0x110000     # other scripts after, symbols before


def _word_key(word: str) -> tuple[tuple[int, ...], int]:
    """One word whole: its letters, then its tone ("Anh" < "Ánh" < "Ân" < "Ấn")."""
    letters: list[str] = []
    tone = 0
    for ch in unicodedata.normalize("NFD", word.lower()):
        if ch in _TONE:
            tone = _TONE[ch]
        elif unicodedata.combining(ch):
            if letters and (letters[-1], ch) in _MODIFIED:
                letters[-1] = _MODIFIED[(letters[-1], ch)]
        else:
            letters.append(ch)
    return tuple(_rank(ch) for ch in letters), tone


def vietnamese_key(words: list[str]) -> tuple:
    """Sort key for Vietnamese words in the order given, each word whole (letters, then tone) before the
    next, so the first word's tone decides before the second word's letters."""
    return tuple(_word_key(w) for w in words)


def vietnamese_name_key(name: str) -> tuple:
    """Sort key for a Vietnamese list of people: the given name (last word) whole, then the surname, then
    the middle names ("Lê Thị Anh" < "Vũ Văn Anh" < "Bùi Văn Ánh" < "Nguyễn Thị Ánh")."""
    words = name.split()
    return vietnamese_key(words[-1:] + words[:-1])
