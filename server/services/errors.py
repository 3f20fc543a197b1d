"""Errors a service raises: a stable code for programs and a message a person can act on."""
from __future__ import annotations


class ServiceError(Exception):
    code = "error"
    http_status = 400

    def __init__(self, message: str, **details):
        super().__init__(message)
        self.message = message
        self.details = details

    def to_dict(self) -> dict:
        return {"code": self.code, "message": str(self.message), **self.details}


class Invalid(ServiceError):
    code = "invalid"


class Conflict(ServiceError):
    """The sender acted on a revision that is no longer current; nothing was changed."""
    code = "stale_revision"
    http_status = 409


class Forbidden(ServiceError):
    code = "forbidden"
    http_status = 403


class Archived(Forbidden):
    """The event is archived: read-only."""
    code = "archived"


class ConfirmationNeeded(Invalid):
    """A step that loses data, sent without the confirmation its message asks for."""
    code = "confirmation_needed"


class TooSoon(ServiceError):
    """A second GO/Next right after the cursor moved: most likely one press counted twice. Sent again
    with `confirm`, it goes through."""
    code = "too_soon"
    http_status = 409


class NotFound(ServiceError):
    code = "not_found"
    http_status = 404
