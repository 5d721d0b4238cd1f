# ruff: noqa: F811 - test arguments name the fixture imported from tests/lessons/lesson_data.py
"""Lessons over HTTP: the JSON API, slide images, recordings with Range, replay and study pages."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.test import Client

from lessons import recordings, slides, study
from lessons.models import SlideDeck
from lessons.state import lesson_state
from meetings.models import Meeting
from tests.conftest import PASSWORD
from tests.lessons.lesson_data import (  # noqa: F401
    Lesson,
    fresh_rate_limits,
    lesson,
    pdf_bytes,
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


def post(client: Client, url: str, body: dict[str, Any] | None = None, **extra: Any) -> Any:
    return client.post(url, data=json.dumps(body or {}), content_type="application/json", **extra)


def body_of(response: Any) -> bytes:
    if not response.streaming:
        return bytes(response.content)
    if not response.is_async:
        return b"".join(response.streaming_content)

    async def collect() -> bytes:
        return b"".join([chunk async for chunk in response.streaming_content])

    return async_to_sync(collect)()


def uploaded(client: Client, meeting_id: int, data: bytes, name: str = "slides.pdf") -> Any:
    return client.post(f"/api/meetings/{meeting_id}/slides", {"file": _named(data, name)})


def _named(data: bytes, name: str) -> io.BytesIO:
    handle = io.BytesIO(data)
    handle.name = name
    return handle


# --- API ------------------------------------------------------------------------------------------


def test_slides_over_the_api_and_their_images_through_the_access_policy(lesson: Lesson, client_for, settings) -> None:
    meeting_id = lesson.meeting.pk
    lecturer, viewer = client_for(lesson.lecturer), client_for(lesson.viewers[0])
    created = uploaded(lecturer, meeting_id, pdf_bytes())
    assert created.status_code == 201, created.content
    assert created.json()["status"] == "rendering" and created.json()["filename"] == "slides.pdf"
    assert uploaded(viewer, meeting_id, pdf_bytes()).json()["code"] == "forbidden"
    assert uploaded(lecturer, meeting_id, b"GIF89a" + b"\0" * 64, "x.pdf").json()["code"] == "invalid"
    settings.LESSON_SLIDES_MAX_BYTES = 100
    too_big = uploaded(lecturer, meeting_id, pdf_bytes())
    assert too_big.status_code == 413 and too_big.json()["code"] == "too_large"

    deck = slides.deck_render(created.json()["id"])
    assert [d["status"] for d in viewer.get(f"/api/meetings/{meeting_id}/slides").json()] == ["ready"]
    turned = post(lecturer, f"/api/meetings/{meeting_id}/slides/turn", {"action": "goto", "page": 2})
    assert turned.json() == {"deck": deck.pk, "page": 2, "pages": 3}
    assert post(viewer, f"/api/meetings/{meeting_id}/slides/turn", {"action": "next"}).status_code == 403
    assert [t["page"] for t in viewer.get(f"/api/meetings/{meeting_id}/slides/timeline").json()] == [1, 2]

    image = viewer.get(f"/meetings/{meeting_id}/slides/{deck.pk}/2.webp")
    assert image.status_code == 200
    assert image["Content-Type"] == "image/webp" and image["X-Content-Type-Options"] == "nosniff"
    assert body_of(image) == slides.page_path(deck, 2).read_bytes()
    assert viewer.get(f"/meetings/{meeting_id}/slides/{deck.pk}/4.webp").status_code == 404
    assert client_for(lesson.outsider).get(f"/meetings/{meeting_id}/slides/{deck.pk}/1.webp").status_code == 403
    assert Client().get(f"/meetings/{meeting_id}/slides/{deck.pk}/1.webp").status_code == 302  # to the login
    assert not (settings.MEDIA_ROOT / "lessons" / "slides" / f"{deck.key}.pdf").is_relative_to(settings.STATIC_ROOT)
    assert SlideDeck.objects.get(pk=deck.pk).file.name.startswith("lessons/slides/")


def test_questions_over_the_api(lesson: Lesson, client_for) -> None:
    meeting_id = lesson.meeting.pk
    asker, voter = client_for(lesson.viewers[0]), client_for(lesson.viewers[1])
    asked = post(asker, f"/api/meetings/{meeting_id}/questions", {"text": "怎样做到学思用贯通？"})
    assert asked.status_code == 201 and asked.json()["status"] == "published"
    question_id = asked.json()["id"]
    voted = post(voter, f"/api/meetings/{meeting_id}/questions/{question_id}/vote", {"up": True})
    assert voted.json() == {"id": question_id, "votes": 1, "voted": True}
    listed = voter.get(f"/api/meetings/{meeting_id}/questions").json()
    assert [(q["id"], q["votes"], q["voted"]) for q in listed] == [(question_id, 1, True)]
    assert post(voter, f"/api/meetings/{meeting_id}/questions/{question_id}/answered").status_code == 403
    answered = post(client_for(lesson.lecturer), f"/api/meetings/{meeting_id}/questions/{question_id}/answered")
    assert answered.json() == {"id": question_id, "answered": True}
    outsider = post(client_for(lesson.outsider), f"/api/meetings/{meeting_id}/questions", {"text": "我也问"})
    assert outsider.status_code == 403
    assert post(asker, f"/api/meetings/{meeting_id}/questions", {"text": ""}).json()["code"] == "bad_request"


def test_the_lesson_state_over_the_api_is_the_sockets_and_is_described(lesson: Lesson, client_for, actor_of) -> None:
    meeting_id = lesson.meeting.pk
    viewer = client_for(lesson.viewers[0])
    asked = post(viewer, f"/api/meetings/{meeting_id}/questions", {"text": "怎样做到学思用贯通？"}).json()
    got = viewer.get(f"/api/meetings/{meeting_id}/lesson")
    assert got.status_code == 200
    assert got.json() == lesson_state(actor=actor_of(lesson.viewers[0]), meeting=lesson.meeting).model_dump(mode="json")
    assert [q["id"] for q in got.json()["questions"]] == [asked["id"]]
    schema = client_for(lesson.viewers[0]).get("/api/openapi.json").json()
    operation = schema["paths"]["/api/meetings/{meeting_id}/lesson"]["get"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/LessonStateOut"
    }
    assert {"lecturer", "me", "decks", "slide", "questions"} <= set(
        schema["components"]["schemas"]["LessonStateOut"]["properties"]
    )


def test_replay_heartbeats_need_the_csrf_token(lesson: Lesson, media_root) -> None:
    path = webm_file(media_root / "recordings" / "r.webm", seconds=2)
    recording = recordings.recording_saved(
        meeting_id=lesson.meeting.pk, path=path, started_at=T0, duration=webm_duration(path), content_type="video/webm"
    )
    client = Client(enforce_csrf_checks=True)
    login = post(client, "/api/auth/login", {"username": lesson.viewers[0].user.username, "password": PASSWORD})
    url = f"/api/meetings/{lesson.meeting.pk}/replay/heartbeat"
    beat = {"recording": recording.pk, "position": 0, "playing": True}
    refused = post(client, url, beat)
    assert refused.status_code == 403 and refused.json()["code"] == "csrf_failed"
    accepted = post(client, url, beat, HTTP_X_CSRFTOKEN=login.json()["csrf_token"])
    assert accepted.status_code == 200 and accepted.json() == {"credited": 0.0, "total": 0.0}
    bad = post(client, url, {**beat, "position": -1}, HTTP_X_CSRFTOKEN=login.json()["csrf_token"])
    assert bad.status_code == 400


# --- Recordings: the replay page and the file with Range ----------------------------------------


@pytest.fixture
def recording(lesson: Lesson, media_root):  # type: ignore[no-untyped-def]
    path = webm_file(media_root / "recordings" / f"lesson-{lesson.meeting.pk}.webm", seconds=3)
    return recordings.recording_saved(
        meeting_id=lesson.meeting.pk, path=path, started_at=T0, duration=webm_duration(path), content_type="video/webm"
    )


def test_the_recording_is_served_whole_or_by_range(lesson: Lesson, recording, client_for, media_root) -> None:
    data = (media_root / recording.path).read_bytes()
    size = len(data)
    url = f"/meetings/{lesson.meeting.pk}/recordings/{recording.pk}/"
    viewer = client_for(lesson.viewers[0])

    whole = viewer.get(url)
    assert whole.status_code == 200 and body_of(whole) == data
    assert whole["Content-Type"] == "video/webm" and whole["Content-Length"] == str(size)
    assert whole["Accept-Ranges"] == "bytes" and "no-store" in whole["Cache-Control"]
    assert whole["X-Content-Type-Options"] == "nosniff"

    for header, first, last in (
        ("bytes=0-99", 0, 99),
        ("bytes=100-", 100, size - 1),
        ("bytes=-50", size - 50, size - 1),
        (f"bytes=10-{size + 500}", 10, size - 1),
    ):
        part = viewer.get(url, HTTP_RANGE=header)
        assert part.status_code == 206, header
        assert part["Content-Range"] == f"bytes {first}-{last}/{size}"
        assert part["Content-Length"] == str(last - first + 1)
        assert body_of(part) == data[first : last + 1]
        assert part["Content-Type"] == "video/webm" and part["X-Content-Type-Options"] == "nosniff"

    for header in (f"bytes={size}-", f"bytes={size + 10}-{size + 20}", "bytes=50-10", "bytes=-0", "bytes=abc"):
        refused = viewer.get(url, HTTP_RANGE=header)
        assert refused.status_code == 416, header
        assert refused["Content-Range"] == f"bytes */{size}"
    assert viewer.get(url, HTTP_RANGE="items=0-1").status_code == 200  # another unit: the whole file

    assert client_for(lesson.outsider).get(url).status_code == 403
    other = Meeting.objects.exclude(pk=lesson.meeting.pk).first()
    assert other is None or viewer.get(f"/meetings/{other.pk}/recordings/{recording.pk}/").status_code in (403, 404)


def test_the_replay_page_lists_recordings_and_the_slide_timeline(lesson: Lesson, recording, client_for, actor_of):
    deck = slides.deck_upload(
        by=actor_of(lesson.lecturer), meeting=lesson.meeting, name="d.pdf", stream=io.BytesIO(pdf_bytes())
    )
    slides.deck_render(deck.pk)
    slides.slide_turn(by=actor_of(lesson.lecturer), meeting=lesson.meeting, action="goto", page=2)
    page = client_for(lesson.viewers[0]).get(f"/meetings/{lesson.meeting.pk}/replay/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'src="/meetings/{lesson.meeting.pk}/recordings/{recording.pk}/"' in html
    config = json.loads(html.split('id="replay-config" type="application/json">')[1].split("</script>")[0])
    assert config["recording"] == recording.pk and config["duration"] == recording.duration
    shown, turn = config["timeline"]  # page 1 shown when the deck was ready, then page 2
    assert shown["page"] == 1 and turn["deck"] == deck.pk and turn["page"] == 2
    assert turn["t"] > 0  # the turn happened now, after the recording's start at T0
    assert client_for(lesson.outsider).get(f"/meetings/{lesson.meeting.pk}/replay/").status_code == 403


# --- Pages: the room, study reports, home --------------------------------------------------------


def test_the_room_page_of_a_lesson_has_the_lesson_panels(lesson: Lesson, client_for, branch_meeting) -> None:
    html = client_for(lesson.viewers[0]).get(f"/meetings/{lesson.meeting.pk}/room/").content.decode()
    assert 'id="media-stage"' in html and "lessons/lesson.js" in html and "meetings/relay.js" in html
    assert 'id="questions-panel"' in html and 'id="slide-next"' not in html  # viewers do not turn pages
    lecturer_html = client_for(lesson.lecturer).get(f"/meetings/{lesson.meeting.pk}/room/").content.decode()
    assert 'id="slide-next"' in lecturer_html and 'id="viewer-count"' in lecturer_html
    plain = client_for(branch_meeting.secretary).get(f"/meetings/{branch_meeting.meeting.pk}/room/").content.decode()
    assert "media-stage" not in plain and "lesson.js" not in plain


def test_study_pages_chart_and_csv(lesson: Lesson, client_for, org_tree) -> None:
    meeting = lesson.meeting
    Meeting.objects.filter(pk=meeting.pk).update(started_at=T0)
    viewer = lesson.viewers[0]
    study.study_credit(
        meeting_id=meeting.pk, member_id=viewer.pk, seconds=5400, source="live", at=T0 + dt.timedelta(hours=2)
    )
    year = 2026

    mine = client_for(viewer).get(f"/meetings/study/?year={year}")
    assert mine.status_code == 200 and '<strong id="study-total">1.5</strong>' in mine.content.decode()
    rows = list(
        csv.reader(
            io.StringIO(client_for(viewer).get(f"/meetings/study/?year={year}&format=csv").content.decode("utf-8-sig"))
        )
    )
    assert rows[1][0] == meeting.title and rows[1][2:] == ["1.5", "0.0", "1.5"]

    url = f"/meetings/study/{org_tree.branch_a.pk}/?year={year}"
    report = client_for(lesson.secretary).get(url)
    assert report.status_code == 200
    assert f'data-member="{viewer.pk}"' in report.content.decode() and "bar-fill" in report.content.decode()
    exported = client_for(lesson.secretary).get(url + "&format=csv")
    assert exported["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert [org_tree.branch_a.name, "5", "1.5", "0.3"] == lines[1]  # five members in the branch
    assert any(line[:1] == [viewer.real_name] and line[-1] == "1.5" for line in lines)
    assert client_for(viewer).get(url).status_code == 403
    assert client_for(lesson.secretary).get(f"/meetings/study/{org_tree.branch_b.pk}/").status_code == 403


def test_the_home_page_shows_this_years_study_hours(lesson: Lesson, client_for) -> None:
    from django.utils import timezone

    meeting = lesson.meeting
    viewer = lesson.viewers[0]
    start = timezone.now() - dt.timedelta(hours=1)
    Meeting.objects.filter(pk=meeting.pk).update(started_at=start)
    study.study_credit(meeting_id=meeting.pk, member_id=viewer.pk, seconds=1800, source="live")
    html = client_for(viewer).get("/").content.decode()
    assert '<strong id="study-hours-value">0.5</strong>' in html
