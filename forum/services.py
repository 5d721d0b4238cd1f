"""Every forum write. Each takes the acting member, authorises through the selectors and
``forum.rules`` (built on members.access), sends text through the moderation pipeline
(``moderation.pipeline.moderate`` before the transaction, ``content_submit`` inside it), writes in
one transaction, and appends the live events with the gateway's ``event_append`` (stored in the
same transaction, published after commit).
"""

from __future__ import annotations

import dataclasses
import html
import uuid
from typing import IO, Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Value
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from forum import events, markup, rules, search, selectors
from forum.errors import (
    AttachmentRefused,
    AttachmentTooLarge,
    AwaitingReview,
    PostDeleted,
    ThreadAwaitingReview,
    ThreadLocked,
)
from forum.models import (
    Attachment,
    Board,
    Notification,
    NotificationKind,
    Post,
    PostRevision,
    PostStatus,
    Reaction,
    ReactionKind,
    ReadState,
    SearchTerm,
    Thread,
)
from kernel import files
from kernel.errors import Forbidden, Invalid
from members.access import SYSTEM, Action, Actor, actor_from_member, require, require_member
from members.models import Member, Organisation, Visibility
from moderation.decision import Decision, Verdict
from moderation.documents import document_guard
from moderation.models import QueueItem, QueueStatus
from moderation.pipeline import guard_texts, moderate
from moderation.sanctions import ensure_can_post
from moderation.sanitize import html_segments
from moderation.services import content_submit
from realtime.revocation import access_changed
from realtime.services import event_append
from realtime.streams import user_stream

MAX_SOURCE = 20_000
MAX_ATTACHMENTS = 10
DEFAULT_BOARDS: tuple[tuple[str, str, str, bool], ...] = (
    ("党员论坛", "党员交流，议一议支部的工作", Visibility.SUBTREE, False),
    ("学习园地", "理论学习心得与学习资料", Visibility.SUBTREE, False),
    ("党员风采", "身边党员的先进事迹", Visibility.MEMBERS, False),
    ("社区文化", "社区活动与文化生活", Visibility.PUBLIC, False),
    ("通知公告", "书记、宣传委员发布通知，党员回复", Visibility.SUBTREE, True),
)


def board_stream(board_id: int) -> str:
    return f"forum.board:{board_id}"


def thread_stream(thread_id: int) -> str:
    return f"forum.thread:{thread_id}"


def max_attachment_bytes() -> int:
    return int(getattr(settings, "FORUM_MAX_ATTACHMENT_BYTES", 5 * 1024 * 1024))


# --- boards --------------------------------------------------------------------------------------


def board_create(
    *,
    by: Actor,
    organisation: Organisation,
    name: str,
    description: str = "",
    visibility: str = Visibility.SUBTREE,
    announcements: bool = False,
    position: int = 0,
) -> Board:
    require(by, Action.MANAGE_MEMBERS, organisation)
    if visibility not in (Visibility.PUBLIC, Visibility.MEMBERS, Visibility.SUBTREE):
        raise Invalid(_("Unknown visibility."))
    name = name.strip()
    if not name:
        raise Invalid(_("A board needs a name."))
    guard_texts(texts=[name, description], author=by, organisation=organisation)
    with transaction.atomic():
        return Board.objects.create(
            organisation=organisation,
            name=name[:60],
            description=description[:300],
            visibility=visibility,
            announcements=announcements,
            position=position,
        )


def boards_create_defaults(*, organisation: Organisation) -> list[Board]:
    """The usual boards of a new organisation (called on its creation; idempotent)."""
    with transaction.atomic():
        existing = set(Board.objects.filter(organisation=organisation).values_list("name", flat=True))
        return [
            board_create(
                by=SYSTEM,
                organisation=organisation,
                name=name,
                description=description,
                visibility=visibility,
                announcements=announcements,
                position=position,
            )
            for position, (name, description, visibility, announcements) in enumerate(DEFAULT_BOARDS)
            if name not in existing
        ]


# --- moderation ----------------------------------------------------------------------------------


