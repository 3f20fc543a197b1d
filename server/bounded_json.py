"""JSON from outside, bounded before it is parsed: a body or socket payload nested deeper than any
command needs is refused with a clear error instead of exhausting Python's recursion (a 500 with a
traceback). The HTTP API reads bodies through `loads`, and Socket.IO decodes every packet with this
module (server/extensions.py), so both doors keep the same bound.
"""
from __future__ import annotations

import json
import re

MAX_DEPTH = 32                     # a command's deepest payload (a batch of scans) is 4 levels
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_BRACKETS = re.compile(r"[\[\]{}]")

dumps = json.dumps                 # what the server writes is its own


class TooDeep(ValueError):
    """Nested deeper than MAX_DEPTH: refused before parsing."""


def depth(text: str) -> int:
    """How deep the arrays and objects of a JSON text nest (strings skipped, so "[[[" in a name counts
    for nothing); the scan is regular expressions, not Python recursion."""
    deepest = level = 0
    for bracket in _BRACKETS.finditer(_STRINGS.sub('""', text)):
        level += 1 if bracket.group() in "[{" else -1
        deepest = max(deepest, level)
    return deepest


def loads(text, *args, **kwargs):
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("utf-8")
    if depth(text) > MAX_DEPTH:
        raise TooDeep(f"JSON nested deeper than {MAX_DEPTH} levels")
    return json.loads(text, *args, **kwargs)
