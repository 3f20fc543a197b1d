"""One door for every command, whoever sends it (desk, control room, site console, HTTP API, CLI):
check who is asking, then hand the command to the service that owns it.

Commands that need `site.control` act at one bridge point, given as `bridge_point_id`: a ward's
technician may send them for their own point only.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from ..i18n import lazy
from ..models import User
from . import (award_batches, award_flow, floor_requests, incidents, link_health, local_segments, permissions, point_messages, roll_calls,
               screens, show_control, tally, tech_checks)
from .accounts import actor_name
from .bridge_points import require_point
from .errors import Invalid
from .events import require_open_id
from .revision import Change

LOCAL_STEPS = {"local_next": 1, "local_previous": -1}

# handler(session, event_id, actor, args, point) -> Change, or None when nothing had to change.
COORDINATION = {
    "tally_program": tally.set_program,
    "tally_preview": tally.set_preview,
    "flash": point_messages.flash,
    "message": point_messages.send,
    "floor_grant": floor_requests.grant,
    "floor_decline": floor_requests.decline,
    "incident_acknowledge": incidents.acknowledge,
    "incident_resolve": incidents.resolve,
    "roll_call_start": roll_calls.start,
    "roll_call_close": roll_calls.close,
    "link_policy": link_health.set_policy,
    "screen_navigate": screens.navigate,
    # at one bridge point
    "check_mark": tech_checks.mark,
    "floor_request": floor_requests.request,
    "floor_withdraw": floor_requests.withdraw,
    "incident_report": incidents.report,
    "roll_call_answer": roll_calls.answer,
    # the award batches, arranged by the organisers
    "award_batches_build": award_batches.build,
    "award_move": award_batches.move,
    "award_presenter": award_batches.set_presenter,
    # the award flow, where the batch is presented
    "award_call": award_flow.call,
    "award_present": award_flow.present,
    "award_absent": award_flow.absent,
    "award_proxy": award_flow.proxy,
    "award_reset": award_flow.reset,
    "award_batch_done": award_flow.done,
}


def run(session: Session, event_id: int, user: User | None, action, *, expected_rev=None, args=None,
        bridge_point_id=None) -> Change | None:
    if not isinstance(action, str) or action not in permissions.COMMAND_PERMISSIONS:
        raise Invalid(lazy("Lệnh không hợp lệ: %(action)s.", action=str(action)[:40]))
    if args is None:
        args = {}
    if not isinstance(args, dict):
        raise Invalid(lazy("Tham số lệnh phải là một đối tượng."))
    require_open_id(session, event_id)
    needed = permissions.COMMAND_PERMISSIONS[action]
    point = None
    if needed == "site.control":
        if bridge_point_id is None:
            raise Invalid(lazy("Lệnh này cần mã điểm cầu (bridge_point_id)."))
        point = require_point(session, event_id, bridge_point_id)
        permissions.require(user, needed, point.id)
    else:
        permissions.require(user, needed)
    actor = actor_name(user)
    if action in LOCAL_STEPS:
        return local_segments.step(session, event_id, point.id, LOCAL_STEPS[action],
                                   expected_rev=expected_rev, actor=actor)
    if action in COORDINATION:
        return COORDINATION[action](session, event_id, actor, args, point)
    return show_control.command(session, event_id, action, expected_rev=expected_rev, actor=actor, args=args)
