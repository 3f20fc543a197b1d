"""Who may do what. One table, read by every page, socket event and API endpoint."""
from __future__ import annotations

from ..i18n import lazy
from ..models import User
from .errors import Forbidden

# What organisers do with delegates and check-in (the people at the door have only the first two).
CHECK_IN = frozenset({"checkin.scan", "checkin.scan.any", "checkin.walk_in", "attendance.view", "delegates.manage",
                      "devices.manage"})

# Awards: organisers keep the registry and review nominations; the staff who carry badges and bring
# recipients up see the escort view; units send nominations.
AWARDS = frozenset({"awards.manage", "nominations.review", "escort.view"})

# What each role is called on screen (the codes stay in the database, the command line and the API).
ROLE_LABELS = {
    "admin": lazy("Quản trị"), "operator": lazy("Điều hành"), "mc": lazy("Dẫn chương trình"),
    "site_tech": lazy("Kỹ thuật điểm cầu"), "checkin": lazy("Đón tiếp (quét mã)"), "escort": lazy("Đưa đón khen thưởng"),
    "unit": lazy("Đơn vị đề nghị khen thưởng"), "viewer": lazy("Chỉ xem"), "scanner": lazy("Máy quét"),
}

# Permissions per role. A scoped permission (SCOPED) holds at the user's own bridge point only, unless
# the role also has its ".any" form.
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset({"show.view", "show.control", "site.control", "site.control.any", "coord.control",
                        "programme.edit", "desk.view", "prompter.view", "events.manage",
                        "accounts.manage"}) | CHECK_IN | AWARDS,
    "operator": frozenset({"show.view", "show.control", "site.control", "site.control.any", "coord.control",
                           "programme.edit", "desk.view", "prompter.view", "events.manage"}) | CHECK_IN | AWARDS,
    "mc": frozenset({"show.view", "prompter.view", "attendance.view", "escort.view"}),  # introduces who came
    "site_tech": frozenset({"show.view", "site.control", "escort.view"}),   # runs the ward's own awards
    "checkin": frozenset({"show.view", "checkin.scan", "checkin.walk_in", "attendance.view"}),  # staff at the door
    "escort": frozenset({"show.view", "escort.view"}),                 # carries badges, brings recipients up
    "unit": frozenset({"show.view", "nominations.submit"}),           # a base unit sending nominations
    "viewer": frozenset({"show.view"}),
    "scanner": frozenset({"show.view", "checkin.scan"}),   # an enrolled scanner device, bound to its gate
}
SCOPED = {"site.control": "site.control.any", "checkin.scan": "checkin.scan.any",
          "checkin.walk_in": "checkin.scan.any"}

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
    # award batches, arranged by the organisers; the flow, at the bridge point where a batch is presented
    # (the desk sends the main hall's)
    "award_batches_build": "awards.manage", "award_move": "awards.manage", "award_presenter": "awards.manage",
    "award_call": "site.control", "award_present": "site.control", "award_absent": "site.control",
    "award_proxy": "site.control", "award_reset": "site.control", "award_batch_done": "site.control",
}


def allows(user: User | None, permission: str, bridge_point_id: int | None = None) -> bool:
    if user is None or not user.active:
        return False
    granted = ROLE_PERMISSIONS.get(user.role, frozenset())
    if permission not in granted:
        return False
    if permission in SCOPED and SCOPED[permission] not in granted:
        return bridge_point_id is not None and user.bridge_point_id == bridge_point_id
    return True


def holds(user: User | None, permission: str) -> bool:
    """Whether the user has the permission at all, at their own point at least (pages check this;
    the point itself is checked when they act)."""
    return user is not None and user.active and permission in ROLE_PERMISSIONS.get(user.role, frozenset())


def anywhere(user: User | None, permission: str) -> bool:
    """Whether a scoped permission holds at every bridge point, not just the user's own."""
    return allows(user, permission) and allows(user, SCOPED.get(permission, permission))


def require(user: User | None, permission: str, bridge_point_id: int | None = None) -> None:
    if not allows(user, permission, bridge_point_id):
        if permission == "site.control" and user is not None and user.role == "site_tech":
            raise Forbidden(lazy("Tài khoản kỹ thuật chỉ điều khiển được điểm cầu của mình."))
        if permission in SCOPED and user is not None and user.bridge_point_id is not None:
            raise Forbidden(lazy("Tài khoản này chỉ làm việc tại điểm cầu của mình."))
        raise Forbidden(lazy("Tài khoản của bạn không có quyền thực hiện thao tác này."))
