"""Pages and files of lessons: slide images, the replay page and its recording files (with
HTTP Range), the study-hours reports. Every one reads through the access policy."""

from __future__ import annotations

import csv
import os
from collections.abc import AsyncIterator
from typing import Any, BinaryIO

from asgiref.sync import sync_to_async
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kernel.errors import NotFound
from kernel.ids import YEARS, int_or_none
from lessons import recordings, slides, study
from lessons.models import DeckStatus
from lessons.selectors import lesson_get_for
from meetings import rules
from meetings.models import Meeting, MeetingKind
from meetings.rules import is_host, may_run
from members.access import Action, Actor, actor_for, organisations_where
from members.models import Organisation
from members.selectors import organisations_under

# The lesson script's words, translated here so that quotes in a translation cannot break them.
LESSON_TEXT = {
    "noSlides": gettext_lazy("No slides are shown yet."),
    "page": gettext_lazy("Page {page}"),
    "pageOf": gettext_lazy("Page {page} of {pages}"),
    "show": gettext_lazy("Show"),
    "uploading": gettext_lazy("Uploading…"),
    "rendering": gettext_lazy("Preparing the pages…"),
    "ready": gettext_lazy("Ready"),
    "failed": gettext_lazy("Could not be read"),
    "votes": gettext_lazy("votes"),
    "upvote": gettext_lazy("Upvote"),
    "withdraw": gettext_lazy("Withdraw my vote"),
    "answered": gettext_lazy("Answered"),
    "markAnswered": gettext_lazy("Mark answered"),
    "markOpen": gettext_lazy("Not answered yet"),
    "rejected": gettext_lazy("A moderator rejected your question:"),
    "noQuestions": gettext_lazy("No questions yet."),
    "viewers": gettext_lazy("Viewers"),
    "error": gettext_lazy("That did not work:"),
}

REPLAY_TEXT = {
    "page": gettext_lazy("Page {page}"),
    "noSlide": gettext_lazy("No slide was shown at this point."),
}

SECURE_FILE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
}


def _slide_url_pattern(meeting: Meeting) -> str:
    # The page fills in deck and page: "/meetings/3/slides/{deck}/{page}.webp".
    url = reverse("lessons:slide_image", kwargs={"meeting_id": meeting.pk, "deck_id": 9991, "page": 9992})
    return url.replace("9991", "{deck}").replace("9992", "{page}")


def room_context(actor: Actor, meeting: Meeting) -> dict[str, Any]:
    """What the room page adds for a lesson (nothing for other meetings)."""
    if meeting.kind != MeetingKind.LESSON:
        return {"lesson": None}
    return {
        # A lecturer who is not a host ends his lesson here; hosts have the host panel's button.
        "lesson": {
            "presenter": rules.can_present(actor, meeting),
            "runs_only": may_run(actor, meeting) and not is_host(actor, meeting),
        },
        "lesson_config": {
            "meeting": meeting.pk,
            "room": f"meeting:{meeting.pk}",
            "presenter": rules.can_present(actor, meeting),
            "lecturer": rules.lecturer_id(meeting),
            "slide_url": _slide_url_pattern(meeting),
            "upload_url": reverse("api:deck_upload", kwargs={"meeting_id": meeting.pk}),
            "max_bytes": slides.max_bytes(),
        },
        "lesson_text": {key: str(text) for key, text in LESSON_TEXT.items()},
    }


@login_required
def slide_image(request: HttpRequest, meeting_id: int, deck_id: int, page: int) -> HttpResponseBase:
    """One rendered page, for whoever may see the lesson."""
    meeting = lesson_get_for(actor=actor_for(request.user), meeting_id=meeting_id)
    deck = slides.deck_in(meeting, deck_id)
    limit = deck.pages if deck.status == DeckStatus.READY else deck.rendered
    path = slides.page_path(deck, page)
    if not 1 <= page <= limit or not path.is_file():
        raise NotFound(_("No such page."))
    response = FileResponse(path.open("rb"), content_type="image/webp")
    for header, value in SECURE_FILE_HEADERS.items():
        response[header] = value
    # A deck's pages never change (a new upload is a new deck): a browser may keep them, once
    # the full-width page has replaced the phone-sized first rendering.
    final = slides.page_is_final(deck, page)
    response["Cache-Control"] = "private, max-age=86400, immutable" if final else "private, no-cache"
    return response


