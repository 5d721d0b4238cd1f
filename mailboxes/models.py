"""Mailboxes: heart-to-heart conversations, thought reports and applications, the report mailbox.

A conversation's messages are the durable events of its stream ``mailbox:<id>`` (the gateway
stores them, orders them and replays them on resume); this table holds who the two participants
are and how far each has read.

The report mailbox (举报信箱) keeps no link to an anonymous reporter: no member, no IP address,
no session, no creation time finer than the day, a random public id instead of a guessable one,
and only a slow hash of the receipt code with which the reporter follows up.
"""

from __future__ import annotations

import secrets

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def random_id() -> int:
    """A primary key that says nothing of when its row was made or what was made before it (the
    report mailbox's rows and the files that may belong to a report); below 2**53, so JavaScript
    reads it exactly."""
    return secrets.randbelow(2**53 - 1) + 1


def mailbox_file_path(instance: MailboxFile, filename: str) -> str:
    """Reports' files lie apart from writings' (and the month is not in the path), so a folder's
    times and neighbours say nothing about a report."""
    if instance.tip_id is not None:
        return f"mailbox/tips/{filename}"
    return timezone.localdate().strftime("mailbox/%Y/%m/") + filename


class Conversation(models.Model):
    """A one-to-one heart-to-heart conversation (谈心); ``first_id < second_id``."""

    first = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    created = models.DateTimeField(default=timezone.now)
    # The stream seq each participant has read up to (read receipts, unread counts).
    first_read = models.PositiveIntegerField(default=0)
    second_read = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="mailbox_one_conversation_per_pair"),
            models.CheckConstraint(condition=Q(first__lt=F("second")), name="mailbox_conversation_ordered"),
        ]

    @property
    def stream(self) -> str:
        return f"mailbox:{self.pk}"

    def other_id(self, member_id: int) -> int:
        return self.second_id if member_id == self.first_id else self.first_id

    def read_upto(self, member_id: int) -> int:
        return self.first_read if member_id == self.first_id else self.second_read


class MessageReport(models.Model):
    """One message a participant sent to moderation as abuse, with their consent: a copy of that
    message alone, so moderators never read the conversation around it."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    seq = models.PositiveIntegerField()
    sender = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    reporter = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    text = models.TextField()
    reason = models.CharField(max_length=500, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("reported message")
        verbose_name_plural = _("reported messages")
        constraints = [
            models.UniqueConstraint(fields=["conversation", "seq", "reporter"], name="mailbox_report_once"),
        ]


class WritingKind(models.TextChoices):
    THOUGHT_REPORT = "thought_report", _("Thought report")
    APPLICATION = "application", _("Application for party membership")


class WritingStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    REVIEWED = "reviewed", _("Reviewed")


class Writing(models.Model):
    """A thought report (思想汇报) or an application (入党申请书) to the writer's branch."""

    author = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="writings")
    organisation = models.ForeignKey("members.Organisation", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("type"), max_length=20, choices=WritingKind.choices, default=WritingKind.THOUGHT_REPORT)
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"))
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"))
    status = models.CharField(max_length=20, choices=WritingStatus.choices, default=WritingStatus.DRAFT)
    created = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("thought report")
        verbose_name_plural = _("thought reports")
        ordering = ["-year", "-quarter", "-pk"]
        indexes = [models.Index(fields=["organisation", "year", "quarter"], name="mailbox_writing_period")]

    @property
    def period(self) -> str:
        return f"{self.year}Q{self.quarter}"


class WritingComment(models.Model):
    writing = models.ForeignKey(Writing, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    text = models.TextField()
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]


class TipStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    UNDER_REVIEW = "under_review", _("Under review")
    CONCLUDED = "concluded", _("Concluded")


class Tip(models.Model):
    """A report to discipline inspection (举报). ``named_reporter`` is set only when the reporter
    chose to be named; an anonymous report holds nothing that leads back to its writer."""

    id = models.BigIntegerField(primary_key=True, default=random_id, editable=False)
    public_id = models.CharField(max_length=16, unique=True)
    receipt_hash = models.CharField(max_length=200)
    organisation = models.ForeignKey("members.Organisation", on_delete=models.PROTECT, related_name="+")
    subject = models.CharField(_("subject"), max_length=200)
    text = models.TextField(_("text"))
    person_concerned = models.CharField(_("person concerned"), max_length=200, blank=True)
    named_reporter = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=20, choices=TipStatus.choices, default=TipStatus.RECEIVED)
    received_on = models.DateField(default=timezone.localdate)

    class Meta:
        verbose_name = _("report to discipline inspection")
        verbose_name_plural = _("reports to discipline inspection")
        ordering = ["-received_on", "public_id"]


class TipEntry(models.Model):
    """A follow-up on a report: more information from the reporter, or an inspector's reply."""

    id = models.BigIntegerField(primary_key=True, default=random_id, editable=False)
    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="entries")
    from_reporter = models.BooleanField()
    inspector = models.ForeignKey("members.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField()
    written_on = models.DateField(default=timezone.localdate)
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["tip", "position"], name="mailbox_tip_entry_position")]


class MailboxFile(models.Model):
    """An attachment of a thought report or a report to inspection, typed by its bytes."""

    id = models.BigIntegerField(primary_key=True, default=random_id, editable=False)
    writing = models.ForeignKey(Writing, null=True, blank=True, on_delete=models.CASCADE, related_name="files")
    tip = models.ForeignKey(Tip, null=True, blank=True, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to=mailbox_file_path)
    name = models.CharField(max_length=120)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(writing__isnull=False, tip__isnull=True) | Q(writing__isnull=True, tip__isnull=False),
                name="mailbox_file_one_owner",
            )
        ]
