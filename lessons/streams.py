"""The lesson's commands on ``meeting:<id>`` (docs/protocol.md, "Lessons"), merged into the
room's commands by meetings/streams.py. Each handler re-reads the room through
``room.room_get_for`` (participants only), calls one function and returns its result as JSON
(the same models the API answers with, lessons/schemas.py)."""

from __future__ import annotations

from typing import Any, Literal

from django.utils.translation import gettext as _
from pydantic import BaseModel, ConfigDict, Field

from kernel.ids import Id, require_id
from lessons import questions, slides, state
from lessons.rules import QUESTION_MAX_CHARS, require_lesson
from meetings import room
from meetings.models import Meeting
from members.access import Actor
from realtime.registry import Command


class In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NoArgs(In):
    pass


class TurnIn(In):
    action: Literal["next", "previous", "goto"]
    page: int | None = Field(default=None, ge=1, le=10_000)
    deck: Id | None = None


class AskIn(In):
    text: str = Field(min_length=1, max_length=QUESTION_MAX_CHARS)


class VoteIn(In):
    question: Id
    up: bool = True


class AnswerIn(In):
    question: Id
    answered: bool = True


def _lesson(actor: Actor, stream_id: str) -> Meeting:
    meeting = room.room_get_for(actor=actor, meeting_id=require_id(stream_id, message=_("Unknown stream.")))
    require_lesson(meeting)
    return meeting


def lesson_state(actor: Actor, stream_id: str, args: NoArgs) -> dict[str, Any]:
    return state.lesson_state(actor=actor, meeting=_lesson(actor, stream_id)).model_dump(mode="json")


def slides_turn(actor: Actor, stream_id: str, args: TurnIn) -> dict[str, Any]:
    meeting = _lesson(actor, stream_id)
    return slides.slide_turn(
        by=actor, meeting=meeting, action=args.action, page=args.page, deck_id=args.deck
    ).model_dump(mode="json")


def question_ask(actor: Actor, stream_id: str, args: AskIn) -> dict[str, Any]:
    return questions.question_ask(by=actor, meeting=_lesson(actor, stream_id), text=args.text).model_dump(mode="json")


def question_vote(actor: Actor, stream_id: str, args: VoteIn) -> dict[str, Any]:
    meeting = _lesson(actor, stream_id)
    return questions.question_vote(by=actor, meeting=meeting, question_id=args.question, up=args.up).model_dump(
        mode="json"
    )


def question_answer(actor: Actor, stream_id: str, args: AnswerIn) -> dict[str, Any]:
    meeting = _lesson(actor, stream_id)
    return questions.question_answer(
        by=actor, meeting=meeting, question_id=args.question, answered=args.answered
    ).model_dump(mode="json")


# Asking is writing content, so a member a moderator muted cannot ask (the send guards);
# votes and turning pages are not.
LESSON_COMMANDS = {
    "lesson.state": Command(NoArgs, lesson_state, writes=False),
    "slides.turn": Command(TurnIn, slides_turn, writes=False),
    "question.ask": Command(AskIn, question_ask, writes=True, once=True),
    "question.vote": Command(VoteIn, question_vote, writes=False),
    "question.answer": Command(AnswerIn, question_answer, writes=False),
}
