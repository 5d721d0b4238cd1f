"""What the socket asks of the registry and storage, as plain synchronous functions.

The consumer runs each in one worker-thread hop (``database_sync_to_async``), so a socket frame
costs one hop, and the same rules serve any other caller (a management command, a bot).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user
from django.db import transaction
from django.utils.translation import gettext as _
from pydantic import ValidationError

from kernel.errors import DomainError, Forbidden
from members.access import Actor, actor_for
from realtime import receipts, services
from realtime.protocol import CID, CommandEnvelope, ProtocolError, validation_details
from realtime.registry import StreamKind, kind_for, run_send_guards


@dataclass(frozen=True)
class Opened:
    kind: StreamKind
    stream: str  # canonical
    head: int


def subscription_open(*, actor: Actor, wire: str) -> Opened:
    """Resolve and authorise a subscription; the stream's current head seq."""
    kind, stream_id = kind_for(wire)
    stream = kind.canonical(actor, stream_id)
    canonical_id = stream.partition(":")[2]
    kind.authorise(actor, canonical_id)
    return Opened(kind=kind, stream=stream, head=services.stream_head(stream=stream))


def stream_send(*, actor: Actor, wire: str, cid: str, body: dict[str, Any]) -> int:
    """Store a client's send once per cid; the event's seq."""
    kind, stream_id = kind_for(wire)
    stream = kind.canonical(actor, stream_id)
    canonical_id = stream.partition(":")[2]
    kind.authorise(actor, canonical_id)
    if kind.on_send is None:
        raise Forbidden(_("This stream does not accept messages."))
    run_send_guards(actor, kind.name, canonical_id)
    # One transaction: the handler's own writes and on_commit hooks go with the stored event, and
    # a retried cid returns the first seq before the handler runs again.
    with transaction.atomic():
        seq = services.event_seq_for_cid(stream=stream, author_id=actor.member_id, cid=cid)
        if seq is not None:
            return seq
        payload = kind.on_send(actor, canonical_id, body)
        return services.event_append(stream=stream, payload=payload, author=actor.member_id, cid=cid).seq


def command_run(*, actor: Actor, envelope: CommandEnvelope) -> tuple[str, Any]:
    """Run a feature command ``<kind>.<name>``; its name and the result's data."""
    kind, stream_id = kind_for(envelope.stream)
    prefix = kind.name + "."
    name = envelope.type[len(prefix) :] if envelope.type.startswith(prefix) else ""
    command = kind.commands.get(name)
    if command is None:
        raise ProtocolError(
            "unknown_type",
            _("Stream kind %(kind)r has no command %(command)r.") % {"kind": kind.name, "command": envelope.type},
        )
    raw = envelope.arguments()
    cid = raw.pop("cid", None) if command.once else None
    try:
        arguments = command.model.model_validate(raw)
        if cid is not None:
            cid = CID.validate_python(cid)
    except ValidationError as error:
        raise ProtocolError(
            "bad_frame", _("The command does not match its schema."), details=validation_details(error)
        ) from None
    stream = kind.canonical(actor, stream_id)
    canonical_id = stream.partition(":")[2]
    kind.authorise(actor, canonical_id)
    if command.writes:
        run_send_guards(actor, kind.name, canonical_id)
    if cid is None or actor.member_id is None:
        return name, command.handler(actor, canonical_id, arguments)
    return name, receipts.run_once(
        member_id=actor.member_id, stream=stream, cid=cid, run=lambda: command.handler(actor, canonical_id, arguments)
    )


@dataclass(frozen=True)
class Recheck:
    actor: Actor | None  # None: the session no longer belongs to the socket's user
    refused: list[str]  # canonical streams the person may no longer see


def sockets_recheck(sockets: list[tuple[str | None, int | None, list[str]]]) -> list[Recheck]:
    """For each socket (session key, user id, canonical streams): who its session belongs to now,
    and which of its streams the access policy now refuses (realtime/revocation.py)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    results = []
    for session_key, user_id, streams in sockets:
        # As a request would: a logout or an expired or removed session, a changed password, a
        # deactivated account all give no user.
        user = get_user(SimpleNamespace(session=store(session_key=session_key)))  # type: ignore[arg-type]
        if not user.is_authenticated or user.pk != user_id:
            results.append(Recheck(actor=None, refused=[]))
            continue
        actor = actor_for(user)
        refused = []
        for stream in streams:
            kind, stream_id = kind_for(stream)
            try:
                kind.authorise(actor, stream_id)
            except DomainError:
                refused.append(stream)
        results.append(Recheck(actor=actor, refused=refused))
    return results
