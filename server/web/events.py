"""The organisers' event pages: create an event, edit its settings, duplicate, reset after the
rehearsal, archive, delete; and its list of bridge points. Thin views: one service call per form,
the services flush, these views commit."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from ..i18n import _
from ..models import EVENT_LANGUAGES
from ..services import bridge_points, events, local_time, preparation
from ..services.accounts import actor_name
from ..services.errors import ServiceError
from .context import check_csrf, current_user, db, event_or_404, flash_failure, login_required, uploaded_file

bp = Blueprint("events", __name__)

PERMISSION = "events.manage"


def _posted_fields() -> dict:
    """The event form as the service's fields (events.EDITABLE); the banner keeps its line breaks."""
    return {name: request.form.get(name, "") for name in events.EDITABLE if name in request.form}


def _event_fields(event) -> dict:
    """An event's fields as the form shows them."""
    start = local_time.local_start(event)
    values = {name: getattr(event, name) or "" for name in events.TEXTS}
    values |= {"slug": event.slug, "timezone": event.timezone or local_time.DEFAULT_TIMEZONE,
               "language": event.language or "vi",
               "plan_date": event.plan_date.strftime("%d/%m/%Y") if event.plan_date else "",
               "date": start.strftime("%d/%m/%Y") if start else "", "start": start.strftime("%H:%M") if start else "",
               "press_guard_ms": str(event.press_guard_ms)}
    return values


def _render_form(event=None, values=None, status=200):
    contents = events.contents(db(), event) if event is not None else None
    return render_template("event_form.html", event=event, values=values, languages=EVENT_LANGUAGES,
                           contents=contents, default_timezone=local_time.DEFAULT_TIMEZONE), status


@bp.route("/events/new", methods=["GET", "POST"])
@login_required(PERMISSION)
def new():
    if request.method == "GET":
        return _render_form(values={"timezone": local_time.DEFAULT_TIMEZONE, "language": "vi", "press_guard_ms": "1500"})
    check_csrf()
    values = _posted_fields()
    try:
        event = events.create(db(), values, actor_name(current_user()))
        db().commit()
    except ServiceError as exc:
        flash_failure(exc)
        return _render_form(values=values, status=400)
    flash(_("Đã tạo hội nghị “%(title)s” (mã %(slug)s).", title=event.title, slug=event.slug), "ok")
    return redirect(url_for(".prepare", slug=event.slug))


@bp.get("/e/<slug>/prepare")
@login_required(PERMISSION)
def prepare(slug: str):
    """What is still missing before the day, each step linked to the page that fixes it."""
    event = event_or_404(slug)
    return render_template("prepare.html", event=event, steps=preparation.checklist(db(), event))


@bp.route("/e/<slug>/settings", methods=["GET", "POST"])
@login_required(PERMISSION)
def settings(slug: str):
    event = event_or_404(slug)
    if request.method == "GET":
        return _render_form(event, _event_fields(event))
    check_csrf()
    values = _posted_fields()
    try:
        events.update(db(), event, values, actor_name(current_user()))
        db().commit()
    except ServiceError as exc:
        flash_failure(exc)
        event = event_or_404(slug)
        return _render_form(event, _event_fields(event) | values, status=400)
    flash(_("Đã lưu thông tin hội nghị."), "ok")
    return redirect(url_for(".settings", slug=event.slug))


@bp.post("/e/<slug>/duplicate")
@login_required(PERMISSION)
def duplicate(slug: str):
    check_csrf()
    source = event_or_404(slug)
    data = {name: request.form[name] for name in ("slug", "title", "date") if request.form.get(name, "").strip()}
    try:
        copy = events.duplicate(db(), source, data, actor_name(current_user()))
        db().commit()
    except ServiceError as exc:
        flash_failure(exc)
        return redirect(url_for(".settings", slug=slug))
    flash(_("Đã tạo hội nghị “%(title)s” từ bản sao của “%(source)s”.", title=copy.title, source=source.title), "ok")
    return redirect(url_for(".settings", slug=copy.slug))


