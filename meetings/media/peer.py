"""One browser tab's peer connection to the relay: what it publishes, and the slots it watches.

aiortc cannot roll back a local description nor restart ICE, so the server is always the side
that makes offers and the browser only answers (the polite peer that never offers). Every change
the server wants - a slot for a new publisher - is a new offer; a change while an answer is still
awaited is made once that answer has arrived. Recovery after a network drop is not an ICE restart
but a fresh peer connection from the browser, under the same session id: the old one is closed.

A *slot* is one sending transceiver with a :class:`PacketTrack`. Slots are bound to fan-outs by
key (``(publisher, source)``) and re-pointed without renegotiation when publishers come and go;
the ``layout`` sent with every offer (and alone on a re-point) tells the browser which mid shows
whom. Only VP8 and Opus are offered on slots: the shared packets are VP8 and Opus, so a browser
that chose another codec would be sent packets it cannot decode.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from aiortc import (
    RTCBundlePolicy,
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpCapabilities,
    RTCRtpCodecCapability,
    RTCRtpReceiver,
    RTCRtpSender,
    RTCRtpTransceiver,
    RTCSessionDescription,
)
from aiortc.contrib.media import blackhole_consume
from aiortc.mediastreams import MediaStreamTrack
from aiortc.sdp import candidate_from_sdp

from meetings.media.fanout import Fanout, Kind, PacketTrack

logger = logging.getLogger("meetings.media")

Key = tuple[int, str]  # (publisher member id, or 0 for a lesson's programme; source name)
SOURCE_KIND: dict[str, Kind] = {"mic": "audio", "cam": "video", "screen": "video"}
Signal = Callable[[dict[str, Any]], Awaitable[None]]
# How long a page asking again for a connection gets the first offer again rather than a new
# connection (past it, a connection still not answered is taken as lost and replaced).
FIRST_OFFER_PATIENCE = 30.0


def _codecs(capabilities: RTCRtpCapabilities | None, kind: Kind, name: str) -> list[RTCRtpCodecCapability]:
    """One codec of the capabilities, with its retransmission (RTX) entry."""
    codecs = capabilities.codecs if capabilities is not None else []
    wanted = [c for c in codecs if c.mimeType.lower() == f"{kind}/{name}"]
    rtx = [c for c in codecs if c.mimeType.lower() == f"{kind}/rtx"]
    return wanted + rtx


def _codec_name(kind: Kind) -> str:
    return "vp8" if kind == "video" else "opus"


_draining: set[asyncio.Task[None]] = set()


def discard(track: MediaStreamTrack) -> None:
    """Read a received track nobody uses until it ends: aiortc queues its frames without bound,
    and stopping the track does not stop the queueing."""
    task = asyncio.ensure_future(blackhole_consume(track))
    _draining.add(task)
    task.add_done_callback(_draining.discard)


@dataclass
class Slot:
    kind: Kind
    transceiver: RTCRtpTransceiver
    track: PacketTrack
    key: Key | None = None


class PeerSession:
    def __init__(
        self,
        *,
        member_id: int,
        session_id: str,
        sources: Sequence[str],
        configuration: RTCConfiguration | None,
        signal: Signal,
        on_track: Callable[[PeerSession, str, MediaStreamTrack], None],
        on_closed: Callable[[PeerSession], None],
        on_connected: Callable[[PeerSession], None] | None = None,
    ) -> None:
        self.member_id = member_id
        self.session_id = session_id
        self.sources = tuple(sources)  # what this tab publishes: mic, cam, screen
        # max-bundle: every transceiver on one transport from the start. With aiortc's default
        # (balanced) a second video transceiver is bundled onto the first video transport at
        # creation and left there when the BUNDLE group moves the others, so its media is lost
        # (aiortc issue #1414).
        self.pc = RTCPeerConnection(
            RTCConfiguration(
                iceServers=configuration.iceServers if configuration else None,
                bundlePolicy=RTCBundlePolicy.MAX_BUNDLE,
            )
        )
        self.slots: list[Slot] = []
        self.video = True  # False: audio only, no video slots are fed
        self.created_at = time.monotonic()
        self._recv: dict[str, RTCRtpTransceiver] = {}  # source → receiving transceiver
        self._signal = signal
        self._on_track = on_track
        self._on_closed = on_closed
        self._on_connected = on_connected
        self._awaiting_answer = False
        self._offer_again = False
        self.lock = asyncio.Lock()
        self.created = time.monotonic()
        self.connected_at: float | None = None
        self.closed = False
        self.pc.on("track", self._track)
        self.pc.on("connectionstatechange", self._state_changed)

    # --- set-up -------------------------------------------------------------------------------

    def open_sources(self) -> None:
        for source in self.sources:
            kind = SOURCE_KIND[source]
            transceiver = self.pc.addTransceiver(kind, direction="recvonly")
            transceiver.setCodecPreferences(_codecs(RTCRtpReceiver.getCapabilities(kind), kind, _codec_name(kind)))
            self._recv[source] = transceiver

    def bind(self, wanted: Sequence[Key], fanouts: Callable[[Key], Fanout]) -> bool:
        """Point the slots at ``wanted`` fan-outs (in order); True when new slots were added,
        which needs a new offer. Unwanted slots are kept, detached, for later publishers."""
        wanted = list(dict.fromkeys(wanted))
        keep = {slot.key for slot in self.slots if slot.key in wanted}
        for slot in self.slots:
            if slot.key is not None and slot.key not in keep:
                slot.key = None
                slot.track.attach(None)
        added = False
        for key in wanted:
            if key in keep:
                continue
            kind = SOURCE_KIND[key[1]]
            free = next((s for s in self.slots if s.key is None and s.kind == kind), None)
            if free is None:
                free = self._add_slot(kind)
                added = True
            free.key = key
            free.track.attach(fanouts(key))
        return added

    def reserve(self, kinds: Sequence[Kind]) -> None:
        """Have at least one free slot of each kind, so the next publisher needs no offer."""
        for kind in kinds:
            if not any(slot.kind == kind and slot.key is None for slot in self.slots):
                self._add_slot(kind)

    def _add_slot(self, kind: Kind) -> Slot:
        track = PacketTrack(kind)
        transceiver = self.pc.addTransceiver(track, direction="sendonly")
        transceiver.setCodecPreferences(_codecs(RTCRtpSender.getCapabilities(kind), kind, _codec_name(kind)))
        # A packet-yielding track ignores the sender's keyframe flag: route the viewer's
        # picture-loss and full-intra requests to the shared encoder instead.
        transceiver.sender._send_keyframe = track.request_keyframe  # type: ignore[method-assign]
        slot = Slot(kind=kind, transceiver=transceiver, track=track)
        self.slots.append(slot)
        return slot

    def layout(self) -> dict[str, dict[str, Any]]:
        shown: dict[str, dict[str, Any]] = {}
        for slot in self.slots:
            if slot.key is not None and slot.transceiver.mid is not None:
                shown[slot.transceiver.mid] = {"member": slot.key[0] or None, "source": slot.key[1]}
        for source, transceiver in self._recv.items():
            if transceiver.mid is not None:
                shown[transceiver.mid] = {"member": self.member_id, "source": source, "publish": True}
        return shown

    # --- negotiation (the server offers, the browser answers) -----------------------------------

    async def offer(self) -> None:
        if self.closed:
            return
        if self._awaiting_answer:
            self._offer_again = True
            return
        await self.pc.setLocalDescription(await self.pc.createOffer())
        self._awaiting_answer = True
        description = self.pc.localDescription
        await self._signal({"kind": "media.offer", "sdp": description.sdp, "layout": self.layout()})

    def first_offer_pending(self, sources: Sequence[str], video: bool) -> bool:
        """Its first offer is being made or waits for the page's answer, for the same sources and
        video, and was asked for less than FIRST_OFFER_PATIENCE seconds ago."""
        return (
            not self.closed
            and self.connected_at is None
            and self.pc.remoteDescription is None
            and time.monotonic() - self.created_at < FIRST_OFFER_PATIENCE
            and list(self.sources) == list(sources)
            and self.video == video
        )

    async def offer_again(self) -> None:
        """The offer waiting for an answer, sent again; nothing while it is still being made."""
        if self._awaiting_answer and not self.closed:
            description = self.pc.localDescription
            await self._signal({"kind": "media.offer", "sdp": description.sdp, "layout": self.layout()})

    async def answer(self, sdp: str) -> None:
        if not self._awaiting_answer:
            if self.pc.remoteDescription is not None and self.pc.remoteDescription.sdp == sdp:
                return  # the same answer twice (an offer sent again crossed the first answer)
            raise ValueError("no offer is waiting for an answer")
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="answer"))
        self._awaiting_answer = False
        if self._offer_again:
            self._offer_again = False
            await self.offer()

    async def candidates(self, candidates: Sequence[dict[str, Any]]) -> None:
        for item in candidates:
            text = str(item.get("candidate") or "")
            if not text:
                await self.pc.addIceCandidate(None)  # end of candidates
                continue
            candidate = candidate_from_sdp(text.removeprefix("candidate:"))
            candidate.sdpMid = item.get("sdpMid")
            candidate.sdpMLineIndex = item.get("sdpMLineIndex")
            if candidate.sdpMid is None and candidate.sdpMLineIndex is None:
                candidate.sdpMLineIndex = 0
            await self.pc.addIceCandidate(candidate)

    async def send_layout(self) -> None:
        await self._signal({"kind": "media.layout", "layout": self.layout()})

    # --- events -------------------------------------------------------------------------------

    def _track(self, track: MediaStreamTrack) -> None:
        for source, transceiver in self._recv.items():
            if transceiver.receiver.track is track:
                self._on_track(self, source, track)
                return
        discard(track)  # nothing but our receiving transceivers should carry media to us

    async def _state_changed(self) -> None:
        state = self.pc.connectionState
        if state == "connected" and self.connected_at is None:
            self.connected_at = time.monotonic()
            if self._on_connected is not None:
                self._on_connected(self)
        if state in ("failed", "closed"):
            await self.close()

    def receiving_track(self, source: str) -> MediaStreamTrack | None:
        transceiver = self._recv.get(source)
        return transceiver.receiver.track if transceiver is not None else None

    @property
    def connected(self) -> bool:
        return not self.closed and self.pc.connectionState == "connected"

    async def receiving_since(self, mark: dict[str, float]) -> bool:
        """True when the browser reported receiving our media since the last call: a new
        receiver report (RTCP RR) with more packets received. ``mark`` keeps the last figures."""
        for slot in self.slots:
            if slot.key is None:
                continue
            with contextlib.suppress(Exception):
                stats = await slot.transceiver.sender.getStats()
                for item in stats.values():
                    if getattr(item, "type", None) != "remote-inbound-rtp":
                        continue
                    received = float(getattr(item, "packetsReceived", 0) or 0)
                    name = f"{slot.transceiver.mid}"
                    before = mark.get(name, 0.0)
                    mark[name] = received
                    if received > before:
                        return True
        return False

    async def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        for slot in self.slots:
            slot.track.stop()
        with contextlib.suppress(Exception):
            await self.pc.close()
        self._on_closed(self)
