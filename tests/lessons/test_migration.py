"""The lesson models moved from meetings to lessons with their tables: rows written before the
move are read, unchanged, through the lessons app after it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from lessons import questions, study
from lessons.models import Question, Recording, SlideDeck, StudyTime
from meetings import services
from meetings.models import MeetingKind
from members.models import RoleKind

BEFORE = [("meetings", "0005_attachments_audio_only")]


def migrate(targets: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)


@pytest.mark.django_db(transaction=True)
def test_lesson_rows_written_before_the_move_are_read_after_it(org_tree, member_factory, actor_of) -> None:
    secretary = member_factory(org_tree.branch_a, roles=[(RoleKind.SECRETARY, org_tree.branch_a)])
    viewer = member_factory(org_tree.branch_a)
    now = timezone.now()
    meeting = services.meeting_schedule(
        by=actor_of(secretary),
        organisation=org_tree.branch_a,
        kind=MeetingKind.LESSON,
        title="学习党章党课",
        starts_at=now,
        ends_at=now + dt.timedelta(hours=1),
    )
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()

    migrate(BEFORE)
    old = MigrationExecutor(connection).loader.project_state(BEFORE).apps
    old.get_model("meetings", "Question").objects.create(
        meeting_id=meeting.pk, author_id=viewer.pk, text="什么是初心使命？", votes=2
    )
    old.get_model("meetings", "StudyTime").objects.create(
        meeting_id=meeting.pk, member_id=viewer.pk, source="live", year=now.year, seconds=1800
    )
    old.get_model("meetings", "SlideDeck").objects.create(
        meeting_id=meeting.pk, key="k" * 32, file="lessons/slides/k.pdf", filename="党章.pdf", size=10
    )
    old.get_model("meetings", "Recording").objects.create(
        meeting_id=meeting.pk,
        path="recordings/1.webm",
        content_type="video/webm",
        started_at=now,
        duration=60.0,
        size=1000,
    )

    migrate(latest)
    assert [q.text for q in questions.question_list(meeting=meeting, actor=actor_of(viewer))] == ["什么是初心使命？"]
    assert Question.objects.get().votes == 2
    assert study.member_year(member_id=viewer.pk, year=now.year).hours == 0.5
    assert StudyTime.objects.get().seconds == 1800
    assert SlideDeck.objects.get().filename == "党章.pdf"
    assert Recording.objects.get().meeting_id == meeting.pk
    assert {model._meta.db_table for model in (Question, StudyTime, SlideDeck, Recording)} == {
        "meetings_question",
        "meetings_studytime",
        "meetings_slidedeck",
        "meetings_recording",
    }
