"""Logins and bearer tokens. Only hashes are stored; a token is shown once, when it is issued."""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from ..i18n import lazy
from ..models import ROLES, ApiToken, User, utcnow
from .errors import Invalid

TOKEN_PREFIX = "dc_"
POINT_ROLES = ("site_tech", "checkin", "scanner")   # accounts that work at one bridge point
PASSWORD_METHOD = "scrypt"      # werkzeug's default, slow on purpose; tests lower it for speed
USERNAME = re.compile(r"^[A-Za-z0-9._-]{3,40}$")


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


_NOBODY: dict[str, str] = {}      # a hash to check a password against when the name is unknown


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The account for a right password. An unknown name costs the same hash as a known one, so the
    time of the answer does not tell which names exist."""
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        nobody = _NOBODY.setdefault(PASSWORD_METHOD, generate_password_hash(secrets.token_hex(8),
                                                                           method=PASSWORD_METHOD))
        check_password_hash(nobody, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
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


def still_valid(session: Session, user_id: int, token_id: int | None, epoch: int | None = None) -> User | None:
    """Re-checked on every socket event: a revoked token, a disabled account or a browser session
    ended by a logout elsewhere (`epoch`, sign_in.end_sessions) loses an open socket."""
    user = session.get(User, user_id)
    if user is None or not user.active or (epoch is not None and epoch != user.session_epoch):
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


# ---------------------------------------------------------------- the first admin of a blank install

def has_accounts(session: Session) -> bool:
    return session.execute(select(User.id).limit(1)).first() is not None


def setup_code(secret_key: str) -> str:
    """The code the setup page asks for, printed by `diemcau serve` on the server's own screen: only
    whoever runs the server can make the first admin, not whoever reaches the page first. Made from
    the instance's key, so every worker asks for the same code and nothing more is stored."""
    digest = hmac.new(secret_key.encode(), b"diemcau first admin", hashlib.sha256).digest()
    text = base64.b32encode(digest).decode()[:12]
    return "-".join(text[i:i + 4] for i in range(0, 12, 4))


def create_first_admin(session: Session, username: str, password: str, code: str, secret_key: str) -> User:
    """The first admin, only while there is no account at all and with the printed setup code."""
    if has_accounts(session):
        raise Invalid(lazy("Đã có tài khoản quản trị; hãy đăng nhập."))
    wanted = setup_code(secret_key)
    if not hmac.compare_digest(str(code or "").strip().upper().replace(" ", ""), wanted):
        raise Invalid(lazy("Mã cài đặt không đúng. Mã được in trên màn hình máy chủ khi chạy “diemcau serve”."))
    username = str(username or "").strip()
    if not USERNAME.match(username):
        raise Invalid(lazy("Tên đăng nhập chỉ gồm chữ không dấu, số, dấu chấm, gạch ngang hoặc gạch dưới "
                           "(3–40 ký tự), vd. quantri."))
    user = create_user(session, username, password, "admin")
    # Two pages sent at once: only the first admin stays.
    if session.execute(select(func.count()).select_from(User)).scalar() > 1:
        session.rollback()
        raise Invalid(lazy("Đã có tài khoản quản trị; hãy đăng nhập."))
    return user
