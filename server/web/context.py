"""Per-request helpers shared by the blueprints: the database session, the user, the event."""
from __future__ import annotations

import secrets
from functools import wraps

from flask import abort, current_app, flash, g, redirect, request, session, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..i18n import _
from ..models import BridgePoint, Event, User
from ..services import accounts, permissions, public_address
from ..services.errors import ServiceError

# An enrolled scanner device keeps its token here: HTTP-only, so no page script can read it.
DEVICE_COOKIE = "dc_device"


def db() -> Session:
    if "db_session" not in g:
        g.db_session = current_app.extensions["diemcau.db"].sessionmaker()
    return g.db_session


def current_user() -> User | None:
    if "user" not in g:
        uid = session.get("uid")
        if uid:
            user = accounts.still_valid(db(), uid, None, session.get("epoch", 0))
        else:
            device_token = request.cookies.get(DEVICE_COOKIE)
            user = accounts.user_for_token(db(), device_token) if device_token else None
        g.user = user if user is not None and user.active else None
    return g.user


def login_required(permission: str):
    """Pages: a person not logged in goes to the login page; one without the right gets 403."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            user = current_user()
            if user is None:
                return redirect(url_for("auth.login", next=request.full_path))
            if not permissions.holds(user, permission):
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator


def event_or_404(slug: str) -> Event:
    """The event of the URL. An archived one is read-only: every form posted to its pages is refused,
    except the event pages' own (duplicate, delete), whose services decide."""
    event = db().execute(select(Event).where(Event.slug == slug)).scalar_one_or_none()
    if event is None:
        abort(404)
    if event.archived_at is not None and request.method not in ("GET", "HEAD") and \
            not (request.endpoint or "").startswith("events."):
        abort(403, description=_("Hội nghị đã lưu trữ: chỉ xem và xuất báo cáo, không thay đổi được."))
    return event


def bridge_point_or_404(event: Event, code: str) -> BridgePoint:
    point = db().execute(select(BridgePoint).where(BridgePoint.event_id == event.id,
                                                   BridgePoint.code == code)).scalar_one_or_none()
    if point is None:
        abort(404)
    return point


def public_base() -> str:
    """The start of every link the product prints or shows (services/public_address.py)."""
    return public_address.base_url(db(), request.host_url)


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(24)
    return session["csrf"]


def check_csrf() -> None:
    sent = request.form.get("csrf") or request.headers.get("X-CSRF-Token")
    if not sent or not secrets.compare_digest(sent, session.get("csrf", "")):
        abort(400, description=_("Phiên làm việc đã hết hạn; tải lại trang rồi thử lại."))


def uploaded_file() -> tuple[str, bytes] | None:
    """The file an import form sent, as (name, bytes); none chosen is said on the page."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Chưa chọn tệp để nhập."), "error")
        return None
    return upload.filename, upload.read()


FLASHED_LINES = 15      # flashed messages ride in the session cookie (4 KB): a long list is cut, not lost


def flash_failure(exc: ServiceError) -> None:
    """A refused form: nothing of it is kept, and what to fix is shown above the page: the first lines
    of an import's errors and how many more there are (fixing those shows the next)."""
    db().rollback()
    flash(str(exc.message), "error")
    lines = exc.details.get("errors", [])
    for line in lines[:FLASHED_LINES]:
        flash(line if len(line) <= 300 else line[:299] + "…", "error")
    if len(lines) > FLASHED_LINES:
        flash(_("… và %(n)s lỗi khác; sửa các lỗi trên rồi nhập lại để xem tiếp.", n=len(lines) - FLASHED_LINES),
              "error")
