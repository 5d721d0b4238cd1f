"""Every forum read, filtered by the access policy (members.access) in the same step.

``*_get_for`` functions return the object or raise NotFound / Forbidden / NotAuthenticated;
lists are querysets filtered with ``visible_q``. Query counts do not depend on the size of a
thread: pages are keyset-paginated on the post id and decorated with a fixed number of queries.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext as _

from forum import markup, rules, search
from forum.models import (
    Attachment,
    Board,
    Notification,
    Post,
    PostRevision,
    PostStatus,
    Reaction,
    ReadState,
    SearchTerm,
    Thread,
)
from forum.schemas import (
    AttachmentOut,
    AuthorOut,
    BoardOut,
    NotificationOut,
    PostOut,
    QuoteOut,
    RevisionOut,
    SearchHitOut,
    ThreadOut,
)
from kernel.errors import NotFound
from members.access import Actor, actor_from_member, visible_q
from members.models import Member, Organisation
from realtime.services import stream_head

PAGE_SIZE = 30
THREADS_PAGE = 30


# --- boards --------------------------------------------------------------------------------------


def boards_visible(actor: Actor) -> QuerySet[Board]:
    return Board.objects.filter(visible_q(actor, Board)).select_related("organisation")


def board_list_for(*, actor: Actor, organisation_id: int | None = None) -> list[Board]:
    """Boards of one organisation, or by default of the actor's own organisation and its ancestors
    (every board visible to the actor, public ones for visitors), with unread thread counts."""
    boards = boards_visible(actor)
    if organisation_id is not None:
        boards = boards.filter(organisation_id=organisation_id)
    elif actor.is_member:
        boards = boards.filter(organisation_id__in=actor.home_ancestor_ids)
    result = list(boards.order_by("organisation__path", "position", "pk")[:200])
    if actor.is_member and result:
        counts = dict(
            _unread_threads(actor, Thread.objects.filter(board__in=result))
            .values("board_id")
            .annotate(n=Count("pk"))
            .values_list("board_id", "n")
        )
        for board in result:
            board.unread_threads = counts.get(board.pk, 0)  # type: ignore[attr-defined]
    return result


def board_get_for(*, actor: Actor, board_id: int) -> Board:
    board = Board.objects.select_related("organisation").filter(pk=board_id).first()
    if board is None:
        raise NotFound(_("No such board."))
    rules.require_board_visible(actor, board)
    return board


def board_out(board: Board, *, actor: Actor) -> BoardOut:
    return BoardOut(
        id=board.pk,
        organisation_id=board.organisation_id,
        organisation=board.organisation.name,
        name=board.name,
        description=board.description,
        visibility=board.visibility,
        announcements=board.announcements,
        unread_threads=getattr(board, "unread_threads", None),
        can_start_thread=rules.can_start_thread(actor, board),
    )


# --- threads -------------------------------------------------------------------------------------


def _read_position(actor: Actor, thread_ref: OuterRef | None = None) -> Subquery:
    return Subquery(
        ReadState.objects.filter(member_id=actor.member_id or 0, thread_id=thread_ref or OuterRef("pk")).values(
            "last_read_post_id"
        )[:1]
    )


def _unread_threads(actor: Actor, threads: QuerySet[Thread]) -> QuerySet[Thread]:
    return (
        threads.filter(deleted_at__isnull=True, published=True)
        .annotate(read_upto=Coalesce(_read_position(actor), Value(0)))
        .filter(last_post_id__gt=F("read_upto"))
    )


def threads_visible(actor: Actor) -> QuerySet[Thread]:
    threads = Thread.objects.filter(visible_q(actor, Board, prefix="board__"), deleted_at__isnull=True)
    if actor.is_system:
        return threads
    if actor.is_member:
        return threads.filter(Q(published=True) | Q(author_id=actor.member_id))
    return threads.filter(published=True)


@dataclass
class ThreadPage:
    pinned: list[Thread]
    threads: list[Thread]
    next_before: int | None


def board_threads(*, actor: Actor, board: Board, before: int | None = None, limit: int = THREADS_PAGE) -> ThreadPage:
    """A board's threads, newest activity first; pinned ones head the first page. Keyset on
    ``last_post_id`` (``before``)."""
    threads = threads_visible(actor).filter(board=board).select_related("author")
    if actor.is_member:
        unread = (
            Post.objects.filter(
                thread_id=OuterRef("pk"),
                status=PostStatus.PUBLISHED,
                hidden=False,
                deleted_at__isnull=True,
                id__gt=Coalesce(_read_position(actor, OuterRef(OuterRef("pk"))), Value(0)),
            )
            .values("thread_id")
            .annotate(n=Count("pk"))
            .values("n")
        )
        threads = threads.annotate(unread=Coalesce(Subquery(unread, output_field=IntegerField()), Value(0)))
    pinned = list(threads.filter(pinned=True).order_by("-last_post_id")) if before is None else []
    rest = threads.filter(pinned=False)
    if before is not None:
        rest = rest.filter(last_post_id__lt=before)
    page = list(rest.order_by("-last_post_id", "-pk")[: limit + 1])
    next_before = page[limit - 1].last_post_id if len(page) > limit else None
    return ThreadPage(pinned=pinned, threads=page[:limit], next_before=next_before)


def thread_get_for(*, actor: Actor, thread_id: int) -> Thread:
    """The thread if ``actor`` may read it; NotFound for deleted or unknown threads and for
    unpublished ones of others, Forbidden (NotAuthenticated for visitors) outside the board's
    visibility."""
    threads = Thread.objects.select_related("board", "board__organisation", "author")
    thread = threads.filter(pk=thread_id, deleted_at__isnull=True).first()
    if thread is None:
        raise NotFound(_("No such thread."))
    rules.require_board_visible(actor, thread.board)
    if not rules.can_see_unpublished_thread(actor, thread):
        raise NotFound(_("No such thread."))
    return thread


def thread_withheld(thread: Thread) -> str:
    """Why a thread is not shown to others, in words for its author and moderators: its opening
    post is ``held``, ``hidden`` (after members' flags) or ``rejected``; "" while published."""
    if thread.published:
        return ""
    opening = Post.objects.filter(pk=thread.opening_post_id or 0).values_list("status", "hidden").first()
    if opening is None:
        return str(PostStatus.HELD)
    status, hidden = opening
    return "hidden" if status == PostStatus.PUBLISHED and hidden else str(status)


def thread_out(thread: Thread) -> ThreadOut:
    return ThreadOut(
        id=thread.pk,
        board_id=thread.board_id,
        title=thread.title,
        author=author_out(thread.author),
        pinned=thread.pinned,
        locked=thread.locked,
        published=thread.published,
        post_count=thread.post_count,
        last_post_id=thread.last_post_id,
        last_post_at=thread.last_post_at,
        created=thread.created,
        unread=getattr(thread, "unread", None),
    )


# --- posts ---------------------------------------------------------------------------------------


def _posts_seen_by(actor: Actor, thread: Thread) -> QuerySet[Post]:
    """Public posts, one's own, and, as placeholders, posts moderation took away (hidden after
    flags, rejected, an edit held for review) that a public post quotes, so the thread keeps
    its shape. Only a public post can be quoted, so a post never published is never one."""
    posts = Post.objects.filter(thread=thread)
    if rules.can_moderate(actor, thread.board):
        return posts
    public = Q(status=PostStatus.PUBLISHED, hidden=False)
    shown = public
    if actor.is_member:
        shown |= Q(author_id=actor.member_id)
    quoted = posts.filter(public, deleted_at__isnull=True, quote__isnull=False).values("quote_id")
    return posts.filter(shown | Q(pk__in=quoted))


def post_get_for(*, actor: Actor, post_id: int) -> Post:
    posts = Post.objects.select_related("author", "thread")
    post = posts.filter(pk=post_id).first()
    if post is None:
        raise NotFound(_("No such post."))
    thread = thread_get_for(actor=actor, thread_id=post.thread_id)
    post.thread = thread
    if not rules.can_see_post(actor, post, thread.board):
        raise NotFound(_("No such post."))
    return post


@dataclass
class PostPage:
    thread: Thread
    posts: list[Post]
    has_before: bool
    has_after: bool
    reactions: dict[int, dict[str, int]] = field(default_factory=dict)
    mine: dict[int, list[str]] = field(default_factory=dict)
    first_unread_id: int | None = None
    read_upto: int = 0


def thread_posts(
    *,
    actor: Actor,
    thread: Thread,
    after: int | None = None,
    before: int | None = None,
    last: bool = False,
    unread: bool = False,
    limit: int = PAGE_SIZE,
) -> PostPage:
    """One page of a thread by keyset on the post id: the first page, ``after`` an id,
    ``before`` an id, the ``last`` page, or the page starting at the first unread post.

    Six queries at most whatever the thread's length (read state, posts, one look either
    side, reactions, the actor's reactions, attachments).
    """
    limit = max(1, min(limit, 100))
    posts = _posts_seen_by(actor, thread)
    read_upto = 0
    if actor.is_member:
        read_upto = (
            ReadState.objects.filter(member_id=actor.member_id or 0, thread=thread)
            .values_list("last_read_post_id", flat=True)
            .first()
            or 0
        )
    first_unread_id: int | None = None
    if unread and actor.is_member:
        after = read_upto
        first_unread_id = posts.filter(id__gt=read_upto).order_by("id").values_list("id", flat=True).first()
        if first_unread_id is None:
            last, after = True, None
    decorated = posts.select_related("author", "quote", "quote__author")
    if last or before is not None:
        window = decorated if before is None else decorated.filter(id__lt=before)
        rows = list(window.order_by("-id")[: limit + 1])
        has_before = len(rows) > limit
        page = list(reversed(rows[:limit]))
        has_after = before is not None and posts.filter(id__gte=before).exists()
    else:
        window = decorated if after is None else decorated.filter(id__gt=after)
        rows = list(window.order_by("id")[: limit + 1])
        has_after = len(rows) > limit
        page = rows[:limit]
        has_before = after is not None and bool(page) and posts.filter(id__lt=page[0].pk).exists()
    result = PostPage(
        thread=thread,
        posts=page,
        has_before=has_before,
        has_after=has_after,
        first_unread_id=first_unread_id,
        read_upto=read_upto,
    )
    _decorate(actor, result)
    return result


def post_page_for(*, actor: Actor, post_id: int) -> PostPage:
    """One post as a page of its own, decorated like a thread page's posts (reactions, the
    reader's reactions, attachments, a placeholder's mark): what a page inserts when the post
    arrives live or moderation changes it."""
    thread_id = Post.objects.filter(pk=post_id).values_list("thread_id", flat=True).first()
    if thread_id is None:
        raise NotFound(_("No such post."))
    thread = thread_get_for(actor=actor, thread_id=thread_id)
    decorated = _posts_seen_by(actor, thread).select_related("author", "quote", "quote__author")
    post = decorated.filter(pk=post_id).first()
    if post is None:
        raise NotFound(_("No such post."))
    post.thread = thread
    page = PostPage(thread=thread, posts=[post], has_before=False, has_after=False)
    _decorate(actor, page)
    return page


def mentioned_members(posts: list[Post]) -> dict[str, Member]:
    """The members the posts mention, by username (one query, none when nobody is mentioned)."""
    names = {name for post in posts for name in markup.mentioned_usernames(post.source)}
    if not names:
        return {}
    return {m.user.username: m for m in Member.objects.filter(user__username__in=names).select_related("user")}


def mention_candidates(*, actor: Actor, thread_id: int, query: str, limit: int = 8) -> list[Member]:
    """Whom a reply may mention: members whose real name or username starts with or contains
    ``query`` and who may read the thread (the rule a mention's notification follows)."""
    thread = thread_get_for(actor=actor, thread_id=thread_id)
    query = query.strip().lstrip("@")
    if not query:
        return []
    rows = (
        Member.objects.filter(Q(real_name__icontains=query) | Q(user__username__istartswith=query))
        .exclude(pk=actor.member_id or 0)
        .select_related("organisation", "user")
        .prefetch_related("roles__organisation")
        .order_by("real_name", "pk")[:200]
    )
    found: list[Member] = []
    for member in rows:
        if rules.board_visible(actor_from_member(member), thread.board):
            found.append(member)
            if len(found) >= limit:
                break
    return found


def _decorate(actor: Actor, page: PostPage) -> None:
    ids = [p.pk for p in page.posts]
    if not ids:
        return
    board = page.thread.board
    for post in page.posts:
        post.placeholder = not rules.can_see_post(actor, post, board)  # type: ignore[attr-defined]
    for post_id, kind, n in (
        Reaction.objects.filter(post_id__in=ids)
        .values("post_id", "kind")
        .annotate(n=Count("pk"))
        .values_list("post_id", "kind", "n")
    ):
        page.reactions.setdefault(post_id, {})[kind] = n
    if actor.is_member:
        for post_id, kind in Reaction.objects.filter(post_id__in=ids, member_id=actor.member_id or 0).values_list(
            "post_id", "kind"
        ):
            page.mine.setdefault(post_id, []).append(kind)
    attachments: dict[int, list[Attachment]] = defaultdict(list)
    for attachment in Attachment.objects.filter(post_id__in=ids).order_by("pk"):
        attachments[attachment.post_id].append(attachment)  # type: ignore[index]
    for post in page.posts:
        post.attachment_list = attachments.get(post.pk, [])  # type: ignore[attr-defined]


def author_out(member: Member | None) -> AuthorOut:
    return AuthorOut(id=member.pk if member else None, name=member.real_name if member else "—")


def attachment_out(attachment: Attachment) -> AttachmentOut:
    return AttachmentOut(
        id=attachment.pk,
        filename=attachment.filename,
        content_type=attachment.content_type,
        size=attachment.size,
        url=reverse("forum:attachment", args=[attachment.pk]),
        is_image=attachment.is_image,
    )


def post_out(
    post: Post,
    *,
    reactions: dict[str, int] | None = None,
    mine: list[str] | None = None,
    attachments: list[Attachment] | None = None,
) -> PostOut:
    deleted = post.deleted_at is not None
    if getattr(post, "placeholder", False):
        return PostOut(
            id=post.pk, thread_id=post.thread_id, author=author_out(None), html="", status="published",
            hidden=True, created=post.created, placeholder=True,
        )  # fmt: skip
    quote = None
    if post.quote is not None and post.quote.deleted_at is None and post.quote.is_public:
        excerpt = post.quote.text.strip()
        quote = QuoteOut(
            id=post.quote.pk,
            author=author_out(post.quote.author),
            excerpt=excerpt[:200] + ("…" if len(excerpt) > 200 else ""),
        )
    elif post.quote is not None and post.quote.deleted_at is None:
        quote = QuoteOut(id=post.quote.pk, author=author_out(None), excerpt="", hidden=True)
    if attachments is None:
        attachments = getattr(post, "attachment_list", None)
    if attachments is None:
        attachments = list(post.attachments.all()) if post.pk else []
    return PostOut(
        id=post.pk,
        thread_id=post.thread_id,
        author=author_out(post.author),
        html="" if deleted else post.html,
        status=post.status,  # type: ignore[arg-type]
        status_reason=post.status_reason,
        censored=post.censored,
        hidden=post.hidden,
        deleted=deleted,
        edited=post.edited_at is not None,
        edited_at=post.edited_at,
        created=post.created,
        quote=quote,
        attachments=[] if deleted else [attachment_out(a) for a in attachments],
        reactions=reactions or {},
        my_reactions=mine or [],
    )


def page_posts_out(page: PostPage) -> list[PostOut]:
    return [post_out(p, reactions=page.reactions.get(p.pk), mine=page.mine.get(p.pk)) for p in page.posts]


def post_revisions_for(*, actor: Actor, post_id: int) -> list[RevisionOut]:
    """The edit history. Whoever may read the post sees the versions that passed moderation; its
    author and moderators also see the ones held, rejected or rewritten by a moderator. A
    deleted post's history is for its author and moderators only."""
    post = post_get_for(actor=actor, post_id=post_id)
    board = post.thread.board
    if post.deleted_at is not None and not rules.can_delete_post(actor, post, board):
        raise NotFound(_("No such post."))
    revisions = PostRevision.objects.filter(post=post).select_related("editor").order_by("number")
    if not rules.can_see_all_revisions(actor, post, board):
        revisions = revisions.filter(published=True)
    return [
        RevisionOut(number=r.number, html=r.html, created=r.created, editor=author_out(r.editor), published=r.published)
        for r in revisions
    ]


# --- attachments ---------------------------------------------------------------------------------


def attachment_get_for(*, actor: Actor, attachment_id: int) -> Attachment:
    """An attachment of a post the actor may read, or the actor's own not yet posted upload."""
    attachment = Attachment.objects.filter(pk=attachment_id).first()
    if attachment is None:
        raise NotFound(_("No such file."))
    if attachment.post_id is None:
        if not actor.is_member or attachment.owner_id != actor.member_id:
            raise NotFound(_("No such file."))
        return attachment
    post = post_get_for(actor=actor, post_id=attachment.post_id)
    if post.deleted_at is not None:
        raise NotFound(_("No such file."))
    return attachment


# --- notifications -------------------------------------------------------------------------------


def notifications_for(*, actor: Actor, limit: int = 50, before: int | None = None) -> list[Notification]:
    """The actor's notifications, newest first. Each is checked against the post it points to as
    it is now: a post since deleted, hidden, rejected or moved out of the actor's sight is shown
    as no longer available, without its title or excerpt (two queries for the whole page)."""
    if not actor.is_member:
        return []
    rows = Notification.objects.filter(member_id=actor.member_id or 0)
    if before is not None:
        rows = rows.filter(pk__lt=before)
    page = list(rows.order_by("-pk")[:limit])
    post_ids = {n.payload.get("post_id") for n in page}
    posts = Post.objects.filter(pk__in=[i for i in post_ids if isinstance(i, int)]).select_related(
        "thread__board__organisation"
    )
    readable = {p.pk for p in posts if _post_readable(actor, p)}
    for notification in page:
        notification.available = notification.payload.get("post_id") in readable  # type: ignore[attr-defined]
    return page


def _post_readable(actor: Actor, post: Post) -> bool:
    """``post_get_for`` without the queries: the post and its thread as loaded."""
    thread = post.thread
    return (
        thread.deleted_at is None
        and post.deleted_at is None
        and rules.board_visible(actor, thread.board)
        and rules.can_see_unpublished_thread(actor, thread)
        and rules.can_see_post(actor, post, thread.board)
    )


def notifications_unread_count(*, actor: Actor) -> int:
    if not actor.is_member:
        return 0
    return Notification.objects.filter(member_id=actor.member_id or 0, read_at__isnull=True).count()


UNAVAILABLE_KEEPS = ("thread_id", "post_id")
# What the stored user-stream event keeps: ids, and the reason a member's own post was rejected.
EVENT_KEEPS = ("thread_id", "post_id", "reason")


def notification_event_out(notification: Notification) -> NotificationOut:
    payload = {key: notification.payload[key] for key in EVENT_KEEPS if key in notification.payload}
    return NotificationOut(
        id=notification.pk,
        kind=notification.kind,
        payload=payload,
        created=notification.created,
        read=notification.read_at is not None,
    )


def notification_out(notification: Notification) -> NotificationOut:
    available = getattr(notification, "available", True)
    payload = notification.payload
    if not available:
        payload = {key: payload[key] for key in UNAVAILABLE_KEEPS if key in payload}
    return NotificationOut(
        id=notification.pk,
        kind=notification.kind,
        payload=payload,
        created=notification.created,
        read=notification.read_at is not None,
        available=available,
    )


# --- search --------------------------------------------------------------------------------------


@dataclass
class SearchHit:
    post: Post
    score: int
    snippet_html: str


SEARCH_OFFSET_MAX = 1000  # results further down are not worth a deeper scan


def posts_search(*, actor: Actor, query: str, limit: int = 20, offset: int = 0) -> list[SearchHit]:
    """Published posts the actor may read that contain every segment of ``query``, best first.

    Two or more characters: the posts holding all the query's bigrams (the index), checked for
    the exact text, ranked by the summed weights of the matching bigrams (occurrences, title
    occurrences ten times), then by recency. One character: a substring scan, newest first.
    """
    needles = search.query_needles(query)
    if not needles:
        return []
    offset = max(0, min(offset, SEARCH_OFFSET_MAX))
    posts = Post.objects.filter(
        visible_q(actor, Board, prefix="thread__board__"),
        status=PostStatus.PUBLISHED,
        hidden=False,
        deleted_at__isnull=True,
        thread__deleted_at__isnull=True,
        thread__published=True,
    )
    for needle in needles:
        posts = posts.filter(
            Q(text__icontains=needle) | Q(thread__title__icontains=needle, thread__opening_post_id=F("id"))
        )
    terms = search.query_terms(query)
    if terms:
        matching = (
            SearchTerm.objects.filter(term__in=terms)
            .values("post_id")
            .annotate(n=Count("term"), score=Sum("weight"))
            .filter(n=len(terms))
        )
        score = Subquery(
            SearchTerm.objects.filter(post_id=OuterRef("pk"), term__in=terms)
            .values("post_id")
            .annotate(s=Sum("weight"))
            .values("s"),
            output_field=IntegerField(),
        )
        posts = posts.filter(pk__in=matching.values("post_id")).annotate(score=score)
    else:
        posts = posts.annotate(score=Value(1, output_field=IntegerField()))
    rows = list(posts.select_related("thread").order_by("-score", "-id")[offset : offset + max(1, min(limit, 50))])
    hits = []
    for post in rows:
        title_hit = post.thread.opening_post_id == post.pk and all(
            n in search.normalise(post.thread.title) for n in needles
        )
        source = (
            post.text if not title_hit or all(n in search.normalise(post.text) for n in needles) else post.thread.title
        )
        hits.append(SearchHit(post=post, score=int(post.score or 0), snippet_html=search.highlight(source, needles)))  # type: ignore[attr-defined]
    return hits


def search_hit_out(hit: SearchHit) -> SearchHitOut:
    return SearchHitOut(
        post_id=hit.post.pk,
        thread_id=hit.post.thread_id,
        thread_title=hit.post.thread.title,
        board_id=hit.post.thread.board_id,
        snippet_html=hit.snippet_html,
        score=hit.score,
        created=hit.post.created,
    )


def boards_managed_by(*, actor: Actor) -> list[Board]:
    """Boards the actor may move threads to (visible to them, and they pin, lock and move there)."""
    if not actor.is_member:
        return []
    return [b for b in boards_visible(actor).order_by("organisation__path", "position", "pk")[:500]
            if rules.can_manage_threads(actor, b)]  # fmt: skip


def live_seq(*, stream: str) -> int:
    """The stream's head when a page is rendered: the page subscribes from there, so it gets
    every later event once (read it before the page's content, never after)."""
    return stream_head(stream=stream)


def organisation_get(*, organisation_id: int) -> Organisation:
    org = Organisation.objects.filter(pk=organisation_id).first()
    if org is None:
        raise NotFound()
    return org
