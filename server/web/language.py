"""Which language a page is read in: Vietnamese, unless the person chose English (VI/EN in the header,
kept for their account and on their device). The browser's own language setting is not asked: a
phone set to English still reads Vietnamese until its owner picks EN. A delegate's invitation page
starts in its event's language. The HTTP API answers in the language its caller asks for."""
from __future__ import annotations

from flask import g, has_request_context, request, session

from ..i18n import LANGUAGES
from .context import current_user, db

COOKIE = "dc_lang"                  # the device's choice, for pages read without signing in
COOKIE_AGE = 400 * 24 * 3600


def selected() -> str:
    """Flask-Babel's locale selector."""
    if not has_request_context():        # services and the command line outside a request
        return "vi"
    if request.blueprint == "api" and request.accept_languages:
        # A program asks for its language on purpose (docs/api.md); a browser's header is only a default.
        return request.accept_languages.best_match(list(LANGUAGES), default="vi")
    user = current_user()
    for lang in (session.get("lang"), user.language if user is not None else None, request.cookies.get(COOKIE),
                 g.get("page_language")):
        if lang in LANGUAGES:
            return lang
    return "vi"


def choose(code: str, response) -> None:
    """Keeps a choice made with VI/EN: for this session, the signed-in account, and the device."""
    if code not in LANGUAGES:
        return
    session["lang"] = code
    user = current_user()
    if user is not None and user.language != code:
        user.language = code
        db().commit()
    response.set_cookie(COOKIE, code, max_age=COOKIE_AGE, httponly=True, samesite="Lax")


def page_default(language: str | None) -> None:
    """A page whose own content has a language (an event's invitation) starts in it."""
    g.page_language = language
