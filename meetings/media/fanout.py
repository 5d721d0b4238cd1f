"""One published track, encoded once, handed to every viewer as the same packets.

A :class:`Fanout` outlives its source: when the publisher reconnects (a fresh peer connection
after a network drop) or switches camera, :meth:`Fanout.feed` swaps the source and viewers keep
their tracks and their timeline. Each viewer holds a :class:`PacketTrack`, a bounded queue of
encoded packets that its ``RTCRtpSender`` packetises without encoding.

The source is always drained: a reader task takes every decoded frame as it arrives into a
backlog of a few frames, and the encoder works through it. A slow encode therefore drops the
oldest frames instead of letting them pile up in aiortc's unbounded receive queue.

Keyframes: a packet-yielding track ignores the sender's own keyframe flag, so the picture-loss
and full-intra requests (PLI/FIR) that aiortc hands to ``RTCRtpSender._send_keyframe`` are routed
here (:meth:`PacketTrack.request_keyframe`), as is every new viewer's need for one. Requests are
coalesced to at most one keyframe per ``KEYFRAME_MIN_INTERVAL`` so one lossy viewer cannot make
the stream all keyframes for everybody. A viewer asks for its first keyframe when its sender
starts reading (its connection is up), not before: a viewer still connecting, or one whose
connection never comes up, takes no packets and asks for nothing. (Queueing for it meanwhile
overflowed its queue every two seconds, each overflow a keyframe request: during a lesson's start
the shared stream became a keyframe every 0.3 s for everyone, which multiplied the relay's
packets per viewer.)
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Literal

import av
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from meetings.media.encoding import (
    AUDIO_RATE,
    AUDIO_SAMPLES_PER_PACKET,
    AudioEncoder,
    VideoEncoder,
    is_vp8_keyframe,
)

logger = logging.getLogger("meetings.media")

Kind = Literal["audio", "video"]
KEYFRAME_MIN_INTERVAL = 0.3  # seconds between forced keyframes
VIDEO_QUEUE = 30  # packets: two seconds at 15 fps
AUDIO_QUEUE = 50  # packets: one second
VIDEO_BACKLOG = 3  # decoded frames waiting for the encoder: 200 ms at 15 fps


class PacketTrack(MediaStreamTrack):
    """A viewer's copy of one fan-out: yields the shared ``av.Packet``s.

    A video track starts at a keyframe (earlier deltas could not be decoded) and, if its queue
    overflows because its connection cannot keep up, empties it and waits for the next keyframe
    rather than deliver a broken picture late. ``source`` may change (:meth:`attach`): the
    viewer's sender does not notice, it simply gets the other publisher's packets.
    """

    def __init__(self, kind: Kind) -> None:
        super().__init__()
        self.kind = kind
        self._queue: asyncio.Queue[av.Packet | None] = asyncio.Queue(
            maxsize=VIDEO_QUEUE if kind == "video" else AUDIO_QUEUE
        )
        self._need_key = kind == "video"
        self._reading = False  # the sender reads once the viewer's connection is up
        self.source: Fanout | None = None
        self.delivered = 0
        self.dropped = 0

    def attach(self, source: Fanout | None) -> None:
        if source is self.source:
            return
        if self.source is not None:
            self.source.viewers.discard(self)
        self.source = source
        self._need_key = self.kind == "video"
        if source is not None:
            source.viewers.add(self)
            if self._reading:
                source.request_keyframe()

    def request_keyframe(self) -> None:
        if self.source is not None:
            self.source.request_keyframe()

    def offer(self, packet: av.Packet, keyframe: bool) -> None:
        if self.readyState != "live" or not self._reading:
            return
        if self._need_key:
            if not keyframe:
                return
            self._need_key = False
        try:
            self._queue.put_nowait(packet)
        except asyncio.QueueFull:
            self.dropped += self._queue.qsize() + 1
            while not self._queue.empty():
                self._queue.get_nowait()
            if self.kind == "video":
                self._need_key = True
                self.request_keyframe()
            else:
                self._queue.put_nowait(packet)

    async def recv(self) -> av.Packet:
        if self.readyState != "live":
            raise MediaStreamError
        if not self._reading:
            self._reading = True
            if self._need_key:
                self.request_keyframe()
        packet = await self._queue.get()
        if packet is None:
            raise MediaStreamError
        self.delivered += 1
        return packet

    def stop(self) -> None:
        if self.source is not None:
            self.source.viewers.discard(self)
            self.source = None
        super().stop()
        with contextlib.suppress(asyncio.QueueFull):
            self._queue.put_nowait(None)


class Fanout:
    """One published track (a camera, a microphone, a shared screen), encoded once."""

    def __init__(
        self,
        kind: Kind,
        *,
        label: str,
        video_bitrate: int = 600_000,
        audio_bitrate: int = 48_000,
        max_width: int = 1280,
        max_height: int = 720,
        max_fps: float = 15.0,
        clock_start: float | None = None,
    ) -> None:
        self.kind = kind
        self.label = label
        self.viewers: set[PacketTrack] = set()
        self.sinks: list[Callable[[av.Packet, bool], None]] = []  # recorders
        self.max_fps = max_fps
        self._video = VideoEncoder(bitrate=video_bitrate, max_width=max_width, max_height=max_height)
        self._audio_bitrate = audio_bitrate
        self._audio: AudioEncoder | None = None
        self._source: MediaStreamTrack | None = None
        self._readers: set[asyncio.Task[None]] = set()
        self._encoder: asyncio.Task[None] | None = None
        # Frames waiting for the encoder, with their arrival times: a few absorb a moment's stall
        # of the event loop; beyond that the oldest are dropped, so the delay stays bounded.
        self._frames: collections.deque[tuple[float, av.VideoFrame]] = collections.deque(maxlen=VIDEO_BACKLOG)
        self._audio_backlog: list[av.AudioFrame] = []
        self._ready = asyncio.Event()
        self._key_wanted = False
        self._last_key = 0.0
        # One clock for every fan-out of a meeting, so a recorder can line tracks up.
        self._clock_start = time.monotonic() if clock_start is None else clock_start
        self._paused = False
        self._audio_pts: int | None = None
        self._last_audio_at = 0.0
        self.frames_in = 0
        self.frames_encoded = 0
        self.keyframes = 0
        self.closed = False

    # --- the source ---------------------------------------------------------------------------

    @property
    def live(self) -> bool:
        return self._source is not None

    def feed(self, source: MediaStreamTrack) -> None:
        """Take frames from ``source`` from now on (a new peer connection of the publisher, or
        another presenter taking over). The previous source is still drained, and its frames
        dropped, until its connection ends: aiortc's receive queue has no bound."""
        self._source = source
        reader = asyncio.ensure_future(self._read(source))
        self._readers.add(reader)
        reader.add_done_callback(self._readers.discard)
        if self._encoder is None:
            self._encoder = asyncio.ensure_future(self._encode_loop())
        self.request_keyframe()

    def unfeed(self, source: MediaStreamTrack | None = None) -> None:
        """Stop using the current source (only if it is ``source``, when given)."""
        if source is None or source is self._source:
            self._source = None

    async def _read(self, source: MediaStreamTrack) -> None:
        # Every received frame is taken at once, so none pile up in aiortc's receive queue.
        try:
            while True:
                frame = await source.recv()
                if source is not self._source:
                    continue  # replaced: drained, not shown
                self.frames_in += 1
                if isinstance(frame, av.AudioFrame):
                    self._audio_backlog.append(frame)
                    del self._audio_backlog[:-25]  # half a second at most
                elif isinstance(frame, av.VideoFrame):
                    self._frames.append((time.monotonic(), frame))
                self._ready.set()
        except MediaStreamError:
            pass
        finally:
            if self._source is source:
                self._source = None

    # --- encoding -----------------------------------------------------------------------------

    def request_keyframe(self) -> None:
        self._key_wanted = True

    @property
    def paused(self) -> bool:
        return self._paused

    @paused.setter
    def paused(self, value: bool) -> None:
        """A paused fan-out keeps draining its source but forwards nothing (a host's mute)."""
        if self._paused and not value:
            self.request_keyframe()
        self._paused = value

    def _take_keyframe_request(self) -> bool:
        now = time.monotonic()
        if self._key_wanted and now - self._last_key >= KEYFRAME_MIN_INTERVAL:
            self._key_wanted = False
            self._last_key = now
            return True
        return False

    async def _encode_loop(self) -> None:
        loop = asyncio.get_running_loop()
        allowance, last = 2.0, time.monotonic()  # a token bucket: the frame-rate cap, with jitter
        try:
            while not self.closed:
                await self._ready.wait()
                self._ready.clear()
                if self.kind == "audio":
                    chunk, self._audio_backlog = self._audio_backlog, []
                    for sound in chunk:
                        self._distribute(self._encode_audio(sound))
                    continue
                while self._frames:
                    arrived, frame = self._frames.popleft()
                    allowance, last = min(2.0, allowance + (arrived - last) * self.max_fps), arrived
                    if allowance < 1.0:  # over the frame-rate cap: skip this one
                        continue
                    allowance -= 1.0
                    keyframe = self._take_keyframe_request()
                    pts = int((arrived - self._clock_start) * 90_000)
                    packets = await loop.run_in_executor(None, self._encode_video, frame, pts, keyframe)
                    self.frames_encoded += 1
                    self._distribute(packets)
        except asyncio.CancelledError:
            pass
        except Exception:
            logger.exception("fan-out %s stopped", self.label)

    def _encode_video(self, frame: av.VideoFrame, pts: int, keyframe: bool) -> list[av.Packet]:
        return self._video.encode(frame, pts=pts, keyframe=keyframe)

    def _encode_audio(self, frame: av.AudioFrame) -> list[av.Packet]:
        if self._audio is None:
            self._audio = AudioEncoder(bitrate=self._audio_bitrate)
        now = time.monotonic()
        if self._audio_pts is None or now - self._last_audio_at > 0.2:
            # First audio, or back after a silence (publisher reconnected): rejoin the clock.
            self._audio_pts = int((now - self._clock_start) * AUDIO_RATE)
        self._last_audio_at = now
        packets = self._audio.encode(frame, next_pts=self._audio_pts)
        self._audio_pts += len(packets) * AUDIO_SAMPLES_PER_PACKET
        self.frames_encoded += len(packets)
        return packets

    def _distribute(self, packets: list[av.Packet]) -> None:
        if self._paused:
            return
        for packet in packets:
            keyframe = self.kind == "audio" or is_vp8_keyframe(packet)
            if keyframe and self.kind == "video":
                self.keyframes += 1
            for viewer in list(self.viewers):
                viewer.offer(packet, keyframe)
            for sink in self.sinks:
                sink(packet, keyframe)

    @property
    def audio_extradata(self) -> bytes | None:
        if self.kind != "audio":
            return None
        if self._audio is None:
            self._audio = AudioEncoder(bitrate=self._audio_bitrate)
        return self._audio.extradata

    async def close(self) -> None:
        self.closed = True
        self.unfeed()
        for reader in list(self._readers):
            reader.cancel()
        for viewer in list(self.viewers):
            viewer.attach(None)
        if self._encoder is not None:
            self._encoder.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._encoder
            self._encoder = None
