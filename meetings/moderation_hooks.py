"""Live-room chat as moderation content: held lines wait in the review queue and come back here."""

from __future__ import annotations

from meetings import chat, room
from meetings.models import ChatMessage
from members.access import Actor
from members.models import Member, Organisation
from moderation.content import ContentKind, content_kind_register
from moderation.models import ContentStatus


def _organisation_of(message: ChatMessage) -> Organisation:
    return message.meeting.organisation


def _author_of(message: ChatMessage) -> Member | None:
    return message.author


def _text_of(message: ChatMessage) -> str:
    return message.text


def _can_see(actor: Actor, message: ChatMessage) -> bool:
    """A participant sees the room's published lines and their own (a flag on a line nobody
    was shown would tell that it exists)."""
    shown = message.status == ContentStatus.PUBLISHED or message.author_id == actor.member_id
    return shown and room.is_participant(message.meeting, actor.member_id)


def register_content_kind() -> None:
    content_kind_register(
        ContentKind(
            model=ChatMessage,
            organisation_of=_organisation_of,
            author_of=_author_of,
            text_of=_text_of,
            can_see=_can_see,
            on_hidden=chat.chat_hidden,
            on_approved=chat.chat_approved,
            on_rejected=chat.chat_rejected,
            text_format="plain",
        )
    )
