# ruff: noqa: F811 - test arguments name the fixture imported from tests/lessons/lesson_data.py
"""Lesson questions under moderation: flagged once per member from the room, and a question the
room no longer shows stays on its author's list saying what became of it; others see nothing."""

from __future__ import annotations

import pytest

from lessons import questions
from lessons.schemas import StateQuestionOut
from lessons.state import lesson_state
from meetings import room
from members.access import SYSTEM
from members.models import RoleKind
from members.services import role_grant
from moderation.models import QueueItem
from moderation.services import policy_set, queue_approve, queue_reject, word_entries_set, word_list_create
from realtime.models import StreamEvent
from tests.lessons.lesson_data import Lesson, lesson  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db


def listed(actor, meeting) -> dict[int, StateQuestionOut]:  # type: ignore[no-untyped-def]
    return {q.id: q for q in questions.question_list(meeting=meeting, actor=actor)}


def flag(client_for, member, ref: str, reason: str = "spam"):  # type: ignore[no-untyped-def]
    return client_for(member).post(
        "/api/moderation/flags", {"content": ref, "reason": reason, "note": ""}, content_type="application/json"
    )


def test_a_question_flagged_away_then_rejected_stays_with_its_author_in_words(
    lesson: Lesson, org_tree, actor_of, client_for
) -> None:
    meeting = lesson.meeting
    author, first, second = lesson.viewers
    role_grant(by=SYSTEM, member=lesson.secretary, organisation=org_tree.branch_a, kind=RoleKind.MODERATOR)
    policy_set(by=SYSTEM, organisation=org_tree.branch_a, flag_threshold=2)
    asked = questions.question_ask(by=actor_of(author), meeting=meeting, text="课后能不能早点下班？")
    ref = f"lessons.question:{asked.id}"

    assert flag(client_for, first, ref).status_code == 201
    assert flag(client_for, first, ref, reason="off_topic").status_code == 409  # counts once
    assert listed(actor_of(second), meeting)[asked.id].status == "published"
    assert flag(client_for, second, ref).status_code == 201
    hidden = StreamEvent.objects.filter(stream=room.room_stream(meeting.pk)).order_by("-seq").first()
    assert hidden is not None and hidden.payload == {"type": "lessons.question.hidden", "id": asked.id}
    assert asked.id not in listed(actor_of(second), meeting)
    assert listed(actor_of(author), meeting)[asked.id].status == "hidden"
    state = lesson_state(actor=actor_of(author), meeting=meeting)
    assert [(q.id, q.status) for q in state.questions] == [(asked.id, "hidden")]

    item = QueueItem.objects.get(object_id=asked.id, content_type__model="question")
    assert item.details["flags"] == 2
    queue_reject(by=actor_of(lesson.secretary), item_id=item.pk, reason="与党课无关")
    mine = listed(actor_of(author), meeting)[asked.id]
    assert (mine.status, mine.reason) == ("rejected", "与党课无关")
    assert asked.id not in listed(actor_of(first), meeting)


def test_a_held_question_is_listed_for_its_author_only_and_through_the_api(
    lesson: Lesson, org_tree, actor_of, client_for
) -> None:
    meeting = lesson.meeting
    author, other = lesson.viewers[0], lesson.viewers[1]
    words = word_list_create(by=SYSTEM, organisation=None, name="党课待审词")
    word_entries_set(by=SYSTEM, word_list=words, entries=[("代开发票", "hold")])
    held = questions.question_ask(by=actor_of(author), meeting=meeting, text="哪里可以代开发票")
    assert held.status == "held"
    api = client_for(author).get(f"/api/meetings/{meeting.pk}/questions").json()
    assert [(q["id"], q["status"], q["reason"]) for q in api] == [(held.id, "held", "")]
    assert client_for(other).get(f"/api/meetings/{meeting.pk}/questions").json() == []
    assert flag(client_for, other, f"lessons.question:{held.id}").status_code == 404

    role_grant(by=SYSTEM, member=lesson.secretary, organisation=org_tree.branch_a, kind=RoleKind.MODERATOR)
    item = QueueItem.objects.get(object_id=held.id, content_type__model="question")
    queue_approve(by=actor_of(lesson.secretary), item_id=item.pk)
    assert listed(actor_of(other), meeting)[held.id].status == "published"
