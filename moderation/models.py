"""Word lists, flags, the review queue, sanctions, the staff action log and the archive.

Flags and queue items refer to content generically (a content type and an id), so forum posts,
meeting and lesson chat and lesson questions all use them; the archive stores the reference as a
``"app_label.model:pk"`` string instead, because hashes must not depend on content-type ids that
differ between databases.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import connections, models, router
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from moderation.matcher import ListAction


class WordList(models.Model):
    """A list of words with actions; it applies to its organisation's subtree (all: no organisation)."""

    organisation = models.ForeignKey(
        "members.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="word_lists",
        help_text=_("Empty: the list applies everywhere."),
    )
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    sound = models.BooleanField(
        _("match by sound"),
        default=False,
        help_text=_("Every entry also matches homophones, pinyin and split characters."),
    )
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("word list")
        verbose_name_plural = _("word lists")
        ordering = ["organisation__path", "name"]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="mod_wordlist_org_name")]

    def __str__(self) -> str:
        return self.name


class WordEntry(models.Model):
    word_list = models.ForeignKey(WordList, on_delete=models.CASCADE, related_name="entries")
    word = models.CharField(_("word"), max_length=200)
    action = models.CharField(_("action"), max_length=10, choices=[(a.value, a.value) for a in ListAction])
    note = models.CharField(_("note"), max_length=200, blank=True)
    sound = models.BooleanField(_("match by sound"), default=False)

    class Meta:
        verbose_name = _("word list entry")
        verbose_name_plural = _("word list entries")
        ordering = ["word"]
        constraints = [models.UniqueConstraint(fields=["word_list", "word"], name="mod_wordentry_list_word")]

    def __str__(self) -> str:
        return f"{self.word} → {self.action}"


