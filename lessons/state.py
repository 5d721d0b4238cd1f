"""What a lesson page draws on (re)joining; later changes arrive as the stream's events."""

from __future__ import annotations

from lessons import questions, slides
from lessons.schemas import LecturerOut, LessonStateOut, PresenterOut
from meetings.models import Meeting
from meetings.rules import can_present, lecturer_id
from members.access import Actor
from members.models import Member


def lecturer_out(meeting: Meeting) -> LecturerOut:
    teacher = lecturer_id(meeting)
    name = Member.objects.filter(pk=teacher).values_list("real_name", flat=True).first() or ""
    return LecturerOut(member=teacher, name=name)


def lesson_state(*, actor: Actor, meeting: Meeting) -> LessonStateOut:
    """Who teaches, the decks, the current slide and the questions."""
    return LessonStateOut(
        lecturer=lecturer_out(meeting),
        me=PresenterOut(member=actor.member_id, presenter=can_present(actor, meeting)),
        decks=[slides.deck_out(d) for d in slides.decks_for(meeting)],
        slide=slides.current_slide(meeting),
        questions=questions.question_list(meeting=meeting, actor=actor),
    )
