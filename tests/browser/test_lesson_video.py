# ruff: noqa: F811 - the test argument names the fixture imported from tests/lessons/lesson_data.py
"""A lesson in Chromium through the media relay: the lecturer's page publishes its (fake) camera
to the server, a viewer's page plays it; the lecturer sees the viewer count and records, and
every page shows that the lesson is being recorded."""

from __future__ import annotations

import time
from typing import Any

from django.test import Client

from lessons.models import Recording
from members.models import Member
from tests.lessons.lesson_data import Lesson, lesson  # noqa: F401 - a fixture

STAGE_PLAYING = """() => {
  const video = document.querySelector("#media-stage video.stage-main");
  return video !== null && video.videoWidth > 0 && video.currentTime > 0 ? video.currentTime : false;
}"""
STAGE_ADVANCED = """(since) => document.querySelector("#media-stage video.stage-main").currentTime > since"""


def open_room(new_page: Any, live_server_url: str, member: Member, meeting_id: int, errors: list[str]) -> Any:
    client = Client()
    client.force_login(member.user)
    page = new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server_url}]
    )
    page.goto(f"{live_server_url}/meetings/{meeting_id}/room/")
    page.wait_for_selector("#room:not([hidden])", timeout=20_000)
    return page


def test_the_lecturer_publishes_and_a_viewer_plays_the_lesson(live_server_url, new_page, lesson: Lesson) -> None:
    meeting_id = lesson.meeting.pk
    errors: list[str] = []
    lecturer = open_room(new_page, live_server_url, lesson.lecturer, meeting_id, errors)
    viewer = open_room(new_page, live_server_url, lesson.viewers[0], meeting_id, errors)

    # The viewer's page sends nothing and asked for no camera; it plays the lecturer's picture.
    assert viewer.locator("#toggle-video").is_hidden()
    started = viewer.wait_for_function(STAGE_PLAYING, timeout=45_000).json_value()
    viewer.wait_for_function(STAGE_ADVANCED, arg=started, timeout=20_000)
    # The lecturer's page sends sound and picture, once its connection has settled.
    lecturer.wait_for_function(
        """() => EpaRoom.relay().pc.getTransceivers()
             .filter((t) => t.sender.track && t.currentDirection === "sendonly").map((t) => t.sender.track.kind)
             .sort().join(" ") === 'audio video'""",
        timeout=20_000,
    )
    # One connection per page, to the server: no browser-to-browser peers in a lesson.
    assert lecturer.evaluate("(id) => EpaRoom.peerConnection(id)", lesson.viewers[0].pk) is None
    lecturer.wait_for_function("() => document.getElementById('viewer-count').textContent === '1'", timeout=45_000)

    # Recording: every page shows it; stopping leaves a recording for the replay page.
    lecturer.click("#toggle-record")
    viewer.wait_for_selector("#recording-state:not([hidden])", timeout=15_000)
    viewer.wait_for_function(STAGE_ADVANCED, arg=viewer.evaluate(STAGE_PLAYING) + 2, timeout=20_000)
    lecturer.click("#toggle-record")
    viewer.wait_for_selector("#recording-state[hidden]", state="attached", timeout=15_000)
    deadline = time.monotonic() + 30
    while not Recording.objects.filter(meeting=lesson.meeting).exists():
        assert time.monotonic() < deadline, "no recording was saved"
        time.sleep(0.2)
    recording = Recording.objects.get(meeting=lesson.meeting)
    assert recording.duration > 1.0

    # Usable on a 360-px phone.
    assert viewer.evaluate("document.documentElement.scrollWidth") <= 360
    assert errors == []
