"""Stream kinds: how an app plugs a live stream into the gateway.

An app describes its streams once, at start-up (its ``AppConfig.ready``)::

    from realtime.registry import Command, StreamKind, register

    register(StreamKind(
        name="forum.thread",
        authorise=thread_authorise,          # (actor, "42") -> None, raises Forbidden/NotFound
        on_send=post_from_body,              # (actor, "42", body) -> the event to store
        commands={"react": Command(ReactIn, thread_react)},
    ))

The gateway does the rest: groups, ordering, replay, gap filling, errors, rate limits. Every
callable here is synchronous and runs in a worker thread, so it may use the ORM freely.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from django.utils.translation import gettext as _
from pydantic import BaseModel

from kernel.errors import NotFound
from members.access import Actor
from realtime.events import Event
from realtime.groups import parse_stream, stream_name

Authorise = Callable[[Actor, str], None]
"""``(actor, stream_id)``: return to allow reading the stream, raise a DomainError to refuse."""

Resolve = Callable[[Actor, str], str]
"""``(actor, wire_id)`` → the stored id (``user:me`` → ``user:<member id>``)."""

SendHandler = Callable[[Actor, str, dict[str, Any]], Event]
"""``(actor, stream_id, body)`` → the event to store (the app's model); raise a DomainError to refuse."""

Hook = Callable[[Actor, str], None]
"""``(actor, stream_id)``: told that one socket's subscription began or ended."""

SendGuard = Callable[[Actor, str, str], None]
"""``(actor, kind, stream_id)``: raise a DomainError to refuse a write (a muted member)."""


@dataclass(frozen=True)
class Command:
    """A feature command ``<kind>.<name>``: its argument model and its handler.

    The handler gets the validated arguments (every field of the frame except ``type``,
    ``stream`` and ``ref``) and returns the JSON-able ``data`` of the ``result`` frame. It
    publishes whatever it changes itself, through :mod:`realtime.services`.
    """

    model: type[BaseModel]
    handler: Callable[[Actor, str, Any], Any]
    writes: bool = True  # writes pass the send guards first
    # The frame may carry a client id (``cid``, not passed to the handler): the same member
    # sending the same cid on the same stream again gets the first answer and changes nothing
    # (realtime.receipts). For commands that store something a browser's outbox may re-send.
    once: bool = False


@dataclass(frozen=True)
class StreamKind:
    name: str
    authorise: Authorise
    resolve: Resolve | None = None
    on_send: SendHandler | None = None
    commands: Mapping[str, Command] = field(default_factory=dict)
    presence: bool = False  # keep a who-is-here list (costs a broadcast per join/leave)
    # ``(actor, stream_id)`` once per socket subscription after it is authorised, and once when
    # that subscription ends (unsubscribe, re-subscribe, disconnect); run in a worker thread,
    # failures are logged and never refuse the frame. A live meeting records attendance here.
    # A process that crashes runs no on_leave: the feature must tolerate a missing leave.
    on_join: Hook | None = None
    on_leave: Hook | None = None

    def canonical(self, actor: Actor, stream_id: str) -> str:
        return stream_name(self.name, self.resolve(actor, stream_id) if self.resolve else stream_id)


_kinds: dict[str, StreamKind] = {}
_guards: list[SendGuard] = []
_lock = threading.Lock()


def register(kind: StreamKind) -> StreamKind:
    """Register a stream kind; registering the same name twice replaces it (tests, reloads)."""
    parse_stream(kind.name)  # the name must be a valid kind
    with _lock:
        _kinds[kind.name] = kind
    return kind


def add_commands(kind_name: str, commands: Mapping[str, Command]) -> None:
    """Commands another app adds to a registered kind's streams (the lessons app's on
    ``meeting:<id>``), so the kind's own app need not import it."""
    with _lock:
        kind = _kinds[kind_name]
        _kinds[kind_name] = replace(kind, commands={**kind.commands, **commands})


def unregister(name: str) -> None:
    with _lock:
        _kinds.pop(name, None)


def kind_for(stream: str) -> tuple[StreamKind, str]:
    """The registered kind of a wire stream name and its id; NotFound for unknown kinds."""
    try:
        kind_name, stream_id = parse_stream(stream)
    except ValueError:
        raise NotFound(_("Unknown stream.")) from None
    kind = _kinds.get(kind_name)
    if kind is None:
        raise NotFound(_("Unknown stream."))
    return kind, stream_id


def register_send_guard(guard: SendGuard) -> SendGuard:
    """Add a check run before every send and every writing command, on every stream kind."""
    with _lock:
        if guard not in _guards:
            _guards.append(guard)
    return guard


def unregister_send_guard(guard: SendGuard) -> None:
    with _lock:
        if guard in _guards:
            _guards.remove(guard)


def run_send_guards(actor: Actor, kind: str, stream_id: str) -> None:
    for guard in list(_guards):
        guard(actor, kind, stream_id)
