"""``mailbox:<conversation id>``: a heart-to-heart conversation, live.

Only its two participants subscribe. A message is the gateway's ``send`` frame with a client id
(``{"type":"send","stream":"mailbox:7","cid":"…","body":{"text":"…"}}``): stored once per cid,
acked with its seq, delivered as a ``mailbox.message.sent`` event. The ``mailbox.read`` command
(``{"upto": seq}``) stores a ``mailbox.conversation.read`` event, the read receipt the other side
sees; typing is the gateway's own ``typing`` frame.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from pydantic import BaseModel, ConfigDict

from kernel.errors import Invalid
from kernel.ids import require_id
from mailboxes import selectors, services
from mailboxes.events import MessageSent
from members.access import Actor
from realtime.protocol import Seq
from realtime.registry import Command, StreamKind, register


def _id(stream_id: str) -> int:
    return require_id(stream_id, message=_("No such conversation."))


def authorise(actor: Actor, stream_id: str) -> None:
    selectors.conversation_authorise(actor, _id(stream_id))


def on_send(actor: Actor, stream_id: str, body: dict[str, Any]) -> MessageSent:
    text = body.get("text")
    if not isinstance(text, str):
        raise Invalid(_("A message needs a text."))
    conversation = selectors.conversation_get_for(actor=actor, conversation_id=_id(stream_id))
    payload = services.message_payload(by=actor, conversation=conversation, text=text)
    # The gateway stores the event in this thread's transaction; tell the other side afterwards.
    transaction.on_commit(lambda: _after(conversation.pk, actor.mid))
    return payload


def _after(conversation_id: int, sender_id: int) -> None:
    conversation = selectors.Conversation.objects.get(pk=conversation_id)
    services.after_message(conversation=conversation, sender_id=sender_id)


class ReadIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    upto: Seq


def read(actor: Actor, stream_id: str, args: ReadIn) -> dict[str, Any]:
    return {"upto": services.conversation_read(by=actor, conversation_id=_id(stream_id), upto=args.upto)}


def register_streams() -> None:
    register(
        StreamKind(
            name="mailbox",
            authorise=authorise,
            on_send=on_send,
            commands={"read": Command(ReadIn, read, writes=False)},
        )
    )
