"""Who a socket is: the session's user and their actor, found in one read at the handshake, in a
small pool of threads of its own.

Channels' ``AuthMiddlewareStack`` loads the user in one hop of Django's single database thread
and the consumer then found the actor in another. Every socket's database work waits in that one
queue: when a lesson starts and a few hundred members arrive within seconds, a handshake waited
there for seconds behind other sockets' commands, Daphne gave up on it after its connect timeout
(5 s), the client connected again, and the queue grew with work for sockets already gone
(docs/benchmarks.md, "Lesson relay": 852 authentications for 200 viewers). The handshake's reads
(the session, the user, the member and their roles) run here instead, beside that queue. Writes
stay in Django's one thread: SQLite takes one writer at a time, and writers in several threads
only wait for each other's lock (measured: every hop slower, the start no faster).

``REALTIME_DATABASE_THREADS`` (default 4) sets the pool's size per process. The user is Django's
own ``get_user`` (the session's backend, the session hash checked).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from typing import Any

from channels.auth import AuthMiddleware
from channels.db import DatabaseSyncToAsync
from channels.sessions import CookieMiddleware, InstanceSessionWrapper, SessionMiddleware
from django.contrib import auth

from members.access import actor_for
from realtime import conf


@functools.cache
def _executor() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=conf.get("DATABASE_THREADS"), thread_name_prefix="realtime-auth")


def hop(func: Callable[..., Any]) -> Any:
    """``func`` as an awaitable run in the pool, with Django's stale connections closed around it."""
    return DatabaseSyncToAsync(func, thread_sensitive=False, executor=_executor())


def _user_and_actor(session: Any) -> Any:
    user = auth.get_user(SimpleNamespace(session=session))  # type: ignore[arg-type]
    actor_for(user)  # cached on the user for the consumer
    return user


class SocketAuthMiddleware(AuthMiddleware):  # type: ignore[misc]
    async def resolve_scope(self, scope: dict[str, Any]) -> None:
        scope["user"]._wrapped = await hop(_user_and_actor)(scope["session"])


class SocketSessionMiddleware(SessionMiddleware):  # type: ignore[misc]
    """Channels' session middleware without its wrapper around ``send``: that wrapper saves the
    session when an HTTP response starts, which a socket never sends, and it cost a coroutine on
    every frame (and hid the connection's own ``send`` from ``realtime.wire``)."""

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        wrapper = InstanceSessionWrapper(scope, send)
        await wrapper.resolve_session()
        return await self.inner(wrapper.scope, receive, send)


def SocketAuthMiddlewareStack(inner: Any) -> Any:  # noqa: N802 - named as Channels' own stack
    return CookieMiddleware(SocketSessionMiddleware(SocketAuthMiddleware(inner)))
