"""A per-second timeline of one process of the lesson relay benchmark (``--trace``).

Each role prints ``TRACE {json}`` lines to its log under var/bench-lesson/: the event loop's
worst stall in the second, RTCP feedback sent and received by kind (PLI, FIR, REMB, NACK), and
what the role knows: the lecturer its frames and its encoder's bitrate, the worker its fan-outs'
frames in, encoded and keyframes, the web process the database hops (time waiting for the one
database thread, time in it) and the access rechecks. Diagnosis only: the figures of
docs/benchmarks.md are measured without it.
"""

from __future__ import annotations

import asyncio
import collections
import functools
import json
import os
import sys
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

COUNTS: collections.Counter[str] = collections.Counter()
VALUES: dict[str, Any] = {}


def rtcp() -> None:
    """Count the RTCP feedback every peer of this process sends (receivers) and gets (senders)."""
    from aiortc.rtcrtpreceiver import RTCRtpReceiver
    from aiortc.rtcrtpsender import RTCRtpSender
    from aiortc.rtp import RtcpPsfbPacket, RtcpRtpfbPacket, unpack_remb_fci

    def name(packet: Any) -> str:
        if isinstance(packet, RtcpPsfbPacket):
            return {1: "pli", 4: "fir", 15: "remb"}.get(packet.fmt, f"psfb{packet.fmt}")
        if isinstance(packet, RtcpRtpfbPacket):
            return "nack" if packet.fmt == 1 else f"rtpfb{packet.fmt}"
        return type(packet).__name__.removeprefix("Rtcp").removesuffix("Packet").lower()

    def remb(packet: Any) -> int | None:
        try:
            return int(unpack_remb_fci(packet.fci)[0])
        except ValueError:
            return None

    send = RTCRtpReceiver._send_rtcp

    async def counted_send(self: Any, packet: Any) -> None:
        kind = name(packet)
        COUNTS[f"sent_{kind}"] += 1
        if kind == "remb":
            VALUES["remb_sent_kbps"] = (remb(packet) or 0) // 1000
        await send(self, packet)

    handle = RTCRtpSender._handle_rtcp_packet

    async def counted_handle(self: Any, packet: Any) -> None:
        kind = name(packet)
        COUNTS[f"got_{kind}"] += 1
        if kind == "remb":
            VALUES["remb_got_kbps"] = (remb(packet) or 0) // 1000
        await handle(self, packet)

    RTCRtpReceiver._send_rtcp = counted_send  # type: ignore[method-assign]
    RTCRtpSender._handle_rtcp_packet = counted_handle  # type: ignore[method-assign]


def worker() -> None:
    """The worker's fan-outs and peer sessions."""
    from meetings.media import fanout, peer

    fanouts: weakref.WeakSet[Any] = weakref.WeakSet()
    sessions: weakref.WeakSet[Any] = weakref.WeakSet()
    fanout_init, session_init = fanout.Fanout.__init__, peer.PeerSession.__init__
    asked = fanout.PacketTrack.request_keyframe

    def fanout_created(self: Any, *args: Any, **kwargs: Any) -> None:
        fanout_init(self, *args, **kwargs)
        fanouts.add(self)

    def session_created(self: Any, *args: Any, **kwargs: Any) -> None:
        session_init(self, *args, **kwargs)
        sessions.add(self)

    def keyframe_asked(self: Any) -> None:
        COUNTS["viewer_keyframe_requests"] += 1
        asked(self)

    fanout.Fanout.__init__ = fanout_created  # type: ignore[method-assign]
    peer.PeerSession.__init__ = session_created  # type: ignore[method-assign]
    fanout.PacketTrack.request_keyframe = keyframe_asked  # type: ignore[method-assign]

    def sample() -> dict[str, Any]:
        row: dict[str, Any] = {
            "sessions": sum(1 for s in sessions if not s.closed),
            "connected": sum(1 for s in sessions if s.connected),
        }
        for f in fanouts:
            if f.kind == "video" and f.live:
                row.update(frames_in=f.frames_in, encoded=f.frames_encoded, keyframes=f.keyframes)
        return row

    VALUES["_sample"] = sample


