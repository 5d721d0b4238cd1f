"""The shapes of heart-to-heart conversations as the mailbox API and pages show them."""

from __future__ import annotations

import datetime as dt

from ninja import Schema

from members.models import Member
from realtime.models import StreamEvent


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
