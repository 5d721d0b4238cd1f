"""Lesson slides: the lecturer's PDF, its pages rendered to images, and the page being shown.

* **Upload**: typed by its first bytes (a PDF or nothing, like forum attachments), at most
  ``LESSON_SLIDES_MAX_BYTES``; stored under ``MEDIA_ROOT/lessons/slides/`` by a random key and
  served only through views that ask the access policy.
* **Rendering** (pypdfium2 → Pillow → WebP, ``LESSON_SLIDE_WIDTH`` pixels wide, at most
  ``LESSON_SLIDES_MAX_PAGES`` pages) is long, so it runs after the upload's commit on one
  background thread of its own (PDFium is not thread-safe; one thread also bounds the CPU it
  takes from the web process). Under Daphne the thread is entered through ``sync_to_async``, so
  what it publishes goes through the server's event loop like any request's events, and the
  loop itself never waits for a page. Each rendered page sends the uploader an ephemeral
  ``signal`` with ``{"kind": "slides.progress", …}``; the deck row keeps the count too, so a page
  that reconnects reads it. A finished deck is announced with a durable ``lessons.deck.ready``.
* **Turning**: ``slide_turn`` stores a :class:`SlideTurn` and the durable event
  ``{"type": "lessons.slide.turned", "deck": d, "page": p}`` — a few bytes, so a member on a weak link
  follows with audio and slides; late joiners and resuming pages read the latest turn. The turns
  are also the timeline a replay follows.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import close_old_connections, connection, transaction
from django.utils.translation import gettext as _

from kernel import clock, files
from kernel.errors import DomainError, Invalid, NotFound
from lessons import events
from lessons.models import DeckStatus, SlideDeck, SlideTurn
from lessons.rules import require_lesson, require_not_over, require_presenter
from lessons.schemas import ShownSlideOut, SlideOut, TimelineOut, TimelinePointOut
from lessons.slide_pages import render_page
from meetings.models import Meeting, MeetingStatus
from members.access import Actor
from moderation.documents import document_guard
from moderation.pipeline import guard_texts
from realtime.protocol import Signal
from realtime.services import call_in_loop, ephemeral_send, event_append

logger = logging.getLogger("meetings.slides")

PDF = "application/pdf"


class SlidesTooLarge(DomainError):
    code = "too_large"
    status = 413

    def __init__(self, *, limit: int) -> None:
        super().__init__(_("The file is larger than %(mb)d MB.") % {"mb": limit // (1024 * 1024)}, limit=limit)


def max_bytes() -> int:
    return int(getattr(settings, "LESSON_SLIDES_MAX_BYTES", 20 * 1024 * 1024))


def max_pages() -> int:
    return int(getattr(settings, "LESSON_SLIDES_MAX_PAGES", 300))


def slide_width() -> int:
    return int(getattr(settings, "LESSON_SLIDE_WIDTH", 1280))


def room_stream(meeting_id: int) -> str:
    return f"meeting:{meeting_id}"


def pages_dir(deck: SlideDeck) -> Path:
    return Path(settings.MEDIA_ROOT) / "lessons" / "slides" / deck.key


def phone_width() -> int:
    return min(slide_width(), int(getattr(settings, "LESSON_SLIDE_PHONE_WIDTH", 640)))


def page_path(deck: SlideDeck, page: int) -> Path:
    """The page at full width once rendered, else its phone-sized first rendering."""
    full = pages_dir(deck) / f"{page}.webp"
    return full if full.is_file() else _phone_path(deck, page)


def page_is_final(deck: SlideDeck, page: int) -> bool:
    return (pages_dir(deck) / f"{page}.webp").is_file()


def _phone_path(deck: SlideDeck, page: int) -> Path:
    return pages_dir(deck) / f"{page}.phone.webp"


def deck_out(deck: SlideDeck) -> events.Deck:
    return events.Deck(
        id=deck.pk, filename=deck.filename, status=deck.status, pages=deck.pages, rendered=deck.rendered,
        error=deck.error,
    )  # fmt: skip


def decks_for(meeting: Meeting) -> list[SlideDeck]:
    return list(SlideDeck.objects.filter(meeting=meeting).order_by("pk"))


def deck_in(meeting: Meeting, deck_id: int) -> SlideDeck:
    deck = SlideDeck.objects.filter(pk=deck_id, meeting=meeting).first()
    if deck is None:
        raise NotFound(_("No such slides in this lesson."))
    return deck


# --- Upload ---------------------------------------------------------------------------------------


def deck_upload(*, by: Actor, meeting: Meeting, name: str, stream: IO[bytes], size: int | None = None) -> SlideDeck:
    """Store a PDF the lecturer (or a host) uploaded and start rendering its pages."""
    require_lesson(meeting)
    require_presenter(by, meeting)
    require_not_over(meeting)

    def guard(filename: str) -> None:
        guard_texts(texts=[filename], author=by, organisation=meeting.organisation)

    upload = files.upload_read(
        stream, name=name, limit=max_bytes(), size=size, types={PDF}, fallback="slides", guard=guard,
        too_large=lambda limit: SlidesTooLarge(limit=limit), refused=lambda: Invalid(_("Slides must be a PDF file.")),
    )  # fmt: skip
    data = upload.data
    document_guard(data=data, content_type=upload.content_type, author=by, organisation=meeting.organisation)
    key = uuid.uuid4().hex
    with transaction.atomic():
        deck = SlideDeck(
            meeting=meeting,
            uploaded_by_id=by.member_id,
            key=key,
            filename=upload.filename,
            size=len(data),
        )
        deck.file.save(f"{key}.pdf", ContentFile(data), save=False)
        deck.save()
        deck_id = deck.pk
        transaction.on_commit(lambda: render_start(deck_id))
    return deck


# --- Rendering ------------------------------------------------------------------------------------

_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="slides")


def render_start(deck_id: int) -> None:
    """Render a deck on the slides thread. Inside Daphne the job is entered through the
    server's event loop, so its publishes travel like a request's; elsewhere (management
    commands, the test client) it is simply handed to the thread."""
    job = sync_to_async(_render_job, thread_sensitive=False, executor=_executor)
    if not call_in_loop(lambda: job(deck_id)):
        _executor.submit(_render_job, deck_id)


def _render_job(deck_id: int) -> None:
    close_old_connections()
    try:
        deck_render(deck_id)
    except Exception:
        logger.exception("rendering slide deck %s failed", deck_id)
        SlideDeck.objects.filter(pk=deck_id, status=DeckStatus.RENDERING).update(
            status=DeckStatus.FAILED, error=_("The pages could not be prepared.")
        )
    finally:
        connection.close()


def _progress(deck: SlideDeck) -> None:
    if deck.uploaded_by_id is None:
        return
    data = {
        "kind": "slides.progress",
        "deck": deck.pk,
        "done": deck.rendered,
        "total": deck.pages,
        "status": deck.status,
        "error": deck.error,
    }
    ephemeral_send(
        frame=Signal(stream=room_stream(deck.meeting_id), sender=None, data=data), to_member=deck.uploaded_by_id
    )


def _fail(deck: SlideDeck, message: str) -> None:
    deck.status = DeckStatus.FAILED
    deck.error = message[:300]
    deck.save(update_fields=["status", "error"])
    _progress(deck)


def deck_render(deck_id: int) -> SlideDeck:
    """Render every page of a deck (1-based), first phone-sized (``<key>/<n>.phone.webp``),
    telling the uploader how far it is after each page, then announce the deck on the lesson's
    stream and render each page again at full width (``<key>/<n>.webp``)."""
    import pypdfium2 as pdfium

    deck = SlideDeck.objects.get(pk=deck_id)
    try:
        document = pdfium.PdfDocument(deck.file.path)
    except pdfium.PdfiumError:
        _fail(deck, _("This PDF cannot be read (damaged or password-protected)."))
        return deck
    try:
        count = len(document)
        if count == 0 or count > max_pages():
            _fail(deck, _("A deck has between 1 and %(n)d pages.") % {"n": max_pages()})
            return deck
        deck.pages = count
        deck.save(update_fields=["pages"])
        _progress(deck)
        pages_dir(deck).mkdir(parents=True, exist_ok=True)
        # Phones first: every page small (fast), and the deck is ready and shown; then each page
        # again at full width, which the page view serves from then on.
        for index in range(count):
            render_page(document, index, width=phone_width(), target=_phone_path(deck, index + 1))
            deck.rendered = index + 1
            deck.save(update_fields=["rendered"])
            _progress(deck)
        _ready(deck)
        if slide_width() > phone_width():
            for index in range(count):
                render_page(document, index, width=slide_width(), target=pages_dir(deck) / f"{index + 1}.webp")
    except pdfium.PdfiumError:
        if deck.status == DeckStatus.READY:  # the phone-sized pages stay in use
            logger.exception("slide deck %s: a full-width page failed", deck.pk)
            return deck
        _fail(deck, _("This PDF cannot be read (damaged or password-protected)."))
        return deck
    finally:
        document.close()
    return deck


def _ready(deck: SlideDeck) -> None:
    with transaction.atomic():
        deck.status = DeckStatus.READY
        deck.save(update_fields=["status"])
        event_append(stream=room_stream(deck.meeting_id), payload=events.DeckReady(deck=deck_out(deck)))
        _show_when_nothing_is(deck)
    _progress(deck)


def _show_when_nothing_is(deck: SlideDeck) -> None:
    """A lesson with no slide on screen shows a deck's first page as soon as it is ready, so
    nobody has to click "show"; a deck arriving while another is shown waits for the presenter."""
    meeting = Meeting.objects.select_for_update().get(pk=deck.meeting_id)
    if meeting.status not in (MeetingStatus.SCHEDULED, MeetingStatus.LIVE) or _latest_turn(meeting) is not None:
        return
    SlideTurn.objects.create(meeting=meeting, deck=deck, page=1, at=clock.now(), by_id=deck.uploaded_by_id)
    event_append(stream=room_stream(meeting.pk), payload=events.SlideTurned(deck=deck.pk, page=1))


def deck_delete_files(deck: SlideDeck) -> None:
    shutil.rmtree(pages_dir(deck), ignore_errors=True)
    deck.file.delete(save=False)


# --- Turning pages --------------------------------------------------------------------------------


def _latest_turn(meeting: Meeting) -> SlideTurn | None:
    return SlideTurn.objects.filter(meeting=meeting).select_related("deck").order_by("-at", "-pk").first()


def current_slide(meeting: Meeting) -> ShownSlideOut | None:
    turn = _latest_turn(meeting)
    if turn is None:
        return None
    return ShownSlideOut(deck=turn.deck_id, page=turn.page, pages=turn.deck.pages, at=turn.at.isoformat())


def slide_turn(
    *, by: Actor, meeting: Meeting, action: str, page: int | None = None, deck_id: int | None = None
) -> SlideOut:
    """``next`` / ``previous`` / ``goto`` (``page``, and ``deck`` to switch decks). Showing the
    page already shown stores nothing, so a retried command is harmless."""
    require_lesson(meeting)
    require_presenter(by, meeting)
    require_not_over(meeting)
    with transaction.atomic():
        Meeting.objects.select_for_update().filter(pk=meeting.pk).first()  # one turn at a time
        current = _latest_turn(meeting)
        if deck_id is not None:
            deck = deck_in(meeting, deck_id)
        elif current is not None:
            deck = current.deck
        else:
            latest = SlideDeck.objects.filter(meeting=meeting, status=DeckStatus.READY).order_by("-pk").first()
            if latest is None:
                raise Invalid(_("Upload slides first."))
            deck = latest
        if deck.status != DeckStatus.READY:
            raise Invalid(_("These slides are not ready yet."))
        on_deck = current is not None and current.deck_id == deck.pk
        if action == "goto":
            if page is None:
                raise Invalid(_("Say which page."))
            wanted = page
        elif action == "next":
            wanted = current.page + 1 if current is not None and on_deck else 1
        elif action == "previous":
            wanted = current.page - 1 if current is not None and on_deck else 1
        else:
            raise Invalid(_("Unknown slide action."))
        if not 1 <= wanted <= deck.pages:
            raise Invalid(_("There is no page %(n)d.") % {"n": wanted})
        shown = SlideOut(deck=deck.pk, page=wanted, pages=deck.pages)
        if current is not None and on_deck and current.page == wanted:
            return shown
        SlideTurn.objects.create(meeting=meeting, deck=deck, page=wanted, at=clock.now(), by_id=by.member_id)
        event_append(stream=room_stream(meeting.pk), payload=events.SlideTurned(deck=deck.pk, page=wanted))
    return shown


def _turns(meeting: Meeting) -> list[tuple[int, int, dt.datetime]]:
    return list(SlideTurn.objects.filter(meeting=meeting).order_by("at", "pk").values_list("deck_id", "page", "at"))


def slide_timeline(meeting: Meeting) -> list[TimelineOut]:
    """Every page shown, in order, with when: what a replay follows."""
    return [TimelineOut(deck=deck, page=page, at=at) for deck, page, at in _turns(meeting)]


def slide_timeline_from(meeting: Meeting, origin: dt.datetime) -> list[TimelinePointOut]:
    """The timeline as seconds from ``origin`` (a recording's start). A page shown before the
    recording began has a negative ``t``: it is on screen at 0."""
    return [
        TimelinePointOut(t=round((at - origin).total_seconds(), 3), deck=deck, page=page)
        for deck, page, at in _turns(meeting)
    ]
