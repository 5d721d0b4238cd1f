"""The JSON API under /api/: one NinjaAPI, each app mounting its own router.

Every error leaves as JSON ``{"code": ..., "message": ...}``: domain errors with their stable
codes, validation errors as ``bad_request`` with the offending fields, never an HTML page.
Authenticated writes need the CSRF token (header ``X-CSRFToken``), as pages do.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import django_auth

from kernel.errors import DomainError, http_error

api = NinjaAPI(
    title="E-party affairs API",
    version="1",
    urls_namespace="api",
    auth=django_auth,
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def error_response(request: HttpRequest, status: int, body: dict[str, Any]) -> HttpResponse:
    response = api.create_response(request, body, status=status)
    if status == 429 and "retry_after" in body:
        response["Retry-After"] = str(max(1, round(float(body["retry_after"]))))
    return response


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return error_response(request, exc.status, exc.as_dict())


@api.exception_handler(AuthenticationError)
def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(request, 401, {"code": "not_authenticated", "message": _("Please log in first.")})


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return error_response(
        request, 400, {"code": "bad_request", "message": _("The request is not valid."), "errors": exc.errors}
    )


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 403 and "CSRF" in str(exc):  # ninja's session auth refusing the token
        return error_response(request, 403, {"code": "csrf_failed", "message": _("CSRF token missing or invalid.")})
    return error_response(request, exc.status_code, {**http_error(exc.status_code), "message": str(exc)})


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, 404, http_error(404))


@api.exception_handler(SuspiciousOperation)
def on_suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    # Django answers these with 400 (a malformed or oversized request), not as a server error,
    # and logs them where it logs its own.
    logging.getLogger(f"django.security.{exc.__class__.__name__}").error(str(exc))
    status = 413 if isinstance(exc, RequestDataTooBig) else 400
    return error_response(request, status, http_error(status))


@api.exception_handler(Exception)
def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logging.getLogger("web.api").exception("unhandled API error")
    return error_response(request, 500, http_error(500))


api.add_router("/", "members.api.router")
api.add_router("/moderation/", "moderation.api.router")
api.add_router("/forum/", "forum.api.router")
api.add_router("/mailbox/", "mailboxes.api.router")
api.add_router("/", "meetings.api.router")
api.add_router("/", "lessons.api.router")
api.add_router("/branch/", "branch.api.router")
api.add_router("/", "membership.api.router")
