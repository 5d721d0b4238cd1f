"""Record a lesson to WebM (VP8 + Opus) from the packets the relay already encodes.

The recorder is one more consumer of the shared fan-outs: it writes their encoded packets into a
Matroska/WebM container and encodes nothing itself, so recording costs disk writes, not CPU.
The video is the programme: the shared screen while it is being shown, otherwise the camera,
switching at a keyframe. WebM with VP8 and Opus plays in every current browser.

Writing happens in the event loop (a muxer call per packet is microseconds); packets are copied
before muxing, because the muxer rewrites timestamps in place and the same packet objects are
still queued for viewers.

A replay must seek: the muxer writes a cue (an index entry) only for a video packet flagged as a
keyframe, so the copies keep that flag, and the recorder asks for a keyframe every
``KEYFRAME_INTERVAL`` seconds of video (the relay otherwise makes them only on request), so a
seek lands near its target. Closing the container writes the cues and the duration.
"""

from __future__ import annotations

import fractions
import logging
import time
from datetime import datetime
from pathlib import Path

import av

from meetings.media.encoding import AUDIO_RATE, AUDIO_TIME_BASE, VIDEO_TIME_BASE
from meetings.media.fanout import Fanout

logger = logging.getLogger("meetings.media")
SCREEN_IDLE_SECONDS = 2.0  # the screen counts as shown while its frames keep coming
KEYFRAME_INTERVAL = 10.0  # seconds of recording between keyframes: where a seek can land


