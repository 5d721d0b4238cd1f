"""The same-origin check of requests and sockets, and the checks of API endpoints that run
before a session exists."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _

from kernel.errors import Forbidden

DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin_parts(url: str) -> tuple[str, str, int] | None:
    """``(scheme, host, port)`` of a serialised origin (``scheme://host[:port]``, nothing
    more), the default port filled in; None for anything else (``null``, a path, a user)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname or parts.username is not None or parts.password is not None:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.netloc.endswith(":"):
        return None
    return scheme, parts.hostname.lower(), port if port is not None else DEFAULT_PORTS[scheme]


def _trusted(origin: tuple[str, str, int]) -> bool:
    """In ``CSRF_TRUSTED_ORIGINS`` (where ``https://*.example.org`` covers its subdomains)."""
    for entry in settings.CSRF_TRUSTED_ORIGINS:
        wildcard = "://*." in entry
        trusted = _origin_parts(entry.replace("://*.", "://", 1) if wildcard else entry)
        if trusted is None or trusted[0] != origin[0] or trusted[2] != origin[2]:
            continue
        if origin[1] == trusted[1] or (wildcard and origin[1].endswith("." + trusted[1])):
            return True
    return False


def same_origin(origin: str, *, scheme: str, host: str) -> bool:
    """Whether a browser's ``Origin`` names this site, for a request that reached us as
    ``scheme`` (``http``/``https``) on ``host`` (its ``Host`` header, with the port; already
    checked against ``ALLOWED_HOSTS``): the same scheme, host and port — a page on another port
    of the same host is another site, though the browser sends it the same cookies — or an
    origin in ``CSRF_TRUSTED_ORIGINS``."""
    parts = _origin_parts(origin)
    if parts is None:
        return False
    if _trusted(parts):
        return True
    return parts == _origin_parts(f"{scheme}://{host}")


def origin_allowed(origin: str, request: HttpRequest) -> bool:
    return same_origin(origin, scheme=request.scheme or "http", host=request.get_host())


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