def _confirmed_step(slug: str, not_ticked: str, step, done) -> object:
    """A step that clears or locks data (reset, archive): only with its confirmation box ticked."""
    check_csrf()
    event = event_or_404(slug)
    if request.form.get("confirm") != "on":
        flash(not_ticked, "error")
        return redirect(url_for(".settings", slug=slug))
    try:
        result = step(event)
        db().commit()
        flash(done(result), "ok")
    except ServiceError as exc:
        flash_failure(exc)
    return redirect(url_for(".settings", slug=slug))


@bp.post("/e/<slug>/reset")
@login_required(PERMISSION)
def reset(slug: str):
    return _confirmed_step(
        slug, _("Chưa đặt lại: hãy đánh dấu ô xác nhận trước khi bấm “Đặt lại sau diễn tập”."),
        lambda event: events.reset(db(), event, actor_name(current_user())),      # tells every screen
        lambda _change: _("Đã đặt lại hội nghị sau diễn tập; mọi màn hình tải lại trạng thái mới."))


@bp.post("/e/<slug>/archive")
@login_required(PERMISSION)
def archive(slug: str):
    return _confirmed_step(
        slug, _("Chưa lưu trữ: hãy đánh dấu ô xác nhận trước khi bấm “Lưu trữ hội nghị”."),
        lambda event: events.archive(db(), event, actor_name(current_user())),
        lambda count: _("Đã lưu trữ hội nghị; %(count)s tài khoản tại điểm cầu đã bị khóa.", count=count))


@bp.post("/e/<slug>/delete")
@login_required(PERMISSION)
def delete(slug: str):
    check_csrf()
    event = event_or_404(slug)
    title = event.title
    try:
        events.delete(db(), event, request.form.get("confirm_slug", ""), actor_name(current_user()))
        db().commit()
    except ServiceError as exc:
        flash_failure(exc)
        return redirect(url_for(".settings", slug=slug))
    flash(_("Đã xóa hội nghị “%(title)s”.", title=title), "ok")
    return redirect(url_for("pages.index"))


# ---------------------------------------------------------------- bridge points

def _point_form() -> dict:
    return {name: request.form[name] for name in ("name", "short_name", "code", "kind") if name in request.form}


@bp.get("/e/<slug>/points")
@login_required(PERMISSION)
def points(slug: str):
    event = event_or_404(slug)
    return render_template("points.html", event=event, kinds=bridge_points.KIND_LABELS)


@bp.post("/e/<slug>/points/<op>")
@login_required(PERMISSION)
def point_change(slug: str, op: str):
    check_csrf()
    event = event_or_404(slug)
    s, ref = db(), request.form.get("point", "")
    operations = {
        "add": (lambda: bridge_points.add(s, event, _point_form()), _("Đã thêm điểm cầu.")),
        "update": (lambda: bridge_points.update(s, event, ref, _point_form()), _("Đã lưu điểm cầu.")),
        "move": (lambda: bridge_points.move(s, event, ref, request.form.get("delta", 0, type=int)),
                 _("Đã đổi thứ tự điểm cầu.")),
        "remove": (lambda: bridge_points.remove(s, event, ref), _("Đã xóa điểm cầu.")),
    }
    if op not in operations:
        return _("Thao tác không hợp lệ."), 404
    call, done = operations[op]
    try:
        call()
        s.commit()
        flash(done, "ok")
    except ServiceError as exc:
        flash_failure(exc)
    return redirect(url_for(".points", slug=slug))


@bp.post("/e/<slug>/points/import")
@login_required(PERMISSION)
def point_import(slug: str):
    check_csrf()
    event = event_or_404(slug)
    upload = uploaded_file()
    if upload is not None:
        try:
            added = bridge_points.import_points(db(), event, *upload, actor_name(current_user()))   # commits
            flash(_("Đã nhập %(count)s điểm cầu từ %(name)s.", count=len(added), name=upload[0]), "ok")
        except ServiceError as exc:
            flash_failure(exc)
    return redirect(url_for(".points", slug=slug))