def _moderate_source(*, by: Actor, source: str, organisation: Organisation) -> Decision:
    source = source.strip()
    if not source:
        raise Invalid(_("The post is empty."))
    if len(source) > MAX_SOURCE:
        raise Invalid(_("The post is too long."), limit=MAX_SOURCE)
    return moderate(text=markup.render_markdown(source), kind="rich", author=by, organisation=organisation)


def _moderate_title(*, by: Actor, title: str, organisation: Organisation) -> Decision:
    title = " ".join(title.split())
    if not title:
        raise Invalid(_("A thread needs a title."))
    if len(title) > 120:
        raise Invalid(_("The title is too long."), limit=120)
    return moderate(text=title, kind="plain", author=by, organisation=organisation)


def _status_of(decision: Decision) -> str:
    return PostStatus.PUBLISHED if decision.published else PostStatus.HELD


def _held_reason(decision: Decision) -> str:
    from django.utils.translation import gettext

    return " ".join(r.render(gettext) for r in decision.reasons)[:500]


# --- threads and posts ---------------------------------------------------------------------------


def thread_create(
    *,
    by: Actor,
    board_id: int,
    title: str,
    source: str,
    attachment_ids: list[int] | None = None,
    cid: str | None = None,
) -> Post:
    """Start a thread; its opening post. A held opening post keeps the thread unpublished."""
    require_member(by)
    board = selectors.board_get_for(actor=by, board_id=board_id)
    rules.require_start_thread(by, board)
    if cid is not None and (existing := _post_by_cid(by, cid)) is not None:
        return existing
    title_decision = _moderate_title(by=by, title=title, organisation=board.organisation)
    decision = _moderate_source(by=by, source=source, organisation=board.organisation)
    published = title_decision.published and decision.published
    now = timezone.now()
    with transaction.atomic():
        thread = Thread.objects.create(
            board=board,
            title=title_decision.plain[:120],
            author_id=by.member_id,
            published=published,
            last_post_at=now,
            created=now,
        )
        post = _post_store(by=by, thread=thread, source=source, decision=decision, cid=cid, held=not published)
        if not title_decision.published:
            post.status_reason = (_held_reason(title_decision) + " " + post.status_reason).strip()[:500]
            post.save(update_fields=["status_reason"])
        elif title_decision.action == Verdict.CENSOR:  # the opening post tells of a masked title too
            post.censored = True
            post.status_reason = (_held_reason(title_decision) + " " + post.status_reason).strip()[:500]
            post.save(update_fields=["censored", "status_reason"])
        thread.opening_post_id = post.pk
        thread.save(update_fields=["opening_post_id"])
        _attach(by=by, post=post, attachment_ids=attachment_ids)
        _index(post, title=thread.title)
        content_submit(obj=post, decision=_combined(title_decision, decision), by=by)
        if published:
            _publish_new_post(post, thread_created=True)
    return post


def _combined(title: Decision, body: Decision) -> Decision:
    """One decision for a new thread, as archived and queued: the title and the body together,
    held or flagged when either is (one queue item per thread)."""
    action = body.action
    if Verdict.HOLD in (title.action, body.action):
        action = Verdict.HOLD
    elif Verdict.CENSOR in (title.action, body.action):
        action = Verdict.CENSOR
    return dataclasses.replace(
        body,
        action=action,
        reasons=(*title.reasons, *body.reasons),
        flagged=title.flagged or body.flagged,
        html=f"<h4>{html.escape(title.plain)}</h4>{body.html}",
        plain=f"{title.plain}\n{body.plain}",
    )


