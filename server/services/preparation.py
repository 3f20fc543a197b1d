"""The setup checklist of an event (trang chuẩn bị): what is still missing before the day, each step
with how far it has come and the page that fixes it. Read-only: it counts what the other services made."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..i18n import lazy
from ..models import Delegate, Event, Invitation, ProgrammeItem, User
from . import tech_checks
from .day_accounts import DAY_ROLES     # the accounts every point needs on the day


@dataclass
class Step:
    key: str            # also the anchor tests and the page use
    label: str
    done: bool
    detail: str
    endpoint: str       # the page that fixes it (url_for name; every one takes slug=)


def _count(session: Session, query) -> int:
    return session.execute(query).scalar() or 0


def checklist(session: Session, event: Event) -> list[Step]:
    points = list(event.bridge_points)
    items = _count(session, select(func.count()).select_from(ProgrammeItem).where(ProgrammeItem.event_id == event.id))
    delegates = _count(session, select(func.count()).select_from(Delegate).where(Delegate.event_id == event.id))
    live = (Invitation.event_id == event.id, Invitation.revoked_at.is_(None), Invitation.replaced_at.is_(None))
    invitations = _count(session, select(func.count()).select_from(Invitation).where(*live))
    printed = _count(session, select(func.count()).select_from(Invitation).where(*live, Invitation.printed_at.isnot(None)))
    staffed: dict[int, set[str]] = {}
    for point_id, role in session.execute(select(User.bridge_point_id, User.role).where(
            User.bridge_point_id.in_([p.id for p in points]), User.role.in_(DAY_ROLES), User.active.is_(True))):
        staffed.setdefault(point_id, set()).add(role)
    with_accounts = sum(1 for p in points if staffed.get(p.id, set()) >= set(DAY_ROLES))
    ready = len(tech_checks.ready_points(session, event.id) & {p.id for p in points})
    has_main = any(p.kind == "main" for p in points)
    n = len(points)
    return [
        Step("details", str(lazy("Thông tin hội nghị: ngày, giờ, địa điểm")), event.starts_at is not None,
             str(lazy("Đã có ngày và giờ bắt đầu.")) if event.starts_at else str(lazy("Chưa có ngày và giờ bắt đầu.")),
             "events.settings"),
        Step("programme", str(lazy("Chương trình")), items > 0,
             str(lazy("%(count)s mục.", count=items)) if items else str(lazy("Chưa có mục nào.")), "programme.edit"),
        Step("points", str(lazy("Điểm cầu")), n > 0 and has_main,
             str(lazy("%(count)s điểm cầu.", count=n)) + ("" if has_main or not n else
                                                           " " + str(lazy("Chưa có điểm cầu chính (hội trường)."))),
             "events.points"),
        Step("accounts", str(lazy("Tài khoản kỹ thuật và đón tiếp tại từng điểm cầu")), n > 0 and with_accounts == n,
             str(lazy("%(done)s/%(total)s điểm cầu đã có đủ tài khoản (in phiếu điểm cầu để tạo).",
                      done=with_accounts, total=n)), "pages.sheet"),
        Step("delegates", str(lazy("Danh sách đại biểu")), delegates > 0,
             str(lazy("%(count)s đại biểu.", count=delegates)) if delegates else str(lazy("Chưa có đại biểu nào.")),
             "delegates.index"),
        Step("invitations", str(lazy("In thư mời")), invitations > 0 and printed == invitations,
             str(lazy("Đã in %(done)s/%(total)s thư mời.", done=printed, total=invitations)), "delegates.index"),
        Step("checks", str(lazy("Kiểm tra kỹ thuật")), n > 0 and ready == n,
             str(lazy("%(done)s/%(total)s điểm cầu đã kiểm tra đạt mọi mục.", done=ready, total=n)), "pages.control"),
    ]
