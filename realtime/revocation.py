"""Access that changes under an open socket: a role taken away, a member moved, a logout.

A socket authorises each subscription when it is made and acts as the person it connected as.
When something the access policy reads changes, :func:`access_changed` bumps a counter (in Redis
when ``REDIS_URL`` is set, so every process sees it; else in this process, which is then the only
one). Each process's hub (realtime/hub.py) looks at it every pass and, when it moved, has every
socket look again: who its session belongs to now (none: closed with 4401) and whether each of
its subscriptions is still allowed (not: dropped, with a ``forbidden`` error naming the stream).
Every ``REALTIME_RECHECK_SECONDS`` the hub does the same unasked, which also ends the sockets of
sessions that expired or were removed outside the app.

Apps name the models whose changes matter with :func:`watch`; a change made with ``update()``
(which sends no signal) calls :func:`access_changed` itself. Only what can take access away needs
a look: a model whose rows also grant (a lobby's admissions) names the saves that revoke, so that
hundreds of members entering a lesson do not each have every open socket checked again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import redis
from django.contrib.auth.signals import user_logged_out
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from kernel import redis as rt_redis

logger = logging.getLogger("realtime.revocation")
_local_epoch = 0
_health = rt_redis.OnceLogger("access changes")


def _bump() -> None:
    global _local_epoch
    _local_epoch += 1
    if rt_redis.enabled():
        try:
            rt_redis.sync_client().incr(rt_redis.key("access-epoch"))
            _health.ok()
        except redis.RedisError as error:
            _health.failed(error)  # the periodic recheck still comes


def access_changed() -> None:
    """Something the access policy reads has changed: open sockets look again once it is
    committed."""
    transaction.on_commit(_bump)


async def epoch() -> int:
    """The counter as this process sees it; it only matters whether it moved."""
    if rt_redis.enabled():
        try:
            value = await rt_redis.async_client().get(rt_redis.key("access-epoch"))
            return int(value or 0)
        except redis.RedisError as error:
            _health.failed(error)
    return _local_epoch


def _on_save(sender: Any, instance: Any, update_fields: Any = None, **kwargs: Any) -> None:
    # A login saves the user's last_login: no change of access.
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    access_changed()


def _on_change(**kwargs: Any) -> None:
    access_changed()


def watch(*models: Any, revokes: Callable[[Any], bool] | None = None) -> None:
    """Changes (saves and deletions) of these models can change what members may see or do.
    With ``revokes``, a save counts only when ``revokes(instance)`` says it can take access
    away; a deletion always counts."""

    def on_save(sender: Any, instance: Any, **kwargs: Any) -> None:
        if revokes is None or revokes(instance):
            _on_save(sender, instance, **kwargs)

    for model in models:
        uid = f"realtime.revocation:{model}"
        post_save.connect(on_save, sender=model, dispatch_uid=uid, weak=False)
        post_delete.connect(_on_change, sender=model, dispatch_uid=uid, weak=False)


def watch_logouts() -> None:
    user_logged_out.connect(_on_change, dispatch_uid="realtime.revocation:logout", weak=False)
