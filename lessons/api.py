"""JSON API for lessons: lecturer, slides, questions, recordings, replay heartbeats, study time."""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import File, Router, Status
from ninja.files import UploadedFile

from kernel.ids import Id, Year
from lessons import questions, recordings, services, slides, state, study
from lessons.rules import require_lesson
from lessons.schemas import (
    AnsweredIn,
    AnsweredOut,
    AskedOut,
    DeckOut,
    HeartbeatIn,
    HeartbeatOut,
    LecturerIn,
    LecturerOut,
    LessonStateOut,
    MemberStudyOut,
    OrganisationStudyOut,
    QuestionIn,
    QuestionOut,
    RecordingOut,
    SlideOut,
    StateQuestionOut,
    TimelineOut,
    TurnIn,
    VoteIn,
    VoteOut,
)
from lessons.selectors import lesson_get_for
from meetings import room
from meetings.api import ERRORS
from meetings.models import Meeting
from members.access import actor_for
from members.models import Member, Organisation

router = Router(tags=["lessons"])


def _lesson(request: HttpRequest, meeting_id: int) -> Meeting:
    return lesson_get_for(actor=actor_for(request.user), meeting_id=meeting_id)


def _room(request: HttpRequest, meeting_id: int) -> Meeting:
    meeting = room.room_get_for(actor=actor_for(request.user), meeting_id=meeting_id)
    require_lesson(meeting)
    return meeting


@router.put("/meetings/{meeting_id}/lecturer", response={200: LecturerOut, **ERRORS})
def lecturer_set(request: HttpRequest, meeting_id: Id, payload: LecturerIn) -> LecturerOut:
    member = None if payload.member_id is None else get_object_or_404(Member, pk=payload.member_id)
    meeting = services.lecturer_set(by=actor_for(request.user), meeting=_lesson(request, meeting_id), member=member)
    return state.lecturer_out(meeting)


@router.get("/meetings/{meeting_id}/lesson", response={200: LessonStateOut, **ERRORS})
def lesson_state(request: HttpRequest, meeting_id: Id) -> LessonStateOut:
    return state.lesson_state(actor=actor_for(request.user), meeting=_lesson(request, meeting_id))


@router.get("/meetings/{meeting_id}/slides", response={200: list[DeckOut], **ERRORS})
def decks(request: HttpRequest, meeting_id: Id) -> list[DeckOut]:
    return [slides.deck_out(d) for d in slides.decks_for(_lesson(request, meeting_id))]


@router.post("/meetings/{meeting_id}/slides", response={201: DeckOut, **ERRORS})
def deck_upload(request: HttpRequest, meeting_id: Id, file: File[UploadedFile]) -> Status[DeckOut]:
    deck = slides.deck_upload(
        by=actor_for(request.user), meeting=_lesson(request, meeting_id), name=file.name or "", stream=file,
        size=file.size,
    )  # fmt: skip
    return Status(201, slides.deck_out(deck))


@router.post("/meetings/{meeting_id}/slides/turn", response={200: SlideOut, **ERRORS})
def slide_turn(request: HttpRequest, meeting_id: Id, payload: TurnIn) -> SlideOut:
    return slides.slide_turn(
        by=actor_for(request.user), meeting=_lesson(request, meeting_id), action=payload.action, page=payload.page,
        deck_id=payload.deck,
    )  # fmt: skip


@router.get("/meetings/{meeting_id}/slides/timeline", response={200: list[TimelineOut], **ERRORS})
def slide_timeline(request: HttpRequest, meeting_id: Id) -> list[TimelineOut]:
    return slides.slide_timeline(_lesson(request, meeting_id))


@router.get("/meetings/{meeting_id}/questions", response={200: list[QuestionOut], **ERRORS})
def question_list(request: HttpRequest, meeting_id: Id) -> list[StateQuestionOut]:
    """The state's questions, each answered as a ``QuestionOut``."""
    return questions.question_list(meeting=_lesson(request, meeting_id), actor=actor_for(request.user))


@router.post("/meetings/{meeting_id}/questions", response={201: AskedOut, **ERRORS})
def question_ask(request: HttpRequest, meeting_id: Id, payload: QuestionIn) -> Status[AskedOut]:
    asked = questions.question_ask(by=actor_for(request.user), meeting=_room(request, meeting_id), text=payload.text)
    return Status(201, asked)


@router.post("/meetings/{meeting_id}/questions/{question_id}/vote", response={200: VoteOut, **ERRORS})
def question_vote(request: HttpRequest, meeting_id: Id, question_id: Id, payload: VoteIn) -> VoteOut:
    return questions.question_vote(
        by=actor_for(request.user), meeting=_room(request, meeting_id), question_id=question_id, up=payload.up
    )


@router.post("/meetings/{meeting_id}/questions/{question_id}/answered", response={200: AnsweredOut, **ERRORS})
def question_answer(request: HttpRequest, meeting_id: Id, question_id: Id, payload: AnsweredIn) -> AnsweredOut:
    return questions.question_answer(
        by=actor_for(request.user), meeting=_lesson(request, meeting_id), question_id=question_id,
        answered=payload.answered,
    )  # fmt: skip


@router.get("/meetings/{meeting_id}/recordings", response={200: list[RecordingOut], **ERRORS})
def recording_list(request: HttpRequest, meeting_id: Id) -> list[RecordingOut]:
    return [recordings.recording_out(r) for r in recordings.recordings_of(_lesson(request, meeting_id))]


@router.post("/meetings/{meeting_id}/replay/heartbeat", response={200: HeartbeatOut, **ERRORS})
def replay_heartbeat(request: HttpRequest, meeting_id: Id, payload: HeartbeatIn) -> HeartbeatOut:
    return study.replay_heartbeat(
        by=actor_for(request.user), meeting=_lesson(request, meeting_id), recording_id=payload.recording,
        position=payload.position, playing=payload.playing,
    )  # fmt: skip


@router.get("/study/me", response={200: MemberStudyOut, **ERRORS})
def my_study(request: HttpRequest, year: Year | None = None) -> MemberStudyOut:
    return study.my_study_year(actor=actor_for(request.user), year=year or timezone.localdate().year)


@router.get("/organisations/{org_id}/study", response={200: OrganisationStudyOut, **ERRORS})
def organisation_study(request: HttpRequest, org_id: Id, year: Year | None = None) -> OrganisationStudyOut:
    organisation = get_object_or_404(Organisation, pk=org_id)
    return study.organisation_study_report(
        actor=actor_for(request.user), organisation=organisation, year=year or timezone.localdate().year
    )
