"""Scanner devices: a phone or gate PC is enrolled by scanning a one-time QR shown in the admin. It
then acts as a user of role `scanner` bound to its bridge point, with an API token the server keeps
only as a hash and the device keeps in an HTTP-only cookie. Revoking the device stops it at once."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..i18n import _, lazy
from ..models import ApiToken, ScannerDevice, User, utcnow
from . import accounts
from .bridge_points import require_point
from .errors import Invalid, NotFound
from .text import short_text

ENROLMENT_VALID = timedelta(minutes=15)
CODE_REFUSED = lazy("Mã đăng ký máy quét không đúng hoặc đã được dùng; hãy tạo mã mới trong trang quản trị.")


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def create(session: Session, event_id: int, bridge_point_id, gate, name, actor: str) -> tuple[ScannerDevice, str]:
    """A device waiting to be enrolled, and its one-time enrolment code (shown once, as a QR)."""
    point = require_point(session, event_id, bridge_point_id)
    device = ScannerDevice(event_id=event_id, bridge_point_id=point.id,
                           gate=short_text(gate, 60, _("Cổng")) or _("Cổng chính"),
                           name=short_text(name, 120, _("Tên máy"), required=True), created_at=utcnow(),
                           created_by=actor)
    session.add(device)
    session.flush()
    return device, new_enrolment(session, device)


def new_enrolment(session: Session, device: ScannerDevice) -> str:
    if device.revoked_at is not None:
        raise Invalid(lazy("Máy quét đã bị thu hồi; hãy tạo máy mới."))
    code = secrets.token_urlsafe(24)
    device.enrolment_hash, device.enrolment_expires_at = _hash(code), utcnow() + ENROLMENT_VALID
    session.flush()
    return code


def enrol(session: Session, code: str) -> tuple[ScannerDevice, str]:
    """Exchanges a one-time code for the device's token. A used, expired or unknown code is refused."""
    device = session.execute(select(ScannerDevice).where(ScannerDevice.enrolment_hash == _hash(str(code)))
                             ).scalar_one_or_none() if code else None
    if device is None or device.revoked_at is not None:
        raise NotFound(CODE_REFUSED)
    if device.enrolment_expires_at < utcnow():
        raise Invalid(lazy("Mã đăng ký máy quét đã hết hạn (15 phút); hãy tạo mã mới trong trang quản trị."))
    # Take the code before anything else: of two phones opening the same link at once, one gets it.
    claimed = session.execute(update(ScannerDevice).where(ScannerDevice.id == device.id,
                                                          ScannerDevice.enrolment_hash == _hash(str(code)))
                              .values(enrolment_hash=None, enrolment_expires_at=None)).rowcount
    if claimed != 1:
        session.rollback()
        raise NotFound(CODE_REFUSED)
    if device.user_id is not None:         # enrolled again (a new phone): the old one stops
        _retire_user(session, device)
    user = accounts.create_user(session, f"may-quet-{device.id}-{secrets.token_hex(3)}", secrets.token_urlsafe(24),
                                "scanner", display_name=device.name, bridge_point_id=device.bridge_point_id)
    token = accounts.issue_token(session, user, device.name)
    device.user_id, device.enrolled_at = user.id, utcnow()
    session.commit()
    return device, token


def _retire_user(session: Session, device: ScannerDevice) -> None:
    user = session.get(User, device.user_id)
    if user is not None:
        user.active = False
        for token in user.tokens:
            token.revoked_at = token.revoked_at or utcnow()
    device.user_id = None


def revoke(session: Session, event_id: int, device_id: int) -> ScannerDevice:
    device = session.get(ScannerDevice, device_id)
    if device is None or device.event_id != event_id:
        raise NotFound(lazy("Không tìm thấy máy quét %(id)s.", id=device_id))
    if device.revoked_at is None:
        device.revoked_at = utcnow()
        device.enrolment_hash = device.enrolment_expires_at = None
        if device.user_id is not None:
            user_id = device.user_id
            _retire_user(session, device)
            device.user_id = user_id       # kept: the list still shows the device's last activity
    session.commit()
    return device


def listing(session: Session, event_id: int) -> list[tuple[ScannerDevice, ApiToken | None]]:
    """Devices with their token (its last use is the device's last activity)."""
    devices = session.execute(select(ScannerDevice).where(ScannerDevice.event_id == event_id)
                              .order_by(ScannerDevice.bridge_point_id, ScannerDevice.id)).scalars().all()
    out = []
    for device in devices:
        token = session.execute(select(ApiToken).where(ApiToken.user_id == device.user_id)
                                .order_by(ApiToken.id.desc())).scalars().first() if device.user_id else None
        out.append((device, token))
    return out
