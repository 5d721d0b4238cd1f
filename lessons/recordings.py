"""Recordings of lessons: what the media worker wrote, and how a replay page reads it.

The media worker writes a recording under ``MEDIA_ROOT/recordings/`` and, once the file is
complete, calls :func:`recording_saved`. Members who may see the lesson (the meeting's access
rule) list its recordings and play them through an access-checked view that answers HTTP
``Range`` requests (:func:`byte_range`), which browsers need to seek in a ``<video>``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from kernel.errors import Invalid, NotFound
from lessons.models import Recording
from lessons.schemas import RecordingOut
from meetings.models import Meeting

# What a <video> or <audio> element plays; the worker's recorder writes one of these.
CONTENT_TYPES = {"video/webm", "audio/webm", "video/mp4", "audio/mp4", "audio/ogg", "video/ogg"}


def recordings_root() -> Path:
    return (Path(settings.MEDIA_ROOT) / "recordings").resolve()


def recording_saved(
    *, meeting_id: int, path: Path, started_at: dt.datetime, duration: float, content_type: str
) -> Recording:
    """Register a complete recording file (under ``MEDIA_ROOT/recordings/``). Saving the same
    path again updates its row, so the worker may call this again after a retry."""
    meeting = Meeting.objects.filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound(_("No such meeting."))
    resolved = Path(path).resolve()
    root = recordings_root()
    if not resolved.is_relative_to(root) or resolved == root:
        raise Invalid(_("A recording must be a file under MEDIA_ROOT/recordings/."))
    if not resolved.is_file():
        raise NotFound(_("The recording file does not exist."))
    base_type = content_type.split(";", 1)[0].strip().lower()
    if base_type not in CONTENT_TYPES:
        raise Invalid(_("Unsupported recording type."))
    if not math.isfinite(duration) or duration <= 0:
        raise Invalid(_("A recording has a positive duration."))
    if started_at.tzinfo is None:
        raise Invalid(_("The start time needs a time zone."))
    relative = resolved.relative_to(Path(settings.MEDIA_ROOT).resolve()).as_posix()
    with transaction.atomic():
        recording, _created = Recording.objects.update_or_create(
            path=relative,
            defaults={
                "meeting": meeting,
                "content_type": base_type,
                "started_at": started_at,
                "duration": float(duration),
                "size": resolved.stat().st_size,
            },
        )
    return recording


def recording_file(recording: Recording) -> Path:
    return Path(settings.MEDIA_ROOT) / recording.path


def recordings_of(meeting: Meeting) -> list[Recording]:
    """The caller has read ``meeting`` through the access policy."""
    return list(Recording.objects.filter(meeting=meeting).order_by("started_at", "pk"))


def recording_in(meeting: Meeting, recording_id: int) -> Recording:
    recording = Recording.objects.filter(pk=recording_id, meeting=meeting).first()
    if recording is None:
        raise NotFound(_("No such recording of this lesson."))
    return recording


def recording_out(recording: Recording) -> RecordingOut:
    return RecordingOut(
        id=recording.pk, content_type=recording.content_type, started_at=recording.started_at,
        duration=recording.duration, size=recording.size,
    )  # fmt: skip


# --- HTTP Range (RFC 9110 §14) ------------------------------------------------------------------

_RANGE = re.compile(r"^\s*(\d*)\s*-\s*(\d*)\s*$")


class RangeNotSatisfiable(Exception):
    pass


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The inclusive ``(first, last)`` byte positions a ``Range`` header asks for, or None to
    send the whole file (no header, another unit, or several ranges, which a server may
    ignore). A malformed or unsatisfiable byte range raises :class:`RangeNotSatisfiable`."""
    if not header:
        return None
    unit, _sep, spec = header.partition("=")
    if unit.strip().lower() != "bytes":
        return None
    if "," in spec:
        return None
    match = _RANGE.match(spec)
    if match is None or (not match.group(1) and not match.group(2)):
        raise RangeNotSatisfiable()
    first_text, last_text = match.groups()
    if not first_text:  # a suffix: the last N bytes
        length = int(last_text)
        if length == 0 or size == 0:
            raise RangeNotSatisfiable()
        return max(0, size - length), size - 1
    first = int(first_text)
    last = int(last_text) if last_text else size - 1
    if last < first or first >= size:
        raise RangeNotSatisfiable()
    return first, min(last, size - 1)
