# ruff: noqa: F811 - test arguments name the fixture imported from tests/lessons/lesson_data.py
"""Study time (学时): live credits from the media worker, replay heartbeats, recordings, reports."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from kernel.errors import Forbidden, Invalid, NotFound, RateLimited
from lessons import recordings, study
from lessons.models import StudySource, StudyTime
from meetings import lifecycle
from meetings.models import Meeting, MeetingKind
from members.access import actor_from_member
from members.models import Member
from tests.lessons.lesson_data import (  # noqa: F401 - a fixture
    Lesson,
    fresh_rate_limits,
    lesson,
    webm_duration,
    webm_file,
)

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    fresh_rate_limits(settings)
    return settings.MEDIA_ROOT


def live_from(meeting: Meeting, start: dt.datetime, end: dt.datetime | None = None) -> Meeting:
    Meeting.objects.filter(pk=meeting.pk).update(started_at=start, ended_at=end, status="ended" if end else "live")
    meeting.refresh_from_db()
    return meeting


def seconds_of(member: Member, source: str = StudySource.LIVE) -> float:
    return sum(StudyTime.objects.filter(member=member, source=source).values_list("seconds", flat=True))


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


# --- Live credits (called by the media worker) ---------------------------------------------------


def test_live_credit_is_bounded_by_the_wall_clock_and_the_lesson_duration(lesson: Lesson) -> None:
    meeting = live_from(lesson.meeting, T0)
    viewer = lesson.viewers[0]
    credit = study.study_credit

    credit(meeting_id=meeting.pk, member_id=viewer.pk, seconds=20, source="live", at=at(20))
    assert seconds_of(viewer) == 20
    credit(meeting_id=meeting.pk, member_id=viewer.pk, seconds=20, source="live", at=at(20))  # a retry
    assert seconds_of(viewer) == 20
    credit(meeting_id=meeting.pk, member_id=viewer.pk, seconds=500, source="live", at=at(50))  # 30 s later
    assert seconds_of(viewer) == 50
    credit(meeting_id=meeting.pk, member_id=viewer.pk, seconds=15, source="live", at=at(40))  # out of date
    assert seconds_of(viewer) == 50
    # A viewer away for ten minutes is credited what the worker saw, not the gap.
    credit(meeting_id=meeting.pk, member_id=viewer.pk, seconds=15, source="live", at=at(650))
    assert seconds_of(viewer) == 65

    # The lesson lasted 100 s: nobody is credited more than that live.
    ended = live_from(meeting, T0, at(100))
    other = lesson.viewers[1]
    for t in range(30, 300, 30):
        credit(meeting_id=ended.pk, member_id=other.pk, seconds=30, source="live", at=at(t))
    assert seconds_of(other) == 100


def test_no_live_credit_before_the_lesson_starts_or_for_other_meetings(lesson: Lesson, actor_of, org_tree) -> None:
    from meetings import services

    viewer = lesson.viewers[0]
    Meeting.objects.filter(pk=lesson.meeting.pk).update(started_at=None, status="scheduled")
    study.study_credit(meeting_id=lesson.meeting.pk, member_id=viewer.pk, seconds=30, source="live")
    assert seconds_of(viewer) == 0

    now = timezone.now()
    meeting = services.meeting_schedule(
        by=actor_of(lesson.secretary), organisation=org_tree.branch_a, kind=MeetingKind.BRANCH_GENERAL,
        title="支部党员大会", starts_at=now, ends_at=now + dt.timedelta(hours=1),
    )  # fmt: skip
    lifecycle.meeting_start(by=actor_of(lesson.secretary), meeting=meeting)
    study.study_credit(meeting_id=meeting.pk, member_id=viewer.pk, seconds=30, source="live")
    assert StudyTime.objects.count() == 0
    with pytest.raises(Invalid):
        study.study_credit(meeting_id=lesson.meeting.pk, member_id=viewer.pk, seconds=-1, source="live")
    with pytest.raises(Invalid):
        study.study_credit(meeting_id=lesson.meeting.pk, member_id=viewer.pk, seconds=10, source="tv")
    with pytest.raises(NotFound):
        study.study_credit(meeting_id=lesson.meeting.pk, member_id=10**9, seconds=10, source="live")


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicate_credits_count_once(lesson: Lesson) -> None:
    """The worker's calls may overlap (a retry while the first is still running): eight threads
    crediting the same moment credit it once, and none fails."""
    meeting = live_from(lesson.meeting, T0)
    viewer = lesson.viewers[0]
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def call() -> None:
        try:
            barrier.wait(timeout=30)
            study.study_credit(meeting_id=meeting.pk, member_id=viewer.pk, seconds=20, source="live", at=at(25))
        except BaseException as error:  # noqa: B036 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=call) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert seconds_of(viewer) == 20
    assert StudyTime.objects.filter(member=viewer).count() == 1


# --- Recordings and replay heartbeats -------------------------------------------------------------


def saved_recording(lesson: Lesson, media_root: Path, *, seconds: float = 3.0, started: dt.datetime = T0):  # type: ignore[no-untyped-def]
    path = webm_file(media_root / "recordings" / f"lesson-{lesson.meeting.pk}.webm", seconds=seconds)
    return recordings.recording_saved(
        meeting_id=lesson.meeting.pk, path=path, started_at=started, duration=webm_duration(path),
        content_type="video/webm",
    )  # fmt: skip


def test_recording_saved_accepts_complete_files_under_the_recordings_folder(lesson: Lesson, media_root) -> None:
    recording = saved_recording(lesson, media_root)
    assert recording.path == f"recordings/lesson-{lesson.meeting.pk}.webm"
    assert recording.size == (media_root / recording.path).stat().st_size > 0
    assert recording.duration == pytest.approx(3.0, abs=0.2)  # the file really plays three seconds
    again = recordings.recording_saved(
        meeting_id=lesson.meeting.pk, path=media_root / recording.path, started_at=T0, duration=3.0,
        content_type="video/webm",
    )  # fmt: skip
    assert again.pk == recording.pk and again.duration == 3.0

    outside = webm_file(media_root / "elsewhere.webm", seconds=1)
    sneaky = media_root / "recordings" / ".." / "elsewhere.webm"
    for path in (outside, sneaky):
        with pytest.raises(Invalid):
            recordings.recording_saved(
                meeting_id=lesson.meeting.pk, path=path, started_at=T0, duration=1, content_type="video/webm"
            )
    with pytest.raises(NotFound):
        recordings.recording_saved(
            meeting_id=lesson.meeting.pk, path=media_root / "recordings" / "missing.webm", started_at=T0,
            duration=1, content_type="video/webm",
        )  # fmt: skip
    with pytest.raises(Invalid):
        recordings.recording_saved(
            meeting_id=lesson.meeting.pk, path=media_root / recording.path, started_at=T0, duration=3,
            content_type="text/html",
        )  # fmt: skip


def test_replay_credits_only_real_playback(lesson: Lesson, actor_of, media_root, settings) -> None:
    recording = saved_recording(lesson, media_root, seconds=60)  # about a minute
    viewer = actor_of(lesson.viewers[0])

    def beat(position: float, playing: bool, t: float) -> float:
        return study.replay_heartbeat(
            by=viewer, meeting=lesson.meeting, recording_id=recording.pk, position=position, playing=playing, at=at(t)
        ).credited

    assert beat(0, True, 0) == 0  # opening and starting credits nothing
    assert beat(15, True, 15) == 15  # fifteen seconds played in fifteen seconds
    assert beat(15, False, 16) == 0  # paused right away (position did not move)
    assert beat(15, False, 76) == 0  # a minute paused: nothing
    assert beat(15, True, 77) == 0  # playing again
    assert beat(30, True, 87) == 10  # 15 s of video in 10 s (1.5×): no more than the clock
    assert beat(55, True, 92) == 0  # 25 s of video in 5 s: a seek
    assert beat(45, True, 102) == 0  # backwards: a seek
    assert beat(58, True, 400) == 0  # heartbeats five minutes apart: nothing
    assert seconds_of(lesson.viewers[0], StudySource.REPLAY) == 25

    # Watching again counts, but never more than the recording's duration in total.
    fresh_rate_limits(settings)  # the heartbeats here are minutes apart on the test's clock, not the limiter's
    beat(0, True, 1000)
    for t in range(15, 200, 15):
        beat(min(t, recording.duration), True, 1000 + t)
    assert seconds_of(lesson.viewers[0], StudySource.REPLAY) == pytest.approx(recording.duration)

    with pytest.raises(Invalid):
        beat(recording.duration + 60, True, 2000)
    with pytest.raises(NotFound):
        study.replay_heartbeat(by=viewer, meeting=lesson.meeting, recording_id=10**9, position=0, playing=True)


def test_replay_heartbeats_are_rate_limited(lesson: Lesson, actor_of, media_root) -> None:
    recording = saved_recording(lesson, media_root)
    viewer = actor_of(lesson.viewers[1])
    with pytest.raises(RateLimited):
        for _ in range(study.HEARTBEAT_RATE[1] + 5):
            study.replay_heartbeat(
                by=viewer, meeting=lesson.meeting, recording_id=recording.pk, position=0, playing=False
            )


# --- Reports --------------------------------------------------------------------------------------


def test_yearly_report_per_member_and_branch(lesson: Lesson, org_tree, member_factory, actor_of, media_root) -> None:
    meeting = live_from(lesson.meeting, T0)
    a, b, c = lesson.viewers
    far = member_factory(org_tree.branch_b)
    for member, seconds in ((a, 1800), (b, 900), (far, 600)):
        study.study_credit(meeting_id=meeting.pk, member_id=member.pk, seconds=seconds, source="live", at=at(seconds))
    recording = saved_recording(lesson, media_root, seconds=20)
    replay = dict(by=actor_from_member(c), meeting=meeting, recording_id=recording.pk)
    study.replay_heartbeat(**replay, position=0, playing=True, at=at(5000))  # type: ignore[arg-type]
    study.replay_heartbeat(**replay, position=18, playing=True, at=at(5018))  # type: ignore[arg-type]
    # A credit next year is next year's.
    study.study_credit(meeting_id=meeting.pk, member_id=a.pk, seconds=3600, source="live", at=at(3600 * 24 * 365))

    report = study.organisation_study_report(
        actor=actor_of(lesson.secretary), organisation=org_tree.branch_a, year=2026
    )
    rows = {r.member_id: r for r in report.members}
    assert rows[a.pk].hours == 0.5 and rows[b.pk].hours == 0.25
    assert rows[c.pk].replay_hours == round(18 / 3600, 2) and rows[c.pk].live_hours == 0
    assert far.pk not in rows  # another branch
    assert [b.model_dump() for b in report.branches] == [
        {"organisation_id": org_tree.branch_a.pk, "name": org_tree.branch_a.name, "members": len(rows),
         "hours": round((1800 + 900 + 18) / 3600, 2), "average_hours": round((1800 + 900 + 18) / 3600 / len(rows), 2),
         "percent": 100},
    ]  # fmt: skip

    committee = study.organisation_study_report(
        actor=actor_from_member(member_factory(org_tree.committee, roles=[("secretary", org_tree.committee)])),
        organisation=org_tree.committee,
        year=2026,
    )
    assert {b.name: b.hours for b in committee.branches} == {
        org_tree.branch_a.name: round((1800 + 900 + 18) / 3600, 2), org_tree.branch_b.name: round(600 / 3600, 2),
    }  # fmt: skip
    with pytest.raises(Forbidden):
        study.organisation_study_report(actor=actor_of(a), organisation=org_tree.branch_a, year=2026)
    with pytest.raises(Forbidden):
        study.organisation_study_report(actor=actor_of(lesson.secretary), organisation=org_tree.branch_b, year=2026)

    mine = study.my_study_year(actor=actor_of(a), year=2026)
    assert mine.hours == 0.5 and mine.lessons[0].id == meeting.pk
    assert study.my_study_year(actor=actor_of(a), year=2027).hours == 1.0
