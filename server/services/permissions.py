"""Who may do what. One table, read by every page, socket event and API endpoint."""
from __future__ import annotations

from ..i18n import lazy
from ..models import User
from .errors import Forbidden

# Permissions per role. "site.control" is limited to the user's own bridge point unless the role
# also has "site.control.any".
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset({"show.view", "show.control", "site.control", "site.control.any", "coord.control",
                        "programme.edit", "desk.view", "prompter.view", "accounts.manage"}),
    "operator": frozenset({"show.view", "show.control", "site.control", "site.control.any", "coord.control",
                           "programme.edit", "desk.view", "prompter.view"}),
    "mc": frozenset({"show.view", "prompter.view"}),
    "site_tech": frozenset({"show.view", "site.control"}),
    "viewer": frozenset({"show.view"}),
}

# Commands and the permission each needs.
COMMAND_PERMISSIONS = {
    "go": "show.control", "next": "show.control", "previous": "show.control", "goto": "show.control",
    "pause": "show.control", "resume": "show.control", "add_time": "show.control",
    "end_segment": "show.control", "local_next": "site.control", "local_previous": "site.control",
    # bridge-point coordination, from the control room
    "tally_program": "coord.control", "tally_preview": "coord.control", "flash": "coord.control",
    "message": "coord.control", "floor_grant": "coord.control", "floor_decline": "coord.control",
    "incident_acknowledge": "coord.control", "incident_resolve": "coord.control",
    "roll_call_start": "coord.control", "roll_call_close": "coord.control", "link_policy": "coord.control",
    "screen_navigate": "coord.control",
    # ... and at one bridge point, by its technician
    "check_mark": "site.control", "floor_request": "site.control", "floor_withdraw": "site.control",
    "incident_report": "site.control", "roll_call_answer": "site.control",
}


def allows(user: User | None, permission: str, bridge_point_id: int | None = None) -> bool:
    if user is None or not user.active:
        return False
    granted = ROLE_PERMISSIONS.get(user.role, frozenset())
    if permission not in granted:
        return False
    if permission == "site.control" and "site.control.any" not in granted:
        return bridge_point_id is not None and user.bridge_point_id == bridge_point_id
    return True


def require(user: User | None, permission: str, bridge_point_id: int | None = None) -> None:
    if not allows(user, permission, bridge_point_id):
        if permission == "site.control" and user is not None and user.role == "site_tech":
            raise Forbidden(lazy("Tài khoản kỹ thuật chỉ điều khiển được điểm cầu của mình."))
        raise Forbidden(lazy("Tài khoản của bạn không có quyền thực hiện thao tác này."))
