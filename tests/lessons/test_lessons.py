# ruff: noqa: F811 - test arguments name the fixture imported from tests/lessons/lesson_data.py
"""Lessons' services: the lecturer, slides (upload, rendering, turning), questions."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from PIL import Image

from kernel.errors import Conflict, Forbidden, Invalid
from lessons import questions, slides
from lessons.models import DeckStatus, Question, SlideDeck
from lessons.schemas import SlideOut
from lessons.services import lecturer_set
from lessons.state import lesson_state
from meetings import lifecycle, lobby, room, rules
from meetings.models import MeetingStatus
from members.access import SYSTEM
from members.models import RoleKind
from members.services import role_grant
from moderation.models import QueueItem
from moderation.pipeline import ContentBlocked
from moderation.services import queue_approve, queue_reject, word_entries_set, word_list_create
from realtime.models import StreamEvent
from realtime.streams import user_stream
from tests.lessons.lesson_data import COLOURS, Lesson, lesson, pdf_bytes, schedule_lesson  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def events(stream: str, after: int = 0) -> list[dict[str, Any]]:
    return [e.payload for e in StreamEvent.objects.filter(stream=stream, seq__gt=after).order_by("seq")]


def head(stream: str) -> int:
    last = StreamEvent.objects.filter(stream=stream).order_by("-seq").first()
    return last.seq if last else 0


@pytest.fixture
def progress(monkeypatch) -> list[tuple[int | None, dict[str, Any]]]:  # type: ignore[no-untyped-def]
    """The ephemeral frames the renderer sends, with their recipient."""
    sent: list[tuple[int | None, dict[str, Any]]] = []

    def capture(*, frame, to_member=None):  # type: ignore[no-untyped-def]
        sent.append((to_member, frame.data))

    monkeypatch.setattr(slides, "ephemeral_send", capture)
    return sent


def upload(actor, meeting, data: bytes, name: str = "第一讲.pdf") -> SlideDeck:  # type: ignore[no-untyped-def]
    return slides.deck_upload(by=actor, meeting=meeting, name=name, stream=io.BytesIO(data), size=len(data))


def ready_deck(lesson: Lesson, actor_of, colours=COLOURS) -> SlideDeck:  # type: ignore[no-untyped-def]
    deck = upload(actor_of(lesson.lecturer), lesson.meeting, pdf_bytes(colours))
    return slides.deck_render(deck.pk)


# --- The lecturer ----------------------------------------------------------------------------------


def test_the_lecturer_holds_the_teaching_role_and_gets_in_even_when_locked(
    lesson: Lesson, member_factory, org_tree, actor_of
) -> None:
    meeting, host = lesson.meeting, actor_of(lesson.secretary)
    plain = lesson.viewers[0]
    with pytest.raises(Invalid):
        lecturer_set(by=host, meeting=meeting, member=plain)
    with pytest.raises(Forbidden):
        lecturer_set(by=actor_of(lesson.viewers[1]), meeting=meeting, member=lesson.lecturer)

    # A lecturer of the committee above teaches the branch too; they enter a locked room.
    guest = member_factory(org_tree.committee, roles=[(RoleKind.LECTURER, org_tree.committee)])
    lobby.room_lock(by=host, meeting=meeting, locked=True)
    lecturer_set(by=host, meeting=meeting, member=guest)
    assert lobby.room_enter(by=actor_of(guest), meeting=meeting) == "admitted"
    assert rules.is_lecturer(actor_of(guest), meeting)
    assert not rules.is_lecturer(actor_of(lesson.lecturer), meeting)
    # With no lecturer named, the host teaches.
    lecturer_set(by=host, meeting=meeting, member=None)
    assert rules.lecturer_id(meeting) == lesson.secretary.pk


def test_the_lecturer_starts_and_ends_his_own_lesson(org_tree, member_factory, actor_of) -> None:
    secretary = member_factory(org_tree.branch_a, roles=[(RoleKind.SECRETARY, org_tree.branch_a)])
    lecturer = member_factory(org_tree.branch_a, roles=[(RoleKind.LECTURER, org_tree.branch_a)])
    viewer = member_factory(org_tree.branch_a)
    meeting = schedule_lesson(secretary, org_tree.branch_a, actor_of, start=False)
    lecturer_set(by=actor_of(secretary), meeting=meeting, member=lecturer)
    meeting.refresh_from_db()
    with pytest.raises(Forbidden):
        lifecycle.meeting_start(by=actor_of(viewer), meeting=meeting)
    lifecycle.meeting_start(by=actor_of(lecturer), meeting=meeting)
    assert meeting.status == MeetingStatus.LIVE
    started = StreamEvent.objects.filter(stream=room.room_stream(meeting.pk)).values_list("payload", flat=True)
    assert any(event["type"] == "meetings.room.started" for event in started)
    with pytest.raises(Forbidden):
        lifecycle.meeting_end(by=actor_of(viewer), meeting=meeting)
    lifecycle.meeting_end(by=actor_of(lecturer), meeting=meeting)
    assert meeting.status == MeetingStatus.ENDED
    # Other host powers stay with the hosts.
    with pytest.raises(Forbidden):
        lobby.room_lock(by=actor_of(lecturer), meeting=meeting, locked=True)


# --- Slides ----------------------------------------------------------------------------------------


def test_an_upload_is_a_pdf_by_its_bytes_within_the_size_limit(lesson: Lesson, actor_of, settings) -> None:
    lecturer = actor_of(lesson.lecturer)
    png = io.BytesIO()
    Image.new("RGB", (10, 10)).save(png, format="PNG")
    with pytest.raises(Invalid):
        upload(lecturer, lesson.meeting, png.getvalue(), name="slides.pdf")  # named .pdf, bytes of a PNG
    with pytest.raises(Forbidden):
        upload(actor_of(lesson.viewers[0]), lesson.meeting, pdf_bytes())
    settings.LESSON_SLIDES_MAX_BYTES = 1000
    with pytest.raises(slides.SlidesTooLarge) as refused:
        upload(lecturer, lesson.meeting, pdf_bytes())
    assert refused.value.status == 413
    assert SlideDeck.objects.count() == 0


def test_rendering_makes_one_image_per_page_and_tells_the_uploader_how_far_it_is(
    lesson: Lesson, actor_of, progress
) -> None:
    deck = upload(actor_of(lesson.lecturer), lesson.meeting, pdf_bytes())
    assert deck.status == DeckStatus.RENDERING
    assert deck.filename == "第一讲.pdf"
    mark = head(room.room_stream(lesson.meeting.pk))

    deck = slides.deck_render(deck.pk)
    assert deck.status == DeckStatus.READY and deck.pages == 3 and deck.rendered == 3
    for page, colour in enumerate(COLOURS, start=1):
        with Image.open(slides.page_path(deck, page)) as image:
            assert image.format == "WEBP"
            assert image.width == slides.slide_width()
            pixel = image.convert("RGB").getpixel((image.width // 2, image.height // 2))
            assert all(abs(a - b) < 20 for a, b in zip(pixel, colour, strict=True)), (page, pixel)
    # Progress only to the uploader: 0 of 3, then each page, then ready.
    assert {to for to, _ in progress} == {lesson.lecturer.pk}
    assert [(d["done"], d["total"], d["status"]) for _, d in progress] == [
        (0, 3, "rendering"), (1, 3, "rendering"), (2, 3, "rendering"), (3, 3, "rendering"), (3, 3, "ready"),
    ]  # fmt: skip
    # Nothing was on screen, so the ready deck's first page is shown without a click.
    assert events(room.room_stream(lesson.meeting.pk), mark) == [
        {"type": "lessons.deck.ready", "deck": slides.deck_out(deck).model_dump()},
        {"type": "lessons.slide.turned", "deck": deck.pk, "page": 1},
    ]


def test_a_damaged_pdf_fails_with_a_reason_the_uploader_sees(lesson: Lesson, actor_of, progress) -> None:
    deck = upload(actor_of(lesson.lecturer), lesson.meeting, b"%PDF-1.4\nthis is not really a PDF\n")
    deck = slides.deck_render(deck.pk)
    assert deck.status == DeckStatus.FAILED and deck.error
    assert progress[-1][1]["status"] == "failed" and progress[-1][1]["error"] == deck.error
    with pytest.raises(Invalid):
        slides.slide_turn(by=actor_of(lesson.lecturer), meeting=lesson.meeting, action="goto", page=1, deck_id=deck.pk)


def test_turning_pages_stores_a_tiny_event_and_the_timeline(lesson: Lesson, actor_of, progress) -> None:
    meeting, lecturer = lesson.meeting, actor_of(lesson.lecturer)
    stream = room.room_stream(meeting.pk)
    with pytest.raises(Invalid):
        slides.slide_turn(by=lecturer, meeting=meeting, action="next")  # nothing uploaded yet
    deck = ready_deck(lesson, actor_of)  # shown from page 1 at once: nothing else was on screen
    mark = head(stream)

    assert slides.slide_turn(by=lecturer, meeting=meeting, action="next") == SlideOut(deck=deck.pk, page=2, pages=3)
    slides.slide_turn(by=actor_of(lesson.secretary), meeting=meeting, action="goto", page=3)  # a host may too
    slides.slide_turn(by=lecturer, meeting=meeting, action="previous")
    slides.slide_turn(by=lecturer, meeting=meeting, action="goto", page=2)  # already shown: nothing stored
    turns = events(stream, mark)
    assert turns == [{"type": "lessons.slide.turned", "deck": deck.pk, "page": p} for p in (2, 3, 2)]
    assert max(len(json.dumps(t, separators=(",", ":"))) for t in turns) < 64  # a few bytes per turn
    with pytest.raises(Invalid):
        slides.slide_turn(by=lecturer, meeting=meeting, action="goto", page=4)
    with pytest.raises(Forbidden):
        slides.slide_turn(by=actor_of(lesson.viewers[0]), meeting=meeting, action="next")

    assert slides.current_slide(meeting).page == 2  # what a late joiner is shown
    timeline = slides.slide_timeline(meeting)
    assert [(t.deck, t.page) for t in timeline] == [(deck.pk, p) for p in (1, 2, 3, 2)]
    assert [t.at for t in timeline] == sorted(t.at for t in timeline)

    lifecycle.meeting_end(by=actor_of(lesson.secretary), meeting=meeting)
    with pytest.raises(Conflict):
        slides.slide_turn(by=lecturer, meeting=meeting, action="next")


def test_a_second_deck_is_shown_from_its_first_page(lesson: Lesson, actor_of, progress) -> None:
    meeting, lecturer = lesson.meeting, actor_of(lesson.lecturer)
    first = ready_deck(lesson, actor_of)
    slides.slide_turn(by=lecturer, meeting=meeting, action="goto", page=3)
    second = ready_deck(lesson, actor_of, colours=[(0, 0, 0), (255, 255, 255)])
    # A deck ready while another is on screen does not take over: the presenter decides.
    assert (slides.current_slide(meeting).deck, slides.current_slide(meeting).page) == (first.pk, 3)
    assert slides.slide_turn(by=lecturer, meeting=meeting, action="goto", page=1, deck_id=second.pk).deck == second.pk
    assert slides.slide_turn(by=lecturer, meeting=meeting, action="next") == SlideOut(deck=second.pk, page=2, pages=2)
    assert first.pk != second.pk


# --- Questions -------------------------------------------------------------------------------------


def test_questions_are_ordered_by_votes_then_time_and_one_vote_per_member(lesson: Lesson, actor_of) -> None:
    meeting = lesson.meeting
    a, b, c = (actor_of(m) for m in lesson.viewers)
    stream = room.room_stream(meeting.pk)
    first = questions.question_ask(by=a, meeting=meeting, text="党员的权利有哪些？")
    second = questions.question_ask(by=b, meeting=meeting, text="如何做合格党员？")
    assert events(stream)[-1]["type"] == "lessons.question.shown" and events(stream)[-1]["text"] == "如何做合格党员？"

    questions.question_vote(by=c, meeting=meeting, question_id=second.id)
    questions.question_vote(by=c, meeting=meeting, question_id=second.id)  # again: still one
    questions.question_vote(by=a, meeting=meeting, question_id=second.id)
    assert events(stream)[-1] == {"type": "lessons.question.voted", "id": second.id, "votes": 2}
    with pytest.raises(Invalid):
        questions.question_vote(by=b, meeting=meeting, question_id=second.id)  # one's own question

    listed = questions.question_list(meeting=meeting, actor=c)
    assert [(q.id, q.votes, q.voted) for q in listed] == [(second.id, 2, True), (first.id, 0, False)]
    questions.question_vote(by=c, meeting=meeting, question_id=second.id, up=False)
    questions.question_vote(by=a, meeting=meeting, question_id=second.id, up=False)
    questions.question_vote(by=b, meeting=meeting, question_id=first.id, up=True)
    assert [q.id for q in questions.question_list(meeting=meeting, actor=c)] == [first.id, second.id]
    questions.question_vote(by=c, meeting=meeting, question_id=second.id)
    # A tie on votes: the earlier question first.
    assert [q.id for q in questions.question_list(meeting=meeting, actor=c)] == [first.id, second.id]


def test_the_lecturer_or_a_host_marks_a_question_answered(lesson: Lesson, actor_of) -> None:
    meeting = lesson.meeting
    asked = questions.question_ask(by=actor_of(lesson.viewers[0]), meeting=meeting, text="请讲讲四个意识")
    with pytest.raises(Forbidden):
        questions.question_answer(by=actor_of(lesson.viewers[1]), meeting=meeting, question_id=asked.id)
    questions.question_answer(by=actor_of(lesson.lecturer), meeting=meeting, question_id=asked.id)
    stream = room.room_stream(meeting.pk)
    assert events(stream)[-1] == {"type": "lessons.question.answered", "id": asked.id, "answered": True}
    questions.question_answer(by=actor_of(lesson.secretary), meeting=meeting, question_id=asked.id, answered=False)
    assert events(stream)[-1]["answered"] is False
    assert questions.question_list(meeting=meeting, actor=actor_of(lesson.viewers[0]))[0].answered is False


def test_questions_pass_the_moderation_pipeline(lesson: Lesson, org_tree, actor_of) -> None:
    meeting = lesson.meeting
    author = actor_of(lesson.viewers[0])
    words = word_list_create(by=SYSTEM, organisation=None, name="党课测试词表")
    word_entries_set(by=SYSTEM, word_list=words, entries=[("代开发票", "hold"), ("翻墙软件", "block")])
    stream = room.room_stream(meeting.pk)

    mark = head(stream)
    held = questions.question_ask(by=author, meeting=meeting, text="哪里可以代开发票")
    assert held.status == "held"
    assert events(stream, mark) == []  # nobody sees it yet
    assert questions.question_list(meeting=meeting, actor=actor_of(lesson.viewers[1])) == []
    with pytest.raises(ContentBlocked) as blocked:
        questions.question_ask(by=author, meeting=meeting, text="推荐翻墙软件吗")
    assert blocked.value.details["reasons"]  # the author is told why
    assert Question.objects.filter(meeting=meeting).count() == 1
    with pytest.raises(Forbidden):
        questions.question_ask(by=actor_of(lesson.outsider), meeting=meeting, text="外人提问")

    role_grant(by=SYSTEM, member=lesson.secretary, organisation=org_tree.branch_a, kind=RoleKind.MODERATOR)
    item = QueueItem.objects.get(object_id=held.id, content_type__model="question")
    queue_approve(by=actor_of(lesson.secretary), item_id=item.pk)
    assert events(stream, mark)[-1]["id"] == held.id
    assert [q.id for q in questions.question_list(meeting=meeting, actor=author)] == [held.id]

    rejected = questions.question_ask(by=author, meeting=meeting, text="还能代开发票吗")
    item = QueueItem.objects.get(object_id=rejected.id, content_type__model="question")
    queue_reject(by=actor_of(lesson.secretary), item_id=item.pk, reason="与党课无关")
    notice = events(user_stream(lesson.viewers[0].pk))[-1]
    assert notice == {"type": "lessons.question.rejected", "meeting": meeting.pk, "id": rejected.id,
                      "reason": "与党课无关"}  # fmt: skip


def test_the_lesson_state_is_what_a_late_joiner_draws(lesson: Lesson, actor_of, progress) -> None:
    meeting = lesson.meeting
    deck = ready_deck(lesson, actor_of)
    slides.slide_turn(by=actor_of(lesson.lecturer), meeting=meeting, action="goto", page=2)
    asked = questions.question_ask(by=actor_of(lesson.viewers[0]), meeting=meeting, text="什么是初心使命？")
    state = lesson_state(actor=actor_of(lesson.viewers[1]), meeting=meeting)
    assert state.lecturer.model_dump() == {"member": lesson.lecturer.pk, "name": lesson.lecturer.real_name}
    assert state.me.model_dump() == {"member": lesson.viewers[1].pk, "presenter": False}
    assert state.slide is not None and (state.slide.deck, state.slide.page, state.slide.pages) == (deck.pk, 2, 3)
    assert [q.id for q in state.questions] == [asked.id]
    assert lesson_state(actor=actor_of(lesson.lecturer), meeting=meeting).me.presenter is True
