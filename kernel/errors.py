"""Domain errors with stable codes, reported alike by the JSON API and the WebSocket gateway."""

from __future__ import annotations

from django.utils.functional import Promise as StrPromise
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    code = "error"
    status = 400
    default_message = _("The request could not be completed.")

    def __init__(self, message: str | None = None, **details: object) -> None:
        self.message = str(message if message is not None else self.default_message)
        self.details = details
        super().__init__(self.message)

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message, **self.details}


class Invalid(DomainError):
    code = "invalid"
    status = 400
    default_message = _("The input is not valid.")


class NotAuthenticated(DomainError):
    code = "not_authenticated"
    status = 401
    default_message = _("Please log in first.")


class Forbidden(DomainError):
    code = "forbidden"
    status = 403
    default_message = _("You are not allowed to do this.")


class NotFound(DomainError):
    code = "not_found"
    status = 404
    default_message = _("Not found.")


class Conflict(DomainError):
    code = "conflict"
    status = 409
    default_message = _("This conflicts with the current state.")


class RateLimited(DomainError):
    code = "rate_limited"
    status = 429
    default_message = _("Too many requests; please wait a moment.")

    def __init__(self, message: str | None = None, *, retry_after: float) -> None:
        super().__init__(message, retry_after=round(retry_after, 3))
        self.retry_after = retry_after


# The code and message reported for an HTTP status that no domain error explains (an unknown
# path, a wrong method, a body too large), by the JSON API and by the /api/ error middleware.
HTTP_ERRORS: dict[int, tuple[str, StrPromise]] = {
    400: ("bad_request", _("The request is not valid.")),
    401: ("not_authenticated", _("Please log in first.")),
    403: ("forbidden", _("You are not allowed to do this.")),
    404: ("not_found", _("Not found.")),
    405: ("method_not_allowed", _("This method is not allowed here.")),
    413: ("too_large", _("The request is too large.")),
    429: ("rate_limited", _("Too many requests; please wait a moment.")),
    500: ("server_error", _("Internal server error.")),
}


def http_error(status: int) -> dict[str, str]:
    """``{"code", "message"}`` for an HTTP error status."""
    if status in HTTP_ERRORS:
        code, message = HTTP_ERRORS[status]
        return {"code": code, "message": str(message)}
    if status >= 500:
        return {"code": "server_error", "message": str(HTTP_ERRORS[500][1])}
    return {"code": f"http_{status}", "message": str(DomainError.default_message)}
