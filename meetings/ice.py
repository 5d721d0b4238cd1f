"""ICE servers for browsers: STUN, and TURN with short-lived credentials.

TURN credentials follow coturn's REST API scheme (``use-auth-secret``): the username is
``<expiry unix time>:<user id>`` and the password is base64(HMAC-SHA1(secret, username)), so
coturn can check them without a database and they stop working at the expiry.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from django.conf import settings

from meetings.schemas import IceServer, IceServersOut


def turn_credentials(*, user_id: int, secret: str, ttl: int, now: float | None = None) -> tuple[str, str]:
    expiry = int((now if now is not None else time.time()) + ttl)
    username = f"{expiry}:{user_id}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode()


def ice_servers_for(*, user_id: int) -> IceServersOut:
    servers: list[IceServer] = []
    if settings.STUN_URLS:
        servers.append(IceServer(urls=list(settings.STUN_URLS)))
    if settings.TURN_URLS and settings.TURN_SECRET:
        username, credential = turn_credentials(
            user_id=user_id, secret=settings.TURN_SECRET, ttl=settings.TURN_CREDENTIAL_TTL
        )
        servers.append(IceServer(urls=list(settings.TURN_URLS), username=username, credential=credential))
    return IceServersOut(ice_servers=servers, ttl=settings.TURN_CREDENTIAL_TTL)