def post_create(
    *,
    by: Actor,
    thread_id: int,
    source: str,
    quote_id: int | None = None,
    attachment_ids: list[int] | None = None,
    cid: str | None = None,
) -> Post:
    """Reply in a thread. Raises ThreadLocked, ContentBlocked (nothing stored), Muted; a held
    reply is stored for its author and the review queue only."""
    require_member(by)
    thread = selectors.thread_get_for(actor=by, thread_id=thread_id)
    if cid is not None and (existing := _post_by_cid(by, cid)) is not None:
        return existing
    if thread.locked and not rules.can_manage_threads(by, thread.board):
        raise ThreadLocked()
    if not thread.published:
        # Its title and opening post await review: a reply would announce it on the board and
        # notify mentioned members of a thread they cannot open yet.
        raise ThreadAwaitingReview()
    quote = None
    if quote_id is not None:
        quote = selectors.post_get_for(actor=by, post_id=quote_id)
        if quote.thread_id != thread.pk or not quote.is_public:
            raise Invalid(_("Only a published post of this thread can be quoted."))
    decision = _moderate_source(by=by, source=source, organisation=thread.board.organisation)
    with transaction.atomic():
        locked = Thread.objects.select_for_update().filter(pk=thread.pk).values_list("locked", flat=True).first()
        if locked and not rules.can_manage_threads(by, thread.board):
            raise ThreadLocked()
        try:
            with transaction.atomic():
                post = _post_store(by=by, thread=thread, source=source, decision=decision, cid=cid, quote=quote)
        except IntegrityError:
            existing = _post_by_cid(by, cid) if cid else None
            if existing is None:
                raise
            return existing
        _attach(by=by, post=post, attachment_ids=attachment_ids)
        _index(post)
        content_submit(obj=post, decision=decision, by=by)
        if post.status == PostStatus.PUBLISHED:
            _publish_new_post(post)
    return post


def _post_by_cid(by: Actor, cid: str) -> Post | None:
    return Post.objects.filter(author_id=by.member_id, cid=cid).select_related("thread").first()


def _post_store(
    *,
    by: Actor,
    thread: Thread,
    source: str,
    decision: Decision,
    cid: str | None,
    quote: Post | None = None,
    held: bool = False,
) -> Post:
    status = PostStatus.HELD if held else _status_of(decision)
    post = Post.objects.create(
        thread=thread,
        author_id=by.member_id,
        source=source.strip(),
        html=decision.html,
        text=decision.plain,
        status=status,
        status_reason=_held_reason(decision) if decision.action in (Verdict.HOLD, Verdict.CENSOR) else "",
        censored=decision.action == Verdict.CENSOR,
        flagged=decision.flagged,
        quote=quote,
        cid=cid,
    )
    PostRevision.objects.create(
        post=post,
        number=1,
        source=post.source,
        html=post.html,
        editor_id=by.member_id,
        published=status == PostStatus.PUBLISHED,
    )
    return post


def _attach(*, by: Actor, post: Post, attachment_ids: list[int] | None) -> None:
    ids = list(dict.fromkeys(attachment_ids or []))
    if not ids:
        return
    if len(ids) > MAX_ATTACHMENTS:
        raise Invalid(_("Too many attachments."), limit=MAX_ATTACHMENTS)
    claimed = Attachment.objects.filter(pk__in=ids, owner_id=by.member_id, post__isnull=True).update(post=post)
    if claimed != len(ids):
        raise Invalid(_("Unknown or already used attachment."))


def _index(post: Post, *, title: str = "") -> None:
    SearchTerm.objects.filter(post=post).delete()
    terms = search.weighted_terms(text=post.text, title=title)
    SearchTerm.objects.bulk_create([SearchTerm(post=post, term=t, weight=w) for t, w in terms.items()])


def _thread_touch(thread: Thread, post: Post) -> Thread:
    # Greatest: a held post approved after newer replies must not move "last post" back.
    Thread.objects.filter(pk=thread.pk).update(
        post_count=F("post_count") + 1,
        last_post_id=Greatest(F("last_post_id"), Value(post.pk)),
        last_post_at=Greatest(F("last_post_at"), Value(post.created)),
    )
    thread.refresh_from_db(fields=["post_count", "last_post_id", "last_post_at", "published"])
    return thread


def _publish_new_post(post: Post, *, thread_created: bool = False) -> None:
    """A post became visible to the thread's readers: counters, events, mentions."""
    thread = Thread.objects.select_related("board", "board__organisation", "author").get(pk=post.thread_id)
    thread = _thread_touch(thread, post)
    post.thread = thread
    out = selectors.post_out(post, attachments=list(post.attachments.all()))
    event_append(
        stream=thread_stream(thread.pk),
        payload=events.PostCreated(post=out),
        author=post.author_id,
    )
    if thread.published:  # a thread awaiting review is not announced to the board's readers
        event_append(
            stream=board_stream(thread.board_id),
            payload=(events.ThreadCreated if thread_created else events.ThreadUpdated)(
                thread=selectors.thread_out(thread)
            ),
            author=post.author_id,
        )
    _notify_mentions(post, thread)


