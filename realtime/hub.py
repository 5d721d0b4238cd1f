"""The per-process housekeeper of all gateway sockets on one event loop.

Every ``TAIL_CHECK_SECONDS`` it reads the stored heads of all streams subscribed in this
process in one query and lets each socket catch up where the layer lost the last events of a
stream (a lost event followed by another is caught by the seq gap at once; a lost *last* event
only by this check). The same pass re-joins layer groups a socket could not join while the
layer was unreachable. Every ``PRESENCE_HEARTBEAT`` seconds it renews this process's presence
entries and reports members whose entries expired (sockets of a crashed process). When access
changed anywhere (realtime/revocation.py), and every ``RECHECK_SECONDS`` in any case, it has
every socket's session and subscriptions checked again, a few sockets per worker-thread hop.

One task per process instead of one per socket: 5,000 idle sockets cost one query per period.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from typing import TYPE_CHECKING

from channels.db import database_sync_to_async

from realtime import conf, gateway, revocation, services
from realtime.presence import store as presence_store
from realtime.protocol import Presence

if TYPE_CHECKING:
    from realtime.consumer import GatewayConsumer

logger = logging.getLogger("realtime.hub")
HEADS_PER_QUERY = 500
RECHECK_PER_HOP = 50  # sockets checked in one worker-thread hop; other sockets' work goes between


class Hub:
    def __init__(self) -> None:
        self.consumers: weakref.WeakSet[GatewayConsumer] = weakref.WeakSet()
        self._task: asyncio.Task[None] | None = None
        self._fills: set[asyncio.Task[None]] = set()
        self._presence_at = time.monotonic()
        self._recheck_at = time.monotonic()
        self._epoch: int | None = None
        self._rechecking: asyncio.Task[None] | None = None

    def add(self, consumer: GatewayConsumer) -> None:
        self.consumers.add(consumer)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="realtime-hub")

    def discard(self, consumer: GatewayConsumer) -> None:
        self.consumers.discard(consumer)

    async def _run(self) -> None:
        while self.consumers:
            await asyncio.sleep(conf.get("TAIL_CHECK_SECONDS"))
            try:
                await self.tick()
            except Exception:
                logger.exception("realtime hub pass failed")

    async def tick(self) -> None:
        consumers = list(self.consumers)
        now = time.monotonic()
        for consumer in consumers:
            if consumer.stalled(now):
                self._spawn(consumer.close_stalled())
            if consumer.needs_rejoin():
                self._spawn(consumer.rejoin())
        streams = sorted({s for c in consumers for s in c.subscribed_streams()})
        heads: dict[str, int] = {}
        for i in range(0, len(streams), HEADS_PER_QUERY):
            chunk = streams[i : i + HEADS_PER_QUERY]
            heads.update(await database_sync_to_async(services.stream_heads)(streams=chunk))
        for consumer in consumers:
            for stream, upto in consumer.tail_fills(heads):
                self._spawn(consumer.fill_tail(stream, upto))
        await self._recheck_if_due(consumers)
        if time.monotonic() - self._presence_at >= conf.get("PRESENCE_HEARTBEAT"):
            self._presence_at = time.monotonic()
            await self._presence_tick(consumers)

    async def _presence_tick(self, consumers: list[GatewayConsumer]) -> None:
        entries = [entry for c in consumers for entry in c.presence_entries()]
        if not entries:
            return
        presence = presence_store()
        try:
            await presence.renew(entries)
            for stream in sorted({stream for stream, _, _ in entries}):
                left = await presence.expire(stream)
                if left:
                    await services.aephemeral_send(frame=Presence(stream=stream, left=left))
        except Exception as error:
            logger.warning("presence heartbeat failed: %r", error)

    async def _recheck_if_due(self, consumers: list[GatewayConsumer]) -> None:
        if self._rechecking is not None and not self._rechecking.done():
            return
        current = await revocation.epoch()  # the first look has nothing to compare: it checks
        now = time.monotonic()
        if current == self._epoch and now - self._recheck_at < conf.get("RECHECK_SECONDS"):
            return
        self._epoch, self._recheck_at = current, now
        self._rechecking = asyncio.get_running_loop().create_task(self._recheck(consumers))

    async def _recheck(self, consumers: list[GatewayConsumer]) -> None:
        try:
            for i in range(0, len(consumers), RECHECK_PER_HOP):
                chunk = [c for c in consumers[i : i + RECHECK_PER_HOP] if c.is_open()]
                results = await database_sync_to_async(gateway.sockets_recheck)([c.recheck_entry() for c in chunk])
                for consumer, result in zip(chunk, results, strict=True):
                    await consumer.apply_recheck(result)
        except Exception:
            logger.exception("realtime access recheck failed")

    def _spawn(self, coro: object) -> None:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(coro)  # type: ignore[arg-type]
        self._fills.add(task)
        task.add_done_callback(self._fills.discard)


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = weakref.WeakKeyDictionary()


def hub() -> Hub:
    loop = asyncio.get_running_loop()
    found = _hubs.get(loop)
    if found is None:
        found = _hubs[loop] = Hub()
    return found
