"""Writing to streams: durable events (stored, then published) and ephemeral frames.

Feature apps call these from their own services::

    event_append(stream=f"forum.thread:{thread.pk}", payload=events.PostCreated(post=...), author=member)

The event is stored with the stream's next seq inside the caller's transaction (or its own) and
published to subscribers by ``transaction.on_commit``: never before it is durable. Publishing
is best effort (the channel layer may drop or the broker be down); subscribers fill any gap from
storage, so a lost publish delays an event by at most a tail-check period, it never loses it.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import os
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import get_channel_layer
from django.db import IntegrityError, transaction

from members.models import Member
from realtime.events import Event
from realtime.groups import parse_stream, stream_group
from realtime.models import StreamEvent, StreamHead
from realtime.protocol import Presence, Signal, TypingOut

logger = logging.getLogger("realtime.services")

EVENT_MESSAGE = "rt.event"
EPHEMERAL_MESSAGE = "rt.ephemeral"
EphemeralFrame = Signal | TypingOut | Presence


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """An event as the gateway delivers it, serialised once by the publisher, not per socket:
    ``payload_json`` is the event object, ``meta_json`` the frame's trailing
    ``,"author":…,"at":…`` fields."""

    stream: str
    seq: int
    payload_json: str
    meta_json: str

    @classmethod
    def of(cls, event: StreamEvent) -> StoredEvent:
        meta = f',"author":{dumps(event.author_id)},"at":{dumps(event.created.isoformat())}'
        return cls(event.stream, event.seq, dumps(event.payload), meta)

    def layer_message(self) -> dict[str, Any]:
        return {
            "type": EVENT_MESSAGE,
            "stream": self.stream,
            "seq": self.seq,
            "payload": self.payload_json,
            "meta": self.meta_json,
        }

    @classmethod
    def from_layer(cls, message: dict[str, Any]) -> StoredEvent:
        return cls(message["stream"], int(message["seq"]), message["payload"], message["meta"])


# --- Durable events -----------------------------------------------------------------------------


def event_append(
    *, stream: str, payload: Event, author: Member | int | None = None, cid: str | None = None
) -> StreamEvent:
    """Store ``payload`` as the next event of ``stream`` (canonical name) and publish it after commit.

    ``payload`` is an app's event model (``<app>/events.py``), never a plain dict: every stored
    event has a declared type.
    With a ``cid``, the same author sending the same cid on the same stream again gets the
    first event back and nothing new is stored or published (retried sends are stored once).
    """
    parse_stream(stream)
    if not isinstance(payload, Event):
        raise TypeError(f"event_append takes an event model (realtime.events.Event), not {type(payload).__name__}")
    author_id = author.pk if isinstance(author, Member) else author
    try:
        return _append(stream=stream, payload=payload.payload(), author_id=author_id, cid=cid)
    except IntegrityError:
        # Two sends of one cid raced past the first lookup (possible only on PostgreSQL
        # before the head row existed); the loser reads the winner's event.
        if cid is None:
            raise
        existing = StreamEvent.objects.filter(stream=stream, author_id=author_id, cid=cid).first()
        if existing is None:
            raise
        return existing


def event_seq_for_cid(*, stream: str, author_id: int | None, cid: str) -> int | None:
    """The seq of the event this author already stored with this client id, if any."""
    return StreamEvent.objects.filter(stream=stream, author_id=author_id, cid=cid).values_list("seq", flat=True).first()


def _append(*, stream: str, payload: dict[str, Any], author_id: int | None, cid: str | None) -> StreamEvent:
    with transaction.atomic():
        StreamHead.objects.get_or_create(stream=stream)
        # The row lock serialises writers of one stream; seqs are dense and commit in order.
        head = StreamHead.objects.select_for_update().get(stream=stream)
        if cid is not None:
            existing = StreamEvent.objects.filter(stream=stream, author_id=author_id, cid=cid).first()
            if existing is not None:
                return existing
        head.seq += 1
        head.save(update_fields=["seq"])
        event = StreamEvent.objects.create(stream=stream, seq=head.seq, cid=cid, author_id=author_id, payload=payload)
        stored = StoredEvent.of(event)
        transaction.on_commit(lambda: publish(stored))
    return event


def publish(event: StoredEvent) -> None:
    """Hand a stored event to the channel layer; failures are logged, subscribers gap-fill."""
    _group_send(stream_group(event.stream), event.layer_message())


def _group_send(group: str, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    if not run_from_sync(lambda: _send_async(layer, group, message)):
        # The event is stored; its subscribers fill it from storage when they resume.
        _publish_health.failed(RuntimeError("the event loop has stopped"))


def run_from_sync(work: Callable[[], Coroutine[Any, Any, None]]) -> bool:
    """Run ``work()`` from synchronous code, the one way every sync caller reaches async code.

    From a worker thread of an event loop (a socket frame, an async view) it is handed to that
    loop and this returns at once: waiting would hold the thread, which Channels shares between
    all database calls of the process, for as long as the loop is busy. In plain synchronous code
    (a management command, a WSGI request) it runs to completion on a loop of its own. False, and
    nothing run, when this thread's loop has stopped (the server is shutting down):
    ``async_to_sync`` would wait for that loop for ever and the process would never exit; False
    too in a thread where a loop that is not ours runs (a driver's, such as Playwright's sync
    API), which cannot be blocked."""
    loop = _owning_loop()
    if loop is not None:
        return call_in_loop(work, loop=loop)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        return False

    async def run() -> None:
        await work()

    async_to_sync(run)()
    return True


def _owning_loop() -> asyncio.AbstractEventLoop | None:
    """The event loop whose worker thread this is (running or not), None in plain sync code."""
    loop: asyncio.AbstractEventLoop | None = getattr(SyncToAsync.threadlocal, "main_event_loop", None)
    if loop is None or getattr(SyncToAsync.threadlocal, "main_event_loop_pid", None) != os.getpid():
        return None
    return loop


_in_flight: set[asyncio.Task[None]] = set()


def call_in_loop(
    work: Callable[[], Coroutine[Any, Any, None]], *, loop: asyncio.AbstractEventLoop | None = None
) -> bool:
    """Run ``work()`` as a task on the event loop whose worker thread this is, without waiting;
    False (and nothing done) when this thread belongs to no running loop."""
    loop = loop or _owning_loop()
    if loop is None or not loop.is_running():
        return False
    # A fresh context: the calling thread's would tell asgiref that the task runs inside the
    # thread-sensitive executor, and its own database calls would then refuse to run.
    try:
        loop.call_soon_threadsafe(_spawn, work, context=contextvars.Context())
    except RuntimeError:  # closed meanwhile
        return False
    return True


def _spawn(work: Callable[[], Coroutine[Any, Any, None]]) -> None:
    task = asyncio.get_running_loop().create_task(work())
    _in_flight.add(task)
    task.add_done_callback(_in_flight.discard)


async def _send_async(layer: Any, group: str, message: dict[str, Any]) -> None:
    try:
        await layer.group_send(group, message)
        _publish_health.ok()
    except Exception as error:
        _publish_health.failed(error)


class _PublishHealth:
    def __init__(self) -> None:
        self.failing = False
        self.failures = 0

    def failed(self, error: BaseException) -> None:
        self.failures += 1
        if not self.failing:
            self.failing = True
            logger.warning("publishing to the channel layer failed (%r); subscribers will gap-fill", error)

    def ok(self) -> None:
        if self.failing:
            self.failing = False
            logger.warning("publishing works again after %d failures", self.failures)


_publish_health = _PublishHealth()


# --- Reading the log ----------------------------------------------------------------------------


def stream_head(*, stream: str) -> int:
    """The latest seq of ``stream`` (0 when it has none)."""
    return StreamHead.objects.filter(stream=stream).values_list("seq", flat=True).first() or 0


def stream_heads(*, streams: list[str]) -> dict[str, int]:
    return dict(StreamHead.objects.filter(stream__in=streams).values_list("stream", "seq"))


def events_after(*, stream: str, after: int, limit: int, upto: int | None = None) -> list[StoredEvent]:
    """Stored events of ``stream`` with ``after < seq (<= upto)``, ascending, at most ``limit``."""
    rows = StreamEvent.objects.filter(stream=stream, seq__gt=after)
    if upto is not None:
        rows = rows.filter(seq__lte=upto)
    return [StoredEvent.of(e) for e in rows.order_by("seq")[:limit]]


# --- Ephemeral frames ---------------------------------------------------------------------------


def _ephemeral_message(frame: EphemeralFrame, to_member: int | None) -> tuple[str, dict[str, Any]]:
    data = frame.model_dump(mode="json")
    return stream_group(frame.stream), {
        "type": EPHEMERAL_MESSAGE,
        "stream": frame.stream,
        "frame": data,
        "to": to_member,
    }


async def aephemeral_send(*, frame: EphemeralFrame, to_member: int | None = None) -> None:
    """Broadcast a typing/presence/signal frame to a stream's subscribers now; nothing is stored.

    ``frame.stream`` is the canonical stream name. With ``to_member`` only that member's
    sockets deliver it (a WebRTC offer to one peer). Lost frames are not retried.
    """
    layer = get_channel_layer()
    if layer is None:
        return
    group, message = _ephemeral_message(frame, to_member)
    try:
        await layer.group_send(group, message)
    except Exception as error:
        _publish_health.failed(error)


def ephemeral_send(*, frame: EphemeralFrame, to_member: int | None = None) -> None:
    """:func:`aephemeral_send` for synchronous code (returns before the frame is sent when
    called from a worker thread of a running event loop)."""
    _group_send(*_ephemeral_message(frame, to_member))
