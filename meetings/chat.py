"""The room's chat, through the moderation pipeline like every text a member writes."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from kernel.errors import Forbidden, Invalid
from meetings import breakouts, events, room
from meetings.models import (
    ChatMessage,
    Meeting,
)
from members.access import Actor, require_member


def chat_posted(message: ChatMessage) -> events.ChatPosted:
    """A chat line as the room's event and as the room's state lists it."""
    return events.ChatPosted(
        id=message.pk,
        author=message.author_id,
        name=message.author.real_name,
        text=message.text,
        breakout=message.breakout_id,
        at=message.created.isoformat(),
    )


def chat_post(*, by: Actor, meeting: Meeting, text: str) -> dict[str, Any]:
    """A chat line through the moderation pipeline: published, or held for a moderator (the
    author is told), or refused (``content_blocked`` raised to the author)."""
    from moderation.pipeline import moderate
    from moderation.services import content_submit

    require_member(by)
    if not room.is_participant(meeting, by.member_id):
        raise Forbidden()
    if not text.strip():
        raise Invalid(_("The message is empty."))
    decision = moderate(text=text, kind="plain", author=by, organisation=meeting.organisation)
    with transaction.atomic():
        message = ChatMessage.objects.create(
            meeting=meeting,
            breakout_id=breakouts.breakout_of(meeting, by.mid),
            author_id=by.mid,
            text=decision.text,
            visible=decision.published,
        )
        content_submit(obj=message, decision=decision, by=by)
        if message.visible:
            room.append(meeting, chat_posted(message), author=by.mid)
    return {"id": message.pk, "status": "published" if message.visible else "held", "text": message.text}


def chat_approved(message: ChatMessage, edited: str | None) -> None:
    """The moderation queue approved a held line: show it now (with the moderator's edit)."""
    message.text = edited if edited is not None else message.text
    message.visible = True
    message.save(update_fields=["text", "visible"])
    room.append(message.meeting, chat_posted(message), author=message.author_id)


def chat_hidden(message: ChatMessage) -> None:
    message.visible = False
    message.save(update_fields=["visible"])
    room.append(message.meeting, events.ChatHidden(id=message.pk))


def chat_rejected(message: ChatMessage, reason: str) -> None:
    room.notify(
        message.author_id,
        events.ChatRejected(meeting=message.meeting_id, id=message.pk, reason=reason),
    )
