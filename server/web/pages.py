"""The screens: index, operator desk, control room, stage display, banner, site display and console,
MC prompter, the escorts' award view, and the printed sheet that takes each point's technician to
their console."""
from __future__ import annotations

from flask import Blueprint, abort, flash, render_template, request

from ..models import CHECKS, INCIDENT_KINDS
from ..i18n import _
from ..services import day_accounts, events, permissions, screens
from ..services.accounts import actor_name
from ..services.errors import ServiceError
from .context import (bridge_point_or_404, check_csrf, current_user, db, event_or_404, flash_failure, login_required,
                      public_base)
from .qr import qr_svg

bp = Blueprint("pages", __name__)


@bp.route("/")
@login_required("show.view")
def index():
    """The signed-in person's events, running first, then upcoming, then past (an account bound to
    a bridge point sees its own event only)."""
    groups = events.listing(db(), current_user())
    titles = {"running": _("Đang diễn ra"), "upcoming": _("Sắp tới"), "past": _("Đã qua")}
    return render_template("index.html", groups=[(titles[k], groups[k]) for k in events.PHASES if groups[k]])


@bp.route("/e/<slug>/desk")
@login_required("desk.view")
def desk(slug: str):
    return render_template("desk.html", event=event_or_404(slug))


@bp.route("/e/<slug>/stage")
@login_required("show.view")
def stage(slug: str):
    return render_template("stage.html", event=event_or_404(slug))


@bp.route("/e/<slug>/prompter")
@login_required("prompter.view")
def prompter(slug: str):
    return render_template("prompter.html", event=event_or_404(slug))


@bp.route("/e/<slug>/site/<code>")
@login_required("show.view")
def site(slug: str, code: str):
    event = event_or_404(slug)
    point = bridge_point_or_404(event, code)
    can_control = permissions.allows(current_user(), "site.control", point.id)
    return render_template("site.html", event=event, point=point, can_control=can_control)


@bp.route("/e/<slug>/banner")
@login_required("show.view")
def banner(slug: str):
    return render_template("banner.html", event=event_or_404(slug))


@bp.route("/e/<slug>/control")
@login_required("coord.control")
def control(slug: str):
    return render_template("control.html", event=event_or_404(slug), checks=CHECKS,
                           incident_kinds=INCIDENT_KINDS, targets=list(screens.TARGETS))


@bp.route("/e/<slug>/console/<code>")
@login_required("show.view")
def console(slug: str, code: str):
    """A point's technician console: only for whoever may act at this point."""
    event = event_or_404(slug)
    point = bridge_point_or_404(event, code)
    if not permissions.allows(current_user(), "site.control", point.id):
        abort(403)
    return render_template("console.html", event=event, point=point, checks=CHECKS, incident_kinds=INCIDENT_KINDS)


@bp.route("/e/<slug>/escort")
@login_required("escort.view")
def escort(slug: str):
    """Who the escorts bring up at one bridge point (`?point=<code>`, the main hall by default), on a phone."""
    event = event_or_404(slug)
    code = request.args.get("point")
    if code:
        point = bridge_point_or_404(event, code)
    else:
        point = next((p for p in event.bridge_points if p.kind == "main"), None) or \
            next(iter(event.bridge_points), None)
        if point is None:
            abort(404)
    return render_template("escort.html", event=event, point=point)


@bp.route("/e/<slug>/sheet", methods=["GET", "POST"])
@login_required("coord.control")
def sheet(slug: str):
    """One printed page per bridge point: its console's address as text and as a QR code. Posted
    (organisers), the sheets also carry a one-time sign-in link for the point's technician and door
    staff, their accounts made if missing: what is printed then is the only copy of those links."""
    event = event_or_404(slug)
    base = public_base()
    logins: dict[int, list] = {}
    if request.method == "POST":
        check_csrf()
        if not permissions.holds(current_user(), "events.manage"):
            abort(403)
        try:
            if request.form.get("op") == "revoke":
                count = day_accounts.revoke_all(db(), event)
                flash(_("Đã thu hồi %(count)s liên kết đăng nhập chưa dùng.", count=count), "ok")
            else:
                for login in day_accounts.issue_all(db(), event, actor_name(current_user())):
                    url = f"{base}/s/{login.token}"
                    logins.setdefault(login.point.id, []).append(
                        {"role": login.role, "label": day_accounts.ROLE_LABELS[login.role], "user": login.user,
                         "url": url, "qr": qr_svg(url)})
        except ServiceError as exc:
            flash_failure(exc)
    sheets = []
    for point in event.bridge_points:
        url = base + screens.page_path(event, "console", point.code)
        sheets.append({"point": point, "url": url, "qr": qr_svg(url), "logins": logins.get(point.id, []),
                       "display_url": base + screens.page_path(event, "site", point.code)})
    return render_template("sheet.html", event=event, sheets=sheets, with_logins=bool(logins))
