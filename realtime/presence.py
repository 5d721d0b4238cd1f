"""Who is on a stream now: one entry per socket, renewed by heartbeats, expiring on its own.

An entry is ``<member id>:<socket id>`` with an expiry time. A socket renews its entries every
``PRESENCE_HEARTBEAT`` seconds; entries of a crashed process are not renewed and drop out after
``PRESENCE_TTL``, when the next heartbeat anywhere on the stream notices and reports the
members as left. A member is present while any of their sockets is.

With ``REDIS_URL`` the entries are a sorted set per stream (score = expiry), shared by every
process; without it, a dict in this process.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Protocol

from kernel import clock
from kernel import redis as rt_redis
from realtime import conf


def _now() -> float:
    """Wall-clock seconds (the site's clock, which tests move): entries in Redis are compared
    across processes, so not a per-process monotonic time."""
    return clock.now().timestamp()


def _member_of(entry: object) -> int:
    text = entry.decode() if isinstance(entry, bytes) else str(entry)
    return int(text.split(":", 1)[0])


class PresenceStore(Protocol):
    async def join(self, stream: str, member_id: int, socket_id: str) -> bool: ...
    async def leave(self, stream: str, member_id: int, socket_id: str) -> bool: ...
    async def renew(self, entries: list[tuple[str, int, str]]) -> None: ...
    async def members(self, stream: str) -> list[int]: ...
    async def expire(self, stream: str) -> list[int]: ...


class MemoryPresence:
    def __init__(self) -> None:
        self._entries: dict[str, dict[str, float]] = defaultdict(dict)

    def _live(self, stream: str) -> set[int]:
        now = _now()
        return {_member_of(e) for e, exp in self._entries[stream].items() if exp > now}

    async def join(self, stream: str, member_id: int, socket_id: str) -> bool:
        was = member_id in self._live(stream)
        self._entries[stream][f"{member_id}:{socket_id}"] = _now() + conf.get("PRESENCE_TTL")
        return not was

    async def leave(self, stream: str, member_id: int, socket_id: str) -> bool:
        self._entries[stream].pop(f"{member_id}:{socket_id}", None)
        if not self._entries[stream]:
            del self._entries[stream]
            return True
        return member_id not in self._live(stream)

    async def renew(self, entries: list[tuple[str, int, str]]) -> None:
        expiry = _now() + conf.get("PRESENCE_TTL")
        for stream, member_id, socket_id in entries:
            self._entries[stream][f"{member_id}:{socket_id}"] = expiry

    async def members(self, stream: str) -> list[int]:
        return sorted(self._live(stream))

    async def expire(self, stream: str) -> list[int]:
        now = _now()
        entries = self._entries.get(stream, {})
        expired = {e for e, exp in entries.items() if exp <= now}
        for entry in expired:
            del entries[entry]
        live = self._live(stream)
        return sorted({_member_of(e) for e in expired} - live)


class RedisPresence:
    def _key(self, stream: str) -> str:
        return rt_redis.key("presence", stream)

    async def _live(self, stream: str) -> set[int]:
        entries = await rt_redis.async_client().zrangebyscore(self._key(stream), _now(), "+inf")
        return {_member_of(e) for e in entries}

    async def join(self, stream: str, member_id: int, socket_id: str) -> bool:
        was = member_id in await self._live(stream)
        ttl = conf.get("PRESENCE_TTL")
        client = rt_redis.async_client()
        async with client.pipeline(transaction=False) as pipe:
            pipe.zadd(self._key(stream), {f"{member_id}:{socket_id}": _now() + ttl})
            pipe.expire(self._key(stream), int(ttl * 2) + 1)
            await pipe.execute()
        return not was

    async def leave(self, stream: str, member_id: int, socket_id: str) -> bool:
        await rt_redis.async_client().zrem(self._key(stream), f"{member_id}:{socket_id}")
        return member_id not in await self._live(stream)

    async def renew(self, entries: list[tuple[str, int, str]]) -> None:
        if not entries:
            return
        ttl = conf.get("PRESENCE_TTL")
        expiry = _now() + ttl
        async with rt_redis.async_client().pipeline(transaction=False) as pipe:
            for stream, member_id, socket_id in entries:
                pipe.zadd(self._key(stream), {f"{member_id}:{socket_id}": expiry})
                pipe.expire(self._key(stream), int(ttl * 2) + 1)
            await pipe.execute()

    async def members(self, stream: str) -> list[int]:
        return sorted(await self._live(stream))

    async def expire(self, stream: str) -> list[int]:
        now = _now()
        client = rt_redis.async_client()
        expired: list[bytes] = list(await client.zrangebyscore(self._key(stream), "-inf", now))  # type: ignore[arg-type]
        if not expired:
            return []
        # Only the caller whose ZREM removed an entry reports it, so several processes
        # expiring the same stream report each departure once.
        removed = [e for e in expired if await client.zrem(self._key(stream), e)]
        live = await self._live(stream)
        return sorted({_member_of(e) for e in removed} - live)


_memory = MemoryPresence()
_redis = RedisPresence()


def store() -> PresenceStore:
    return _redis if rt_redis.enabled() else _memory
