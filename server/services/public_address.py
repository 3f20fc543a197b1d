"""The public address: what every printed or shown link and QR code starts with (invitations, the
points' sheets, one-time sign-in links, scanner enrolment). A phone in the hall must be able to open
it, so it is the server's address on the hall's network or its domain, set by `diemcau serve
--public-url` or by an admin on /admin/, never the address the operator's own browser happened to use.

Until one is set, links use the address of the request (and the desk and control room warn when that
is a loopback address no phone can open)."""
from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from ..i18n import lazy
from ..models import SiteSetting, utcnow
from . import audit
from .errors import Invalid

KEY = "public_url"
EXAMPLES = "http://192.168.1.10:5000, https://diemcau.quan9.gov.vn"


def clean(url) -> str:
    """A public address as the product stores it: scheme, host, optional port and path, no trailing slash."""
    text = str(url or "").strip().rstrip("/")
    parts = urlsplit(text)
    try:
        parts.port        # raises on a port that is not a number or out of range
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or parts.query \
            or parts.fragment or parts.username or " " in text:
        raise Invalid(lazy("Địa chỉ công khai “%(url)s” không hợp lệ: ghi đủ http:// hoặc https://, tên máy hoặc "
                           "địa chỉ IP và cổng nếu có, vd. %(examples)s.", url=text[:120], examples=EXAMPLES))
    return text


def is_loopback(url: str) -> bool:
    """Whether no other device can open this address (127.0.0.1, localhost, ::1, 0.0.0.0)."""
    host = (urlsplit(url).hostname or "").lower()
    if host in ("localhost", "") or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def configured(session: Session) -> str | None:
    row = session.get(SiteSetting, KEY)
    return row.value if row is not None and row.value else None


def store(session: Session, url, actor: str) -> str | None:
    """Sets (or, given nothing, clears) the public address; flushes, does not commit."""
    value = clean(url) if str(url or "").strip() else ""
    row = session.get(SiteSetting, KEY) or SiteSetting(key=KEY)
    row.value, row.updated_at, row.updated_by = value, utcnow(), actor
    session.add(row)
    audit.record(session, actor, "public_url", target=value or "")
    session.flush()
    return value or None


def base_url(session: Session, request_url: str | None = None) -> str:
    """The start of every link the product prints: the public address, else the request's own."""
    return configured(session) or (request_url or "http://127.0.0.1:5000").rstrip("/")
