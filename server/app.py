"""Application factory. Import nothing async-specific here: the runner picks eventlet or another mode."""
from __future__ import annotations

import logging
import secrets

from flask import Flask, g, request, session

from . import checkin_sockets, sockets  # noqa: F401  registers the handlers before any init_app (re-bound each time)
from .config import ROOT, STICKY_COOKIE, Settings
from .db import Database
from .extensions import babel, socketio
from .services import local_time
from .translations import compile_catalogues

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings()
    app = Flask(__name__, template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"),
                instance_path=str(settings.instance_dir))
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=8 * 1024 * 1024,
        BABEL_DEFAULT_LOCALE="vi",
        BABEL_DEFAULT_TIMEZONE="Asia/Ho_Chi_Minh",
        BABEL_TRANSLATION_DIRECTORIES=str(compile_catalogues(settings.instance_dir)),
        TESTING=settings.testing,
    )
    app.config["DIEMCAU"] = settings

    from .web.language import selected as language
    babel.init_app(app, locale_selector=language)     # before the demo: its services translate their texts
    db = Database(settings.database_url)
    app.extensions["diemcau.db"] = db
    with db.setup_lock():
        db.upgrade()
        if settings.load_demo:
            from .demo import demo_awards, demo_delegates, demo_logins, load_reference_event
            with db.session() as s, app.app_context():
                event = load_reference_event(s)
                demo_delegates(s, event)
                demo_awards(s, event)
                app.config["DEMO_LOGINS"] = demo_logins(s, event, settings.instance_dir)

    socketio.init_app(app, async_mode=settings.async_mode, message_queue=settings.message_queue,
                      channel=settings.channel,
                      ping_interval=10, ping_timeout=10, max_http_buffer_size=1_000_000)

    from .realtime import init_realtime
    from .web.context import DEVICE_COOKIE
    from .web import (admin, api, auth, awards, checkin, delegates, errors, events, invitation, nominations, pages,
                      programme, report)

    init_realtime(app)
    app.jinja_env.globals["local_time"] = local_time      # every page writes times the one way
    for blueprint in (auth.bp, pages.bp, events.bp, programme.bp, api.bp, admin.bp, delegates.bp, checkin.bp,
                      invitation.bp, nominations.bp, awards.bp, report.bp):
        app.register_blueprint(blueprint)
    auth.init_app(app)
    errors.init_app(app)

    @app.get("/favicon.ico")
    def _favicon():          # what browsers ask for on their own (a PDF opened in a tab, for one)
        return app.send_static_file("favicon.ico")

    @app.after_request
    def _security_headers(response):
        """On every answer: no framing (the desk's GO cannot be clickjacked), no type sniffing, no
        referrer (invitation, sign-in and enrolment addresses carry their token); and nothing a person
        signed in sees, nor any API answer or token page, is kept in a cache."""
        headers = response.headers
        headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "no-referrer")
        signed_in = "uid" in session or DEVICE_COOKIE in request.cookies
        if request.endpoint != "static" and (signed_in or request.blueprint in ("api", "invitation")
                                             or request.endpoint in ("auth.sign_in_link", "checkin.enrol")):
            headers["Cache-Control"] = "no-store"
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response

    @app.after_request
    def _sticky(response):
        if STICKY_COOKIE not in request.cookies:     # the page sets it; its socket then carries it
            response.set_cookie(STICKY_COOKIE, secrets.token_urlsafe(12), httponly=True, samesite="Lax")
        return response

    @app.teardown_appcontext
    def _close_session(_exc):
        s = g.pop("db_session", None)
        if s is not None:
            s.close()

    return app
