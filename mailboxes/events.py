"""The mailboxes' durable events (docs/protocol.md, "Mailbox conversations"): one model per type,
named after the app's label, ``mailbox``.

Messages and read receipts go to ``mailbox:<conversation id>``; unread counts and the thought
reports' notices to one member's ``user:<id>``.
"""

from __future__ import annotations

from typing import Literal

from realtime.events import Event


class MessageSent(Event):
    type: Literal["mailbox.message.sent"] = "mailbox.message.sent"
    sender: int
    text: str


class ConversationRead(Event):
    type: Literal["mailbox.conversation.read"] = "mailbox.conversation.read"
    member: int
    upto: int


class UnreadChanged(Event):
    type: Literal["mailbox.unread.changed"] = "mailbox.unread.changed"
    conversation: int
    unread: int


class WritingSubmitted(Event):
    type: Literal["mailbox.writing.submitted"] = "mailbox.writing.submitted"
    writing: int
    title: str


class WritingComment(Event):
    type: Literal["mailbox.writing.comment"] = "mailbox.writing.comment"
    writing: int
    title: str


class WritingReviewed(Event):
    type: Literal["mailbox.writing.reviewed"] = "mailbox.writing.reviewed"
    writing: int
    title: str
