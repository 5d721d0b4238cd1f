"""The per-process hub of all gateway sockets on one event loop: fan-out and housekeeping.

Fan-out happens once per process: the hub owns the process's one channel-layer channel, joins a
stream's layer group when the first local socket subscribes to it (and leaves it at the next
pass after the last one left), reads every layer message once and hands it to each local
subscription of its stream (realtime/frames.py encodes the frame once). A socket takes it into
its own bounded queue at once, or, while it is busy (subscribing, filling a gap, queue full),
defers it to its own task: one socket never holds up the others, and each keeps its ordering
filter, backpressure and gap filling (realtime/consumer.py).

The hub also keeps house.

Every ``TAIL_CHECK_SECONDS`` it reads the stored heads of all streams subscribed in this
process in one query and lets each socket catch up where the layer lost the last events of a
stream (a lost event followed by another is caught by the seq gap at once; a lost *last* event
only by this check). The same pass re-joins layer groups the process could not join while the
layer was unreachable, leaves groups nobody here subscribes to any more, and renews memberships
on layers where they expire. Every ``PRESENCE_HEARTBEAT`` seconds it renews this process's presence
entries and reports members whose entries expired (sockets of a crashed process). When access
changed anywhere (realtime/revocation.py), and every ``RECHECK_SECONDS`` in any case, it has
every socket's session and subscriptions checked again, a few sockets per worker-thread hop.

One task per process instead of one per socket: 5,000 idle sockets cost one query per period.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from typing import TYPE_CHECKING, Any

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from kernel import redis as rt_redis
from realtime import conf, gateway, revocation, services
from realtime.frames import EphemeralFrames, EventFrames
from realtime.groups import stream_group
from realtime.presence import store as presence_store
from realtime.protocol import Presence
from realtime.services import StoredEvent
from realtime.subscription import Subscription

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
        # Fan-out: one layer channel per process, joined to one group per subscribed stream.
        self.layer: Any = None
        self.channel: str | None = None
        self.layer_down = False
        self.messages = 0  # layer messages received by this process (tests count them)
        self.local: dict[str, dict[GatewayConsumer, Subscription]] = {}  # canonical stream → its subscriptions here
        self.joined: set[str] = set()  # streams whose layer group this process is in
        self._groups = asyncio.Lock()  # group joins and leaves, one at a time, in order
        self._reader: asyncio.Task[None] | None = None
        self._renewed_at = time.monotonic()

    async def ready(self) -> None:
        """Raises when the channel layer is unreachable; the socket is then closed with 4503.
        With Redis, one ``PING`` on the gateway's own connection tells (the layer uses the same
        server); without, the in-memory layer is always there."""
        if rt_redis.enabled():
            await rt_redis.async_client().ping()
        await self.start()

    async def start(self) -> None:
        """Open this process's layer channel (once) and start reading it and the periodic pass."""
        if self.channel is None:
            async with self._groups:  # sockets connecting at once open one channel, not one each
                if self.channel is None:
                    self.layer = get_channel_layer()
                    self.channel = await self.layer.new_channel()
                    self._reader = asyncio.get_running_loop().create_task(self._read(), name="realtime-hub-reader")
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="realtime-hub")

    def add(self, consumer: GatewayConsumer) -> None:
        self.consumers.add(consumer)

    def discard(self, consumer: GatewayConsumer) -> None:
        self.consumers.discard(consumer)

    # --- fan-out --------------------------------------------------------------------------------

    async def attach(self, consumer: GatewayConsumer, sub: Subscription) -> None:
        """From now on this process's events of ``sub.stream`` reach ``sub``; returns once the
        process is in the stream's group (or the join failed: the next pass retries it, and the
        tail check covers what the layer could not bring meanwhile)."""
        self.local.setdefault(sub.stream, {})[consumer] = sub
        if sub.stream not in self.joined:
            await self._join(sub.stream)

    def detach(self, consumer: GatewayConsumer, sub: Subscription) -> None:
        """The group itself is left by the next pass, if nobody here subscribed again."""
        subs = self.local.get(sub.stream)
        if subs is not None and subs.get(consumer) is sub:
            del subs[consumer]
            if not subs:
                del self.local[sub.stream]

    async def _join(self, stream: str) -> None:
        async with self._groups:
            if stream in self.joined or stream not in self.local or self.channel is None:
                return
            try:
                await self.layer.group_add(stream_group(stream), self.channel)
                self.joined.add(stream)
            except Exception as error:  # the layer's transport is down; the next pass retries
                logger.warning("group_add failed for %s: %r", stream, error)

    async def _leave_unused(self) -> None:
        for stream in sorted(self.joined - self.local.keys()):
            async with self._groups:
                if stream in self.local or stream not in self.joined or self.channel is None:
                    continue
                self.joined.discard(stream)
                with contextlib.suppress(Exception):
                    await self.layer.group_discard(stream_group(stream), self.channel)

    async def _renew_groups(self) -> None:
        """Layers whose memberships expire (channels_redis ``core``: ``group_expiry``) are told
        again well before; a killed process's membership then ends on its own instead of its
        channel filling to capacity with every later event."""
        expiry = getattr(self.layer, "group_expiry", None)
        if not expiry or time.monotonic() - self._renewed_at < expiry / 3:
            return
        self._renewed_at = time.monotonic()
        for stream in sorted(self.joined):
            async with self._groups:
                if stream in self.joined and self.channel is not None:
                    try:
                        await self.layer.group_add(stream_group(stream), self.channel)
                    except Exception as error:
                        logger.warning("group renewal failed for %s: %r", stream, error)
                        self.joined.discard(stream)

    async def _read(self) -> None:
        delay = 0.2
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    raise  # cancelled inside the layer, which turned it into its own error
                if not self.layer_down:
                    logger.warning("channel layer receive failed (%r); retrying", error)
                self.layer_down = True
                self.joined.clear()  # a restarted Redis forgot group memberships; the pass rejoins
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
                continue
            if self.layer_down:
                self.layer_down = False
                delay = 0.2
                self._spawn(self._rejoin())
            self.messages += 1
            try:
                self.dispatch(message)
            except Exception:
                logger.exception("realtime hub could not hand out a %s message", message.get("type"))

    def dispatch(self, message: dict[str, Any]) -> None:
        """Hand one layer message to every local subscription of its stream, without waiting on
        any socket: each takes it into its own queue or defers it to its own task."""
        kind = message.get("type")
        subs = self.local.get(message.get("stream", ""))
        if not subs:
            return
        if kind == services.EVENT_MESSAGE:
            frames = EventFrames(StoredEvent.from_layer(message))
            for consumer, sub in list(subs.items()):
                consumer.offer(sub, frames)
        elif kind == services.EPHEMERAL_MESSAGE:
            ephemeral = EphemeralFrames(message)
            for consumer, sub in list(subs.items()):
                consumer.offer_ephemeral(sub, ephemeral)

    async def _rejoin(self) -> None:
        for stream in sorted(self.local.keys() - self.joined):
            await self._join(stream)

    async def _run(self) -> None:
        while True:
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
        if not self.layer_down:
            await self._rejoin()
            await self._leave_unused()
            await self._renew_groups()
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

    async def close(self, *, grace: float = 2.0) -> None:
        """Stop reading and the periodic pass, bounded: a channel layer can hang in its own
        clean-up when cancelled (channels_redis pubsub unsubscribes inside its cancellation
        handler, on a connection that may never answer), and a second cancel ends that."""
        running = (self._reader, self._task, self._rechecking, *self._fills)
        tasks = [t for t in running if t is not None and not t.done()]
        for _ in range(2):
            for task in tasks:
                task.cancel()
            if tasks:
                _, pending = await asyncio.wait(tasks, timeout=grace)
                tasks = list(pending)
        self._reader = self._task = self._rechecking = None
        self.channel = None
        self.joined.clear()

    def _spawn(self, coro: object) -> None:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(coro)  # type: ignore[arg-type]
        self._fills.add(task)
        task.add_done_callback(self._fills.discard)


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = weakref.WeakKeyDictionary()


async def hub_close() -> None:
    """Close this loop's hub, if it has one (a test's loop before it ends)."""
    found = _hubs.pop(asyncio.get_running_loop(), None)
    if found is not None:
        await found.close()


def hub() -> Hub:
    loop = asyncio.get_running_loop()
    found = _hubs.get(loop)
    if found is None:
        found = _hubs[loop] = Hub()
    return found
