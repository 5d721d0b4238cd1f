"""Redis clients for the gateway's own keys (rate limits, presence), one place for key names.

The channel layer keeps its own connections; these are separate so that a slow presence or
rate-limit call never queues behind layer traffic. Async clients are bound to an event loop,
so there is one per loop (tests run one loop per test).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import weakref

import redis
import redis.asyncio as aioredis
from django.conf import settings

logger = logging.getLogger("kernel.redis")

_sync_clients: dict[str, redis.Redis] = {}
_async_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, aioredis.Redis]] = (
    weakref.WeakKeyDictionary()
)
_lock = threading.Lock()
# Fail fast: a gateway waiting on a dead Redis would hold every socket's frame handling.
_TIMEOUTS = {"socket_timeout": 2.0, "socket_connect_timeout": 2.0}
# At most this many connections per process and client; a call that finds them all busy waits for
# one (at most ``timeout`` seconds) instead of failing: with redis-py's default pool, a lesson's
# start (200 sockets joining within seconds) failed presence and rate-limit calls with "Too many
# connections".
_POOL = {"max_connections": 100, "timeout": 2.0}


def enabled() -> bool:
    return bool(getattr(settings, "REDIS_URL", ""))


def key(*parts: str) -> str:
    return ":".join((getattr(settings, "REDIS_PREFIX", "epa"), "rt", *parts))


def sync_client() -> redis.Redis:
    url = settings.REDIS_URL
    with _lock:
        client = _sync_clients.get(url)
        if client is None:
            pool = redis.BlockingConnectionPool.from_url(url, **_POOL, **_TIMEOUTS)  # type: ignore[arg-type]
            client = _sync_clients[url] = redis.Redis(connection_pool=pool)
        return client


def async_client() -> aioredis.Redis:
    url = settings.REDIS_URL
    loop = asyncio.get_running_loop()
    per_loop = _async_clients.setdefault(loop, {})
    client = per_loop.get(url)
    if client is None:
        pool = aioredis.BlockingConnectionPool.from_url(url, **_POOL, **_TIMEOUTS)  # type: ignore[arg-type]
        client = per_loop[url] = aioredis.Redis(connection_pool=pool)
    return client


class OnceLogger:
    """Logs the first failure of a kind and the recovery, not every failing call."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.failing = False

    def failed(self, error: BaseException) -> None:
        if not self.failing:
            self.failing = True
            logger.warning("%s: Redis unavailable (%s); degrading until it returns", self.what, error)

    def ok(self) -> None:
        if self.failing:
            self.failing = False
            logger.warning("%s: Redis is back", self.what)
