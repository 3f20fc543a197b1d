"""One menu for every page of an event: the same links in the same order on the desk, the check-in,
award and report pages and the index, each shown only to whoever may open it. Grouped the way the
organisers' work goes: before the day, on the day, after."""
from __future__ import annotations

from dataclasses import dataclass

from flask import request, url_for

from ..i18n import lazy
from ..models import BridgePoint, Event, User
from ..services import permissions

# (endpoint, label, permission): the permission is the one the page itself checks.
GROUPS = (
    (lazy("Trước hội nghị"), (
        ("events.prepare", lazy("Việc cần làm"), "events.manage"),
        ("events.settings", lazy("Thông tin hội nghị"), "events.manage"),
        ("events.points", lazy("Điểm cầu"), "events.manage"),
        ("programme.edit", lazy("Chương trình"), "programme.edit"),
        ("delegates.index", lazy("Đại biểu và thư mời"), "delegates.manage"),
        ("delegates.preview", lazy("Xem trước thư mời"), "delegates.manage"),
        ("awards.index", lazy("Khen thưởng"), "awards.manage"),
        ("nominations.index", lazy("Đề nghị khen thưởng"), ("nominations.submit", "nominations.review")),
        ("pages.sheet", lazy("Phiếu điểm cầu"), "coord.control"),
        ("checkin.devices", lazy("Máy quét"), "devices.manage"),
    )),
    (lazy("Trong buổi"), (
        ("pages.desk", lazy("Bàn điều hành"), "desk.view"),
        ("pages.control", lazy("Phòng điều phối"), "coord.control"),
        ("pages.console", lazy("Trang kỹ thuật"), "own_point"),
        ("pages.site", lazy("Màn hình điểm cầu"), "own_point"),
        ("pages.stage", lazy("Sân khấu"), "show.view"),
        ("pages.banner", lazy("Băng rôn"), "show.view"),
        ("pages.prompter", lazy("Dẫn chương trình"), "prompter.view"),
        ("checkin.attendance", lazy("Điểm danh"), "attendance.view"),
        ("checkin.scanner", lazy("Quét mã"), "checkin.scan"),
        ("pages.escort", lazy("Đưa đón"), "escort.view"),
    )),
    (lazy("Sau hội nghị"), (
        ("report.page", lazy("Báo cáo"), "desk.view"),
    )),
)


@dataclass
class Link:
    label: str
    url: str
    current: bool


def _own_point(user: User, event: Event) -> BridgePoint | None:
    """The point of an account bound to one, when it belongs to this event."""
    return next((p for p in event.bridge_points if p.id == user.bridge_point_id), None)


def menu(event: Event, user: User | None) -> list[tuple[str, list[Link]]]:
    if user is None:
        return []
    point = _own_point(user, event) if user.bridge_point_id else None
    out = []
    for title, entries in GROUPS:
        links = []
        for endpoint, label, permission in entries:
            kwargs = {"slug": event.slug}
            if permission == "own_point":
                if point is None or user.role not in ("site_tech", "checkin"):
                    continue
                if endpoint == "pages.console" and not permissions.allows(user, "site.control", point.id):
                    continue
                kwargs["code"] = point.code
            elif not any(permissions.holds(user, p) for p in ((permission,) if isinstance(permission, str)
                                                              else permission)):
                continue
            url = url_for(endpoint, **kwargs)
            links.append(Link(str(label), url, request.path == url))
        if links:
            out.append((str(title), links))
    return out
