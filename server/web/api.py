"""HTTP API for Stream Deck / Bitfocus Companion and scripts (docs/api.md): the show's commands, and
the organisers' events and bridge points (the same services as the event pages and `diemcau event`).

Bearer tokens only (no cookies, so no CSRF). `expected_rev` is optional here: a hardware button does
not know the revision, so without it the command applies to the state current when it arrives.
"""
from __future__ import annotations

from flask import Blueprint, jsonify, request
from sqlalchemy import select

from .. import bounded_json
from ..i18n import _
from ..models import Event, SiteCursor, User, to_ms, utcnow
from ..services import accounts, bridge_points, commands, events, local_time, permissions
from ..services.errors import Forbidden, Invalid, NotFound, ServiceError
from ..services import revision
from ..services.revision import load_state
from ..services.show_timing import timing
from ..services.snapshot import bridge_point_part, programme, show_part, site_part
from .context import db

bp = Blueprint("api", __name__, url_prefix="/api/v1")

class Unauthorised(ServiceError):
    code = "unauthorised"
    http_status = 401


@bp.errorhandler(ServiceError)
def _service_error(exc: ServiceError):
    response = jsonify({"ok": False, "error": exc.to_dict()})
    response.status_code = exc.http_status
    if exc.http_status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="diemcau"'
    return response


def _user():
    header = request.headers.get("Authorization", "")
    user = accounts.user_for_token(db(), header[7:].strip()) if header.startswith("Bearer ") else None
    if user is None:
        raise Unauthorised(_("Thiếu hoặc sai mã truy cập: gửi tiêu đề “Authorization: Bearer <mã>”."))
    return user


def _event(slug: str, user: User | None = None) -> Event:
    """The event of the path; an account bound to a bridge point does not see other events."""
    event = db().execute(select(Event).where(Event.slug == slug)).scalar_one_or_none()
    if event is None or (user is not None and user.bridge_point_id is not None
                         and user.bridge_point_id not in {p.id for p in event.bridge_points}):
        raise NotFound(_("Không tìm thấy hội nghị “%(slug)s”.", slug=slug[:80]))
    return event


def _allowed(permission: str) -> User:
    user = _user()
    if not permissions.allows(user, permission):
        raise Forbidden(_("Tài khoản của bạn không có quyền thực hiện thao tác này."))
    return user


def _body() -> dict:
    if not request.data:                     # no body, or a form's (ignored: docs/api.md)
        return {}
    try:
        body = bounded_json.loads(request.get_data(cache=True)) if request.is_json else None
    except bounded_json.TooDeep:
        raise Invalid(_("Nội dung yêu cầu lồng quá sâu (quá %(n)s tầng); lệnh không cần như vậy.",
                        n=bounded_json.MAX_DEPTH), code="too_deep")
    except ValueError:                       # not JSON, or not UTF-8
        body = None
    if not isinstance(body, dict):
        raise Invalid(_("Nội dung yêu cầu phải là một đối tượng JSON."))
    return body


def _brief(item) -> dict | None:
    return item and {"id": item.id, "number": item.position + 1, "content": item.content,
                     "performer": item.performer, "duration_s": item.duration_s}


def _state_body(event) -> dict:
    s = db()
    s.expire_all()
    state = load_state(s, event.id)
    items = programme(s, event.id)
    current = items[state.cursor] if 0 <= state.cursor < len(items) else None
    following = items[state.cursor + 1] if state.cursor + 1 < len(items) else None
    sites = s.execute(select(SiteCursor).where(SiteCursor.event_id == event.id)).scalars()
    return {"ok": True, "rev": state.rev, "show": show_part(state), "current": _brief(current),
            "next": _brief(following), "timing": timing(event, state, items, utcnow()),
            "sites": [site_part(c) for c in sites],
            "bridge_points": [bridge_point_part(p) for p in event.bridge_points]}


@bp.get("/events/<slug>/state")
def state(slug: str):
    return jsonify(_state_body(_event(slug, _allowed("show.view"))))


# ---------------------------------------------------------------- events and bridge points

def _event_body(event: Event, phase: str | None = None) -> dict:
    start = local_time.local_start(event)
    return {"slug": event.slug, "title": event.title, "organiser": event.organiser, "venue": event.venue,
            "plan_number": event.plan_number, "plan_date": event.plan_date.isoformat() if event.plan_date else None,
            "date": start.date().isoformat() if start else None, "start": f"{start:%H:%M}" if start else None,
            "starts_at": to_ms(event.starts_at), "timezone": event.timezone, "language": event.language,
            "press_guard_ms": event.press_guard_ms,
            "archived": event.archived_at is not None, "bridge_points": len(event.bridge_points),
            **({"phase": phase} if phase else {})}


@bp.get("/events")
def event_list():
    listing = events.listing(db(), _allowed("show.view"))
    return jsonify({"ok": True, "events": [_event_body(e, phase) for phase in events.PHASES for e in listing[phase]]})


@bp.post("/events")
def event_create():
    user = _allowed("events.manage")
    event = events.create(db(), _body(), accounts.actor_name(user))
    db().commit()
    return jsonify({"ok": True, "event": _event_body(event)}), 201


@bp.get("/events/<slug>")
def event_show(slug: str):
    return jsonify({"ok": True, "event": _event_body(_event(slug, _allowed("show.view")))})


@bp.patch("/events/<slug>")
def event_update(slug: str):
    user = _allowed("events.manage")
    event = _event(slug, user)
    events.update(db(), event, _body(), accounts.actor_name(user))
    db().commit()
    return jsonify({"ok": True, "event": _event_body(event)})


@bp.get("/events/<slug>/points")
def point_list(slug: str):
    event = _event(slug, _allowed("show.view"))
    return jsonify({"ok": True, "bridge_points": [bridge_point_part(p) for p in event.bridge_points]})


@bp.post("/events/<slug>/points")
def point_add(slug: str):
    event = _event(slug, _allowed("events.manage"))
    point = bridge_points.add(db(), event, _body())
    db().commit()
    return jsonify({"ok": True, "bridge_point": bridge_point_part(point)}), 201


@bp.post("/events/<slug>/<action>")
def command(slug: str, action: str):
    user = _user()
    event = _event(slug, user)
    if action not in permissions.COMMAND_PERMISSIONS:
        raise Invalid(_("Lệnh không hợp lệ: %(action)s.", action=action[:40]))
    body = _body()
    args = body.get("args", {})          # coordination commands: {"args": {"bridge_point_id": 4}}
    if not isinstance(args, dict):
        raise Invalid(_("Tham số lệnh phải là một đối tượng."))
    if action == "goto":
        number = body.get("number", request.args.get("number", type=int))
        if not isinstance(number, int) or isinstance(number, bool):
            raise Invalid(_("Lệnh goto cần số thứ tự mục: {\"number\": 3}."))
        args["index"] = number - 1
    if action == "add_time":
        seconds = body.get("seconds", request.args.get("seconds", type=int))
        args["seconds"] = seconds
    if body.get("confirm") is True or request.args.get("confirm") in ("1", "true"):
        args["confirm"] = True           # a GO/Next meant as a second press (show_control._guard)
    expected = body.get("expected_rev")
    if expected is None:
        expected = revision.AT_ARRIVAL       # the state current when the command takes the event's lock
    point_id = body.get("bridge_point_id", request.args.get("bridge_point_id", type=int))
    change = commands.run(db(), event.id, user, action, expected_rev=expected, args=args,
                          bridge_point_id=point_id)
    body = _state_body(event)
    body["accepted_rev"] = change.rev if change else None
    return jsonify(body)
