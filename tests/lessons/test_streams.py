# ruff: noqa: F811 - test arguments name fixtures imported from the gateway's conftest and lesson_data
"""The lesson room at the socket: slide turns, questions and rendering progress on meeting:<id>,
through WebsocketCommunicator on the real ASGI application."""

from __future__ import annotations

import asyncio
import io

import pytest
from channels.db import database_sync_to_async

from lessons import slides
from lessons.models import DeckStatus, SlideDeck
from members.access import actor_from_member
from members.models import Member
from tests.lessons.lesson_data import Lesson, lesson, pdf_bytes  # noqa: F401 - a fixture
from tests.meetings.test_streams import ask, command, join, next_of, refused, session_of
from tests.realtime.conftest import Connect, connect, realtime_isolation, recv  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db(transaction=True)

db = database_sync_to_async


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def upload(lesson: Lesson) -> int:
    """Upload as the lecturer; the commit starts the rendering on the slides thread."""
    actor = actor_from_member(Member.objects.select_related("organisation").get(pk=lesson.lecturer.pk))
    deck = slides.deck_upload(by=actor, meeting=lesson.meeting, name="deck.pdf", stream=io.BytesIO(pdf_bytes()))
    return deck.pk


async def ready_deck(lesson: Lesson) -> int:
    deck_id = await db(upload)(lesson)
    for _ in range(600):  # a bound on the wait, not a speed claim
        status = await db(lambda: SlideDeck.objects.get(pk=deck_id).status)()
        if status != DeckStatus.RENDERING:
            break
        await asyncio.sleep(0.1)
    assert status == DeckStatus.READY
    return deck_id


async def test_slide_turns_reach_every_viewer_late_joiners_and_resuming_pages(connect: Connect, lesson: Lesson) -> None:
    meeting_id = lesson.meeting.pk
    room = f"meeting:{meeting_id}"
    deck = await ready_deck(lesson)
    lecturer = await join(connect, lesson.lecturer, meeting_id)
    viewer = await join(connect, lesson.viewers[0], meeting_id)

    # The ready deck is on screen from page 1 already; the lecturer goes to page 2.
    assert await command(lecturer, "meeting.slides.turn", room, action="goto", deck=deck, page=2) == {
        "deck": deck, "page": 2, "pages": 3,
    }  # fmt: skip
    first = await next_of(viewer, "lessons.slide.turned")
    assert first["event"] == {"type": "lessons.slide.turned", "deck": deck, "page": 2}
    await refused(viewer, "meeting.slides.turn", room, "forbidden", action="next")
    await refused(lecturer, "meeting.slides.turn", room, "bad_frame", action="sideways")

    # A phone drops off; the lecturer turns twice; the phone resumes with `since` and follows.
    await viewer.disconnect()
    await command(lecturer, "meeting.slides.turn", room, action="previous")
    await command(lecturer, "meeting.slides.turn", room, action="goto", page=3)
    phone = await connect(await db(session_of)(lesson.viewers[0]))
    resumed = await ask(phone, {"type": "subscribe", "stream": room, "since": first["seq"]})
    assert resumed["type"] == "subscribed"
    assert (await next_of(phone, "lessons.slide.turned"))["event"]["page"] == 1
    assert (await next_of(phone, "lessons.slide.turned"))["event"]["page"] == 3

    # A late joiner asks for the lesson's state and is shown the current slide.
    late = await join(connect, lesson.viewers[1], meeting_id)
    state = await command(late, "meeting.lesson.state", room)
    assert state["slide"]["deck"] == deck and state["slide"]["page"] == 3
    assert state["me"] == {"member": lesson.viewers[1].pk, "presenter": False}


async def test_questions_and_votes_reach_the_room(connect: Connect, lesson: Lesson) -> None:
    meeting_id = lesson.meeting.pk
    room = f"meeting:{meeting_id}"
    lecturer = await join(connect, lesson.lecturer, meeting_id)
    asker = await join(connect, lesson.viewers[0], meeting_id)
    voter = await join(connect, lesson.viewers[1], meeting_id)

    asked = await command(asker, "meeting.question.ask", room, text="怎样理解两个维护？")
    assert asked["status"] == "published"
    seen = await next_of(lecturer, "lessons.question.shown")
    assert seen["event"]["id"] == asked["id"] and seen["event"]["text"] == "怎样理解两个维护？"
    assert seen["author"] == lesson.viewers[0].pk

    assert await command(voter, "meeting.question.vote", room, question=asked["id"]) == {
        "id": asked["id"], "votes": 1, "voted": True,
    }  # fmt: skip
    assert (await next_of(asker, "lessons.question.voted"))["event"]["votes"] == 1
    await refused(voter, "meeting.question.answer", room, "forbidden", question=asked["id"])
    await command(lecturer, "meeting.question.answer", room, question=asked["id"])
    assert (await next_of(voter, "lessons.question.answered"))["event"] == {
        "type": "lessons.question.answered", "id": asked["id"], "answered": True,
    }  # fmt: skip
    await refused(asker, "meeting.question.ask", room, "bad_frame", text="x", extra=1)
    outsider = await connect(await db(session_of)(lesson.outsider))
    await refused(outsider, "meeting.question.ask", room, "forbidden", text="外人")


async def test_rendering_progress_goes_to_the_uploader_only(connect: Connect, lesson: Lesson) -> None:
    meeting_id = lesson.meeting.pk
    lecturer = await join(connect, lesson.lecturer, meeting_id)
    viewer = await join(connect, lesson.viewers[0], meeting_id)
    deck = await db(upload)(lesson)

    progress = []
    while not progress or progress[-1]["status"] != "ready":
        frame = await recv(lecturer)
        if frame["type"] == "signal":
            assert frame["sender"] is None
            progress.append(frame["data"])
    assert [(p["deck"], p["done"], p["total"], p["status"]) for p in progress] == [
        (deck, 0, 3, "rendering"), (deck, 1, 3, "rendering"), (deck, 2, 3, "rendering"), (deck, 3, 3, "rendering"),
        (deck, 3, 3, "ready"),
    ]  # fmt: skip
    while True:  # the viewer hears that the deck is ready, and nothing of the progress
        frame = await recv(viewer)
        assert frame["type"] != "signal", frame
        if frame["type"] == "event" and frame["event"]["type"] == "lessons.deck.ready":
            break
    assert frame["event"]["deck"]["id"] == deck and frame["event"]["deck"]["pages"] == 3
