"""Request checks shared by API endpoints that run before a session exists."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from kernel.errors import Forbidden


def origin_allowed(origin: str, request: HttpRequest) -> bool:
    if origin in settings.CSRF_TRUSTED_ORIGINS:
        return True
    parts = urlsplit(origin)
    if not parts.scheme or not parts.netloc:
        return False
    return parts.netloc == request.get_host() and url_has_allowed_host_and_scheme(
        origin, allowed_hosts={request.get_host()}
    )


def require_same_origin(request: HttpRequest) -> None:
    """Login CSRF defence for the session-less endpoints (login, logout).

    A browser attaches ``Origin`` to every cross-site POST, so a foreign page is refused; a
    body must be declared JSON, which a cross-site HTML form cannot do without a CORS preflight
    that this site never grants. Non-browser clients send no ``Origin`` and pass.
    """
    origin = request.headers.get("Origin")
    if origin and not origin_allowed(origin, request):
        raise Forbidden(_("Cross-site request refused."), reason="origin")
    if request.body and request.content_type != "application/json":
        raise Forbidden(_("The request body must be JSON."), reason="content_type")
