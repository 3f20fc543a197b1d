"""One door for every show command, whoever sends it (desk socket, site console, HTTP API, CLI):
check who is asking, then hand the command to the state machine that owns it."""
from __future__ import annotations

from sqlalchemy.orm import Session

from ..i18n import lazy
from ..models import User
from . import local_segments, permissions, show_control
from .accounts import actor_name
from .errors import Invalid
from .revision import Change

LOCAL_STEPS = {"local_next": 1, "local_previous": -1}


def run(session: Session, event_id: int, user: User | None, action, *, expected_rev, args=None,
        bridge_point_id=None) -> Change:
    if not isinstance(action, str) or action not in permissions.COMMAND_PERMISSIONS:
        raise Invalid(lazy("Lệnh không hợp lệ: %(action)s.", action=str(action)[:40]))
    if args is not None and not isinstance(args, dict):
        raise Invalid(lazy("Tham số lệnh phải là một đối tượng."))
    if action in LOCAL_STEPS:
        if not isinstance(bridge_point_id, int) or isinstance(bridge_point_id, bool):
            raise Invalid(lazy("Lệnh phần riêng cần mã điểm cầu (bridge_point_id)."))
        point = local_segments.require_point(session, event_id, bridge_point_id)
        permissions.require(user, "site.control", point.id)
        return local_segments.step(session, event_id, point.id, LOCAL_STEPS[action],
                                   expected_rev=expected_rev, actor=actor_name(user))
    permissions.require(user, permissions.COMMAND_PERMISSIONS[action])
    return show_control.command(session, event_id, action, expected_rev=expected_rev,
                                actor=actor_name(user), args=args)
