"""The mailboxes' shapes: the JSON API's request and response models (conversations, thought
reports, the report mailbox), the one place their output is shaped."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.urls import reverse
from ninja import Schema
from pydantic import ConfigDict, Field

from kernel.ids import Id, Quarter, Year
from mailboxes.models import MailboxFile, Tip, TipEntry, Writing
from members.models import Member
from realtime.models import StreamEvent
from realtime.protocol import Seq

if TYPE_CHECKING:
    from mailboxes.selectors import ConversationRow

MAX_MESSAGE = 5_000  # characters of a conversation's message
MAX_TEXT = 50_000  # characters of a thought report, a reply, a report to the mailbox


class MailboxPersonOut(Schema):
    id: int
    real_name: str
    organisation: str

    @classmethod
    def of(cls, member: Member) -> MailboxPersonOut:
        return cls(id=member.pk, real_name=member.real_name, organisation=member.organisation.name)


class ConversationOut(Schema):
    id: int
    stream: str
    other: MailboxPersonOut
    unread: int
    seq: int

    @classmethod
    def of(cls, row: ConversationRow) -> ConversationOut:
        return cls(id=row.conversation.pk, stream=row.conversation.stream, other=MailboxPersonOut.of(row.other),
                   unread=row.unread, seq=row.head)  # fmt: skip


class MessageOut(Schema):
    """One message of a conversation (a stored ``mailbox.message.sent`` event)."""

    seq: int
    sender: int
    text: str
    created: dt.datetime

    @classmethod
    def of(cls, event: StreamEvent) -> MessageOut:
        return cls(seq=event.seq, sender=event.payload["sender"], text=event.payload["text"], created=event.created)


class ConversationDetailOut(ConversationOut):
    other_read_upto: int
    my_read_upto: int
    messages: list[MessageOut]


class In(Schema):
    model_config = ConfigDict(extra="forbid")


class MessageIn(In):
    text: str = Field(min_length=1, max_length=MAX_MESSAGE)
    cid: str | None = Field(default=None, min_length=1, max_length=64)


class SeqOut(Schema):
    seq: int


class ConversationReadIn(In):
    upto: Seq


class AbuseIn(In):
    seq: Seq
    reason: str = Field(default="", max_length=500)
    consent: bool


class OpenIn(In):
    member: Id


class CommentOut(Schema):
    author: str
    text: str
    created: dt.datetime


class FileOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    url: str

    @classmethod
    def of(cls, f: MailboxFile) -> FileOut:
        return cls(
            id=f.pk, name=f.name, content_type=f.content_type, size=f.size, url=reverse("mailbox:file", args=[f.pk])
        )


class WritingOut(Schema):
    id: int
    kind: str
    year: int
    quarter: int
    title: str
    text: str
    status: str
    author: str
    organisation: str
    submitted_at: dt.datetime | None
    reviewed_at: dt.datetime | None
    comments: list[CommentOut]
    files: list[FileOut]

    @classmethod
    def of(cls, w: Writing) -> WritingOut:
        return cls(
            id=w.pk,
            kind=w.kind,
            year=w.year,
            quarter=w.quarter,
            title=w.title,
            text=w.text,
            status=w.status,
            author=w.author.real_name,
            organisation=w.organisation.name,
            submitted_at=w.submitted_at,
            reviewed_at=w.reviewed_at,
            comments=[
                CommentOut(author=c.author.real_name, text=c.text, created=c.created)
                for c in w.comments.select_related("author")
            ],
            files=[FileOut.of(f) for f in w.files.all()],
        )


class WritingIn(In):
    kind: str = Field(default="thought_report", max_length=40)
    title: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, max_length=MAX_TEXT)
    year: Year | None = None
    quarter: Quarter | None = None
    submit: bool = False


class WritingTextIn(In):
    text: str = Field(min_length=1, max_length=MAX_TEXT)


class ReviewOrganisationOut(Schema):
    id: int
    name: str


class BranchQuery(Schema):
    organisation: Id
    year: Year | None = None
    quarter: Quarter | None = None
    status: str | None = Field(default=None, max_length=40)


class MissingQuery(Schema):
    organisation: Id
    year: Year | None = None
    quarter: Quarter | None = None


class WritingEditIn(In):
    title: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, max_length=MAX_TEXT)


class EntryOut(Schema):
    from_reporter: bool
    text: str
    written_on: dt.date


class TipOut(Schema):
    id: str
    organisation: str
    subject: str
    text: str
    person_concerned: str
    status: str
    received_on: dt.date
    named_reporter: str | None
    entries: list[EntryOut]
    files: list[FileOut]

    @classmethod
    def of(cls, tip: Tip, *, reporter_view: bool = False) -> TipOut:
        """A report as an inspector reads it, or (``reporter_view``) as its reporter follows it."""
        entries: list[TipEntry] = list(tip.entries.all())
        return cls(
            id=tip.public_id,
            organisation=tip.organisation.name,
            subject=tip.subject,
            text=tip.text,
            person_concerned=tip.person_concerned,
            status=tip.status,
            received_on=tip.received_on,
            named_reporter=None if reporter_view or tip.named_reporter is None else tip.named_reporter.real_name,
            entries=[EntryOut(from_reporter=e.from_reporter, text=e.text, written_on=e.written_on) for e in entries],
            # The reporter sees their report's text; its files are downloaded by inspectors only.
            files=[] if reporter_view else [FileOut.of(f) for f in tip.files.all()],
        )


class TipSummaryOut(Schema):
    id: str
    organisation: str
    subject: str
    status: str
    received_on: dt.date
    named: bool


class TipFiledOut(Schema):
    id: str
    receipt_code: str


class ReceiptIn(In):
    receipt_code: str = Field(min_length=1, max_length=40)


class ReceiptTextIn(ReceiptIn):
    text: str = Field(min_length=1, max_length=MAX_TEXT)


class StatusIn(In):
    status: str