def _notify_mentions(post: Post, thread: Thread) -> None:
    """Notify the members ``@mentioned`` in a visible post who may read its thread, each once per
    post (an edit that adds a mention notifies the newcomer only; an approved edit nobody again)."""
    names = markup.mentioned_usernames(post.source)
    if not names or not thread.published:
        return
    already = Notification.objects.filter(kind=NotificationKind.MENTION, payload__post_id=post.pk).values("member_id")
    members = (
        Member.objects.filter(user__username__in=names)
        .exclude(pk=post.author_id or 0)
        .exclude(pk__in=already)
        .select_related("organisation", "user")
        .prefetch_related("roles__organisation")
    )
    author = post.author.real_name if post.author else ""
    for member in members:
        if not rules.board_visible(actor_from_member(member), thread.board):
            continue  # a mention never reveals a thread to someone who may not read it
        notification = Notification.objects.create(
            member=member,
            kind=NotificationKind.MENTION,
            payload={
                "thread_id": thread.pk,
                "thread_title": thread.title,
                "post_id": post.pk,
                "by": author,
                "excerpt": post.text[:140],
            },
        )
        _push_notification(notification)


def _push_notification(notification: Notification) -> None:
    """The live notice: ids and the unread count. The event is stored and replayed on resume, so
    it carries no title or excerpt of another member's post, which a moderator may later hide;
    the notifications page and API show those as they are when read."""
    unread = Notification.objects.filter(member_id=notification.member_id, read_at__isnull=True).count()
    event_append(
        stream=user_stream(notification.member_id),
        payload=events.NotificationCreated(notification=selectors.notification_event_out(notification), unread=unread),
    )


def post_edit(*, by: Actor, post_id: int, source: str) -> Post:
    """The author edits; every version is kept. The edit passes the pipeline like a new post:
    a held edit hides the post from others until a moderator approves it."""
    require_member(by)
    post = selectors.post_get_for(actor=by, post_id=post_id)
    thread = post.thread
    if post.author_id != by.member_id:
        raise Forbidden(_("Only the author may edit a post."))
    if post.deleted_at is not None:
        raise PostDeleted()
    if thread.locked and not rules.can_manage_threads(by, thread.board):
        raise ThreadLocked()
    if _awaits_review(post):
        raise AwaitingReview()
    decision = _moderate_source(by=by, source=source, organisation=thread.board.organisation)
    was_public = post.is_public
    with transaction.atomic():
        post = Post.objects.select_for_update().get(pk=post.pk)
        number = PostRevision.objects.filter(post=post).count() + 1
        post.source = source.strip()
        post.html = decision.html
        post.text = decision.plain
        post.status = _status_of(decision)
        post.status_reason = _held_reason(decision) if decision.action in (Verdict.HOLD, Verdict.CENSOR) else ""
        post.censored = decision.action == Verdict.CENSOR
        post.flagged = decision.flagged
        post.edited_at = timezone.now()
        post.save()
        PostRevision.objects.create(
            post=post,
            number=number,
            source=post.source,
            html=post.html,
            editor_id=by.member_id,
            published=post.status == PostStatus.PUBLISHED,
        )
        _index(post, title=thread.title if thread.opening_post_id == post.pk else "")
        content_submit(obj=post, decision=decision, by=by)
        post.thread = thread
        if post.is_public:
            _publish_post_changed(post, "forum.post.edited")
            _notify_mentions(post, thread)
        elif was_public:
            _publish_post_changed(post, "forum.post.hidden")
            _post_withdrawn(post)
    return post


def _awaits_review(post: Post) -> bool:
    """A post with a pending review-queue item is frozen until a moderator decides on it."""
    return QueueItem.objects.filter(
        content_type=ContentType.objects.get_for_model(Post), object_id=post.pk, status=QueueStatus.PENDING
    ).exists()


