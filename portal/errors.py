"""Business errors with the status code they map to (never a 500 for an expected failure)."""

from __future__ import annotations


class PortalError(Exception):
    """An expected failure shown to the user; MESSAGE is already in the user's language."""

    status_code = 400

    def __init__(self, message: str = "", *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(PortalError):
    """The thing does not exist or the user may not know that it does."""

    status_code = 404


class Forbidden(PortalError):
    """The user is signed in but their role may not do this."""

    status_code = 403


class NotSignedIn(PortalError):
    """No valid session or token."""

    status_code = 401

    def __init__(self, *, api: bool = False) -> None:
        super().__init__("not signed in")
        self.api = api


class Conflict(PortalError):
    """The request clashes with the current state (someone else decided first)."""

    status_code = 409


class InvalidInput(PortalError):
    """The input breaks a rule; FIELD names the offending field."""

    status_code = 422


class Busy(PortalError):
    """Too much of the same work is under way; the user is to try again shortly."""

    status_code = 503
    retry_after_s = 5
