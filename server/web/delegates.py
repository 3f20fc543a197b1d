"""The delegate registry in the browser: list and filter, add and edit, import a table, revoke and
re-issue invitations, and print them (PDF for a set, PNG for one)."""
from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from ..i18n import _
from ..models import Delegate
from ..services import delegate_categories, delegates as registry, invitation_tokens, invitations
from ..services.accounts import actor_name
from ..services.check_in import arrivals
from ..services.delegate_import import import_delegates, parse_delegates
from ..services.errors import ServiceError
from ..services.invitation_print import invitation_png, invitations_pdf
from .context import (check_csrf, current_user, db, event_or_404, flash_failure, login_required, public_base,
                      uploaded_file)

bp = Blueprint("delegates", __name__, url_prefix="/e/<slug>/delegates")


def _filters() -> dict:
    return {"bridge_point_id": request.args.get("point", type=int), "category": request.args.get("category") or None}


def _selected(event) -> list[Delegate]:
    query = request.args.get("q", "").strip()
    if query:
        found = registry.search(db(), event.id, query, limit=10_000)
        f = _filters()
        return [d for d in found if (f["bridge_point_id"] in (None, d.bridge_point_id))
                and (f["category"] in (None, d.category))]
    return registry.listing(db(), event.id, **_filters())


@bp.get("/")
@login_required("delegates.manage")
def index(slug: str):
    event = event_or_404(slug)
    people = _selected(event)
    live = {d.id: invitation_tokens.current(db(), d.id) for d in people}
    editing = db().get(Delegate, request.args.get("edit", type=int) or 0)
    return render_template("delegates.html", event=event, people=people, live=live,
                           arrived=arrivals(db(), [d.id for d in people]), categories=delegate_categories.labels(db(), event.id),
                           category_rows=delegate_categories.listing(db(), event.id), seat_text=registry.seat_text,
                           editing=editing if editing and editing.event_id == event.id else None,
                           filters=request.args)


@bp.get("/preview")
@login_required("delegates.manage")
def preview(slug: str):
    """The invitation page as the delegate's phone shows it: the chosen delegate's, else the first
    one in the list with a live invitation."""
    event = event_or_404(slug)
    wanted = request.args.get("delegate", type=int)
    people = [db().get(Delegate, wanted)] if wanted else registry.listing(db(), event.id)
    for delegate in people:
        invitation = invitation_tokens.current(db(), delegate.id) if delegate and delegate.event_id == event.id else None
        if invitation is not None:
            return redirect(url_for("invitation.page", token=invitation_tokens.token_for(invitation)))
    flash(_("Chưa có thư mời nào để xem trước: thêm hoặc nhập đại biểu trước."), "error")
    return _back(slug)


def _back(slug: str):
    return redirect(url_for(".index", slug=slug, **{k: v for k, v in request.args.items() if k != "edit"}))


@bp.post("/save")
@login_required("delegates.manage")
def save(slug: str):
    check_csrf()
    event = event_or_404(slug)
    data = {name: request.form.get(name) for name in registry.FIELDS}
    data["vip"] = request.form.get("vip") == "on"
    try:
        delegate_id = request.form.get("delegate_id", type=int)
        if delegate_id:
            registry.update(db(), event.id, delegate_id, data)
        else:
            delegate = registry.add(db(), event.id, data, actor_name(current_user()))
            invitation_tokens.issue(db(), delegate)
        db().commit()
        flash(_("Đã lưu đại biểu %(name)s.", name=data.get("full_name") or ""), "ok")
    except ServiceError as exc:
        flash_failure(exc)
    return _back(slug)