def _publish_post_changed(post: Post, event: str) -> None:
    payload: events.PostEdited | events.PostHidden | events.PostDeleted
    if event == "forum.post.edited":
        payload = events.PostEdited(post=selectors.post_out(post, attachments=list(post.attachments.all())))
    elif event == "forum.post.deleted":
        payload = events.PostDeleted(post_id=post.pk)
    else:
        payload = events.PostHidden(post_id=post.pk)
    event_append(stream=thread_stream(post.thread_id), payload=payload, author=post.author_id)


def _post_withdrawn(post: Post) -> None:
    """A post others could see no longer shows (deleted, hidden, rejected, held edit): the thread's
    count drops and, when it was the last one, "last post" moves back to the last visible post,
    so the thread is not listed as unread for a post nobody can read."""
    Thread.objects.filter(pk=post.thread_id).update(post_count=F("post_count") - 1)
    last = (
        Post.objects.filter(
            thread_id=post.thread_id, status=PostStatus.PUBLISHED, hidden=False, deleted_at__isnull=True
        )
        .exclude(pk=post.pk)
        .order_by("-id")
        .values_list("id", "created")
        .first()
    )
    last_id, last_at = last if last else (0, post.created)
    Thread.objects.filter(pk=post.thread_id, last_post_id=post.pk).update(last_post_id=last_id, last_post_at=last_at)


def _thread_withdraw_if_opening(post: Post) -> None:
    """The opening post stopped showing (flags, a rejection): its title goes with it, so the thread
    leaves the board's lists, search and unread counts until a moderator approves it again."""
    thread = Thread.objects.get(pk=post.thread_id)
    if thread.opening_post_id != post.pk or not thread.published:
        return
    Thread.objects.filter(pk=thread.pk).update(published=False)
    event_append(stream=board_stream(thread.board_id), payload=events.ThreadHidden(thread_id=thread.pk))


def post_delete(*, by: Actor, post_id: int) -> Post:
    """Soft delete by the author or a moderator: the post stays as a placeholder."""
    require_member(by)
    post = selectors.post_get_for(actor=by, post_id=post_id)
    thread = post.thread
    if not rules.can_delete_post(by, post, thread.board):
        raise Forbidden(_("Only the author or a moderator may delete this post."))
    if post.deleted_at is not None:
        return post
    with transaction.atomic():
        was_public = post.is_public
        Post.objects.filter(pk=post.pk).update(deleted_at=timezone.now(), deleted_by_id=by.member_id)
        SearchTerm.objects.filter(post=post).delete()
        post.refresh_from_db()
        post.thread = thread
        if was_public:
            _post_withdrawn(post)
        _publish_post_changed(post, "forum.post.deleted")
        if thread.opening_post_id == post.pk:
            Thread.objects.filter(pk=thread.pk).update(deleted_at=timezone.now())
            event_append(
                stream=board_stream(thread.board_id),
                payload=events.ThreadDeleted(thread_id=thread.pk),
                author=by.member_id,
            )
    return post


def _thread_update(*, by: Actor, thread_id: int, **changes: Any) -> Thread:
    require_member(by)
    thread = selectors.thread_get_for(actor=by, thread_id=thread_id)
    rules.require_manage_threads(by, thread.board)
    with transaction.atomic():
        Thread.objects.filter(pk=thread.pk).update(**changes)
        thread.refresh_from_db()
        _publish_thread(thread)
    return thread


def _publish_thread(thread: Thread, *, boards: tuple[int, ...] = ()) -> None:
    out = events.ThreadUpdated(thread=selectors.thread_out(thread))
    # A thread awaiting review is not announced on its board: board subscribers may not see it.
    for board_id in (boards or (thread.board_id,)) if thread.published else ():
        event_append(stream=board_stream(board_id), payload=out)
    event_append(stream=thread_stream(thread.pk), payload=out)


def thread_pin(*, by: Actor, thread_id: int, pinned: bool) -> Thread:
    return _thread_update(by=by, thread_id=thread_id, pinned=pinned)


