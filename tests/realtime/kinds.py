"""The stream kinds the gateway's tests plug in: the gateway's tests need no feature app."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from kernel.errors import Forbidden, Invalid, NotFound
from members.access import Actor, require_member
from realtime.events import Event
from realtime.registry import Command, StreamKind, register, unregister


class Message(Event):
    """``test.message``, the event the test kinds store: only the fields a test gives are stored."""

    type: Literal["test.message"] = "test.message"
    text: str | None = None
    n: Any = None  # whatever JSON the sender put there

    def payload(self) -> dict[str, Any]:
        return {"type": self.type, **self.model_dump(mode="json", exclude_unset=True)}


class EchoIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str


def room_authorise(actor: Actor, stream_id: str) -> None:
    require_member(actor)
    if stream_id.startswith("secret"):
        raise Forbidden("Members only.")
    if stream_id.startswith("missing"):
        raise NotFound()


def room_send(actor: Actor, stream_id: str, body: dict[str, Any]) -> Message:
    text = body.get("text")
    if not isinstance(text, str) or not text:
        raise Invalid("A message needs text.")
    return Message(text=text, n=body.get("n"))


def room_echo(actor: Actor, stream_id: str, args: EchoIn) -> dict[str, Any]:
    return {"echo": args.text, "by": actor.member_id}


def org_authorise(actor: Actor, stream_id: str) -> None:
    """``test.org:<organisation id>``: for the members of that organisation's subtree."""
    require_member(actor)
    if int(stream_id) not in actor.home_ancestor_ids:
        raise Forbidden("Members of the organisation only.")


def register_test_kinds() -> None:
    register(
        StreamKind(
            name="test.room",
            authorise=room_authorise,
            on_send=room_send,
            commands={"echo": Command(EchoIn, room_echo)},
        )
    )
    register(StreamKind(name="test.lobby", authorise=room_authorise, on_send=room_send, presence=True))
    register(StreamKind(name="test.org", authorise=org_authorise))


def unregister_test_kinds() -> None:
    unregister("test.room")
    unregister("test.lobby")
    unregister("test.org")