def lecturer(camera: Any, peer: Any) -> None:
    def sample() -> dict[str, Any]:
        row: dict[str, Any] = {
            "frames": camera.n, "pc": peer.pc.connectionState, "ice": peer.pc.iceConnectionState,
            "offers": peer.offers, "socket": peer.client.state, "connects": peer.client.connects,
            "close_codes": peer.client.close_codes[-3:], "closed_reason": peer.closed_reason,
        }  # fmt: skip
        for transceiver in peer.pc.getTransceivers():
            sender = transceiver.sender
            encoder = getattr(sender, "_RTCRtpSender__encoder", None)
            if sender.track is camera and encoder is not None:
                row["target_kbps"] = encoder.target_bitrate // 1000
                codec = getattr(encoder, "codec", None)
                row["codec_kbps"] = codec.bit_rate // 1000 if codec is not None else None
                row["sent_bytes"] = sender._RTCRtpSender__octet_count
        return row

    VALUES["_sample"] = sample


def web() -> None:
    """Time every database hop of the gateway (waiting for the one thread, and in it) and count
    the sockets the access rechecks look at."""
    from realtime import auth, consumer, gateway, hub, revocation

    VALUES["_sample"] = lambda: {"access_changes": revocation._local_epoch}

    def timed(original: Callable[..., Any]) -> Callable[..., Any]:
        def wrap(func: Callable[..., Any], *a: Any, **k: Any) -> Any:
            name = getattr(func, "__name__", "call")

            @functools.wraps(func)
            async def call(*args: Any, **kwargs: Any) -> Any:
                asked = time.monotonic()
                started: list[float] = []

                def inner(*ia: Any, **ik: Any) -> Any:
                    started.append(time.monotonic())
                    return func(*ia, **ik)

                result = await original(inner, *a, **k)(*args, **kwargs)
                done = time.monotonic()
                if started:
                    COUNTS[f"{name}_n"] += 1
                    COUNTS[f"{name}_wait_ms"] += round((started[0] - asked) * 1000)
                    COUNTS[f"{name}_run_ms"] += round((done - started[0]) * 1000)
                return result

            return call

        return wrap

    auth.hop = timed(auth.hop)  # type: ignore[assignment]
    consumer.database_sync_to_async = timed(consumer.database_sync_to_async)  # type: ignore[assignment]
    hub.database_sync_to_async = timed(hub.database_sync_to_async)  # type: ignore[assignment]
    recheck = gateway.sockets_recheck

    def counted(sockets: list[Any]) -> Any:
        COUNTS["recheck_sockets"] += len(sockets)
        return recheck(sockets)

    gateway.sockets_recheck = counted  # type: ignore[assignment]
    start_rechecks = hub.Hub._recheck

    async def rechecks(self: Any, consumers: Any) -> None:
        COUNTS["rechecks"] += 1
        await start_rechecks(self, consumers)

    hub.Hub._recheck = rechecks  # type: ignore[method-assign]


async def timeline(tag: str) -> None:
    """Every second, one line: counters so far, the loop's worst stall, the role's sample."""
    start = last = time.monotonic()
    stall, report = 0.0, start + 1
    while True:
        await asyncio.sleep(0.05)
        now = time.monotonic()
        stall, last = max(stall, now - last - 0.05), now
        if now < report:
            continue
        row: dict[str, Any] = {"role": tag, "t": round(now - start, 1), "stall_ms": round(stall * 1000)}
        row.update(COUNTS)
        row.update({k: v for k, v in VALUES.items() if not k.startswith("_")})
        if "_sample" in VALUES:
            row.update(VALUES["_sample"]())
        print("TRACE " + json.dumps(row), file=sys.stderr, flush=True)
        stall, report = 0.0, report + 1


def start(tag: str) -> None:
    loop = asyncio.get_running_loop()
    if os.environ.get("BENCH_TRACE_SLOW"):  # name every callback that holds the loop that long
        loop.set_debug(True)
        loop.slow_callback_duration = float(os.environ["BENCH_TRACE_SLOW"])
    loop.create_task(timeline(tag))


def start_in_daphne() -> None:
    """Daphne runs Twisted on an asyncio loop of its own: start the timeline there."""
    import daphne.server

    def later() -> None:
        time.sleep(1.0)
        daphne.server.twisted_loop.call_soon_threadsafe(lambda: start("web"))

    threading.Thread(target=later, daemon=True).start()