class WordListVersion(models.Model):
    """One row: bumped on every list change; each process rebuilds its automatons when it grows."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    version = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("word list version")


class ModerationPolicy(models.Model):
    """Per-organisation settings, inherited by the subtree (the nearest ancestor's wins)."""

    organisation = models.OneToOneField(
        "members.Organisation", on_delete=models.CASCADE, related_name="moderation_policy"
    )
    flag_threshold = models.PositiveSmallIntegerField(
        _("flags to hide"), default=3, help_text=_("Distinct members' flags after which an item is hidden.")
    )

    class Meta:
        verbose_name = _("moderation policy")
        verbose_name_plural = _("moderation policies")

    def __str__(self) -> str:
        return f"{self.organisation}: {self.flag_threshold}"


class FlagReason(models.TextChoices):
    SPAM = "spam", _("Spam")
    ABUSE = "abuse", _("Abuse")
    OFF_TOPIC = "off_topic", _("Off-topic")
    CONFIDENTIAL = "confidential", _("Confidential material")
    OTHER = "other", _("Other")


class Flag(models.Model):
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    content = GenericForeignKey("content_type", "object_id")
    flagger = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("reason"), max_length=20, choices=FlagReason.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    by_moderator = models.BooleanField(default=False)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("flag")
        verbose_name_plural = _("flags")
        constraints = [
            models.UniqueConstraint(fields=["content_type", "object_id", "flagger"], name="mod_flag_once"),
        ]


class QueueStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class QueueReason(models.TextChoices):
    HELD = "held", _("Held by the word list")
    FLAGGED = "flagged", _("Flagged by a word list")
    REPORTED = "reported", _("Flagged by members")


class ContentStatus(models.TextChoices):
    """Where a feature's plain item (a chat line, a question) stands, as its author is told."""

    PUBLISHED = "published", _("Published")
    HELD = "held", _("Awaiting review")
    HIDDEN = "hidden", _("Hidden after members' flags")
    REJECTED = "rejected", _("Rejected")


class QueueItem(models.Model):
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    content = GenericForeignKey("content_type", "object_id")
    # Where the content lives, and the level currently responsible (an escalation moves it up).
    organisation = models.ForeignKey("members.Organisation", on_delete=models.CASCADE, related_name="+")
    level = models.ForeignKey("members.Organisation", on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey("members.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(_("reason"), max_length=20, choices=QueueReason.choices)
    details = models.JSONField(default=dict, blank=True)
    excerpt = models.TextField(_("excerpt"), blank=True)
    hidden = models.BooleanField(_("hidden"), default=False)
    status = models.CharField(_("status"), max_length=20, choices=QueueStatus.choices, default=QueueStatus.PENDING)
    claimed_by = models.ForeignKey("members.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    claimed_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey("members.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(_("reason for the author"), max_length=500, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("review queue item")
        verbose_name_plural = _("review queue items")
        ordering = ["created", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id"],
                condition=Q(status="pending"),
                name="mod_queue_one_pending",
            ),
        ]
        indexes = [models.Index(fields=["status", "created"], name="mod_queue_status_created")]

    @property
    def content_ref(self) -> str:
        return f"{self.content_type.app_label}.{self.content_type.model}:{self.object_id}"


class SanctionKind(models.TextChoices):
    WARN = "warn", _("Warning")
    MUTE = "mute", _("Mute")
    SUSPEND = "suspend", _("Suspension")


class Sanction(models.Model):
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="sanctions")
    organisation = models.ForeignKey("members.Organisation", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=SanctionKind.choices)
    reason = models.CharField(_("reason"), max_length=500)
    starts = models.DateTimeField(default=timezone.now)
    ends = models.DateTimeField(_("ends"), null=True, blank=True, help_text=_("Empty: until lifted."))
    lifted_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey("members.Member", null=True, on_delete=models.SET_NULL, related_name="+")
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("sanction")
        verbose_name_plural = _("sanctions")
        ordering = ["-created"]
        indexes = [models.Index(fields=["member", "kind", "ends"], name="mod_sanction_member")]


class StaffAction(models.Model):
    """The browsable staff action log (the archive keeps the tamper-evident copy)."""

    actor = models.ForeignKey("members.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    verb = models.CharField(_("action"), max_length=40)
    organisation = models.ForeignKey(
        "members.Organisation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    target = models.CharField(_("target"), max_length=120, blank=True)
    details = models.JSONField(default=dict, blank=True)
    created = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("staff action")
        verbose_name_plural = _("staff actions")
        ordering = ["-created", "-pk"]


class ContentFingerprint(models.Model):
    """Recent posts' digests per member, for the repeated-text check (the text itself is not kept)."""

    member_id = models.BigIntegerField()
    digest = models.CharField(max_length=64)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["member_id", "digest", "created"], name="mod_fingerprint")]

    @classmethod
    def count_recent(cls, *, member_id: int, digest: str, since: dt.datetime) -> int:
        """How often ``member_id`` posted ``digest`` since ``since``.

        Every post asks, so this is one fixed statement on the index rather than a queryset:
        building the ORM query costs about fifteen times as much as running it.
        """
        connection = connections[router.db_for_read(cls)]
        qn = connection.ops.quote_name
        fields = {f.name: qn(f.column) for f in cls._meta.concrete_fields if f.column}
        sql = (
            f"SELECT COUNT(*) FROM {qn(cls._meta.db_table)} "
            f"WHERE {fields['member_id']} = %s AND {fields['digest']} = %s AND {fields['created']} >= %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [member_id, digest, connection.ops.adapt_datetimefield_value(since)])
            row = cursor.fetchone()
        return int(row[0]) if row else 0


class ArchiveHead(models.Model):
    """One row: the last record's seq and hash. Locking it serialises appends on PostgreSQL."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)


class ArchiveRecord(models.Model):
    """An append-only, hash-chained record; database triggers refuse UPDATE and DELETE."""

    seq = models.BigIntegerField(unique=True)
    kind = models.CharField(max_length=40)
    content_ref = models.CharField(max_length=120, blank=True)
    actor_id = models.BigIntegerField(null=True, blank=True)
    payload = models.JSONField(default=dict)
    created = models.DateTimeField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    # HMAC of ``hash`` under the archive key (moderation/signing.py), which is not in the database.
    mac = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        verbose_name = _("archive record")
        verbose_name_plural = _("archive records")
        ordering = ["seq"]
        indexes = [models.Index(fields=["created"], name="mod_archive_created")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.kind} {self.content_ref}"
