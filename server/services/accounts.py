"""Logins and bearer tokens. Only hashes are stored; a token is shown once, when it is issued."""
from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from ..i18n import lazy
from ..models import ROLES, ApiToken, User, utcnow
from .errors import Invalid

TOKEN_PREFIX = "dc_"
POINT_ROLES = ("site_tech", "checkin", "scanner")   # accounts that work at one bridge point
PASSWORD_METHOD = "scrypt"      # werkzeug's default, slow on purpose; tests lower it for speed


def _token_hash(token: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is enough; passwords get a slow one.
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(session: Session, username: str, password: str, role: str, *, display_name: str = "",
                bridge_point_id: int | None = None) -> User:
    if role not in ROLES:
        raise Invalid(lazy("Vai trò không hợp lệ: %(role)s.", role=role))
    if role in POINT_ROLES and bridge_point_id is None:
        raise Invalid(lazy("Tài khoản kỹ thuật, đón tiếp hoặc máy quét phải gắn với một điểm cầu."))
    if len(password) < 8:
        raise Invalid(lazy("Mật khẩu phải có ít nhất 8 ký tự."))
    if session.execute(select(User).where(User.username == username)).scalar_one_or_none():
        raise Invalid(lazy("Tên đăng nhập %(name)s đã tồn tại.", name=username))
    user = User(username=username, display_name=display_name or username, role=role,
                password_hash=generate_password_hash(password, method=PASSWORD_METHOD), bridge_point_id=bridge_point_id)
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None or not user.active or not check_password_hash(user.password_hash, password):
        return None
    return user


def issue_token(session: Session, user: User, name: str) -> str:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, name=name, token_hash=_token_hash(token), prefix=token[:10],
                         created_at=utcnow()))
    session.flush()
    return token


def token_row(session: Session, token: str) -> ApiToken | None:
    """The live token row for a presented token, or None (unknown, forged, revoked, user disabled)."""
    if not isinstance(token, str) or not token.startswith(TOKEN_PREFIX):
        return None
    row = session.execute(select(ApiToken).where(ApiToken.token_hash == _token_hash(token))).scalar_one_or_none()
    if row is None or row.revoked_at is not None or not row.user.active:
        return None
    row.last_used_at = utcnow()
    session.commit()
    return row


def user_for_token(session: Session, token: str) -> User | None:
    row = token_row(session, token)
    return row.user if row else None


def still_valid(session: Session, user_id: int, token_id: int | None) -> User | None:
    """Re-checked on every socket event: a revoked token or a disabled account loses an open socket."""
    user = session.get(User, user_id)
    if user is None or not user.active:
        return None
    if token_id is not None:
        row = session.get(ApiToken, token_id)
        if row is None or row.revoked_at is not None:
            return None
    return user


def revoke_token(session: Session, token_id: int) -> None:
    row = session.get(ApiToken, token_id)
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        session.commit()


def actor_name(user: User) -> str:
    return f"{user.username} ({user.role})"
