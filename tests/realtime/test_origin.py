"""The socket's origin check (realtime/origin.py): the page opening ``/ws/`` must have this
site's scheme, host and port, or be a trusted origin. A refused socket never opens (the
handshake gets HTTP 403); an accepted one without a session opens and is closed with 4401.
Nothing is stored, but Channels closes the worker thread's stale database connections around
every consumer (the denier's too), which an earlier test in the same process may have left open."""

from __future__ import annotations

from typing import Any

import pytest
from channels.testing import WebsocketCommunicator

from tests.realtime.conftest import application


async def opens_socket(headers: list[tuple[bytes, bytes]]) -> bool:
    comm = WebsocketCommunicator(application(), "/ws/", headers=headers)
    connected, _ = await comm.connect(timeout=10)
    await comm.disconnect()
    return bool(connected)


pytestmark = pytest.mark.django_db

SITE = "127.0.0.1:8102"  # the Host the socket is reached on


@pytest.mark.parametrize(
    ("origin", "opens"),
    [
        ("http://127.0.0.1:8102", True),
        ("HTTP://127.0.0.1:8102", True),  # scheme and host compare case-insensitively
        ("https://party.example.org", True),  # in CSRF_TRUSTED_ORIGINS (behind a proxy)
        ("https://party.example.org:443", True),  # the same origin, default port spelled out
        ("https://branch.party.example.org", True),  # covered by https://*.party.example.org
        ("http://localhost:9999", False),  # an allowed host, another port
        ("http://[::1]:1", False),
        ("http://127.0.0.1", False),  # no port: 80, not 8102
        ("https://127.0.0.1:8102", False),  # another scheme
        ("http://127.0.0.1:8103", False),
        ("http://evil.example:8102", False),
        ("http://party.example.org", False),  # trusted only over https
        ("https://party.example.org:8443", False),
        ("http://127.0.0.1:8102/page", False),  # browsers never send a path: not an origin
        ("http://user@127.0.0.1:8102", False),
        ("null", False),  # sandboxed frames, file:// pages
        ("", False),
        (None, False),
    ],
)
async def test_origin_must_be_this_sites_scheme_host_and_port(settings: Any, origin: str | None, opens: bool) -> None:
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]
    settings.CSRF_TRUSTED_ORIGINS = ["https://party.example.org", "https://*.party.example.org"]
    headers = [(b"host", SITE.encode())]
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    assert await opens_socket(headers) is opens


@pytest.mark.parametrize(
    ("host", "origin", "headers", "opens"),
    [
        ("[::1]:8102", "http://[::1]:8102", [], True),
        ("localhost:8102", "http://localhost:8102", [], True),
        ("evil.example:8102", "http://evil.example:8102", [], False),  # a Host not in ALLOWED_HOSTS
        # Behind a TLS proxy (SECURE_PROXY_SSL_HEADER): the page is https on the proxy's port.
        ("party.example.net", "https://party.example.net", [(b"x-forwarded-proto", b"https")], True),
        ("party.example.net", "http://party.example.net", [(b"x-forwarded-proto", b"https")], False),
        ("party.example.net", "https://party.example.net", [], False),  # the proxy did not say so
    ],
)
async def test_origin_follows_the_host_the_socket_was_reached_on(
    settings: Any,
    host: str,
    origin: str,
    headers: list[tuple[bytes, bytes]],
    opens: bool,
) -> None:
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "party.example.net"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert await opens_socket([(b"host", host.encode()), (b"origin", origin.encode()), *headers]) is opens
