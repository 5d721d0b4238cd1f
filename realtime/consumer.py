"""The WebSocket endpoint ``/ws/``: one authenticated socket multiplexing stream subscriptions.

The consumer parses frames (:mod:`realtime.protocol`), asks :mod:`realtime.gateway` (one
thread hop) and replies; it owns only what is per socket: the subscriptions' ordering state
(:mod:`realtime.subscription`), the bounded outbound queue and the abuse counter. Close codes
and limits are documented in docs/protocol.md.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import math
import time
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from kernel import ratelimit
from kernel.errors import DomainError, Forbidden, NotFound, RateLimited
from kernel.language import language_from_cookies
from members.access import ANONYMOUS, Actor, actor_for, cached_actor
from realtime import conf, gateway, services
from realtime.frames import EphemeralFrames, EventFrames, batch_frame, event_frame
from realtime.hub import hub
from realtime.presence import store as presence_store
from realtime.protocol import (
    Ack,
    CommandEnvelope,
    Error,
    Ping,
    Pong,
    Presence,
    ProtocolError,
    Result,
    Send,
    Subscribe,
    Subscribed,
    TypingOut,
    Unsubscribe,
    Unsubscribed,
    cid_of,
    parse_frame,
)
from realtime.protocol import Typing as TypingIn
from realtime.registry import Hook, StreamKind
from realtime.services import StoredEvent
from realtime.subscription import Subscription, gap_stats
from realtime.wire import wire_for

logger = logging.getLogger("realtime.consumer")

CLOSE_NOT_AUTHENTICATED = 4401
CLOSE_SLOW_CONSUMER = 4408
CLOSE_ABUSE = 4429
CLOSE_UNAVAILABLE = 4503


class SlowConsumer(Exception):
    pass


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class GatewayConsumer(AsyncWebsocketConsumer):
    actor: Actor = ANONYMOUS

    # --- life cycle -------------------------------------------------------------------------

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """Channels' loop without a channel-layer channel of the socket's own: the process's
        hub (realtime/hub.py) receives layer messages once for all its sockets and hands them
        to each subscription (``offer``). What is left is the client's frames, dispatched one
        at a time in arrival order."""
        self.scope = scope
        self.base_send = send
        self._wire = wire_for(send)
        self._init_state()
        try:
            with contextlib.suppress(StopConsumer):
                while True:
                    await self.dispatch(await receive())
        finally:
            self._release()

    def _release(self) -> None:
        """What must end with the socket even when the server cancels it (shutting down) and
        ``disconnect`` never runs: its writer task and its place in the hub."""
        self._closed = True
        for task in (self._writer, self._draining):
            if task is not None:
                task.cancel()
        for sub in list(self.subs.values()):
            hub().detach(self, sub)
        hub().discard(self)

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Channels' dispatch without its per-message ``aclose_old_connections()``: that is a
        worker-thread hop for every frame. Every database call here goes through
        ``database_sync_to_async``, which closes stale connections itself."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    def _init_state(self) -> None:
        self.socket_id = uuid.uuid4().hex[:12]
        self.language = settings.LANGUAGE_CODE  # of the error frames' messages, as on the pages
        self.subs: dict[str, Subscription] = {}  # canonical stream → subscription
        self.by_wire: dict[str, str] = {}  # wire stream → canonical
        self.hooked: dict[str, StreamKind] = {}  # canonical stream → its kind, when it has join/leave hooks
        self._lock = asyncio.Lock()
        self._out: asyncio.Queue[str] = asyncio.Queue(maxsize=conf.get("OUTBOUND_QUEUE"))
        # (frames, characters, delay) of a batch when the client asked for batches, else None.
        self._batch: tuple[int, int, float] | None = None
        if parse_qs(self.scope.get("query_string", b"").decode("latin-1")).get("batch") == ["1"]:
            self._batch = (conf.get("BATCH_FRAMES"), conf.get("BATCH_CHARS"), conf.get("BATCH_DELAY"))
        # While the writer waits for a batch to fill: done once a whole batch waits (or the queue is full).
        self._gathering: asyncio.Future[None] | None = None
        self._writer: asyncio.Task[None] | None = None
        self._send_started: float | None = None
        self._closed = False
        self.dropped_ephemeral = 0
        # What the hub offered while this socket was busy (its lock held, something already
        # deferred, its queue full): offered again in order by one task of the socket's own.
        self._deferred: collections.deque[tuple[Subscription, EventFrames] | str] = collections.deque()
        self._draining: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.accept()
            await self.close(code=CLOSE_NOT_AUTHENTICATED)
            return
        self.actor = cached_actor(user) or await database_sync_to_async(actor_for)(user)
        self.language = language_from_cookies(self.scope.get("cookies", {}))
        try:
            await hub().ready()
        except Exception as error:
            # Accepted first: a close before accepting is a refused handshake (HTTP 403), which
            # a client cannot tell from a refused origin; 4503 says "come back later".
            logger.warning("channel layer unavailable at connect: %r", error)
            await self.accept()
            await self.close(code=CLOSE_UNAVAILABLE)
            return
        await self.accept()
        self._writer = asyncio.get_running_loop().create_task(self._write_loop())
        hub().add(self)

    async def disconnect(self, code: int) -> None:
        self._closed = True
        hub().discard(self)
        if self._writer is not None:
            self._writer.cancel()
        for sub in list(self.subs.values()):
            await self._leave(sub)
        raise StopConsumer()

    # --- outbound ---------------------------------------------------------------------------

    async def _write_loop(self) -> None:
        """One frame at a time; for a socket that asked for batches, at most one message per
        BATCH_DELAY while frames keep coming (a frame that finds the socket's last message
        younger than that waits out the rest, or until a whole batch waits), and every frame
        waiting then goes in one ``batch`` frame: Daphne's cost is per WebSocket message
        (framing and writing it), whatever its size, and without the wait a busy process writes
        each event to every socket before it reads the next (docs/benchmarks.md, "Coalesced
        frames"). A frame on a socket that was quiet for BATCH_DELAY goes at once (Nagle's
        rule), so a lone event is not delayed."""
        queue = self._out
        loop = asyncio.get_running_loop()
        last_sent = -math.inf
        held: str | None = None  # taken out but past the batch's bounds: it starts the next one
        while True:
            text = held if held is not None else await queue.get()
            held = None
            texts = [text]
            if self._batch is not None:
                most, chars, delay = self._batch
                rest = delay - (loop.time() - last_sent)
                if rest > 0 and queue.qsize() + 1 < most and not queue.full():
                    await self._gather(rest)
                size = len(text)
                while len(texts) < most and not queue.empty():
                    text = queue.get_nowait()
                    size += len(text)
                    if size > chars:
                        held = text
                        break
                    texts.append(text)
            try:
                await self._send_now(texts[0] if len(texts) == 1 else batch_frame(texts))
            finally:
                last_sent = loop.time()
                for _ in texts:
                    queue.task_done()

    async def _gather(self, wait: float) -> None:
        """Wait ``wait`` seconds, or until a whole batch waits (or the queue is full), so that
        what comes meanwhile goes in the same message."""
        loop = asyncio.get_running_loop()
        gathering = self._gathering = loop.create_future()
        timer = loop.call_later(wait, _settle, gathering)
        try:
            await gathering
        finally:
            timer.cancel()
            self._gathering = None

    def _queued(self) -> None:
        """A frame was queued: a writer gathering a batch stops once a whole batch waits or the
        queue is full."""
        gathering = self._gathering
        if gathering is not None and self._batch is not None and not gathering.done():
            if self._out.qsize() + 1 >= self._batch[0] or self._out.full():
                gathering.set_result(None)

    async def _send_now(self, text: str) -> None:
        # Writing inline when the queue is empty was measured (bench/fanout.py) and was not
        # faster, and a write blocked on a slow client would then stall the whole consumer.
        wire = self._wire
        if wire is not None and wire.write(text):
            if wire.backed_up:
                self._send_started = time.monotonic()
                await wire.drained()
                self._send_started = None
            return
        self._send_started = time.monotonic()
        await self.send(text_data=text)
        self._send_started = None

    def stalled(self, now: float) -> bool:
        """True when one write has been waiting on the client longer than the grace period."""
        started = self._send_started
        return started is not None and now - started > conf.get("QUEUE_FULL_GRACE")

    async def close_stalled(self) -> None:
        logger.info("closing slow socket %s: a write waited too long", self.socket_id)
        await self._close(CLOSE_SLOW_CONSUMER)

    async def push(self, text: str, *, droppable: bool = False) -> None:
        """Queue a frame for the client. Ephemeral frames are dropped above three quarters of
        the queue; a durable frame waits QUEUE_FULL_GRACE for room, then the socket is closed
        (the client resumes with ``since``) rather than hold unbounded memory for it."""
        if self._closed:
            return
        queue = self._out
        if droppable:
            self._enqueue_droppable(text)
            return
        try:
            queue.put_nowait(text)
        except asyncio.QueueFull:
            try:
                await asyncio.wait_for(queue.put(text), conf.get("QUEUE_FULL_GRACE"))
            except TimeoutError:
                logger.info("closing slow socket %s: outbound queue full", self.socket_id)
                await self._close(CLOSE_SLOW_CONSUMER)
                raise SlowConsumer() from None
        self._queued()

    def _enqueue(self, text: str) -> None:
        """Queue a frame the queue has room for."""
        self._out.put_nowait(text)
        self._queued()

    def _enqueue_droppable(self, text: str) -> None:
        """Queue a typing or presence frame, or drop it above three quarters of the queue."""
        if self._out.qsize() * 4 >= self._out.maxsize * 3:
            self.dropped_ephemeral += 1
            return
        self._enqueue(text)

    async def reply(self, frame: Any) -> None:
        await self.push(frame.model_dump_json())

    async def _close(self, code: int) -> None:
        if not self._closed:
            self._closed = True
            if self._writer is not None:
                if code != CLOSE_SLOW_CONSUMER:
                    # What is queued (the error frames that led to a 4429) still goes out first;
                    # a slow socket's queue is what it could not take, so it is not waited for.
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._out.join(), conf.get("QUEUE_FULL_GRACE"))
                self._writer.cancel()
            await self.close(code=code)

    async def error(self, error: ProtocolError | DomainError, *, ref: Any = None, **where: Any) -> None:
        """Report a refused frame; a socket that keeps provoking errors is closed (4429)."""
        if isinstance(error, ProtocolError):
            frame = Error(code=error.code, message=error.message, ref=ref or error.ref, details=error.details, **where)
        else:
            details = {k: v for k, v in error.details.items() if k != "retry_after"} or None
            retry_after = error.retry_after if isinstance(error, RateLimited) else None
            frame = Error(
                code=error.code, message=error.message, ref=ref, retry_after=retry_after, details=details, **where
            )
        rate, burst = conf.rate("ERROR_RATE")
        try:
            await ratelimit.acheck(f"errors:{self.socket_id}", rate=rate, burst=burst)
        except RateLimited:
            await self._close(CLOSE_ABUSE)
            return
        await self.reply(frame)

    # --- inbound ----------------------------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self._closed:
            return
        # Messages are translated when raised, here and in the services the frame reaches.
        with translation.override(self.language):
            await self._receive(text_data)

    async def _receive(self, text_data: str | None) -> None:
        try:
            if text_data is None:
                raise ProtocolError("bad_frame", _("Frames are JSON text, not binary."))
            frame = parse_frame(text_data, max_bytes=conf.get("MAX_FRAME_BYTES"))
        except ProtocolError as error:
            await self.error(error)
            return
        where = {"stream": getattr(frame, "stream", None), "cid": cid_of(frame)}
        try:
            await self._handle(frame)
        except SlowConsumer:
            return
        except (ProtocolError, DomainError) as error:
            await self.error(error, ref=frame.ref, **where)

    async def _handle(self, frame: Any) -> None:
        if isinstance(frame, Ping):
            await self.reply(Pong(ref=frame.ref))
        elif isinstance(frame, Subscribe):
            await self.limit("SUBSCRIBE_RATE", "subscribe")
            async with self._lock:
                await self._subscribe(frame)
        elif isinstance(frame, Unsubscribe):
            async with self._lock:
                await self._unsubscribe(frame)
        elif isinstance(frame, Send):
            await self.limit("SEND_RATE", "send")
            seq = await database_sync_to_async(gateway.stream_send)(
                actor=self.actor, wire=frame.stream, cid=frame.cid, body=frame.body
            )
            await self.reply(Ack(stream=frame.stream, cid=frame.cid, seq=seq, ref=frame.ref))
        elif isinstance(frame, TypingIn):
            await self._typing(frame)
        elif isinstance(frame, CommandEnvelope):
            await self.limit("COMMAND_RATE", "command")
            name, data = await database_sync_to_async(gateway.command_run)(actor=self.actor, envelope=frame)
            await self.reply(Result(stream=frame.stream, command=name, data=data, ref=frame.ref))

    async def limit(self, setting: str, action: str) -> None:
        rate, burst = conf.rate(setting)
        await ratelimit.acheck(f"{action}:{self.actor.user_id}", rate=rate, burst=burst)

    async def _subscribe(self, frame: Subscribe) -> None:
        if frame.stream in self.by_wire:
            # Re-subscribing resumes from the client's since; drop the old ordering state.
            await self._leave(self.subs.pop(self.by_wire.pop(frame.stream)))
        if len(self.subs) >= conf.get("MAX_SUBSCRIPTIONS"):
            raise ProtocolError("too_many_subscriptions", _("Too many subscriptions on one socket."))
        opened = await database_sync_to_async(gateway.subscription_open)(actor=self.actor, wire=frame.stream)
        if opened.stream in self.subs:  # the same stream under another wire name (user:me, user:17)
            raise ProtocolError("bad_frame", _("Already subscribed to this stream under another name."))
        # Join the group before reading storage: an event committed meanwhile is then either in
        # the backlog or queued for this socket (or both: duplicates are dropped by seq).
        sub = Subscription(wire=frame.stream, stream=opened.stream, last_seq=0, presence=opened.kind.presence)
        self.subs[sub.stream] = sub
        self.by_wire[sub.wire] = sub.stream
        await hub().attach(self, sub)
        if opened.kind.on_join is not None or opened.kind.on_leave is not None:
            # Before the reply: a client told "subscribed" is already counted (attendance).
            self.hooked[sub.stream] = opened.kind
            await self._run_hook(opened.kind.on_join, sub.stream)
        head = await database_sync_to_async(services.stream_head)(stream=sub.stream)
        since = head if frame.since is None else min(frame.since, head)
        sub.last_seq = since
        await self.reply(Subscribed(stream=sub.wire, seq=head, ref=frame.ref))
        await self._deliver_range(sub, since, head)
        if sub.presence:
            await self._presence_join(sub)

    async def _unsubscribe(self, frame: Unsubscribe) -> None:
        stream = self.by_wire.pop(frame.stream, None)
        if stream is None:
            raise NotFound(_("Not subscribed to this stream."))
        await self._leave(self.subs.pop(stream))
        await self.reply(Unsubscribed(stream=frame.stream, ref=frame.ref))

    async def _typing(self, frame: TypingIn) -> None:
        stream = self.by_wire.get(frame.stream)
        if stream is None or self.actor.member_id is None:
            raise Forbidden(_("Subscribe to the stream first."))
        await self.limit("EPHEMERAL_RATE", "typing")
        await services.aephemeral_send(frame=TypingOut(stream=stream, member=self.actor.member_id, active=frame.active))

    # --- groups and presence ----------------------------------------------------------------

    async def _leave(self, sub: Subscription) -> None:
        hub().detach(self, sub)
        if sub.presence and self.actor.member_id is not None:
            with contextlib.suppress(Exception):
                if await presence_store().leave(sub.stream, self.actor.member_id, self.socket_id):
                    await services.aephemeral_send(frame=Presence(stream=sub.stream, left=[self.actor.member_id]))
        kind = self.hooked.pop(sub.stream, None)
        if kind is not None:
            await self._run_hook(kind.on_leave, sub.stream)

    async def _run_hook(self, hook: Hook | None, stream: str) -> None:
        """A stream kind's on_join/on_leave (registry.StreamKind); a failing hook is only logged."""
        if hook is None:
            return
        try:
            await database_sync_to_async(hook)(self.actor, stream.partition(":")[2])
        except Exception:
            logger.exception("stream hook failed on %s", stream)

    async def _presence_join(self, sub: Subscription) -> None:
        member_id = self.actor.member_id
        if member_id is None:
            return
        try:
            store = presence_store()
            newly = await store.join(sub.stream, member_id, self.socket_id)
            members = await store.members(sub.stream)
        except Exception as error:
            logger.warning("presence unavailable: %r", error)
            return
        await self.push(Presence(stream=sub.wire, members=members).model_dump_json(), droppable=True)
        if newly:
            await services.aephemeral_send(frame=Presence(stream=sub.stream, joined=[member_id]))

    # --- delivery ---------------------------------------------------------------------------

    def offer(self, sub: Subscription, frames: EventFrames) -> None:
        """A durable event from the hub. The common case, the next seq for an idle socket with
        room in its queue, is queued here and now; anything else (a gap to fill, a subscribe or
        fill in progress, a full queue) goes to this socket's own task, in arrival order."""
        if self._closed:
            return
        event = frames.event
        if not self._deferred and not self._lock.locked() and not sub.pending:
            if event.seq <= sub.last_seq:
                return  # already delivered (from storage)
            if event.seq == sub.last_seq + 1 and not self._out.full():
                sub.last_seq = event.seq
                self._enqueue(frames.text_for(sub))
                return
        self._defer((sub, frames))

    def offer_ephemeral(self, sub: Subscription, frames: EphemeralFrames) -> None:
        if self._closed:
            return
        text = frames.text_for(sub, self.actor.member_id)
        if text is None:
            return
        if frames.droppable:
            self._enqueue_droppable(text)
        elif not self._deferred and not self._out.full():
            self._enqueue(text)
        else:
            self._defer(text)  # a signal waits its turn, as a durable frame does

    def _defer(self, item: tuple[Subscription, EventFrames] | str) -> None:
        if len(self._deferred) >= conf.get("OUTBOUND_QUEUE"):
            # Held back already as much as the queue holds: this one is dropped as the layer
            # would drop it; the ordering filter fills it from storage (a later seq or the tail
            # check reveals it).
            return
        self._deferred.append(item)
        if self._draining is None or self._draining.done():
            self._draining = asyncio.get_running_loop().create_task(self._drain())

    async def _drain(self) -> None:
        async with self._lock:
            while self._deferred and not self._closed:
                item = self._deferred.popleft()
                try:
                    if isinstance(item, str):
                        await self.push(item)
                        continue
                    sub, frames = item
                    if self.subs.get(sub.stream) is sub:
                        await self._offer(sub, frames.event)
                except SlowConsumer:
                    self._deferred.clear()
                    return

    async def _offer(self, sub: Subscription, event: StoredEvent) -> None:
        for ready in sub.accept(event):
            await self.push(event_frame(sub.wire_json, ready))
        while (gap := sub.gap()) is not None:
            after, upto = gap
            filled = await self._deliver_range(sub, after, upto)
            gap_stats.record(stream=sub.stream, filled=filled)
            if sub.last_seq < upto:  # storage lost them (retention): move on, do not stall
                for ready in sub.skip_to(upto):
                    await self.push(event_frame(sub.wire_json, ready))

    async def _deliver_range(self, sub: Subscription, after: int, upto: int) -> int:
        """Deliver stored events ``after < seq <= upto`` page by page; how many were read."""
        page = conf.get("BACKLOG_PAGE")
        count = 0
        while after < upto:
            events = await database_sync_to_async(services.events_after)(
                stream=sub.stream, after=after, upto=upto, limit=page
            )
            if not events:
                break
            for stored in events:
                for ready in sub.accept(stored):
                    await self.push(event_frame(sub.wire_json, ready))
            count += len(events)
            after = events[-1].seq
        return count

    # --- called by the hub ------------------------------------------------------------------

    def subscribed_streams(self) -> Iterator[str]:
        return iter(list(self.subs))

    def tail_fills(self, heads: dict[str, int]) -> list[tuple[str, int]]:
        return [
            (stream, upto)
            for stream, sub in list(self.subs.items())
            if (upto := sub.tail_behind(heads.get(stream, 0))) is not None
        ]

    async def fill_tail(self, stream: str, upto: int) -> None:
        async with self._lock:
            sub = self.subs.get(stream)
            if sub is None or self._closed or sub.last_seq >= upto:
                return
            try:
                filled = await self._deliver_range(sub, sub.last_seq, upto)
            except SlowConsumer:
                return
            gap_stats.record(stream=stream, filled=filled)

    def is_open(self) -> bool:
        return not self._closed

    def recheck_entry(self) -> tuple[str | None, int | None, list[str]]:
        """What realtime/revocation.py checks again: the session, the user, the streams."""
        session = self.scope.get("session")
        return getattr(session, "session_key", None), self.actor.user_id, list(self.subs)

    async def apply_recheck(self, result: gateway.Recheck) -> None:
        """Act as the person the session now belongs to; leave the streams they may no longer
        see, saying so (``forbidden`` naming the stream); close (4401) when it is nobody."""
        if self._closed:
            return
        if result.actor is None:
            await self._close(CLOSE_NOT_AUTHENTICATED)
            return
        self.actor = result.actor
        async with self._lock:
            for stream in result.refused:
                sub = self.subs.pop(stream, None)
                if sub is None:
                    continue
                self.by_wire.pop(sub.wire, None)
                await self._leave(sub)
                with translation.override(self.language):
                    message = _("You may no longer see this stream.")
                await self.reply(Error(code="forbidden", message=message, stream=sub.wire))

    def presence_entries(self) -> list[tuple[str, int, str]]:
        member_id = self.actor.member_id
        if member_id is None:
            return []
        return [(s.stream, member_id, self.socket_id) for s in self.subs.values() if s.presence]
