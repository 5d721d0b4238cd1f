# ruff: noqa: F811 - the test argument names the fixture imported from tests/lessons/lesson_data.py
"""A recorded lesson replayed in Chromium: the WebM plays through the Range-serving view, the
slide follows the playback position, and only the time really played is credited."""

from __future__ import annotations

import io
import time
import uuid

from django.conf import settings
from django.test import Client

from kernel.clock import ManualClock
from lessons import recordings, slides
from lessons.models import SlideTurn, StudySource, StudyTime
from members.access import actor_from_member
from tests.lessons.lesson_data import Lesson, lesson, pdf_bytes, webm_duration, webm_file  # noqa: F401

SLIDE = """(page) => {
  const image = document.getElementById("replay-slide");
  return !image.hidden && image.dataset.page === String(page) && image.complete && image.naturalWidth > 0;
}"""


def test_replay_plays_with_its_slides_and_credits_playback(
    live_server_url, new_page, lesson: Lesson, clock: ManualClock
) -> None:
    lecturer = actor_from_member(lesson.lecturer)
    deck = slides.deck_upload(by=lecturer, meeting=lesson.meeting, name="d.pdf", stream=io.BytesIO(pdf_bytes()))
    for _ in range(600):  # the slides thread renders it; a bound on the wait
        deck.refresh_from_db()
        if deck.status != "rendering":
            break
        time.sleep(0.1)
    assert deck.status == "ready"
    slides.slide_turn(by=lecturer, meeting=lesson.meeting, action="goto", page=1)
    clock.advance(1.5)  # the lecturer talks over page 1 for a moment
    slides.slide_turn(by=lecturer, meeting=lesson.meeting, action="goto", page=2)
    first, second = SlideTurn.objects.filter(meeting=lesson.meeting).order_by("at")
    path = webm_file(settings.MEDIA_ROOT / "recordings" / f"test-{uuid.uuid4().hex}.webm", seconds=4)
    try:
        recording = recordings.recording_saved(
            meeting_id=lesson.meeting.pk, path=path, started_at=first.at, duration=webm_duration(path),
            content_type="video/webm",
        )  # fmt: skip
        switch = (second.at - first.at).total_seconds()

        viewer = lesson.viewers[0]
        client = Client()
        client.force_login(viewer.user)
        page = new_page()
        errors: list[str] = []
        ranged: list[int] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("response", lambda r: ranged.append(r.status) if "/recordings/" in r.url else None)
        page.context.add_cookies(
            [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server_url}]
        )
        page.goto(f"{live_server_url}/meetings/{lesson.meeting.pk}/replay/")
        page.wait_for_function("() => document.getElementById('replay-video').readyState >= 1", timeout=20_000)
        page.wait_for_function(SLIDE, arg=1, timeout=10_000)
        assert not StudyTime.objects.filter(member=viewer).exists()  # opening the page credits nothing

        page.evaluate("() => { const v = document.getElementById('replay-video'); v.muted = true; v.play(); }")
        page.wait_for_function(
            f"() => document.getElementById('replay-video').currentTime > {switch + 0.3}", timeout=20_000
        )
        page.wait_for_function(SLIDE, arg=2, timeout=10_000)
        page.wait_for_function("() => document.getElementById('replay-video').ended", timeout=20_000)
        # The page's "ended" heartbeat closes the played interval.
        for _ in range(100):
            credited = sum(
                StudyTime.objects.filter(member=viewer, source=StudySource.REPLAY).values_list("seconds", flat=True)
            )
            if credited:
                break
            time.sleep(0.1)
        assert 0 < credited <= recording.duration
        assert 206 in ranged  # Chromium read the file by ranges
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        assert errors == []
    finally:
        path.unlink(missing_ok=True)
