"""The forum's live streams, plugged into the gateway (realtime.registry).

``forum.board:<id>``: new threads and thread updates. ``forum.thread:<id>``: new posts, edits,
deletions, reactions; typing is the gateway's own ``typing`` frame. Subscribing asks the same
selectors as the pages, so a member subscribes to exactly the boards and threads they may read.
Posting over the socket is the ``forum.thread.post`` command, which runs the same service as the
API (the gateway runs the moderation send guard first); a client id makes a retried post stored
once.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from pydantic import BaseModel, ConfigDict, Field

from forum import selectors, services
from kernel.errors import NotFound
from kernel.ids import Id, require_id
from members.access import Actor, require_member
from realtime.protocol import ClientId
from realtime.registry import Command, StreamKind, register


def _int_id(stream_id: str) -> int:
    return require_id(stream_id, message=_("Unknown stream."))


def board_authorise(actor: Actor, stream_id: str) -> None:
    require_member(actor)
    selectors.board_get_for(actor=actor, board_id=_int_id(stream_id))


def thread_authorise(actor: Actor, stream_id: str) -> None:
    require_member(actor)
    selectors.thread_get_for(actor=actor, thread_id=_int_id(stream_id))


class PostIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str  # empty and too long are the service's to refuse, in words the member can read
    quote: Id | None = None
    attachments: list[Id] = Field(default_factory=list, max_length=services.MAX_ATTACHMENTS)
    cid: ClientId | None = None


class ThreadIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str
    text: str
    cid: ClientId | None = None


class ReactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    post: Id
    kind: str = Field(max_length=20)
    on: bool = True


class ReadIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    post: Id


def thread_post(actor: Actor, stream_id: str, args: PostIn) -> dict[str, Any]:
    post = services.post_create(
        by=actor, thread_id=_int_id(stream_id), source=args.text, quote_id=args.quote,
        attachment_ids=args.attachments, cid=args.cid,
    )  # fmt: skip
    return {"post": selectors.post_out(post).model_dump(mode="json")}


def board_thread(actor: Actor, stream_id: str, args: ThreadIn) -> dict[str, Any]:
    post = services.thread_create(
        by=actor, board_id=_int_id(stream_id), title=args.title, source=args.text, cid=args.cid
    )
    return {"thread": post.thread_id, "post": selectors.post_out(post).model_dump(mode="json")}


def thread_react(actor: Actor, stream_id: str, args: ReactIn) -> dict[str, Any]:
    post = selectors.post_get_for(actor=actor, post_id=args.post)
    if post.thread_id != _int_id(stream_id):
        raise NotFound(_("No such post in this thread."))
    return {"reactions": services.reaction_set(by=actor, post_id=args.post, kind=args.kind, on=args.on)}


def thread_read(actor: Actor, stream_id: str, args: ReadIn) -> dict[str, Any]:
    return {"read_upto": services.thread_mark_read(by=actor, thread_id=_int_id(stream_id), post_id=args.post)}


def register_streams() -> None:
    register(
        StreamKind(name="forum.board", authorise=board_authorise, commands={"thread": Command(ThreadIn, board_thread)})
    )
    register(
        StreamKind(
            name="forum.thread",
            authorise=thread_authorise,
            commands={
                "post": Command(PostIn, thread_post),
                "react": Command(ReactIn, thread_react),
                "read": Command(ReadIn, thread_read, writes=False),
            },
        )
    )