def thread_lock(*, by: Actor, thread_id: int, locked: bool) -> Thread:
    return _thread_update(by=by, thread_id=thread_id, locked=locked)


def thread_move(*, by: Actor, thread_id: int, board_id: int) -> Thread:
    """Move a thread to another board; the mover must manage both boards."""
    require_member(by)
    thread = selectors.thread_get_for(actor=by, thread_id=thread_id)
    rules.require_manage_threads(by, thread.board)
    target = selectors.board_get_for(actor=by, board_id=board_id)
    rules.require_manage_threads(by, target)
    source_board = thread.board_id
    if target.pk == source_board:
        return thread
    with transaction.atomic():
        Thread.objects.filter(pk=thread.pk).update(board=target)
        access_changed()  # the thread's readers are now the target board's
        thread = Thread.objects.select_related("board", "board__organisation", "author").get(pk=thread.pk)
        _publish_thread(thread, boards=(source_board, target.pk))
    return thread


# --- reactions -----------------------------------------------------------------------------------


def reaction_set(*, by: Actor, post_id: int, kind: str, on: bool) -> dict[str, int]:
    """Add (``on``) or remove the actor's reaction of ``kind``; one per member per kind.
    The post's reaction counts."""
    require_member(by)
    ensure_can_post(by)  # as the gateway's send guard does for the socket command
    if kind not in ReactionKind.values:
        raise Invalid(_("Unknown reaction."))
    post = selectors.post_get_for(actor=by, post_id=post_id)
    if not post.is_public:
        raise Invalid(_("Only published posts take reactions."))
    with transaction.atomic():
        if on:
            try:
                with transaction.atomic():
                    Reaction.objects.create(post=post, member_id=by.member_id or 0, kind=kind)
            except IntegrityError:
                pass  # already there: one per member per kind
        else:
            Reaction.objects.filter(post=post, member_id=by.member_id or 0, kind=kind).delete()
        counts = dict(
            Reaction.objects.filter(post=post).values("kind").annotate(n=Count("pk")).values_list("kind", "n")
        )
        event_append(
            stream=thread_stream(post.thread_id),
            payload=events.PostReactions(post_id=post.pk, reactions=counts),
            author=by.member_id,
        )
    return counts


# --- read state and notifications ----------------------------------------------------------------


def thread_mark_read(*, by: Actor, thread_id: int, post_id: int) -> int:
    """Move the actor's read position forward to ``post_id`` (never back); the position."""
    require_member(by)
    thread = selectors.thread_get_for(actor=by, thread_id=thread_id)
    upto = min(post_id, thread.last_post_id) if thread.last_post_id else post_id
    current = (
        ReadState.objects.filter(member_id=by.member_id or 0, thread=thread)
        .values_list("last_read_post_id", flat=True)
        .first()
    )
    if current is not None and current >= upto:
        return current  # nothing to write: no write lock for rereading a page
    with transaction.atomic():
        state, created = ReadState.objects.get_or_create(
            member_id=by.member_id or 0, thread=thread, defaults={"last_read_post_id": upto}
        )
        if not created and state.last_read_post_id < upto:
            ReadState.objects.filter(pk=state.pk, last_read_post_id__lt=upto).update(
                last_read_post_id=upto, updated=timezone.now()
            )
            state.last_read_post_id = upto
    return state.last_read_post_id


def notifications_mark_read(*, by: Actor, ids: list[int] | None = None) -> int:
    """Mark the actor's notifications read (``ids`` or all); the unread count left."""
    require_member(by)
    rows = Notification.objects.filter(member_id=by.member_id or 0, read_at__isnull=True)
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    with transaction.atomic():
        rows.update(read_at=timezone.now())
        unread = Notification.objects.filter(member_id=by.member_id or 0, read_at__isnull=True).count()
        event_append(stream=user_stream(by.member_id or 0), payload=events.NotificationsRead(unread=unread))
    return unread


# --- attachments ---------------------------------------------------------------------------------


