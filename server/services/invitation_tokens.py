"""The token an invitation's QR code carries: DC1.<event id>.<random>.<signature>.

The random half (128 bits) is kept in the database with the SHA-256 of the whole token; the signature
is an HMAC under a key derived from the server's secret key and is never stored. So the server can
print an invitation again at any time, a forged or tampered code is refused before any lookup, and a
copy of the database alone makes no valid code. The QR holds the personal invitation URL
(<site>/i/<token>); scanners take the token out of it.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..models import Delegate, Invitation, utcnow

PREFIX = "DC1"
# The event id as token_for writes it (ASCII digits, no leading zero): the signature covers the number,
# so "DC1.01..." or Unicode digits would otherwise pass as another spelling of a real token.
TOKEN = re.compile(r"(?:^|/i/)(DC1\.([1-9][0-9]{0,8})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{22}))/?$")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _key() -> bytes:
    secret = current_app.config["SECRET_KEY"]
    return hmac.new(secret.encode() if isinstance(secret, str) else secret, b"diemcau invitation token v1",
                    hashlib.sha256).digest()


def _signature(event_id: int, nonce: str) -> str:
    return _b64(hmac.new(_key(), f"{event_id}.{nonce}".encode(), hashlib.sha256).digest()[:16])


def token_hash(token: str) -> str:
    """What the database and the scanners' offline rosters know a token by."""
    return hashlib.sha256(token.encode()).hexdigest()


def token_for(invitation: Invitation) -> str:
    return f"{PREFIX}.{invitation.event_id}.{invitation.nonce}.{_signature(invitation.event_id, invitation.nonce)}"


def issue(session: Session, delegate: Delegate) -> Invitation:
    """A new token for the delegate; the one they had before now answers "replaced"."""
    now = utcnow()
    session.execute(update(Invitation).where(Invitation.delegate_id == delegate.id, Invitation.replaced_at.is_(None),
                                             Invitation.revoked_at.is_(None)).values(replaced_at=now))
    nonce = _b64(secrets.token_bytes(16))
    row = Invitation(event_id=delegate.event_id, delegate_id=delegate.id, nonce=nonce, issued_at=now)
    row.token_hash = token_hash(token_for(row))
    session.add(row)
    session.flush()
    return row


def revoke(session: Session, delegate: Delegate) -> int:
    """Revokes the delegate's live token; returns how many were revoked (0 or 1)."""
    result = session.execute(update(Invitation).where(Invitation.delegate_id == delegate.id,
                                                      Invitation.replaced_at.is_(None),
                                                      Invitation.revoked_at.is_(None)).values(revoked_at=utcnow()))
    session.flush()
    return result.rowcount


def current(session: Session, delegate_id: int) -> Invitation | None:
    return session.execute(select(Invitation).where(Invitation.delegate_id == delegate_id,
                                                    Invitation.replaced_at.is_(None),
                                                    Invitation.revoked_at.is_(None))).scalar_one_or_none()


@dataclass
class Reading:
    """What a scanned code turned out to be. `verdict` is "ok" or the reason it is refused:
    invalid (not ours, forged, tampered, unknown), foreign (another event's), revoked, replaced."""
    verdict: str
    invitation: Invitation | None = None


def extract(code) -> re.Match | None:
    if not isinstance(code, str) or len(code) > 500:
        return None
    return TOKEN.search(code.strip())


def read(session: Session, event_id: int, code) -> Reading:
    match = extract(code)
    if match is None:
        return Reading("invalid")
    token, token_event, nonce, signature = match.group(1), int(match.group(2)), match.group(3), match.group(4)
    if not hmac.compare_digest(signature, _signature(token_event, nonce)):
        return Reading("invalid")             # forged or tampered: refused before any lookup
    if token_event != event_id:
        return Reading("foreign")
    row = session.execute(select(Invitation).where(Invitation.token_hash == token_hash(token))).scalar_one_or_none()
    if row is None:
        return Reading("invalid")
    if row.status != "active":
        return Reading(row.status, row)
    return Reading("ok", row)