@login_required
def replay_page(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """The lesson's recordings, one playing, the slides following the playback position."""
    meeting = lesson_get_for(actor=actor_for(request.user), meeting_id=meeting_id)
    items = recordings.recordings_of(meeting)
    chosen = None
    if items:
        wanted = request.GET.get("recording", "")
        chosen = next((r for r in items if str(r.pk) == wanted), items[-1])
    config: dict[str, Any] = {"meeting": meeting.pk}
    if chosen is not None:
        timeline = [point.model_dump() for point in slides.slide_timeline_from(meeting, chosen.started_at)]
        config.update(
            {
                "recording": chosen.pk,
                "duration": chosen.duration,
                "timeline": timeline,
                "slide_url": _slide_url_pattern(meeting),
                "heartbeat_url": reverse("api:replay_heartbeat", kwargs={"meeting_id": meeting.pk}),
            }
        )
    return render(
        request,
        "lessons/replay.html",
        {
            "meeting": meeting,
            "recordings": items,
            "chosen": chosen,
            "replay_config": config,
            "replay_text": {key: str(text) for key, text in REPLAY_TEXT.items()},
        },
    )


CHUNK = 256 * 1024


def _open_binary(path: str) -> BinaryIO:
    return open(path, "rb")


async def _file_chunks(path: str, first: int, length: int) -> AsyncIterator[bytes]:
    """The bytes ``first`` … ``first + length - 1`` of a file, read off the event loop in
    chunks, so a long recording is never held in memory."""
    handle = await sync_to_async(_open_binary, thread_sensitive=False)(path)
    try:
        await sync_to_async(handle.seek, thread_sensitive=False)(first)
        left = length
        while left > 0:
            chunk = await sync_to_async(handle.read, thread_sensitive=False)(min(CHUNK, left))
            if not chunk:
                break
            left -= len(chunk)
            yield chunk
    finally:
        await sync_to_async(handle.close, thread_sensitive=False)()


@login_required
def recording_file(request: HttpRequest, meeting_id: int, recording_id: int) -> HttpResponseBase:
    """A recording for whoever may see the lesson, whole (200) or a byte range (206); an
    unsatisfiable range is 416 with the size."""
    meeting = lesson_get_for(actor=actor_for(request.user), meeting_id=meeting_id)
    recording = recordings.recording_in(meeting, recording_id)
    path = recordings.recording_file(recording)
    try:
        size = os.stat(path).st_size
    except FileNotFoundError:
        raise NotFound(_("The recording file is missing.")) from None
    try:
        wanted = recordings.byte_range(request.headers.get("Range"), size)
    except recordings.RangeNotSatisfiable:
        refused = HttpResponse(status=416)
        refused["Content-Range"] = f"bytes */{size}"
        refused["Accept-Ranges"] = "bytes"
        refused["Cache-Control"] = "private, no-store"
        refused["X-Content-Type-Options"] = "nosniff"
        return refused
    first, last = wanted if wanted is not None else (0, size - 1)
    length = max(0, last - first + 1)
    response = StreamingHttpResponse(
        _file_chunks(str(path), first, length), status=206 if wanted is not None else 200,
        content_type=recording.content_type,
    )  # fmt: skip
    if wanted is not None:
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, no-store"
    for header, value in SECURE_FILE_HEADERS.items():
        response[header] = value
    return response


# --- Study hours ----------------------------------------------------------------------------------


def _year(request: HttpRequest) -> int:
    return int_or_none(request.GET.get("year"), *YEARS) or timezone.localdate().year


def _csv_response(filename: str) -> tuple[HttpResponse, Any]:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")  # so that spreadsheet programs read UTF-8
    return response, csv.writer(response)


@login_required
def study_me_page(request: HttpRequest) -> HttpResponse:
    """A member's own study hours in a year, per lesson, as a chart and CSV."""
    actor = actor_for(request.user)
    year = _year(request)
    report = study.my_study_year(actor=actor, year=year)
    if request.GET.get("format") == "csv":
        response, writer = _csv_response(f"study-{year}.csv")
        writer.writerow([_("Lesson"), _("Date"), _("Live hours"), _("Replay hours"), _("Hours")])
        for lesson in report.lessons:
            writer.writerow(
                [lesson.title, timezone.localtime(lesson.starts_at).date().isoformat(), lesson.live_hours,
                 lesson.replay_hours, lesson.hours]
            )  # fmt: skip
        writer.writerow([_("Total"), "", report.live_hours, report.replay_hours, report.hours])
        return response
    reportable = organisations_under(organisations_where(actor, Action.HOST_MEETING)).order_by("path")[:50]
    return render(request, "lessons/study_me.html", {"report": report, "year": year, "organisations": reportable})


@login_required
def study_org_page(request: HttpRequest, org_id: int) -> HttpResponse:
    """An organisation's study hours in a year, per branch and per member, as charts and CSV."""
    actor = actor_for(request.user)
    organisation = get_object_or_404(Organisation, pk=org_id)
    year = _year(request)
    report = study.organisation_study_report(actor=actor, organisation=organisation, year=year)
    if request.GET.get("format") == "csv":
        response, writer = _csv_response(f"study-{organisation.code}-{year}.csv")
        writer.writerow([_("Branch"), _("Members"), _("Hours"), _("Average hours per member")])
        for branch in report.branches:
            writer.writerow([branch.name, branch.members, branch.hours, branch.average_hours])
        writer.writerow([])
        writer.writerow([_("Member"), _("Organisation"), _("Live hours"), _("Replay hours"), _("Hours")])
        for row in report.members:
            writer.writerow([row.real_name, row.organisation, row.live_hours, row.replay_hours, row.hours])
        return response
    return render(request, "lessons/study_org.html", {"report": report, "year": year, "organisation": organisation})
