"""The forum's JSON API, mounted at /api/forum/. Each endpoint parses, calls one service or
selector and returns its wire model; domain errors become ``{"code", "message"}`` in web/api.py."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import File, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status
from pydantic import ConfigDict, Field

from forum import selectors, services
from forum.schemas import (
    AttachmentOut,
    BoardOut,
    NotificationOut,
    PostOut,
    PostPageOut,
    RevisionOut,
    SearchHitOut,
    ThreadOut,
)
from kernel.ids import Id
from members.access import actor_for

router = Router(tags=["forum"])


class In(Schema):
    model_config = ConfigDict(extra="forbid")


class ThreadIn(In):
    title: str = Field(min_length=1, max_length=120)
    text: str = Field(min_length=1, max_length=services.MAX_SOURCE)
    attachments: list[Id] = Field(default_factory=list, max_length=services.MAX_ATTACHMENTS)
    cid: str | None = Field(default=None, max_length=64)


class PostIn(In):
    text: str = Field(min_length=1, max_length=services.MAX_SOURCE)
    quote: Id | None = None
    attachments: list[Id] = Field(default_factory=list, max_length=services.MAX_ATTACHMENTS)
    cid: str | None = Field(default=None, max_length=64)


class PostEditIn(In):
    text: str = Field(min_length=1, max_length=services.MAX_SOURCE)


class ReactionIn(In):
    kind: str = Field(max_length=20)
    on: bool = True


class PinIn(In):
    pinned: bool


class LockIn(In):
    locked: bool


class MoveIn(In):
    board_id: Id


class ThreadReadIn(In):
    post_id: Id


class NotificationsReadIn(In):
    ids: list[Id] | None = None


class ThreadListOut(Schema):
    pinned: list[ThreadOut]
    threads: list[ThreadOut]
    next_before: int | None


class ThreadCreatedOut(Schema):
    thread: ThreadOut
    post: PostOut


class ReactionsOut(Schema):
    reactions: dict[str, int]


class ReadOut(Schema):
    read_upto: int


class UnreadOut(Schema):
    unread: int


class PageQuery(Schema):
    after: Id | None = None
    before: Id | None = None
    last: bool = False
    unread: bool = False
    limit: int = Field(default=selectors.PAGE_SIZE, ge=1, le=100)


@router.get("/boards", response=list[BoardOut])
def boards(request: HttpRequest, organisation: Id | None = None) -> list[BoardOut]:
    actor = actor_for(request.user)
    return [
        selectors.board_out(b, actor=actor) for b in selectors.board_list_for(actor=actor, organisation_id=organisation)
    ]


@router.get("/boards/{board_id}", response=BoardOut)
def board(request: HttpRequest, board_id: Id) -> BoardOut:
    actor = actor_for(request.user)
    return selectors.board_out(selectors.board_get_for(actor=actor, board_id=board_id), actor=actor)


@router.get("/boards/{board_id}/threads", response=ThreadListOut)
def board_threads(request: HttpRequest, board_id: Id, before: Id | None = None) -> ThreadListOut:
    actor = actor_for(request.user)
    page = selectors.board_threads(
        actor=actor, board=selectors.board_get_for(actor=actor, board_id=board_id), before=before
    )
    return ThreadListOut(
        pinned=[selectors.thread_out(t) for t in page.pinned],
        threads=[selectors.thread_out(t) for t in page.threads],
        next_before=page.next_before,
    )


@router.post("/boards/{board_id}/threads", response={201: ThreadCreatedOut})
def thread_create(request: HttpRequest, board_id: Id, payload: ThreadIn) -> Status[ThreadCreatedOut]:
    post = services.thread_create(
        by=actor_for(request.user), board_id=board_id, title=payload.title, source=payload.text,
        attachment_ids=payload.attachments, cid=payload.cid,
    )  # fmt: skip
    return Status(201, ThreadCreatedOut(thread=selectors.thread_out(post.thread), post=selectors.post_out(post)))


@router.get("/threads/{thread_id}", response=ThreadOut)
def thread(request: HttpRequest, thread_id: Id) -> ThreadOut:
    return selectors.thread_out(selectors.thread_get_for(actor=actor_for(request.user), thread_id=thread_id))


@router.get("/threads/{thread_id}/posts", response=PostPageOut)
def thread_posts(request: HttpRequest, thread_id: Id, query: Query[PageQuery]) -> PostPageOut:
    actor = actor_for(request.user)
    page = selectors.thread_posts(
        actor=actor, thread=selectors.thread_get_for(actor=actor, thread_id=thread_id), after=query.after,
        before=query.before, last=query.last, unread=query.unread, limit=query.limit,
    )  # fmt: skip
    return PostPageOut(
        thread=selectors.thread_out(page.thread),
        posts=selectors.page_posts_out(page),
        has_before=page.has_before,
        has_after=page.has_after,
        first_unread_id=page.first_unread_id,
    )


@router.post("/threads/{thread_id}/posts", response={201: PostOut})
def post_create(request: HttpRequest, thread_id: Id, payload: PostIn) -> Status[PostOut]:
    post = services.post_create(
        by=actor_for(request.user), thread_id=thread_id, source=payload.text, quote_id=payload.quote,
        attachment_ids=payload.attachments, cid=payload.cid,
    )  # fmt: skip
    return Status(201, selectors.post_out(post))


@router.post("/threads/{thread_id}/pin", response=ThreadOut)
def thread_pin(request: HttpRequest, thread_id: Id, payload: PinIn) -> ThreadOut:
    return selectors.thread_out(
        services.thread_pin(by=actor_for(request.user), thread_id=thread_id, pinned=payload.pinned)
    )


@router.post("/threads/{thread_id}/lock", response=ThreadOut)
def thread_lock(request: HttpRequest, thread_id: Id, payload: LockIn) -> ThreadOut:
    return selectors.thread_out(
        services.thread_lock(by=actor_for(request.user), thread_id=thread_id, locked=payload.locked)
    )


@router.post("/threads/{thread_id}/move", response=ThreadOut)
def thread_move(request: HttpRequest, thread_id: Id, payload: MoveIn) -> ThreadOut:
    return selectors.thread_out(
        services.thread_move(by=actor_for(request.user), thread_id=thread_id, board_id=payload.board_id)
    )


@router.post("/threads/{thread_id}/read", response=ReadOut)
def thread_read(request: HttpRequest, thread_id: Id, payload: ThreadReadIn) -> ReadOut:
    upto = services.thread_mark_read(by=actor_for(request.user), thread_id=thread_id, post_id=payload.post_id)
    return ReadOut(read_upto=upto)


@router.patch("/posts/{post_id}", response=PostOut)
def post_edit(request: HttpRequest, post_id: Id, payload: PostEditIn) -> PostOut:
    return selectors.post_out(services.post_edit(by=actor_for(request.user), post_id=post_id, source=payload.text))


@router.delete("/posts/{post_id}", response=PostOut)
def post_delete(request: HttpRequest, post_id: Id) -> PostOut:
    return selectors.post_out(services.post_delete(by=actor_for(request.user), post_id=post_id))


@router.get("/posts/{post_id}/revisions", response=list[RevisionOut])
def post_revisions(request: HttpRequest, post_id: Id) -> list[RevisionOut]:
    return selectors.post_revisions_for(actor=actor_for(request.user), post_id=post_id)


@router.post("/posts/{post_id}/reactions", response=ReactionsOut)
def post_react(request: HttpRequest, post_id: Id, payload: ReactionIn) -> ReactionsOut:
    counts = services.reaction_set(by=actor_for(request.user), post_id=post_id, kind=payload.kind, on=payload.on)
    return ReactionsOut(reactions=counts)


@router.get("/search", response=list[SearchHitOut])
def search(
    request: HttpRequest,
    q: str = Query(..., min_length=1, max_length=100),
    offset: int = Query(0, ge=0, le=selectors.SEARCH_OFFSET_MAX),
) -> list[SearchHitOut]:
    hits = selectors.posts_search(actor=actor_for(request.user), query=q, offset=offset)
    return [selectors.search_hit_out(h) for h in hits]


@router.get("/notifications", response=list[NotificationOut])
def notifications(request: HttpRequest, before: Id | None = None) -> list[NotificationOut]:
    rows = selectors.notifications_for(actor=actor_for(request.user), before=before)
    return [selectors.notification_out(n) for n in rows]


@router.post("/notifications/read", response=UnreadOut)
def notifications_read(request: HttpRequest, payload: NotificationsReadIn) -> UnreadOut:
    return UnreadOut(unread=services.notifications_mark_read(by=actor_for(request.user), ids=payload.ids))


@router.post("/attachments", response={201: AttachmentOut})
def attachment_upload(request: HttpRequest, file: File[UploadedFile]) -> Status[AttachmentOut]:
    attachment = services.attachment_upload(
        by=actor_for(request.user), name=file.name or "", stream=file, size=file.size
    )
    return Status(201, selectors.attachment_out(attachment))
