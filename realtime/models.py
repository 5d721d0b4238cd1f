"""The durable event log: every stream's events with their sequence numbers.

``StreamHead`` holds the last seq handed out per stream; a writer locks that one row to take the
next number, so seqs are dense, only grow, and every published seq is committed before any
higher one is (the gateway's gap filling relies on that). SQLite serialises writers by itself
(``transaction_mode=IMMEDIATE``); PostgreSQL through ``SELECT … FOR UPDATE`` on the head row.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class StreamHead(models.Model):
    stream = models.CharField(max_length=100, primary_key=True)
    seq = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("stream head")
        verbose_name_plural = _("stream heads")

    def __str__(self) -> str:
        return f"{self.stream}@{self.seq}"


class StreamEvent(models.Model):
    stream = models.CharField(max_length=100)
    seq = models.BigIntegerField()
    # Client ids are chosen by clients, so they are unique per author: one member can neither
    # collide with nor probe another's sends.
    cid = models.CharField(max_length=64, null=True, blank=True)
    author = models.ForeignKey("members.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    payload = models.JSONField()
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("stream event")
        verbose_name_plural = _("stream events")
        ordering = ["stream", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["stream", "seq"], name="rt_event_stream_seq"),
            models.UniqueConstraint(fields=["stream", "author", "cid"], name="rt_event_stream_author_cid"),
        ]

    def __str__(self) -> str:
        return f"{self.stream}#{self.seq}"


class CommandReceipt(models.Model):
    """The answer a member got to a command sent with a client id (``Command(once=True)``): the
    same cid again on the same stream gets this answer and changes nothing, so a browser's outbox
    may send a chat line again after a dropped link without it being stored twice. Kept a week."""

    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    stream = models.CharField(max_length=100)
    cid = models.CharField(max_length=64)
    data = models.JSONField(null=True)
    created = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("command receipt")
        verbose_name_plural = _("command receipts")
        constraints = [
            models.UniqueConstraint(fields=["member", "stream", "cid"], name="rt_receipt_member_stream_cid"),
        ]

    def __str__(self) -> str:
        return f"{self.stream}/{self.cid}"
