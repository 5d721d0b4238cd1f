"""What a lesson page draws on (re)joining; later changes arrive as the stream's events."""

from __future__ import annotations

from typing import Any

from lessons import questions, slides
from meetings.models import Meeting
from meetings.rules import can_present, lecturer_id
from members.access import Actor
from members.models import Member


def lesson_state(*, actor: Actor, meeting: Meeting) -> dict[str, Any]:
    """Who teaches, the decks, the current slide and the questions."""
    teacher = lecturer_id(meeting)
    name = Member.objects.filter(pk=teacher).values_list("real_name", flat=True).first() or ""
    return {
        "lecturer": {"member": teacher, "name": name},
        "me": {"member": actor.member_id, "presenter": can_present(actor, meeting)},
        "decks": [slides.deck_dict(d) for d in slides.decks_for(meeting)],
        "slide": slides.current_slide(meeting),
        "questions": questions.question_list(meeting=meeting, actor=actor),
    }
