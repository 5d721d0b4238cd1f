"""Encode once: VP8 and Opus encoders whose packets every viewer's sender shares.

aiortc's ``RTCRtpSender`` encodes the frames a track yields, once per sender; a track that yields
``av.Packet`` instead is only packetised (``Vp8Encoder.pack``, ``OpusEncoder.pack``). These
encoders make those packets, with the settings aiortc's own encoders use for real-time video.
Timestamps come from the relay's clock, not from the publisher, so a publisher that reconnects
or a camera that is switched continues the same timeline for every viewer.
"""

from __future__ import annotations

import fractions

import av
from av.audio.resampler import AudioResampler
from av.codec.context import CodecContext

VIDEO_TIME_BASE = fractions.Fraction(1, 90_000)
AUDIO_RATE = 48_000
AUDIO_TIME_BASE = fractions.Fraction(1, AUDIO_RATE)
AUDIO_SAMPLES_PER_PACKET = 960  # 20 ms, what browsers send and expect


def fit_within(width: int, height: int, max_width: int, max_height: int) -> tuple[int, int]:
    """The largest even size with the same aspect ratio that fits the limits (VP8 wants even)."""
    scale = min(1.0, max_width / width, max_height / height)
    return max(2, int(width * scale) // 2 * 2), max(2, int(height * scale) // 2 * 2)


class VideoEncoder:
    """VP8 for one published video track, recreated when the picture size changes."""

    def __init__(self, *, bitrate: int, max_width: int, max_height: int) -> None:
        self.bitrate = bitrate
        self.max_width = max_width
        self.max_height = max_height
        self.codec: av.VideoCodecContext | None = None

    def encode(self, frame: av.VideoFrame, *, pts: int, keyframe: bool) -> list[av.Packet]:
        """Encode one frame. Runs in a worker thread (libvpx releases the GIL); the frame is
        converted to yuv420p and scaled here, once, before any sharing."""
        width, height = fit_within(frame.width, frame.height, self.max_width, self.max_height)
        if frame.format.name != "yuv420p" or (width, height) != (frame.width, frame.height):
            frame = frame.reformat(width=width, height=height, format="yuv420p")
        if self.codec is None or (self.codec.width, self.codec.height) != (width, height):
            self.codec = self._open(width, height)
            keyframe = True
        frame.pts = pts
        frame.time_base = VIDEO_TIME_BASE
        frame.pict_type = av.video.frame.PictureType.I if keyframe else av.video.frame.PictureType.NONE
        packets = list(self.codec.encode(frame))
        for packet in packets:
            packet.pts = pts
            packet.time_base = VIDEO_TIME_BASE
        return packets

    def _open(self, width: int, height: int) -> av.VideoCodecContext:
        codec = CodecContext.create("libvpx", "w")
        assert isinstance(codec, av.VideoCodecContext)
        codec.width = width
        codec.height = height
        codec.bit_rate = self.bitrate
        codec.pix_fmt = "yuv420p"
        codec.time_base = VIDEO_TIME_BASE
        codec.gop_size = 3000  # keyframes on request (a joining or lossy viewer), not by period
        codec.qmin = 2
        codec.qmax = 56
        codec.options = {
            "bufsize": str(self.bitrate),
            "cpu-used": "-6",
            "deadline": "realtime",
            "lag-in-frames": "0",
            "minrate": str(self.bitrate),
            "maxrate": str(self.bitrate),
            "noise-sensitivity": "4",
            "overshoot-pct": "15",
            "partitions": "0",
            "static-thresh": "1",
            "undershoot-pct": "100",
        }
        # One thread: libvpx's extra threads spin while they wait for work, and on a busy
        # machine that multiplied the CPU time of an encode by up to 25 (bench/lesson_relay.py).
        codec.thread_count = 1
        return codec


def is_vp8_keyframe(packet: av.Packet) -> bool:
    """VP8's frame tag: the lowest bit of the first byte is 0 on a keyframe (RFC 6386 9.1)."""
    data = bytes(packet)
    return bool(data) and not data[0] & 0x01


class AudioEncoder:
    """Opus for one published audio track: 20 ms packets, 48 kHz stereo, as browsers expect."""

    def __init__(self, *, bitrate: int) -> None:
        codec = CodecContext.create("libopus", "w")
        assert isinstance(codec, av.AudioCodecContext)
        codec.bit_rate = bitrate
        codec.format = "s16"
        codec.layout = "stereo"
        codec.sample_rate = AUDIO_RATE
        codec.time_base = AUDIO_TIME_BASE
        codec.options = {"application": "voip"}
        codec.open()  # now, so that a recorder can write the Opus header before any packet
        self.codec = codec
        self.resampler = AudioResampler(
            format="s16", layout="stereo", rate=AUDIO_RATE, frame_size=AUDIO_SAMPLES_PER_PACKET
        )

    @property
    def extradata(self) -> bytes | None:
        return self.codec.extradata

    def encode(self, frame: av.AudioFrame, *, next_pts: int) -> list[av.Packet]:
        """Encode one decoded frame; ``next_pts`` is the relay clock's sample count for the
        first packet that comes out, later packets follow it 960 samples apart."""
        frame.pts = None
        packets: list[av.Packet] = []
        for chunk in self.resampler.resample(frame):
            chunk.pts = None
            packets.extend(self.codec.encode(chunk))
        for index, packet in enumerate(packets):
            packet.pts = next_pts + index * AUDIO_SAMPLES_PER_PACKET
            packet.dts = packet.pts
            packet.time_base = AUDIO_TIME_BASE
        return packets
