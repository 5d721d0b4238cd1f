"""Finding the real Redis and PostgreSQL the suite runs against.

A test that needs a service asks for the ``redis_url`` or ``postgres_url`` fixture. The URL comes
from ``REDIS_URL`` / ``DATABASE_URL`` or the local default when it answers; otherwise the test is
skipped, unless ``REQUIRE_SERVICES=1``, when the run fails instead.
"""

from __future__ import annotations

import os
import socket
from urllib.parse import urlsplit

import pytest

REDIS_DEFAULT = "redis://127.0.0.1:6379/0"
POSTGRES_DEFAULT = "postgres://postgres@127.0.0.1:5432/postgres"


def services_required() -> bool:
    return os.environ.get("REQUIRE_SERVICES", "") in {"1", "true", "yes"}


def reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), timeout=1):
            return True
    except OSError:
        return False


def service_url(env_name: str, default: str, port: int, what: str) -> str:
    url = os.environ.get(env_name) or default
    if env_name == "DATABASE_URL" and not url.startswith("postgres"):
        url = default
    if reachable(url, port):
        return url
    message = f"{what} is not reachable at {url}"
    if services_required():
        pytest.fail(f"{message} and REQUIRE_SERVICES=1")
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
