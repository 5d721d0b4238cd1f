"""Boards, threads, posts and what hangs off them: revisions, reactions, attachments, read state,
notifications and the bigram search index.

Visibility lives on the board alone (``Board.visibility`` + ``Board.organisation``); threads and
posts are filtered through it with ``visible_q(actor, Board, prefix="board__")`` /
``prefix="thread__board__"``, so moving a thread to another board moves its audience with it.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models import Visibility


class Board(models.Model):
    organisation = models.ForeignKey(
        "members.Organisation", verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="boards"
    )
    name = models.CharField(_("name"), max_length=60)
    description = models.CharField(_("description"), max_length=300, blank=True)
    visibility = models.CharField(
        _("visibility"),
        max_length=20,
        choices=[(v.value, v.label) for v in Visibility if v != Visibility.PARTICIPANTS],
        default=Visibility.SUBTREE,
    )
    announcements = models.BooleanField(
        _("announcements"),
        default=False,
        help_text=_("Only secretaries and publicity commissioners start threads; members reply."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("board")
        verbose_name_plural = _("boards")
        ordering = ["organisation__path", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="forum_board_org_name")]

    def __str__(self) -> str:
        return self.name


class Thread(models.Model):
    board = models.ForeignKey(Board, verbose_name=_("board"), on_delete=models.CASCADE, related_name="threads")
    title = models.CharField(_("title"), max_length=120)
    author = models.ForeignKey(
        "members.Member", verbose_name=_("author"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # False while the opening post awaits review (or was rejected): only its author and
    # moderators see the thread then.
    published = models.BooleanField(default=True)
    opening_post_id = models.BigIntegerField(null=True, blank=True)
    pinned = models.BooleanField(_("pinned"), default=False)
    locked = models.BooleanField(_("locked"), default=False)
    # Published, not deleted posts; kept by the services so lists need no COUNT per thread.
    post_count = models.PositiveIntegerField(default=0)
    last_post_id = models.BigIntegerField(default=0)
    last_post_at = models.DateTimeField(default=timezone.now)
    created = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("thread")
        verbose_name_plural = _("threads")
        indexes = [
            models.Index(fields=["board", "-pinned", "-last_post_id"], name="forum_thread_board_order"),
        ]

    def __str__(self) -> str:
        return self.title


class PostStatus(models.TextChoices):
    PUBLISHED = "published", _("Published")
    HELD = "held", _("Awaiting review")
    REJECTED = "rejected", _("Rejected")


class Post(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey("members.Member", null=True, on_delete=models.SET_NULL, related_name="+")
    source = models.TextField(_("text"), help_text=_("Markdown as the author wrote it."))
    html = models.TextField(help_text=_("Rendered, sanitised and moderated HTML: what others see."))
    text = models.TextField(help_text=_("The moderated plain text: searched and highlighted."))
    status = models.CharField(max_length=20, choices=PostStatus.choices, default=PostStatus.PUBLISHED)
    status_reason = models.CharField(max_length=500, blank=True)
    censored = models.BooleanField(default=False)
    flagged = models.BooleanField(default=False)
    hidden = models.BooleanField(default=False, help_text=_("Hidden by members' flags until a moderator decides."))
    quote = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    cid = models.CharField(max_length=64, null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey("members.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        indexes = [models.Index(fields=["thread", "id"], name="forum_post_thread_id")]
        constraints = [
            # A client retrying a send (socket reconnect, double click) stores one post.
            models.UniqueConstraint(
                fields=["author", "cid"], condition=Q(cid__isnull=False), name="forum_post_author_cid"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} in {self.thread_id}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_public(self) -> bool:
        """Shown to every reader of the thread."""
        return self.status == PostStatus.PUBLISHED and not self.hidden and self.deleted_at is None


class PostRevision(models.Model):
    """Every version of a post as moderated, the first one included; its text is never changed.

    ``published``: the version passed moderation (allowed, censored, flagged, or approved by a
    moderator). A version held for review, rejected, or replaced by a moderator's edit stays in
    the history for its author and moderators only.
    """

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    source = models.TextField()
    html = models.TextField()
    editor = models.ForeignKey("members.Member", null=True, on_delete=models.SET_NULL, related_name="+")
    published = models.BooleanField(default=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("post revision")
        verbose_name_plural = _("post revisions")
        ordering = ["post", "number"]
        constraints = [models.UniqueConstraint(fields=["post", "number"], name="forum_revision_number")]


class ReactionKind(models.TextChoices):
    LIKE = "like", _("Like")
    SALUTE = "salute", _("Salute")
    FLOWER = "flower", _("Flower")
    STUDY = "study", _("Studied")


REACTION_EMOJI = {
    ReactionKind.LIKE: "👍",
    ReactionKind.SALUTE: "🫡",
    ReactionKind.FLOWER: "🌹",
    ReactionKind.STUDY: "📖",
}


class Reaction(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reactions")
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=ReactionKind.choices)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("reaction")
        verbose_name_plural = _("reactions")
        constraints = [models.UniqueConstraint(fields=["post", "member", "kind"], name="forum_reaction_once")]


class Attachment(models.Model):
    """An uploaded file: stored under MEDIA_ROOT by a random name, typed by its bytes."""

    owner = models.ForeignKey("members.Member", null=True, on_delete=models.SET_NULL, related_name="+")
    post = models.ForeignKey(Post, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="forum/%Y/%m/")
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class ReadState(models.Model):
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="read_states")
    last_read_post_id = models.BigIntegerField(default=0)
    updated = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["member", "thread"], name="forum_readstate_once")]


class NotificationKind(models.TextChoices):
    MENTION = "mention", _("Mention")
    REPLY = "reply", _("Reply")
    MODERATION = "moderation", _("Moderation")


class Notification(models.Model):
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    payload = models.JSONField(default=dict)
    created = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-id"]
        indexes = [models.Index(fields=["member", "read_at"], name="forum_notification_unread")]


class SearchTerm(models.Model):
    """One row per (post, character bigram) with a weight: the Chinese full-text index."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="+")
    term = models.CharField(max_length=2)
    weight = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["term", "post"], name="forum_searchterm_term_post")]
        indexes = [models.Index(fields=["post"], name="forum_searchterm_post")]
