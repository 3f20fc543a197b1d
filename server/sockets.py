"""Socket.IO interface: authenticate at connect, send a snapshot, take commands, answer clock pings.

Every handler answers through the ack: {"ok": true, ...} or {"ok": false, "error": {code, message}}.
A garbled payload gets an error ack and changes nothing.
"""
from __future__ import annotations

import logging
import time
from functools import wraps

from flask import current_app, request, session as http_session
from flask_socketio import ConnectionRefusedError, join_room
from sqlalchemy import select

from .extensions import socketio
from .models import Event, User, to_ms, utcnow
from .realtime import control_room, event_room, link_monitor
from .services import accounts, commands, permissions, screens
from .i18n import _
from .services.bridge_points import require_point
from .services.errors import Invalid, ServiceError
from .services.snapshot import snapshot
from .services.text import short_text
from .web.context import DEVICE_COOKIE

log = logging.getLogger(__name__)

# sid -> (user id, token id or None for a browser session, event id, the browser session's number or
# None). Kept per process: with several workers a client sticks to one.
_connections: dict[str, tuple[int, int | None, int, int | None]] = {}


def _db():
    return current_app.extensions["diemcau.db"]


def _who(s, auth) -> tuple[User | None, int | None]:
    """(user, token id) from a bearer token in the handshake, else from the browser's session cookie."""
    token = auth.get("token") if isinstance(auth, dict) else None
    if not token:
        header = request.headers.get("Authorization", "")
        token = header[7:] if header.startswith("Bearer ") else None
    if token:
        row = accounts.token_row(s, token)
        return (row.user, row.id) if row else (None, None)
    uid = http_session.get("uid")
    if uid:
        return accounts.still_valid(s, uid, None, http_session.get("epoch", 0)), None
    device_token = request.cookies.get(DEVICE_COOKIE)      # an enrolled scanner device
    if device_token:
        row = accounts.token_row(s, device_token)
        return (row.user, row.id) if row else (None, None)
    return None, None


def _refused(code: str, message: str) -> ConnectionRefusedError:
    """Clients get the message as the error's message and the code in its data."""
    return ConnectionRefusedError(message, {"code": code})


@socketio.on("connect")
def on_connect(auth=None):
    slug = (auth.get("event") if isinstance(auth, dict) else None) or request.args.get("event")
    with _db().session() as s:
        user, token_id = _who(s, auth)
        if user is None:
            raise _refused("unauthorised", _("Chưa đăng nhập hoặc mã truy cập không hợp lệ."))
        if not permissions.allows(user, "show.view"):
            raise _refused("forbidden", _("Tài khoản không được xem chương trình."))
        event = s.execute(select(Event).where(Event.slug == str(slug))).scalar_one_or_none() if slug else None
        if event is None:
            raise _refused("not_found", _("Không tìm thấy hội nghị."))
        # A browser session keeps the number it signed in under: a logout elsewhere ends this socket too.
        epoch = None if token_id is not None else user.session_epoch
        _connections[request.sid] = (user.id, token_id, event.id, epoch)
        join_room(event_room(event.id))
        link_monitor().connect(request.sid, event.id, accounts.actor_name(user), time.monotonic())
        socketio.emit("snapshot", snapshot(s, event.id), to=request.sid)


@socketio.on("disconnect")
def on_disconnect(*_args):
    _connections.pop(request.sid, None)
    link_monitor().disconnect(request.sid)


def handler(event_name: str, *, recheck: bool = True):
    """Registers a handler that always acks, never lets an error reach the server loop. With
    `recheck` the account and token are checked again (a revoked token stops at once); heartbeats
    skip it: they carry no authority and come from every screen every few seconds."""
    def decorator(fn):
        @socketio.on(event_name)
        @wraps(fn)
        def wrapped(payload=None):
            conn = _connections.get(request.sid)
            if conn is None:
                return {"ok": False, "error": {"code": "unauthorised", "message": _("Kết nối chưa xác thực.")}}
            try:
                if not recheck:
                    return {"ok": True, **fn(None, None, conn[2], payload if payload is not None else {})}
                with _db().session() as s:
                    user = accounts.still_valid(s, conn[0], conn[1], conn[3])
                    if user is None:
                        return {"ok": False, "error": {"code": "unauthorised",
                                                       "message": _("Mã truy cập đã bị thu hồi hoặc tài khoản đã bị khóa.")}}
                    return {"ok": True, **fn(s, user, conn[2], payload if payload is not None else {})}
            except ServiceError as exc:
                return {"ok": False, "error": exc.to_dict()}
            except Exception:
                log.exception("socket event %s failed", event_name)
                return {"ok": False, "error": {"code": "internal", "message": _("Lỗi máy chủ; lệnh chưa được thực hiện.")}}
        return wrapped
    return decorator


@handler("snapshot")
def on_snapshot(s, user, event_id, payload):
    return {"snapshot": snapshot(s, event_id)}


@handler("clock")
def on_clock(s, user, event_id, payload):
    return {"server_time": to_ms(utcnow())}


@handler("command")
def on_command(s, user, event_id, payload):
    if not isinstance(payload, dict):
        raise Invalid(_("Lệnh phải là một đối tượng JSON."))
    change = commands.run(s, event_id, user, payload.get("action"), expected_rev=payload.get("expected_rev"),
                          args=payload.get("args"), bridge_point_id=payload.get("bridge_point_id"))
    return {"rev": change.rev if change else None}


@handler("hello")
def on_hello(s, user, event_id, payload):
    """A screen says what it is: its page, its bridge point if it lives at one, a name people know it
    by. Consoles and agents act for their point, so they need the right to control it."""
    if not isinstance(payload, dict) or payload.get("page") not in screens.PAGES:
        raise Invalid(_("Trang không hợp lệ; chọn một trong: %(pages)s.", pages=", ".join(screens.PAGES)))
    page = payload["page"]
    point_id = payload.get("bridge_point_id")
    if point_id is not None:
        point_id = require_point(s, event_id, point_id).id
    elif page in screens.POINT_PAGES:
        raise Invalid(_("Trang này cần mã điểm cầu (bridge_point_id)."))
    if page in ("console", "agent"):
        permissions.require(user, "site.control", point_id)
    name = short_text(payload.get("name"), 60, _("Tên màn hình"))
    if page == "control":
        permissions.require(user, "coord.control")
        join_room(control_room(event_id))          # the grid and the screens list, every second
    screen = link_monitor().hello(request.sid, page, point_id, name, time.monotonic())
    return {"screen_id": screen.id if screen else None}


def _whole(value, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


@handler("heartbeat", recheck=False)
def on_heartbeat(s, user, event_id, payload):
    """{seq, rtt_ms}: seq counts up; rtt_ms is the round trip the screen measured for its previous
    heartbeat (absent on the first). Anything else is refused and does not count as a beat."""
    if not isinstance(payload, dict) or not _whole(payload.get("seq"), 0, 2**53):
        raise Invalid(_("Nhịp kết nối không hợp lệ: cần seq là số nguyên không âm."))
    rtt = payload.get("rtt_ms")
    if rtt is not None and not _whole(rtt, 0, 600_000):
        raise Invalid(_("Nhịp kết nối không hợp lệ: rtt_ms phải là số mili giây."))
    screen = link_monitor().beat(request.sid, payload["seq"], rtt, time.monotonic())
    return {"seq": payload["seq"], "state": screen.state if screen else None}
