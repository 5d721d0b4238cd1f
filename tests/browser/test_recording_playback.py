# ruff: noqa: F811 - the test argument names the fixture imported from tests/lessons/lesson_data.py
"""A recording made by the relay's recorder plays and seeks in Chromium.

The packets are encoded the way the relay encodes them (VP8 keyframes only on request, Opus in
20 ms packets) and handed to the real :class:`Recorder`, so the file is what a lesson leaves
behind. Decoding it with PyAV is not enough: Chromium refuses to seek in a WebM without cues
(``PIPELINE_ERROR_READ: FFmpegDemuxer: demuxer seek failed``)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import cast

import av
from django.conf import settings
from django.test import Client

from lessons import recordings
from meetings.media.encoding import AUDIO_RATE, AudioEncoder, VideoEncoder
from meetings.media.fanout import Fanout
from meetings.media.recorder import KEYFRAME_INTERVAL, Recorder
from tests.lessons.lesson_data import Lesson, lesson  # noqa: F401

FPS = 15


class RelaySource:
    """What the recorder needs of a fan-out: its sinks, keyframes on request, Opus extradata."""

    def __init__(self, kind: str) -> None:
        self.sinks: list[Callable[[av.Packet, bool], None]] = []
        self.keyframe_wanted = True
        self.keyframes = 0
        self.audio = AudioEncoder(bitrate=48_000) if kind == "audio" else None

    def request_keyframe(self) -> None:
        self.keyframe_wanted = True

    @property
    def audio_extradata(self) -> bytes | None:
        return self.audio.extradata if self.audio else None

    def send(self, packets: list[av.Packet], keyframe: bool) -> None:
        for packet in packets:
            for sink in list(self.sinks):
                sink(packet, keyframe)


def record(path: Path, seconds: float) -> Recorder:
    camera, microphone = RelaySource("video"), RelaySource("audio")
    recorder = Recorder(path=path, camera=cast(Fanout, camera), screen=None, microphone=cast(Fanout, microphone))
    video = VideoEncoder(bitrate=300_000, max_width=640, max_height=360)
    samples = 0
    for index in range(round(seconds * FPS)):
        frame = av.VideoFrame(320, 180, "rgb24")
        frame.planes[0].update(bytes([(index * 4) % 256, 90, 160]) * (320 * 180))
        keyframe, camera.keyframe_wanted = camera.keyframe_wanted, False
        camera.keyframes += keyframe
        camera.send(video.encode(frame, pts=index * 90_000 // FPS, keyframe=keyframe), keyframe)
        assert microphone.audio is not None
        while samples < (index + 1) * AUDIO_RATE // FPS:
            sound = av.AudioFrame(format="s16", layout="stereo", samples=960)
            sound.sample_rate = AUDIO_RATE
            for plane in sound.planes:
                plane.update(bytes(plane.buffer_size))
            microphone.send(microphone.audio.encode(sound, next_pts=samples), True)
            samples += 960
    recorder.close()
    assert camera.keyframes >= seconds // KEYFRAME_INTERVAL  # the recorder asked for more than the first
    return recorder


def test_a_recorded_lesson_plays_and_seeks_in_chromium(live_server_url, new_page, lesson: Lesson) -> None:
    path = Path(settings.MEDIA_ROOT) / "recordings" / f"test-{uuid.uuid4().hex}.webm"
    recorder = record(path, seconds=24)
    try:
        recording = recordings.recording_saved(
            meeting_id=lesson.meeting.pk, path=path, started_at=recorder.started_at,
            duration=recorder.duration, content_type="video/webm",
        )  # fmt: skip
        client = Client()
        client.force_login(lesson.viewers[0].user)
        page = new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.context.add_cookies(
            [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server_url}]
        )
        page.goto(f"{live_server_url}/meetings/{lesson.meeting.pk}/replay/?recording={recording.pk}")
        page.wait_for_function("() => document.getElementById('replay-video').readyState >= 1", timeout=20_000)
        # The duration comes from the file, not from reading it to the end.
        duration = page.evaluate("document.getElementById('replay-video').duration")
        assert abs(duration - recorder.duration) < 0.5
        page.evaluate("() => { const v = document.getElementById('replay-video'); v.muted = true; v.play(); }")
        page.wait_for_function("() => document.getElementById('replay-video').currentTime > 0.5", timeout=20_000)
        # Seek forward past two keyframe intervals, then back: both land and playback goes on.
        for target in (recorder.duration - 3, 2.0):
            page.evaluate(f"() => {{ document.getElementById('replay-video').currentTime = {target}; }}")
            page.wait_for_function(
                f"""() => {{ const v = document.getElementById('replay-video');
                    return !v.seeking && v.currentTime > {target} + 0.3 && v.currentTime < {target} + 3; }}""",
                timeout=20_000,
            )
        assert page.evaluate("document.getElementById('replay-video').error") is None
        assert errors == []
    finally:
        path.unlink(missing_ok=True)
