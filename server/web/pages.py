"""The screens: index, operator desk, stage display, site display, MC prompter."""
from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import select

from ..models import Event
from ..services import permissions
from .context import bridge_point_or_404, current_user, db, event_or_404, login_required

bp = Blueprint("pages", __name__)


@bp.route("/")
@login_required("show.view")
def index():
    events = db().execute(select(Event).order_by(Event.id)).scalars().all()
    return render_template("index.html", events=events)


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
