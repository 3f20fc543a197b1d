"""One-time sign-in links: what a point's sheet prints as a QR instead of a password.

A link works once (the phone that opens it keeps its session), expires the day after the event, and
is revoked when a newer sheet is printed for the same account or the event is archived. Only the
SHA-256 of the token is stored, like API tokens.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, time, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..i18n import lazy
from ..models import BridgePoint, Event, SignInLink, User, utcnow
from .errors import ServiceError

PREFIX = "dcs_"
UNDATED_LIFETIME = timedelta(days=7)


class SignInRefused(ServiceError):
    code = "sign_in_refused"
    http_status = 403


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def expiry(event: Event | None, now: datetime) -> datetime:
    """The end of the day after the event, in its time zone (rehearsal the day before and the day
    itself are covered); a week for an event with no date yet."""
    from .local_time import local_start, zone
    start = local_start(event) if event is not None else None
    if start is None:
        return now + UNDATED_LIFETIME
    end = datetime.combine(start.date() + timedelta(days=2), time(0, 0), tzinfo=zone(event))
    return max(end, now + timedelta(hours=1))


def event_of(session: Session, user: User) -> Event | None:
    if user.bridge_point_id is None:
        return None
    point = session.get(BridgePoint, user.bridge_point_id)
    return session.get(Event, point.event_id) if point else None


def issue(session: Session, user: User, actor: str, *, now: datetime | None = None) -> str:
    """A new link for the account; its earlier unused links stop working (the newest sheet counts)."""
    now = now or utcnow()
    revoke(session, user.id, now=now)
    token = PREFIX + secrets.token_urlsafe(32)
    session.add(SignInLink(user_id=user.id, token_hash=_hash(token), created_at=now, created_by=actor,
                           expires_at=expiry(event_of(session, user), now)))
    session.flush()
    return token


def revoke(session: Session, user_id: int, *, now: datetime | None = None) -> int:
    return session.execute(update(SignInLink).where(
        SignInLink.user_id == user_id, SignInLink.used_at.is_(None), SignInLink.revoked_at.is_(None))
        .values(revoked_at=now or utcnow())).rowcount


def redeem(session: Session, token, *, now: datetime | None = None) -> User:
    """The account the link signs in, once; otherwise a refusal that says what happened and what to do."""
    now = now or utcnow()
    row = None
    if isinstance(token, str) and token.startswith(PREFIX) and len(token) < 100:
        row = session.execute(select(SignInLink).where(SignInLink.token_hash == _hash(token))).scalar_one_or_none()
    if row is None:
        raise SignInRefused(lazy("Liên kết đăng nhập không đúng. Quét lại mã QR trên phiếu điểm cầu."))
    if row.used_at is not None:
        raise SignInRefused(lazy("Liên kết này đã được dùng để đăng nhập; mỗi liên kết chỉ dùng một lần. Đề nghị ban "
                                 "tổ chức in phiếu mới nếu cần đăng nhập trên máy khác."))
    if row.revoked_at is not None:
        raise SignInRefused(lazy("Liên kết này đã bị thu hồi (đã có phiếu in mới hơn). Dùng mã QR trên phiếu mới nhất."))
    if row.expires_at <= now:
        raise SignInRefused(lazy("Liên kết này đã hết hạn. Đề nghị ban tổ chức in phiếu mới."))
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        raise SignInRefused(lazy("Tài khoản của liên kết này đã bị khóa."))
    row.used_at = now
    session.flush()
    return user


def live_count(session: Session, user_ids: list[int], *, now: datetime | None = None) -> int:
    if not user_ids:
        return 0
    return len(session.execute(select(SignInLink.id).where(
        SignInLink.user_id.in_(user_ids), SignInLink.used_at.is_(None), SignInLink.revoked_at.is_(None),
        SignInLink.expires_at > (now or utcnow()))).all())
