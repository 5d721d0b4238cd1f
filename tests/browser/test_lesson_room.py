# ruff: noqa: F811 - the test argument names the fixture imported from tests/lessons/lesson_data.py
"""A lesson in Chromium, one context per person: the lecturer uploads a PDF and turns its pages,
viewers follow; a viewer asks a question, the lecturer upvotes it and marks it answered."""

from __future__ import annotations

from typing import Any

from django.test import Client

from members.models import Member
from tests.lessons.lesson_data import Lesson, lesson, pdf_bytes  # noqa: F401 - a fixture

SLIDE_SHOWN = """(page) => {
  const image = document.getElementById("slide-image");
  return !image.hidden && image.dataset.page === String(page) && image.complete && image.naturalWidth > 0
    && image.getAttribute("src").endsWith("/" + page + ".webp");
}"""


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


def test_slides_turn_with_the_lecturer_and_questions_go_both_ways(live_server_url, new_page, lesson: Lesson) -> None:
    meeting_id = lesson.meeting.pk
    errors: list[str] = []
    lecturer = open_room(new_page, live_server_url, lesson.lecturer, meeting_id, errors)
    viewer = open_room(new_page, live_server_url, lesson.viewers[0], meeting_id, errors)
    assert viewer.locator("#slide-next").count() == 0  # viewers do not turn pages

    # Upload: the progress bar runs, then the deck can be shown.
    lecturer.set_input_files(
        "#slides-upload input[type=file]",
        files=[{"name": "第一讲.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}],
    )
    lecturer.click("#slides-upload button[type=submit]")
    lecturer.click("#decks li button[data-action=show-deck]", timeout=60_000)
    viewer.wait_for_function(SLIDE_SHOWN, arg=1, timeout=15_000)

    lecturer.click("#slide-next")
    viewer.wait_for_function(SLIDE_SHOWN, arg=2, timeout=15_000)
    lecturer.wait_for_function(SLIDE_SHOWN, arg=2, timeout=15_000)

    # A late joiner is shown the current slide at once.
    late = open_room(new_page, live_server_url, lesson.viewers[1], meeting_id, errors)
    late.wait_for_function(SLIDE_SHOWN, arg=2, timeout=15_000)
    # The lecturer sees how many are watching (from presence until the relay counts them).
    lecturer.wait_for_function("() => document.getElementById('viewer-count').textContent === '2'", timeout=45_000)

    # Questions: ask, upvote, answer.
    viewer.fill("#question-form input[name=text]", "如何把党课所学用到工作中？")
    viewer.click("#question-form button[type=submit]")
    item = '#questions li[data-question]:has-text("如何把党课所学用到工作中？")'
    lecturer.wait_for_selector(item, timeout=15_000)
    late.wait_for_selector(item, timeout=15_000)
    assert viewer.locator(f"{item} button[data-action=upvote]").count() == 0  # not for one's own question
    lecturer.click(f"{item} button[data-action=upvote]")
    viewer.wait_for_selector(f'{item} .votes[data-votes="1"]', timeout=15_000)
    lecturer.click(f"{item} button[data-action=answer]")
    viewer.wait_for_selector('#questions li.answered:has-text("如何把党课所学用到工作中？")', timeout=15_000)
    assert late.locator("#questions li[data-question] button[data-action=answer]").count() == 0

    for page in (lecturer, viewer, late):
        assert page.evaluate("document.documentElement.scrollWidth") <= 360  # usable on a phone
    assert errors == []