class Recorder:
    def __init__(self, *, path: Path, camera: Fanout, screen: Fanout | None, microphone: Fanout) -> None:
        self.path = path
        self.started_at = datetime.now().astimezone()
        self._started = time.monotonic()
        self._camera = camera
        self._screen = screen
        self._microphone = microphone
        path.parent.mkdir(parents=True, exist_ok=True)
        self._container = av.open(str(path), "w", format="webm")
        self._video = self._container.add_stream("libvpx", rate=15)
        self._video.width = 640
        self._video.height = 360
        self._video.pix_fmt = "yuv420p"
        self._video.time_base = fractions.Fraction(1, 1000)
        self._audio = self._container.add_stream("libopus", rate=AUDIO_RATE)
        self._audio.layout = "stereo"
        self._audio.codec_context.extradata = microphone.audio_extradata
        self._video_origin: int | None = None  # the first video pts written (90 kHz)
        self._audio_origin: int | None = None
        self._last_video_pts = -1
        self._last_keyframe_pts = 0
        self._last_audio_pts = -1
        self._shown: Fanout | None = None  # the video source being written
        self._screen_seen = 0.0
        self.video_packets = 0
        self.audio_packets = 0
        self.closed = False
        camera.sinks.append(self._on_camera)
        if screen is not None:
            screen.sinks.append(self._on_screen)
        microphone.sinks.append(self._on_audio)
        camera.request_keyframe()

    # --- sinks --------------------------------------------------------------------------------

    def _on_camera(self, packet: av.Packet, keyframe: bool) -> None:
        if time.monotonic() - self._screen_seen < SCREEN_IDLE_SECONDS:
            return  # the screen is the programme
        self._write_video(self._camera, packet, keyframe)

    def _on_screen(self, packet: av.Packet, keyframe: bool) -> None:
        self._screen_seen = time.monotonic()
        self._write_video(self._screen, packet, keyframe)

    def _write_video(self, source: Fanout | None, packet: av.Packet, keyframe: bool) -> None:
        if self.closed or source is None:
            return
        if source is not self._shown:
            if not keyframe:
                source.request_keyframe()
                return
            self._shown = source
        if self._video_origin is None:
            self._video_origin = int(packet.pts or 0)
        pts = max(self._last_video_pts + 1, self._ms(int(packet.pts or 0) - self._video_origin, VIDEO_TIME_BASE))
        self._last_video_pts = pts
        if keyframe:
            self._last_keyframe_pts = pts
        elif pts - self._last_keyframe_pts >= KEYFRAME_INTERVAL * 1000:
            source.request_keyframe()
        self._mux(packet, self._video, pts, keyframe=keyframe)
        self.video_packets += 1

    def _on_audio(self, packet: av.Packet, keyframe: bool) -> None:
        if self.closed or self._video_origin is None:
            return  # start with the first picture, so the file opens on a keyframe
        if self._audio_origin is None:
            # Line the audio up with the video by the relay clock both are stamped from.
            video_origin_seconds = float(self._video_origin * VIDEO_TIME_BASE)
            self._audio_origin = int(video_origin_seconds * AUDIO_RATE)
        pts = int(packet.pts or 0) - self._audio_origin
        if pts <= self._last_audio_pts:
            return
        self._last_audio_pts = pts
        self._mux(packet, self._audio, self._ms(pts, AUDIO_TIME_BASE), keyframe=True)
        self.audio_packets += 1

    @staticmethod
    def _ms(pts: int, time_base: fractions.Fraction) -> int:
        return int(pts * time_base * 1000)

    def _mux(self, packet: av.Packet, stream: av.stream.Stream, pts_ms: int, *, keyframe: bool) -> None:
        copy = av.Packet(bytes(packet))
        copy.is_keyframe = keyframe  # a copy starts unflagged; unflagged video gets no cues
        copy.pts = copy.dts = pts_ms
        copy.time_base = fractions.Fraction(1, 1000)
        copy.stream = stream
        try:
            self._container.mux(copy)
        except av.FFmpegError:
            logger.exception("recording %s: a packet could not be written", self.path)

    # --- the end ------------------------------------------------------------------------------

    @property
    def duration(self) -> float:
        """The file's length: its longer stream (the sound may outlast the last picture)."""
        audio_ms = self._ms(max(self._last_audio_pts, 0), AUDIO_TIME_BASE)
        return max(self._last_video_pts, audio_ms, 0) / 1000

    def close(self) -> float:
        """Finish the file; the recorded duration in seconds (0 when nothing was written)."""
        if self.closed:
            return self.duration
        self.closed = True
        for fanout, sink in ((self._camera, self._on_camera), (self._screen, self._on_screen),
                             (self._microphone, self._on_audio)):  # fmt: skip
            if fanout is not None and sink in fanout.sinks:
                fanout.sinks.remove(sink)
        try:
            self._container.close()
        except av.FFmpegError:  # nothing written: the muxer never started
            logger.info("recording %s ended empty", self.path)
        if not self.video_packets:
            self.path.unlink(missing_ok=True)
        return self.duration


def remux_seekable(path: Path) -> bool:
    """Rewrite a recording made before the recorder flagged keyframes (its WebM has no cues, so
    Chromium cannot seek in it) by copying its packets, keyframes flagged from the VP8 header,
    into a new file that closes with cues and a duration. Encodes nothing. False when the file
    already has cues or has no video."""
    from meetings.media.encoding import is_vp8_keyframe

    with av.open(str(path)) as source:
        video = next((s for s in source.streams if s.type == "video"), None)
        if video is None or _has_cues(path):
            return False
        partial = path.with_name(path.name + ".remux")
        with av.open(str(partial), "w", format="webm") as target:
            streams = {
                s.index: target.add_stream_from_template(s) for s in source.streams if s.type in ("video", "audio")
            }
            for packet in source.demux():
                if packet.dts is None or packet.stream.index not in streams:
                    continue  # the demuxer's flush packets
                if packet.stream.type == "video":
                    packet.is_keyframe = is_vp8_keyframe(packet)
                packet.stream = streams[packet.stream.index]
                target.mux(packet)
    partial.replace(path)
    return True


def _has_cues(path: Path) -> bool:
    """Whether the Matroska file ends with an index (the Cues element's id near the end)."""
    with path.open("rb") as file:
        file.seek(0, 2)
        size = file.tell()
        file.seek(max(0, size - 1_000_000))
        return b"\x1c\x53\xbb\x6b" in file.read()
