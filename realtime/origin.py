"""The socket's origin check: the page that opens ``/ws/`` must be one of this site's own.

Channels' ``AllowedHostsOriginValidator`` only asks whether the ``Origin``'s host is in
``ALLOWED_HOSTS``, so a page on another port of the same host (``http://localhost:9999``), or
plain ``http`` for an ``https`` site, could open a logged-in socket: browsers send cookies
whatever the port. Here the ``Origin`` must have the scheme, host and port the socket was
reached on (its ``Host`` header, itself in ``ALLOWED_HOSTS``), or be in
``CSRF_TRUSTED_ORIGINS`` — the rule of :func:`kernel.origin.same_origin`, as for HTTP.
A refused socket is refused at the handshake (HTTP 403), before any application code runs.
"""

from __future__ import annotations

from typing import Any

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host

from kernel.origin import same_origin


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def _scheme(scope: dict[str, Any]) -> str:
    proxy = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy is not None:
        header, value = proxy  # ("HTTP_X_FORWARDED_PROTO", "https"), as Django names it
        name = header.removeprefix("HTTP_").lower().replace("_", "-").encode()
        if (_header(scope, name) or "").split(",")[0].strip() == value:
            return "https"
    return "https" if scope.get("scheme") == "wss" else "http"


def socket_origin_allowed(scope: dict[str, Any]) -> bool:
    origin = _header(scope, b"origin")
    host = _header(scope, b"host")
    if origin is None or host is None:
        return False
    domain, _port = split_domain_port(host)
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return False
    return same_origin(origin, scheme=_scheme(scope), host=host)


class SameOriginValidator:
    """ASGI middleware in front of the socket's application."""

    def __init__(self, application: Any) -> None:
        self.application = application

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope["type"] == "websocket" and not socket_origin_allowed(scope):
            denier = WebsocketDenier()
            return await denier(scope, receive, send)
        return await self.application(scope, receive, send)
