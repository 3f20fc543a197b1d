"""Login, logout, language."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Flask, current_app, flash, redirect, render_template, request, session, url_for

from flask_babel import get_locale

from ..i18n import LANGUAGES, _
from ..models import BridgePoint, Event
from ..services import accounts, audit, permissions, public_address, sign_in, sign_in_links
from ..services.errors import ServiceError
from . import language, navigation
from .context import check_csrf, csrf_token, current_user, db, public_base
from .screen_text import screen_texts

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Where to go after signing in or choosing a language: a path on this site, else the index.
    Browsers drop tabs and line breaks and read a backslash as a slash, so "/%09/evil.example" (a tab)
    would leave the site: any control character, backslash or second leading slash is refused."""
    text = target or ""
    if (not text.startswith("/") or text.startswith("//") or "\\" in text
            or any(ord(ch) < 32 or ord(ch) == 127 for ch in text) or urlsplit(text).netloc):
        return url_for("pages.index")
    return text


@bp.route("/login", methods=["GET", "POST"])
def login():
    if not accounts.has_accounts(db()):
        return redirect(url_for(".setup"))          # a blank install: make the first admin first
    if request.method == "POST":
        check_csrf()
        try:
            user = sign_in.attempt(db(), request.form.get("username", "").strip(), request.form.get("password", ""),
                                   request.remote_addr or "")
        except sign_in.Locked as exc:
            flash(str(exc.message), "error")
            return render_template("login.html"), exc.http_status
        if user is None:
            flash(_("Sai tên đăng nhập hoặc mật khẩu."), "error")
            return render_template("login.html"), 401
        _sign_in(user)
        return redirect(_safe_next(request.args.get("next")))
    return render_template("login.html")


@bp.route("/setup", methods=["GET", "POST"])
def setup():
    """A blank install: the first admin, with the setup code `diemcau serve` printed on the server's
    screen. Gone as soon as any account exists."""
    if accounts.has_accounts(db()):
        return redirect(url_for(".login"))
    if request.method == "POST":
        check_csrf()
        settings = current_app.config["DIEMCAU"]
        try:
            with current_app.extensions["diemcau.db"].setup_lock():
                user = accounts.create_first_admin(db(), request.form.get("username", ""),
                                                   request.form.get("password", ""), request.form.get("code", ""),
                                                   settings.secret_key)
                db().commit()
        except ServiceError as exc:
            db().rollback()
            flash(str(exc.message), "error")
            return render_template("setup.html", username=request.form.get("username", "")), 400
        _sign_in(user)
        flash(_("Đã tạo tài khoản quản trị %(name)s. Bước tiếp theo: tạo hội nghị.", name=user.username), "ok")
        return redirect(url_for("events.new"))
    return render_template("setup.html", username="")


def _sign_in(user, *, permanent: bool = False) -> None:
    """A new session for the user; the language chosen before signing in stays."""
    lang = session.get("lang")
    session.clear()
    session.permanent = permanent
    session["uid"], session["epoch"] = user.id, user.session_epoch
    if lang:
        session["lang"] = lang


@bp.route("/logout", methods=["POST"])
def logout():
    """Signs the account out everywhere: every browser signed in as it, a copied cookie included."""
    check_csrf()
    user = current_user()
    if user is not None:
        sign_in.end_sessions(db(), user)
        audit.record(db(), accounts.actor_name(user), "sign_out")
        db().commit()
    session.clear()
    return redirect(url_for("auth.login"))


@bp.get("/s/<token>")
def sign_in_link(token: str):
    """A one-time link from a point's sheet: signs the phone in and opens the account's own page."""
    try:
        user = sign_in_links.redeem(db(), token)
        db().commit()
    except ServiceError as exc:
        db().rollback()
        return render_template("message.html", title=_("Không đăng nhập được"), text=str(exc.message)), 403
    _sign_in(user, permanent=True)      # a phone that restarts stays signed in for the day
    return redirect(home_of(user))


def home_of(user) -> str:
    """Where an account bound to a point starts: the technician's console, the door's scanner."""
    point = db().get(BridgePoint, user.bridge_point_id) if user.bridge_point_id else None
    event = db().get(Event, point.event_id) if point else None
    if point is not None and user.role == "site_tech":
        return url_for("pages.console", slug=event.slug, code=point.code)
    if point is not None and user.role == "checkin":
        return url_for("checkin.scanner", slug=event.slug)
    return url_for("pages.index")


@bp.route("/lang/<code>")
def set_language(code: str):
    response = redirect(_safe_next(request.args.get("next")))
    language.choose(code, response)
    return response


def init_app(app: Flask) -> None:
    @app.context_processor
    def _globals():
        return {"current_user": current_user(), "csrf_token": csrf_token, "LANGUAGES": LANGUAGES,
                "get_locale": get_locale, "screen_texts": screen_texts, "role_labels": permissions.ROLE_LABELS,
                "event_menu": lambda event: navigation.menu(event, current_user()),
                # The address printed links start with, when no phone could open it (pages that print warn).
                "unreachable_public_base": lambda: (lambda base: base if public_address.is_loopback(base) else None)(
                    public_base()),
                # Without a point, whether the user has the right at all (links); with one, there.
                "allows": lambda perm, bp_id=None: permissions.holds(current_user(), perm) if bp_id is None
                else permissions.allows(current_user(), perm, bp_id)}
