"""Read-only database hops of the socket handshake, in a small pool of threads of their own.

Channels' ``database_sync_to_async`` runs every call of a process in one thread (Django's
thread-sensitive mode), so every socket's database work waits in one queue. When a lesson starts
and a few hundred members arrive within seconds, a socket's authentication waited there for
seconds behind other sockets' commands; Daphne gave up on the handshake after its connect
timeout (5 s), the client connected again, and the queue grew with work for sockets already gone
(docs/benchmarks.md, "Lesson relay": 852 authentications for 200 viewers). The handshake's reads
(the session, the user, the member and their roles) run here instead, beside that queue. Writes
stay in Django's one thread: SQLite takes one writer at a time, and writers in several threads
only wait for each other's lock (measured: every hop slower, the start no faster).

``REALTIME_DATABASE_THREADS`` (default 4) sets the pool's size per process.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ParamSpec, TypeVar

from channels.db import DatabaseSyncToAsync

from realtime import conf

P = ParamSpec("P")
R = TypeVar("R")


@functools.cache
def _executor() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=conf.get("DATABASE_THREADS"), thread_name_prefix="realtime-db")


def hop(func: Callable[P, R]) -> Any:
    """``func`` as an awaitable run in the pool, with Django's stale connections closed around it."""
    return DatabaseSyncToAsync(func, thread_sensitive=False, executor=_executor())
