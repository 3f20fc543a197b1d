"""Check-in pages: the scanner (phones, gate PCs, USB scanners), the attendance dashboard, the
scanner devices and their enrolment by QR."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from ..i18n import _
from sqlalchemy import select

from ..models import Event, ScannerDevice
from ..services import delegate_categories, permissions, scanner_devices
from ..services.accounts import actor_name
from ..services.errors import ServiceError
from .context import (DEVICE_COOKIE, bridge_point_or_404, check_csrf, current_user, db, event_or_404, flash_failure,
                      login_required, public_base)
from .qr import qr_svg

bp = Blueprint("checkin", __name__)
DEVICE_COOKIE_AGE = 7 * 24 * 3600


@bp.get("/e/<slug>/scan")
@login_required("checkin.scan")
def scanner(slug: str):
    """Staff bound to a point and devices scan there; organisers pick the point (?point=code)."""
    event = event_or_404(slug)
    user = current_user()
    point = None
    if request.args.get("point"):
        point = bridge_point_or_404(event, request.args["point"])
        if not permissions.allows(user, "checkin.scan", point.id):
            abort(403)
    elif not permissions.anywhere(user, "checkin.scan"):
        point = next((p for p in event.bridge_points if p.id == user.bridge_point_id), None)
    if point is None:
        return render_template("scan_choose.html", event=event)
    device = db().execute(select(ScannerDevice).where(ScannerDevice.user_id == user.id)).scalar_one_or_none()
    gate = device.gate if device else request.args.get("gate", "")
    categories = list(delegate_categories.labels(db(), event.id).items())
    return render_template("scanner.html", event=event, point=point, gate=gate, categories=categories)


@bp.get("/e/<slug>/attendance")
@login_required("attendance.view")
def attendance(slug: str):
    return render_template("attendance.html", event=event_or_404(slug))


@bp.get("/e/<slug>/devices")
@login_required("devices.manage")
def devices(slug: str):
    event = event_or_404(slug)
    return render_template("devices.html", event=event, devices=scanner_devices.listing(db(), event.id))


def _enrolment_page(event: Event, device: ScannerDevice, code: str):
    url = public_base() + url_for("checkin.enrol", code=code)
    return render_template("device_enrol.html", event=event, device=device, url=url, qr=qr_svg(url))


@bp.post("/e/<slug>/devices")
@login_required("devices.manage")
def create_device(slug: str):
    check_csrf()
    event = event_or_404(slug)
    try:
        device, code = scanner_devices.create(db(), event.id, request.form.get("bridge_point_id", type=int),
                                              request.form.get("gate"), request.form.get("name"),
                                              actor_name(current_user()))
        db().commit()
    except ServiceError as exc:
        flash_failure(exc)
        return redirect(url_for(".devices", slug=slug))
    return _enrolment_page(event, device, code)


@bp.post("/e/<slug>/devices/<int:device_id>/<op>")
@login_required("devices.manage")
def device_op(slug: str, device_id: int, op: str):
    check_csrf()
    event = event_or_404(slug)
    try:
        if op == "revoke":
            device = scanner_devices.revoke(db(), event.id, device_id)
            flash(_("Đã thu hồi máy quét %(name)s.", name=device.name), "ok")
        elif op == "enrol":                     # a new QR for the same gate (a replaced phone)
            device = db().get(ScannerDevice, device_id)
            if device is None or device.event_id != event.id:
                abort(404)
            code = scanner_devices.new_enrolment(db(), device)
            db().commit()
            return _enrolment_page(event, device, code)
        else:
            abort(404)
    except ServiceError as exc:
        flash_failure(exc)
    return redirect(url_for(".devices", slug=slug))


@bp.get("/enrol/<code>")
def enrol(code: str):
    """Opened by the phone that scanned the enrolment QR: it becomes that gate's scanner."""
    try:
        device, token = scanner_devices.enrol(db(), code)
    except ServiceError as exc:
        return render_template("message.html", title=_("Không đăng ký được máy quét"), text=str(exc.message)), \
            exc.http_status
    event = db().get(Event, device.event_id)
    response = redirect(url_for(".scanner", slug=event.slug))
    response.set_cookie(DEVICE_COOKIE, token, max_age=DEVICE_COOKIE_AGE, httponly=True, samesite="Lax",
                        secure=request.is_secure)
    return response
