"""Fixtures and real files for the lesson tests: a live lesson with a lecturer, PDFs made with
Pillow, WebM recordings encoded with PyAV."""

from __future__ import annotations

import datetime as dt
import io
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.utils import timezone

from lessons.services import lecturer_set
from meetings import lifecycle, services
from meetings.models import Meeting, MeetingKind
from members.models import Member, RoleKind
from tests.meetings.conftest import enter_and_join

COLOURS = [(200, 30, 40), (30, 160, 60), (40, 60, 200)]  # one colour per page, to tell pages apart


@dataclass
class Lesson:
    meeting: Meeting
    secretary: Member  # schedules and hosts
    lecturer: Member  # holds the lecturer role
    viewers: list[Member]
    outsider: Member  # another branch


def schedule_lesson(secretary: Member, organisation, actor_of, *, start: bool = True) -> Meeting:  # type: ignore[no-untyped-def]
    now = timezone.now()
    meeting = services.meeting_schedule(
        by=actor_of(secretary),
        organisation=organisation,
        kind=MeetingKind.LESSON,
        title="学习党章党课",
        starts_at=now,
        ends_at=now + dt.timedelta(hours=1),
    )
    if start:
        lifecycle.meeting_start(by=actor_of(secretary), meeting=meeting)
    return meeting


@pytest.fixture
def lesson(org_tree, member_factory, actor_of) -> Lesson:
    """A live lesson of 第一党支部: the secretary hosts, a lecturer teaches, three viewers are in."""
    secretary = member_factory(org_tree.branch_a, roles=[(RoleKind.SECRETARY, org_tree.branch_a)])
    lecturer = member_factory(org_tree.branch_a, roles=[(RoleKind.LECTURER, org_tree.branch_a)])
    viewers = [member_factory(org_tree.branch_a) for _ in range(2)] + [member_factory(org_tree.group_a1)]
    outsider = member_factory(org_tree.branch_b)
    meeting = schedule_lesson(secretary, org_tree.branch_a, actor_of)
    lecturer_set(by=actor_of(secretary), meeting=meeting, member=lecturer)
    meeting.refresh_from_db()
    for member in [secretary, lecturer, *viewers]:
        assert enter_and_join(actor_of(member), meeting) == "admitted"
    return Lesson(meeting, secretary, lecturer, viewers, outsider)


def fresh_rate_limits(settings) -> None:  # type: ignore[no-untyped-def]
    """Empty rate-limit buckets: new Redis keys (a prefix of the test's own) and the in-process ones."""
    from kernel import ratelimit

    settings.REDIS_PREFIX = f"t{os.getpid()}-{uuid.uuid4().hex[:8]}"
    ratelimit.reset_local()


def pdf_bytes(colours: list[tuple[int, int, int]] = COLOURS, size: tuple[int, int] = (800, 600)) -> bytes:
    """A real PDF, one solid-coloured page per colour (Pillow writes PDFs)."""
    from PIL import Image

    pages = [Image.new("RGB", size, colour) for colour in colours]
    out = io.BytesIO()
    pages[0].save(out, format="PDF", save_all=True, append_images=pages[1:], resolution=72.0)
    return out.getvalue()


def webm_file(path: Path, *, seconds: float = 3.0, fps: int = 10, size: tuple[int, int] = (160, 120)) -> Path:
    """A real WebM file: ``seconds`` of VP8 video encoded with PyAV."""
    import av

    path.parent.mkdir(parents=True, exist_ok=True)
    width, height = size
    with av.open(str(path), mode="w", format="webm") as container:
        stream = container.add_stream("libvpx", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for index in range(round(seconds * fps)):
            frame = av.VideoFrame(width, height, "rgb24")
            frame.planes[0].update(bytes([(index * 8) % 256, 90, 160]) * (width * height))
            frame.pts = index
            for packet in stream.encode(frame.reformat(format="yuv420p")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def webm_duration(path: Path) -> float:
    import av

    with av.open(str(path)) as container:
        assert container.duration is not None
        return float(container.duration / av.time_base)
