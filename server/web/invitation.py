"""The delegate's own invitation page: what their QR code opens on their phone. No login: the token
in the address is the credential, and it shows only this delegate's invitation and the programme."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template

from ..i18n import _, lazy
from ..models import BridgePoint, Event, utcnow
from ..services import invitation_tokens
from ..services.check_in import arrivals
from ..services import delegate_categories
from ..services.delegates import seat_text
from ..services.invitation_print import qr_png
from ..services.invitations import event_block, personal_url
from ..services.revision import load_state
from ..services.show_timing import timing
from ..services.snapshot import programme
from . import language
from .context import db, public_base

bp = Blueprint("invitation", __name__, url_prefix="/i")

REFUSALS = {
    "invalid": lazy("Mã thư mời không đúng. Kiểm tra lại đường dẫn hoặc liên hệ Ban Tổ chức."),
    "foreign": lazy("Mã thư mời không đúng. Kiểm tra lại đường dẫn hoặc liên hệ Ban Tổ chức."),
    "revoked": lazy("Thư mời này đã bị thu hồi. Xin liên hệ Ban Tổ chức."),
    "replaced": lazy("Thư mời này đã được thay bằng thư mời mới; xin dùng thư mời mới nhất Ban Tổ chức đã gửi."),
}


def _reading(token: str):
    match = invitation_tokens.extract(token)
    event_id = int(match.group(2)) if match else 0
    return invitation_tokens.read(db(), event_id, token)


def _refused(verdict: str):
    return render_template("message.html", title=_("Thư mời không dùng được"), text=str(REFUSALS[verdict])), \
        404 if verdict in ("invalid", "foreign") else 410


def _now(event: Event) -> dict:
    state = load_state(db(), event.id)
    items = programme(db(), event.id)
    current = items[state.cursor] if state.status in ("running", "paused") and 0 <= state.cursor < len(items) else None
    return {"status": state.status, "current": current and {"number": current.position + 1, "content": current.content,
                                                            "performer": current.performer},
            "cursor": state.cursor, "expected_end": timing(event, state, items, utcnow()).get("expected_end")}


@bp.get("/<token>")
def page(token: str):
    reading = _reading(token)
    if reading.verdict != "ok":
        return _refused(reading.verdict)
    delegate = reading.invitation.delegate
    event = db().get(Event, delegate.event_id)
    language.page_default(event.language)       # before any text is translated
    point = db().get(BridgePoint, delegate.bridge_point_id) if delegate.bridge_point_id else None
    return render_template("invitation.html", event=event, delegate=delegate, point=point, seat=seat_text(delegate),
                           category=delegate_categories.labels(db(), event.id).get(delegate.category, ""), block=event_block(event),
                           items=programme(db(), event.id), now=_now(event), token=token,
                           arrived_at=arrivals(db(), [delegate.id]).get(delegate.id))


@bp.get("/<token>/qr.png")
def qr(token: str):
    reading = _reading(token)
    if reading.verdict != "ok":
        return _refused(reading.verdict)
    return Response(qr_png(personal_url(public_base(), reading.invitation)), mimetype="image/png",
                    headers={"Cache-Control": "private, max-age=3600"})


@bp.get("/<token>/now")
def now(token: str):
    """The item running now, polled by the invitation page (a delegate's phone needs no socket)."""
    reading = _reading(token)
    if reading.verdict != "ok":
        return jsonify({"ok": False, "verdict": reading.verdict}), 410
    return jsonify({"ok": True, **_now(db().get(Event, reading.invitation.event_id))})
