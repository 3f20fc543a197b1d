"""Accounts, API tokens and the public address (admin only). A new token is shown once; only its hash is kept."""
from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from ..i18n import _
from ..models import ROLES, BridgePoint, Event, User
from ..services import accounts, audit, local_time, public_address, sign_in
from ..services.accounts import actor_name
from ..services.errors import ServiceError
from .context import check_csrf, current_user, db, flash_failure, login_required, public_base

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
@login_required("accounts.manage")
def index():
    # Scanner devices are users too, but they are made, listed and revoked on the devices page.
    users = db().execute(select(User).where(User.role != "scanner").order_by(User.role, User.username)).scalars().all()
    points = db().execute(select(BridgePoint).order_by(BridgePoint.event_id, BridgePoint.position)).scalars().all()
    return render_template("admin.html", users=users, roles=[r for r in ROLES if r != "scanner"], points=points,
                           public_url=public_address.configured(db()), request_base=public_base(),
                           locks=sign_in.locks(db()))


@bp.post("/unlock")
@login_required("accounts.manage")
def unlock():
    check_csrf()
    name = request.form.get("username", "")
    sign_in.unlock(db(), name)
    audit.record(db(), actor_name(current_user()), "unlock", target=name)
    db().commit()
    flash(_("Đã mở khóa đăng nhập cho %(name)s.", name=name[:80]), "ok")
    return redirect(url_for(".index", _anchor="locks"))


@bp.post("/users/<int:user_id>/sign-out")
@login_required("accounts.manage")
def sign_out_everywhere(user_id: int):
    """A lost phone, a colleague who left: every browser signed in as the account is signed out."""
    check_csrf()
    user = db().get(User, user_id)
    if user is None:
        flash(_("Không tìm thấy tài khoản."), "error")
    else:
        sign_in.end_sessions(db(), user)
        audit.record(db(), actor_name(current_user()), "sign_out_everywhere", target=user.username)
        db().commit()
        flash(_("Đã đăng xuất %(name)s trên mọi thiết bị.", name=user.username), "ok")
    return redirect(url_for(".index"))


@bp.post("/public-url")
@login_required("accounts.manage")
def public_url():
    check_csrf()
    try:
        value = public_address.store(db(), request.form.get("public_url", ""), actor_name(current_user()))
        db().commit()
        flash(_("Đã lưu địa chỉ công khai: %(url)s. Mọi mã QR in từ nay dùng địa chỉ này.", url=value) if value
              else _("Đã bỏ địa chỉ công khai: mã QR dùng địa chỉ trình duyệt đang mở."), "ok")
    except ServiceError as exc:
        flash_failure(exc)
    return redirect(url_for(".index", _anchor="public-url"))


@bp.post("/users")
@login_required("accounts.manage")
def create_user():
    check_csrf()
    try:
        user = accounts.create_user(db(), request.form.get("username", "").strip(), request.form.get("password", ""),
                                    request.form.get("role", ""), display_name=request.form.get("display_name", ""),
                                    bridge_point_id=request.form.get("bridge_point_id", type=int))
        audit.record(db(), actor_name(current_user()), "account_created", target=f"{user.username} ({user.role})")
        db().commit()
        flash(_("Đã tạo tài khoản."), "ok")
    except ServiceError as exc:
        flash_failure(exc)
    return redirect(url_for(".index"))


@bp.post("/users/<int:user_id>/tokens")
@login_required("accounts.manage")
def issue_token(user_id: int):
    check_csrf()
    user = db().get(User, user_id)
    if user is None:
        flash(_("Không tìm thấy tài khoản."), "error")
        return redirect(url_for(".index"))
    token = accounts.issue_token(db(), user, request.form.get("name", "").strip() or "Companion")
    audit.record(db(), actor_name(current_user()), "token_issued", target=f"{user.username}: {token[:10]}…")
    db().commit()
    flash(_("Mã truy cập mới (chỉ hiện một lần, hãy chép ngay): %(token)s", token=token), "token")
    return redirect(url_for(".index"))


@bp.post("/tokens/<int:token_id>/revoke")
@login_required("accounts.manage")
def revoke_token(token_id: int):
    check_csrf()
    audit.record(db(), actor_name(current_user()), "token_revoked", target=str(token_id))
    accounts.revoke_token(db(), token_id)      # commits
    flash(_("Đã thu hồi mã truy cập."), "ok")
    return redirect(url_for(".index"))


@bp.get("/audit")
@login_required("accounts.manage")
def audit_log():
    """Who did what: sign-ins, accounts, tokens, settings, imports, event changes, and every command."""
    event_id = request.args.get("event", type=int)
    rows = audit.entries(db(), event_id=event_id, limit=request.args.get("limit", 500, type=int) or 500)
    if request.args.get("format") == "csv":
        return Response(audit.csv_text(rows, local_time.zone(None)), mimetype="text/csv",
                        headers={"Content-Disposition": 'attachment; filename="nhat-ky-he-thong.csv"'})
    events = db().execute(select(Event).order_by(Event.id.desc())).scalars().all()
    return render_template("audit.html", rows=rows, events=events, event_id=event_id)
