"""The room's chat, through the moderation pipeline like every text a member writes."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from kernel.errors import Forbidden, Invalid
from meetings import breakouts, events, room
from meetings.models import (
    ChatMessage,
    Meeting,
)
from meetings.schemas import RoomChatLineOut
from members.access import Actor, require_member
from moderation.models import ContentStatus


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


def chat_lines(meeting: Meeting, *, member_id: int | None, limit: int = 50) -> list[RoomChatLineOut]:
    """The room's last lines as a (re)joining page draws them: the published ones, and the
    member's own others with what became of them (``status`` held, hidden or rejected, and the
    moderator's ``reason``), which nobody else sees."""
    shown = Q(status=ContentStatus.PUBLISHED) | Q(author_id=member_id or 0)
    lines = ChatMessage.objects.filter(meeting=meeting).filter(shown).select_related("author").order_by("-pk")
    return [
        RoomChatLineOut.of(chat_posted(m), status=m.status, reason=m.status_reason) for m in reversed(lines[:limit])
    ]


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
            status=ContentStatus.PUBLISHED if decision.published else ContentStatus.HELD,
        )
        content_submit(obj=message, decision=decision, by=by)
        if message.status == ContentStatus.PUBLISHED:
            room.append(meeting, chat_posted(message), author=by.mid)
    return {"id": message.pk, "status": message.status, "text": message.text}


def chat_approved(message: ChatMessage, edited: str | None) -> None:
    """The moderation queue approved a line (with the moderator's edit): shown again, or anew."""
    was_published = message.status == ContentStatus.PUBLISHED
    message.text = edited if edited is not None else message.text
    message.status = ContentStatus.PUBLISHED
    message.status_reason = ""
    message.save(update_fields=["text", "status", "status_reason"])
    if not was_published or edited is not None:
        room.append(message.meeting, chat_posted(message), author=message.author_id)


def chat_hidden(message: ChatMessage) -> None:
    """Members' flags (or a moderator's) took a published line away until a moderator decides:
    the room stops showing it; its author's page keeps it, saying why."""
    if message.status != ContentStatus.PUBLISHED:
        return
    message.status = ContentStatus.HIDDEN
    message.save(update_fields=["status"])
    room.append(message.meeting, events.ChatHidden(id=message.pk))


def chat_rejected(message: ChatMessage, reason: str) -> None:
    """A moderator rejected the line: gone from the room if it was there; its author is told why."""
    was_published = message.status == ContentStatus.PUBLISHED
    message.status = ContentStatus.REJECTED
    message.status_reason = reason[:500]
    message.save(update_fields=["status", "status_reason"])
    if was_published:
        room.append(message.meeting, events.ChatHidden(id=message.pk))
    room.notify(
        message.author_id,
        events.ChatRejected(meeting=message.meeting_id, id=message.pk, reason=reason),
    )
