"""The lessons app's durable events (docs/protocol.md, "Lessons"): one model per type.

They ride on the room's stream ``meeting:<id>`` (a lesson is a meeting); a rejected question is
told to its author on ``user:<id>``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from realtime.events import Event


class Deck(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: int
    filename: str
    status: str
    pages: int
    rendered: int
    error: str


class SlideTurned(Event):
    type: Literal["lessons.slide.turned"] = "lessons.slide.turned"
    deck: int
    page: int


class DeckReady(Event):
    type: Literal["lessons.deck.ready"] = "lessons.deck.ready"
    deck: Deck


class QuestionShown(Event):
    """A question became visible: asked, or approved by a moderator."""

    type: Literal["lessons.question.shown"] = "lessons.question.shown"
    id: int
    author: int
    name: str
    text: str
    votes: int
    answered: bool
    at: str


class QuestionVoted(Event):
    type: Literal["lessons.question.voted"] = "lessons.question.voted"
    id: int
    votes: int


class QuestionAnswered(Event):
    type: Literal["lessons.question.answered"] = "lessons.question.answered"
    id: int
    answered: bool


class QuestionHidden(Event):
    type: Literal["lessons.question.hidden"] = "lessons.question.hidden"
    id: int


class QuestionRejected(Event):
    type: Literal["lessons.question.rejected"] = "lessons.question.rejected"
    meeting: int
    id: int
    reason: str
