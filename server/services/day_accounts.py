"""Accounts for the day in one step: for every bridge point of an event, a technician login and a
door-staff login, each handed out as a one-time sign-in link on the point's printed sheet.

The accounts get a long random password nobody is told: no password is ever on paper. An account
already there (made by hand or by an earlier sheet) is kept and given a new link.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..i18n import lazy
from ..models import BridgePoint, Event, User
from . import accounts, sign_in_links
from .events import require_open

# role -> username prefix, as the demo names them (kt = kỹ thuật, dt = đón tiếp)
DAY_ROLES = {"site_tech": "kt", "checkin": "dt"}
ROLE_LABELS = {"site_tech": lazy("Kỹ thuật"), "checkin": lazy("Đón tiếp")}


@dataclass
class DayLogin:
    point: BridgePoint
    role: str
    user: User
    token: str          # the one-time link's token: /s/<token>


def username_for(event: Event, point: BridgePoint, role: str) -> str:
    """"kt-long-binh.quan9-chi-thi-05": unique across events, readable in the admin list."""
    return f"{DAY_ROLES[role]}-{point.code}.{event.slug}"[:80]


def account(session: Session, point: BridgePoint, role: str) -> User | None:
    return session.execute(select(User).where(User.bridge_point_id == point.id, User.role == role,
                                              User.active.is_(True)).order_by(User.id)).scalars().first()


def ensure(session: Session, event: Event, point: BridgePoint, role: str) -> User:
    user = account(session, point, role)
    if user is None:
        user = accounts.create_user(session, username_for(event, point, role), secrets.token_urlsafe(32), role,
                                    display_name=f"{ROLE_LABELS[role]} {point.short_name}",
                                    bridge_point_id=point.id)
    return user


def issue_all(session: Session, event: Event, actor: str, points: list[BridgePoint] | None = None) -> list[DayLogin]:
    """Makes the missing accounts and a fresh link for each (earlier unused links stop working);
    commits, since the sheet that shows them must match the database."""
    require_open(event)
    out = []
    for point in points if points is not None else event.bridge_points:
        for role in DAY_ROLES:
            user = ensure(session, event, point, role)
            out.append(DayLogin(point, role, user, sign_in_links.issue(session, user, actor)))
    session.commit()
    return out


def revoke_all(session: Session, event: Event) -> int:
    """Every unused link of the event's day accounts stops working (a sheet was lost)."""
    count = 0
    for point in event.bridge_points:
        for role in DAY_ROLES:
            user = account(session, point, role)
            if user is not None:
                count += sign_in_links.revoke(session, user.id)
    session.commit()
    return count