@bp.post("/<int:delegate_id>/<op>")
@login_required("delegates.manage")
def invitation(slug: str, delegate_id: int, op: str):
    """Revoke the invitation (the code then answers "revoked") or issue a new one ("replaced")."""
    check_csrf()
    event = event_or_404(slug)
    try:
        delegate = registry.require(db(), event.id, delegate_id)
        if op == "revoke":
            invitation_tokens.revoke(db(), delegate)
            flash(_("Đã thu hồi thư mời của %(name)s.", name=delegate.full_name), "ok")
        elif op == "reissue":
            invitation_tokens.issue(db(), delegate)
            flash(_("Đã cấp thư mời mới cho %(name)s; mã cũ không còn dùng được.", name=delegate.full_name), "ok")
        else:
            return _("Thao tác không hợp lệ."), 404
        db().commit()
    except ServiceError as exc:
        flash_failure(exc)
    return _back(slug)


@bp.post("/import")
@login_required("delegates.manage")
def import_table(slug: str):
    check_csrf()
    event = event_or_404(slug)
    upload = uploaded_file()
    if upload is None:
        return _back(slug)
    try:
        rows = parse_delegates(db(), event.id, *upload,
                               create_categories=request.form.get("create_categories") == "on")
        count = import_delegates(db(), event.id, rows, actor_name(current_user()))
        flash(_("Đã nhập %(count)s đại biểu từ %(name)s.", count=count, name=upload[0]), "ok")
    except ServiceError as exc:
        flash_failure(exc)
        if exc.details.get("unknown_categories"):
            # The page offers to make them: the import form comes back with the box ticked.
            return redirect(url_for(".index", slug=slug, new_categories=", ".join(exc.details["unknown_categories"]),
                                    _anchor="import"))
    return _back(slug)


@bp.post("/categories")
@login_required("delegates.manage")
def categories(slug: str):
    """Add, rename, move or remove one of the event's delegate categories."""
    check_csrf()
    event = event_or_404(slug)
    op, category_id, label = request.form.get("op", "add"), request.form.get("category_id"), request.form.get("label")
    try:
        if op == "add":
            delegate_categories.add(db(), event.id, label, vip=request.form.get("vip") == "on")
        elif op == "rename":
            delegate_categories.update(db(), event.id, category_id, label, vip=request.form.get("vip") == "on")
        elif op in ("up", "down"):
            delegate_categories.move(db(), event.id, category_id, -1 if op == "up" else 1)
        elif op == "remove":
            delegate_categories.remove(db(), event.id, category_id)
        else:
            return _("Thao tác không hợp lệ."), 404
        db().commit()
        flash(_("Đã cập nhật danh sách thành phần."), "ok")
    except ServiceError as exc:
        flash_failure(exc)
    return redirect(url_for(".index", slug=slug, _anchor="categories"))


@bp.get("/invitations.pdf")
@login_required("delegates.manage")
def invitations_file(slug: str):
    """Thư mời for everyone shown by the current filter, one page each."""
    event = event_or_404(slug)
    cards = invitations.cards(db(), event, _selected(event), public_base())
    if not cards:
        flash(_("Không có đại biểu nào có thư mời còn hiệu lực trong danh sách đang lọc."), "error")
        return _back(slug)
    pdf = invitations_pdf(*invitations.printed(event), cards)
    invitations.mark_printed(db(), event.id, [d.id for d in _selected(event)])
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="thu-moi-{event.slug}.pdf"'})


@bp.get("/<int:delegate_id>/invitation.png")
@login_required("delegates.manage")
def invitation_image(slug: str, delegate_id: int):
    event = event_or_404(slug)
    delegate = db().get(Delegate, delegate_id)
    cards = invitations.cards(db(), event, [delegate], public_base()) if delegate and delegate.event_id == event.id else []
    if not cards:
        return _("Đại biểu không có thư mời còn hiệu lực."), 404
    png = invitation_png(*invitations.printed(event), cards[0])
    invitations.mark_printed(db(), event.id, [delegate.id])
    return Response(png, mimetype="image/png",
                    headers={"Content-Disposition": f'inline; filename="thu-moi-{delegate_id}.png"'})
