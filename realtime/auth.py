"""Who a socket is: the session's user and their actor, found in one database hop at the handshake.

Channels' ``AuthMiddlewareStack`` loads the user in one hop and the consumer then found the actor
in another, both in Django's single database thread; here both are one hop in the gateway's pool
(:mod:`realtime.hops`), so a socket's handshake does not queue behind other sockets' commands.
The user is Django's own ``get_user`` (the session's backend, the session hash checked).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from channels.auth import AuthMiddleware
from channels.sessions import CookieMiddleware, SessionMiddleware
from django.contrib import auth

from members.access import actor_for
from realtime.hops import hop


def _user_and_actor(session: Any) -> Any:
    user = auth.get_user(SimpleNamespace(session=session))  # type: ignore[arg-type]
    actor_for(user)  # cached on the user for the consumer
    return user


class SocketAuthMiddleware(AuthMiddleware):  # type: ignore[misc]
    async def resolve_scope(self, scope: dict[str, Any]) -> None:
        scope["user"]._wrapped = await hop(_user_and_actor)(scope["session"])


def SocketAuthMiddlewareStack(inner: Any) -> Any:  # noqa: N802 - named as Channels' own stack
    return CookieMiddleware(SessionMiddleware(SocketAuthMiddleware(inner)))
