"""The screens of an event: which pages exist, where each lives, and sending a screen elsewhere
(for example a ward's projector from the site display to the banner)."""
from __future__ import annotations

import re

from sqlalchemy.orm import Session

from ..i18n import lazy
from ..models import Event
from . import revision
from .bridge_points import require_point
from .errors import Invalid

# Pages a screen can say it shows (the `hello` socket event). Point pages belong to one bridge point.
PAGES = ("desk", "control", "stage", "prompter", "banner", "site", "console", "agent", "scanner", "attendance", "escort", "other")
POINT_PAGES = ("site", "console", "agent", "scanner")
# Pages a screen can be sent to, and their paths.
TARGETS = {
    "banner": "/e/{slug}/banner",
    "stage": "/e/{slug}/stage",
    "site": "/e/{slug}/site/{code}",
    "console": "/e/{slug}/console/{code}",
}
SCREEN_ID = re.compile(r"^[a-z0-9]{6,32}$")


def page_path(event: Event, page: str, code: str | None = None) -> str:
    return TARGETS[page].format(slug=event.slug, code=code or "")


def navigate(session: Session, event_id: int, actor: str, args: dict, point=None) -> revision.Change:
    """Every screen of the event gets the order; only the one with that id follows it. That way it
    reaches the screen whichever server process holds its connection."""
    screen_id, page = args.get("screen_id"), args.get("page")
    if not isinstance(screen_id, str) or not SCREEN_ID.match(screen_id):
        raise Invalid(lazy("Mã màn hình không hợp lệ."))
    if page not in TARGETS:
        raise Invalid(lazy("Trang đích không hợp lệ; chọn một trong: %(pages)s.", pages=", ".join(TARGETS)))
    with revision.change(session, event_id):
        code = None
        if "{code}" in TARGETS[page]:
            code = require_point(session, event_id, args.get("bridge_point_id")).code
        path = page_path(session.get(Event, event_id), page, code)
        return revision.commit_change(session, event_id, actor, "screen_navigate",
                                      {"coord": {"navigate": {"screen_id": screen_id, "path": path}}},
                                      screen_id=screen_id, path=path)