def attachment_upload(*, by: Actor, name: str, stream: IO[bytes], size: int | None = None) -> Attachment:
    """Store an upload if its bytes are an allowed image or PDF; the name and the declared type
    are not trusted. It stays private to the uploader until a post claims it."""
    require_member(by)

    def guard(filename: str) -> None:
        # Readers see the name: a classification marking in it is stopped like one in a post, and
        # a muted member uploads nothing. (Sanctions and the confidentiality guard only: an upload
        # is not a post, so it spends no post from the rate limit.)
        moderate(text=filename, kind="plain", author=by, organisation=None, mailbox=True)

    upload = files.upload_read(
        stream, name=name, limit=max_attachment_bytes(), size=size, guard=guard,
        too_large=lambda limit: AttachmentTooLarge(limit=limit), refused=AttachmentRefused,
    )  # fmt: skip
    document_guard(data=upload.data, content_type=upload.content_type, author=by, organisation=None)
    with transaction.atomic():
        attachment = Attachment(
            owner_id=by.member_id, filename=upload.filename, content_type=upload.content_type, size=len(upload.data)
        )
        attachment.file.save(f"{uuid.uuid4().hex}.{upload.extension}", ContentFile(upload.data), save=False)
        attachment.save()
    return attachment


# --- moderation callbacks (registered in ForumConfig.ready) --------------------------------------


def post_hide(post: Post) -> None:
    """Members' flags reached the threshold: stop showing the post until a moderator decides."""
    was_public = post.is_public
    Post.objects.filter(pk=post.pk).update(hidden=True)
    post.hidden = True
    if was_public:
        _post_withdrawn(post)
        event_append(stream=thread_stream(post.thread_id), payload=events.PostHidden(post_id=post.pk))
        _thread_withdraw_if_opening(post)


def post_approve(post: Post, edited_text: str | None) -> None:
    """A moderator approved a held or flagged post (with their edit, as safe HTML)."""
    was_public = post.is_public
    if edited_text is not None:
        post.html = edited_text
        post.text = "".join(piece for is_text, piece in html_segments(edited_text) if is_text)
        post.edited_at = timezone.now()
        revisions = PostRevision.objects.filter(post=post)
        number = revisions.count() + 1
        # The version the moderator rewrote (held, or published and flagged) leaves the public history.
        latest = revisions.order_by("-number").values_list("pk", flat=True)[:1]
        PostRevision.objects.filter(pk__in=list(latest)).update(published=False)
        PostRevision.objects.create(post=post, number=number, source=post.source, html=post.html, editor=None)
    else:
        latest = PostRevision.objects.filter(post=post).order_by("-number").values_list("pk", flat=True)[:1]
        PostRevision.objects.filter(pk__in=list(latest)).update(published=True)
    post.status = PostStatus.PUBLISHED
    post.status_reason = ""
    post.hidden = False
    post.save()
    thread = Thread.objects.get(pk=post.thread_id)
    _index(post, title=thread.title if thread.opening_post_id == post.pk else "")
    if was_public:
        if edited_text is not None:
            post.thread = thread
            _publish_post_changed(post, "forum.post.edited")
        return
    if thread.opening_post_id == post.pk and not thread.published:
        Thread.objects.filter(pk=thread.pk).update(published=True)
        _publish_new_post(post, thread_created=True)
    else:
        _publish_new_post(post)


def post_reject(post: Post, reason: str) -> None:
    """A moderator rejected a post: hidden from others; its author is told why."""
    was_public = post.is_public
    Post.objects.filter(pk=post.pk).update(status=PostStatus.REJECTED, status_reason=reason[:500])
    post.status = PostStatus.REJECTED
    if was_public:
        _post_withdrawn(post)
        event_append(stream=thread_stream(post.thread_id), payload=events.PostHidden(post_id=post.pk))
        _thread_withdraw_if_opening(post)
    if post.author_id is not None:
        thread = Thread.objects.get(pk=post.thread_id)
        notification = Notification.objects.create(
            member_id=post.author_id,
            kind=NotificationKind.MODERATION,
            payload={"thread_id": thread.pk, "thread_title": thread.title, "post_id": post.pk, "reason": reason[:500]},
        )
        _push_notification(notification)
