"""The lessons' shapes: the JSON API's request and response models, what the lesson room's
socket commands answer (the same models, as JSON), the party school's progress and the study
reports. Output is shaped here and nowhere else."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from kernel.ids import Id
from lessons.events import Deck, QuestionShown
from lessons.rules import QUESTION_MAX_CHARS


class LecturerIn(Schema):
    member_id: Id | None


class LecturerOut(Schema):
    member: int
    name: str


DeckOut = Deck  # a deck as the lesson's state lists it is the deck ``lessons.deck.ready`` announces


class SlideOut(Schema):
    deck: int
    page: int
    pages: int


class ShownSlideOut(SlideOut):
    at: str


# What became of a question: its author is told on the question itself.
ItemStatus = Literal["published", "held", "hidden", "rejected"]


class StateQuestionOut(QuestionShown):
    """A question as the lesson's state lists it: its event, what became of it, and whether the
    reader upvoted it."""

    status: ItemStatus = Field(description="published; or, for the author only: held, hidden, rejected")
    reason: str = Field(description="A moderator's reason for a rejection, for the author")
    voted: bool


class PresenterOut(Schema):
    member: int | None
    presenter: bool


class LessonStateOut(Schema):
    """What a lesson page draws on (re)joining (the socket's ``lesson.state`` gives the same)."""

    lecturer: LecturerOut
    me: PresenterOut
    decks: list[DeckOut]
    slide: ShownSlideOut | None
    questions: list[StateQuestionOut]


class TurnIn(Schema):
    action: Literal["next", "previous", "goto"]
    page: int | None = Field(default=None, ge=1, le=10_000)
    deck: Id | None = None


class TimelineOut(Schema):
    deck: int
    page: int
    at: dt.datetime


class TimelinePointOut(Schema):
    """A page shown, as seconds ``t`` from a recording's start (negative: shown before it began)."""

    t: float
    deck: int
    page: int


class QuestionIn(Schema):
    text: str = Field(min_length=1, max_length=QUESTION_MAX_CHARS)


class AskedOut(Schema):
    id: int
    status: str
    text: str


class QuestionOut(Schema):
    """A question as the API lists it (the state's, without its event type)."""

    id: int
    author: int
    name: str
    text: str
    votes: int
    answered: bool
    at: dt.datetime
    voted: bool
    status: ItemStatus = Field(description="published; or, for the author only: held, hidden, rejected")
    reason: str = Field(description="A moderator's reason for a rejection, for the author")


class VoteIn(Schema):
    up: bool = True


class VoteOut(Schema):
    id: int
    votes: int
    voted: bool


class AnsweredIn(Schema):
    answered: bool = True


class AnsweredOut(Schema):
    id: int
    answered: bool


class RecordingOut(Schema):
    id: int
    content_type: str
    started_at: dt.datetime
    duration: float
    size: int


class HeartbeatIn(Schema):
    recording: Id
    position: float = Field(ge=0, le=10**7)
    playing: bool


class HeartbeatOut(Schema):
    credited: float
    total: float


# --- Study time ------------------------------------------------------------------------------------


class LessonStudyOut(Schema):
    """One lesson in a member's year: seconds live and in replay, and hours (``percent``: of the
    year's longest, for the chart)."""

    id: int
    title: str
    starts_at: dt.datetime
    live: float
    replay: float
    live_hours: float
    replay_hours: float
    hours: float
    percent: int


class MemberStudyOut(Schema):
    """A member's study time in a year: totals and per lesson."""

    year: int
    live_hours: float
    replay_hours: float
    hours: float
    lessons: list[LessonStudyOut]


class BranchStudyOut(Schema):
    organisation_id: int
    name: str
    members: int
    hours: float
    average_hours: float
    percent: int


class MemberStudyRow(Schema):
    member_id: int
    real_name: str
    organisation: str
    live_hours: float
    replay_hours: float
    hours: float
    percent: int


class OrganisationStudyOut(Schema):
    """Study hours in a year for every branch and every member of an organisation's subtree
    (``percent``: of the largest, each chart on its own scale)."""

    year: int
    organisation: str
    branches: list[BranchStudyOut]
    members: list[MemberStudyRow]


# --- The party school ------------------------------------------------------------------------------


ItemKind = Literal["lesson", "document"]


class CourseItemProgress(Schema):
    """One lesson or document of a course, and whether the member has followed it (a lesson:
    study time on it; a document: opened)."""

    id: int
    position: int
    kind: ItemKind
    title: str
    meeting: int | None
    size: int
    followed: bool
    hours: float


class CourseHead(Schema):
    """A course of the catalogue and how many of its items the member has followed."""

    id: int
    organisation: str
    title: str
    description: str
    followed: int
    total: int


class CourseProgress(CourseHead):
    """A course and the member's progress through each of its items."""

    items: list[CourseItemProgress]


class StudyProgressOut(Schema):
    year: int
    hours: float
    required: int | None
    percent: int


class MemberProgress(MemberStudyRow):
    """A member's hours against their requirement (``percent``: of the requirement)."""

    required: int | None
    met: bool


class OrganisationProgress(Schema):
    """Every member of an organisation's subtree against their requirement, the organisation's
    requirements per member status, and whether the reader may set them."""

    organisation: int
    name: str
    year: int
    members: list[MemberProgress]
    requirements: dict[str, int]
    may_set: bool
