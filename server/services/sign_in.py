"""Sign-in limits: wrong passwords are counted per account and per address in the database, so every
worker sees the same counts. Past a limit the account (or the address) is refused, the right password
included, until the window has passed or an admin lifts the lock on /admin/.

Kept in the database rather than in a rate-limiter's memory: a lock must hold across workers and
restarts, and an admin must be able to see and lift it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ..i18n import lazy
from ..models import SignInFailure, User, utcnow
from . import accounts, audit, local_time
from .errors import ServiceError

WINDOW = timedelta(minutes=15)
ACCOUNT_LIMIT = 5          # wrong passwords for one account within WINDOW lock it
ADDRESS_LIMIT = 20         # wrong passwords from one address within WINDOW (any names) lock the address


class Locked(ServiceError):
    code = "locked"
    http_status = 429


@dataclass
class Lock:
    username: str
    failures: int
    until: datetime


def _recent(session: Session, column, value, now: datetime) -> tuple[int, datetime | None]:
    count, last = session.execute(select(func.count(), func.max(SignInFailure.at)).where(
        column == value, SignInFailure.at > now - WINDOW)).one()
    return count, last


def check(session: Session, username: str, address: str, now: datetime | None = None) -> None:
    """Refuses a sign-in for a locked account or address, before the password is even looked at."""
    now = now or utcnow()
    count, last = _recent(session, SignInFailure.username, username, now)
    if count >= ACCOUNT_LIMIT:
        raise Locked(lazy("Tài khoản %(name)s tạm khóa đăng nhập vì nhập sai mật khẩu %(n)s lần; thử lại sau "
                          "%(time)s, hoặc nhờ quản trị viên mở khóa ngay.", name=username[:80], n=count,
                          time=local_time.clock(None, last + WINDOW)))
    count, last = _recent(session, SignInFailure.address, address, now)
    if count >= ADDRESS_LIMIT:
        raise Locked(lazy("Máy này đã nhập sai quá nhiều lần; thử lại sau %(time)s.",
                          time=local_time.clock(None, last + WINDOW)))


def attempt(session: Session, username: str, password: str, address: str) -> User | None:
    """The account for a right password, None for a wrong one (counted); Locked while locked.
    Commits the count, so a refused sign-in is remembered whatever the page does next."""
    now = utcnow()
    username, address = str(username or "")[:80], str(address or "")[:64]
    try:
        check(session, username, address, now)
    except Locked:
        audit.record(session, username, "sign_in_locked", address=address)
        session.commit()
        raise
    user = accounts.authenticate(session, username, password)
    if user is None:
        # Failures past the window count for nothing: dropped here, so guessing cannot grow the table.
        session.execute(delete(SignInFailure).where(SignInFailure.at <= now - WINDOW))
        session.add(SignInFailure(username=username, address=address, at=now))
        audit.record(session, username, "sign_in_failed", address=address)
    else:
        session.execute(delete(SignInFailure).where(SignInFailure.username == username))
        audit.record(session, accounts.actor_name(user), "sign_in", address=address)
    session.commit()
    return user


def locks(session: Session, now: datetime | None = None) -> list[Lock]:
    """The accounts locked now, for the admin page."""
    now = now or utcnow()
    rows = session.execute(select(SignInFailure.username, func.count(), func.max(SignInFailure.at))
                           .where(SignInFailure.at > now - WINDOW).group_by(SignInFailure.username)
                           .having(func.count() >= ACCOUNT_LIMIT))
    return [Lock(name, n, last + WINDOW) for name, n, last in rows]


def unlock(session: Session, username: str) -> int:
    """An admin lifts an account's lock (flushes, does not commit)."""
    return session.execute(delete(SignInFailure).where(SignInFailure.username == str(username)[:80])).rowcount


def end_sessions(session: Session, user: User) -> None:
    """Every browser signed in as `user` is signed out at its next request or socket event."""
    user.session_epoch = (user.session_epoch or 0) + 1
    session.flush()
