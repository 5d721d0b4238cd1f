"""What a board, thread, post or notification looks like on the wire: the JSON API and the
socket's event payloads use the same models, so a client renders both alike."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AuthorOut(Out):
    id: int | None
    name: str


class AttachmentOut(Out):
    id: int
    filename: str
    content_type: str
    size: int
    url: str
    is_image: bool


class QuoteOut(Out):
    id: int
    author: AuthorOut
    excerpt: str
    hidden: bool = Field(
        default=False, description="The quoted post was taken away by moderation: no author or excerpt."
    )


class PostOut(Out):
    id: int
    thread_id: int
    author: AuthorOut
    html: str = Field(description="Safe HTML, sanitised and moderated; empty for a deleted post.")
    status: Literal["published", "held", "rejected"]
    status_reason: str = ""
    censored: bool = False
    hidden: bool = False
    deleted: bool = False
    edited: bool = False
    edited_at: dt.datetime | None = None
    created: dt.datetime
    quote: QuoteOut | None = None
    attachments: list[AttachmentOut] = []
    reactions: dict[str, int] = {}
    my_reactions: list[str] = []
    placeholder: bool = Field(
        default=False,
        description="Taken away by moderation, shown to you only as its place in the thread because a post "
        "quotes it: no author, text or files.",
    )


class ThreadOut(Out):
    id: int
    board_id: int
    title: str
    author: AuthorOut
    pinned: bool
    locked: bool
    published: bool
    post_count: int
    last_post_id: int
    last_post_at: dt.datetime
    created: dt.datetime
    unread: int | None = None


class BoardOut(Out):
    id: int
    organisation_id: int
    organisation: str
    name: str
    description: str
    visibility: str
    announcements: bool
    unread_threads: int | None = None
    can_start_thread: bool = False


class PostPageOut(Out):
    thread: ThreadOut
    posts: list[PostOut]
    has_before: bool
    has_after: bool
    first_unread_id: int | None = None


class NotificationOut(Out):
    id: int
    kind: str
    payload: dict[str, Any] = Field(
        description="thread_id, thread_title, post_id, by, excerpt (mentions) or reason (moderation); "
        "only thread_id and post_id when the post is no longer available to you."
    )
    created: dt.datetime
    read: bool
    available: bool = Field(default=True, description="False once the post was deleted, hidden or moved away.")


class SearchHitOut(Out):
    post_id: int
    thread_id: int
    thread_title: str
    board_id: int
    snippet_html: str
    score: int
    created: dt.datetime


class RevisionOut(Out):
    number: int
    html: str
    created: dt.datetime
    editor: AuthorOut
    published: bool = Field(
        default=True,
        description="False for a version held, rejected or rewritten by a moderator "
        "(shown to the post's author and moderators only).",
    )
