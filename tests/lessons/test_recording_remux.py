# ruff: noqa: F811 - the test argument names the fixture imported from tests/lessons/lesson_data.py
"""Recordings written before the recorder flagged keyframes have no cues (Chromium cannot seek in
them); ``recordings_remux`` rewrites them with cues, copying packets, encoding nothing."""

from __future__ import annotations

import fractions
from io import StringIO
from pathlib import Path

import av
import pytest
from django.conf import settings
from django.core.management import call_command

from lessons import recordings
from meetings.media.encoding import VIDEO_TIME_BASE, VideoEncoder
from meetings.media.recorder import _has_cues, remux_seekable
from tests.lessons.lesson_data import Lesson, lesson  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db


def old_recording(path: Path, *, frames: int = 60, keyframes: tuple[int, ...] = (0, 30)) -> Path:
    """What the recorder wrote before: VP8 packets copied without their keyframe flag."""
    path.parent.mkdir(parents=True, exist_ok=True)
    encoder = VideoEncoder(bitrate=200_000, max_width=320, max_height=180)
    with av.open(str(path), "w", format="webm") as container:
        stream = container.add_stream("libvpx", rate=15)
        stream.width, stream.height, stream.pix_fmt = 320, 180, "yuv420p"
        stream.time_base = fractions.Fraction(1, 1000)
        for index in range(frames):
            frame = av.VideoFrame(320, 180, "rgb24")
            frame.planes[0].update(bytes([index * 4 % 256, 90, 160]) * (320 * 180))
            for packet in encoder.encode(frame, pts=index * 6000, keyframe=index in keyframes):
                copy = av.Packet(bytes(packet))
                copy.pts = copy.dts = int(index * 6000 * VIDEO_TIME_BASE * 1000)
                copy.time_base = fractions.Fraction(1, 1000)
                copy.stream = stream
                container.mux(copy)
    return path


def keyframes_of(path: Path) -> int:
    with av.open(str(path)) as container:
        return sum(1 for packet in container.demux(video=0) if packet.size and packet.is_keyframe)


def test_an_old_recording_gets_cues_once(lesson: Lesson) -> None:
    path = old_recording(Path(settings.MEDIA_ROOT) / "recordings" / "old-remux-test.webm")
    try:
        assert not _has_cues(path)
        recording = recordings.recording_saved(
            meeting_id=lesson.meeting.pk, path=path, started_at=lesson.meeting.started_at, duration=3.9,
            content_type="video/webm",
        )  # fmt: skip
        out = StringIO()
        call_command("recordings_remux", stdout=out)
        assert "1 recording(s) made seekable" in out.getvalue()
        assert _has_cues(path) and keyframes_of(path) == 2  # each real keyframe indexed
        with av.open(str(path)) as container:
            assert len(list(container.decode(video=0))) == 60  # every picture kept
        recording.refresh_from_db()
        assert recording.size == path.stat().st_size
        assert not remux_seekable(path)  # already seekable: left alone
    finally:
        path.unlink(missing_ok=True)
