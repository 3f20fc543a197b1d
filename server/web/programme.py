"""Programme editing in the browser and import of a programme table (CSV/XLSX)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from ..i18n import _
from ..services import programme as programme_service
from ..services.accounts import actor_name
from ..services.errors import ServiceError
from ..services.programme_import import parse_programme
from ..services.revision import load_state
from ..services.snapshot import programme
from .context import check_csrf, current_user, db, event_or_404, flash_failure, login_required, uploaded_file

bp = Blueprint("programme", __name__, url_prefix="/e/<slug>/programme")


def _form() -> dict:
    return {"content": request.form.get("content", ""), "performer": request.form.get("performer", ""),
            "duration": request.form.get("duration", ""), "script": request.form.get("script", ""),
            "is_local_segment": request.form.get("is_local_segment") == "on",
            "local_for": request.form.get("local_for") or "ward"}


@bp.get("/")
@login_required("programme.edit")
def edit(slug: str):
    event = event_or_404(slug)
    return render_template("programme.html", event=event, items=programme(db(), event.id),
                           state=load_state(db(), event.id))


@bp.post("/<op>")
@login_required("programme.edit")
def change(slug: str, op: str):
    """One form post = one service call; the error, if any, is shown above the table."""
    check_csrf()
    event = event_or_404(slug)
    s, actor = db(), actor_name(current_user())
    item_id = request.form.get("item_id", type=int)
    local_id = request.form.get("local_id", type=int)
    delta = request.form.get("delta", type=int)
    operations = {
        "add": lambda: programme_service.add_item(s, event.id, _form(), actor),
        "update": lambda: programme_service.update_item(s, event.id, item_id, _form(), actor),
        "delete": lambda: programme_service.delete_item(s, event.id, item_id, actor),
        "move": lambda: programme_service.move_item(s, event.id, item_id, delta, actor),
        "add-local": lambda: programme_service.add_local_item(s, event.id, item_id, _form(), actor),
        "update-local": lambda: programme_service.update_local_item(s, event.id, local_id, _form(), actor),
        "delete-local": lambda: programme_service.delete_local_item(s, event.id, local_id, actor),
        "move-local": lambda: programme_service.move_local_item(s, event.id, local_id, delta, actor),
    }
    if op not in operations:
        return _("Thao tác không hợp lệ."), 404
    try:
        operations[op]()
        flash(_("Đã lưu chương trình."), "ok")
    except ServiceError as exc:
        flash_failure(exc)
    return redirect(url_for(".edit", slug=slug))


@bp.post("/import")
@login_required("programme.edit")
def import_table(slug: str):
    check_csrf()
    event = event_or_404(slug)
    upload = uploaded_file()
    if upload is not None:
        try:
            count = programme_service.replace_programme(db(), event.id, parse_programme(*upload),
                                                        actor_name(current_user()))
            flash(_("Đã nhập %(count)s mục từ %(name)s.", count=count, name=upload[0]), "ok")
        except ServiceError as exc:
            flash_failure(exc)
    return redirect(url_for(".edit", slug=slug))
