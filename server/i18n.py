"""Translation helpers that also work outside a request (services, CLI, tests).

Message ids are Vietnamese, the product's own language; the English catalogue translates them, and a
string it lacks falls back to Vietnamese, never to nothing.
"""
from __future__ import annotations

from flask import current_app, has_app_context
from flask_babel import LazyString
from flask_babel import gettext as _gettext

LANGUAGES = {"vi": "Tiếng Việt", "en": "English"}


def _(text: str, **params) -> str:
    if has_app_context() and "babel" in current_app.extensions:     # a bare app (a script, a test) has none
        return _gettext(text, **params)
    return text % params if params else text


def lazy(text: str, **params) -> LazyString:
    """For messages made before the reader's language is known (service errors)."""
    return LazyString(_, text, **params)
