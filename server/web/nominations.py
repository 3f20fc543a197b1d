"""Nominations in the browser: a unit sees the deadline, its own nominations (status, reasons) and the
form to send one; the organisers see every unit's, set the deadline, and approve or return each."""
from __future__ import annotations

from itertools import groupby

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from ..i18n import _
from ..models import Award, AwardKind, ProgrammeItem
from ..services import awards, local_time, nominations, permissions
from ..services.accounts import actor_name
from ..services.errors import NotFound, ServiceError
from .context import check_csrf, current_user, db, event_or_404, flash_failure, login_required

bp = Blueprint("nominations", __name__, url_prefix="/e/<slug>/nominations")

def _status_labels() -> dict:
    return {"submitted": _("Đã gửi, chờ duyệt"), "approved": _("Đã duyệt"), "returned": _("Bị trả lại")}


def _form(names) -> dict:
    return {name: request.form.get(name, "") for name in names}


def _scope(value: str) -> dict:
    """The approval form's one select: "item:<id>" for a programme item, "local:<id>" for a ward's
    local item; anything else goes to the service as it came, to be refused there."""
    kind, _sep, row_id = (value or "").partition(":")
    if kind == "local":
        return {"programme_item_id": None, "local_item_id": row_id}
    return {"programme_item_id": row_id if kind == "item" else value or None, "local_item_id": None}


def _back(slug: str, **args):
    return redirect(url_for(".index", slug=slug, **args))


@bp.get("/")
@login_required("show.view")
def index(slug: str):
    user = current_user()
    reviewer = permissions.holds(user, "nominations.review")
    unit = permissions.holds(user, "nominations.submit")
    if not (reviewer or unit):
        abort(403)
    event = event_or_404(slug)
    kinds = awards.kinds(db(), event.id)
    db().commit()                      # the default kinds, the first time: their ids go into the forms
    context = {"event": event, "reviewer": reviewer, "unit": unit, "kinds": {k.id: k for k in kinds},
               "kind_list": kinds, "labels": _status_labels(), "window": nominations.window(event),
               "deadline": nominations.deadline_text(event),
               "points": {p.id: p for p in event.bridge_points},
               "when": lambda at: _("%(time)s ngày %(date)s", **nominations.local_parts(event, at)) if at else ""}
    if unit:
        context["unit_name"] = nominations.unit_of(user)
        context["mine"] = nominations.listing(db(), event.id, unit=nominations.unit_of(user))
        editing = None
        if request.args.get("edit"):
            try:
                editing = nominations.own(db(), event.id, request.args.get("edit"), user)
            except NotFound:
                abort(404)
        context["editing"] = editing if editing is not None and editing.status != "approved" else None
    if reviewer:
        rows = nominations.listing(db(), event.id)
        context["groups"] = [(name, list(items)) for name, items in groupby(rows, key=lambda n: n.unit)]
        context["awarded"] = {a.id: a for a in db().execute(
            select(Award).where(Award.id.in_([n.award_id for n in rows if n.award_id]))).scalars()}
        context["items"] = list(db().execute(select(ProgrammeItem).where(ProgrammeItem.event_id == event.id)
                                             .order_by(ProgrammeItem.position)).scalars())
        context["levels"] = awards.LEVELS
        context["deadline_value"] = (event.nomination_deadline.astimezone(local_time.zone(event))
                                     .strftime("%Y-%m-%dT%H:%M") if event.nomination_deadline else "")
    return render_template("nominations.html", **context)


@bp.post("/save")
@login_required("nominations.submit")
def save(slug: str):
    """A new nomination, or a correction (and re-submission) of one of the unit's own."""
    check_csrf()
    event = event_or_404(slug)
    data = _form(nominations.FIELDS)
    nomination_id = request.form.get("nomination_id")
    try:
        if nomination_id:
            row = nominations.update_own(db(), event.id, nomination_id, current_user(), data)
            message = _("Đã gửi lại đề nghị khen thưởng %(name)s.", name=row.full_name)
        else:
            row = nominations.submit(db(), event.id, current_user(), data)
            message = _("Đã gửi đề nghị khen thưởng %(name)s.", name=row.full_name)
        db().commit()
        flash(message, "ok")
    except ServiceError as exc:
        flash_failure(exc)
        if nomination_id:
            return _back(slug, edit=nomination_id) if str(nomination_id).isdigit() else _back(slug)
    return _back(slug)


@bp.post("/<int:nomination_id>/withdraw")
@login_required("nominations.submit")
def withdraw(slug: str, nomination_id: int):
    check_csrf()
    event = event_or_404(slug)
    try:
        row = nominations.own(db(), event.id, nomination_id, current_user())
        name = row.full_name
        nominations.withdraw(db(), event.id, nomination_id, current_user())
        db().commit()
        flash(_("Đã rút đề nghị khen thưởng %(name)s.", name=name), "ok")
    except ServiceError as exc:
        flash_failure(exc)
    return _back(slug)


@bp.post("/deadline")
@login_required("nominations.review")
def deadline(slug: str):
    check_csrf()
    event = event_or_404(slug)
    try:
        when = nominations.parse_deadline(event, request.form.get("deadline"))
        nominations.set_deadline(db(), event.id, when, current_user())
        db().commit()
        text = nominations.deadline_text(event)
        flash(_("Hạn cuối gửi đề nghị: %(when)s.", when=text) if text else
              _("Đã bỏ hạn cuối; các đơn vị không gửi được đề nghị cho đến khi đặt hạn mới."), "ok")
    except ServiceError as exc:
        flash_failure(exc)
    return _back(slug)


@bp.post("/<int:nomination_id>/approve")
@login_required("nominations.review")
def approve(slug: str, nomination_id: int):
    check_csrf()
    event = event_or_404(slug)
    data = _form(("kind_id", "level", "decision_number", "decision_date", "bridge_point_id"))
    data.update(_scope(request.form.get("scope", "")))
    try:
        award = nominations.approve(db(), event.id, nomination_id, data, current_user())
        name = db().get(AwardKind, award.kind_id).name
        person = nominations.require(db(), event.id, nomination_id).full_name
        awards.publish(db(), event.id, actor_name(current_user()), "nomination_approved")
        flash(_("Đã duyệt: %(name)s – %(kind)s.", name=person, kind=name), "ok")
    except ServiceError as exc:
        flash_failure(exc)
    return _back(slug)


@bp.post("/<int:nomination_id>/return")
@login_required("nominations.review")
def return_(slug: str, nomination_id: int):
    check_csrf()
    event = event_or_404(slug)
    try:
        row = nominations.return_(db(), event.id, nomination_id, request.form.get("reason"), current_user())
        db().commit()
        flash(_("Đã trả lại đề nghị khen thưởng %(name)s cho %(unit)s.", name=row.full_name, unit=row.unit), "ok")
    except ServiceError as exc:
        flash_failure(exc)
    return _back(slug)
