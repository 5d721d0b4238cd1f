"""An aiortc client of the relay, for tests, benchmarks and bots (a browser does the same in
``meetings/static/meetings/relay.js``).

    client = await RealtimeClient.login(url, "lecturer", password)
    await client.start()
    await client.command("meeting.lobby.enter", f"meeting.lobby:{meeting_id}")
    await client.subscribe(f"meeting:{meeting_id}")
    peer = RelayPeer(client, meeting_id, publish={"cam": camera_track, "mic": microphone_track})
    await peer.join()
    track = await peer.track("cam")          # a viewer: the lecturer's camera

It answers the relay's offers as the polite peer (it never offers), sends its ICE candidates
apart from the answer, as a browser trickles them, and follows ``media.layout`` signals to know
which track shows whom.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Mapping
from typing import Any

from aiortc import RTCBundlePolicy, RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamTrack

from realtime.client import RealtimeClient


def split_candidates(sdp: str) -> tuple[str, list[dict[str, Any]]]:
    """The description without its candidates, and the candidates as a browser sends them."""
    kept: list[str] = []
    candidates: list[dict[str, Any]] = []
    mid: str | None = None
    index = -1
    for line in sdp.splitlines():
        if line.startswith("m="):
            index += 1
        elif line.startswith("a=mid:"):
            mid = line.removeprefix("a=mid:")
        if line.startswith("a=candidate:"):
            candidates.append({"candidate": line[2:], "sdpMid": mid, "sdpMLineIndex": index})
            continue
        if line.startswith("a=end-of-candidates"):
            continue
        kept.append(line)
    return "\r\n".join(kept) + "\r\n", candidates


class RelayPeer:
    def __init__(
        self,
        client: RealtimeClient,
        meeting_id: int,
        *,
        publish: Mapping[str, MediaStreamTrack] | None = None,
        session: str | None = None,
        configuration: RTCConfiguration | None = None,
    ) -> None:
        self.client = client
        self.meeting_id = meeting_id
        self.stream = f"meeting:{meeting_id}"
        self.publish = dict(publish or {})
        self.session = session or uuid.uuid4().hex[:16]
        # max-bundle, as browsers do in practice: with aiortc's default a second video
        # transceiver is left on a transport the BUNDLE negotiation discards (aiortc issue #1414).
        self.configuration = RTCConfiguration(
            iceServers=configuration.iceServers if configuration else None, bundlePolicy=RTCBundlePolicy.MAX_BUNDLE
        )
        self.pc = RTCPeerConnection(self.configuration)
        self.layout: dict[str, dict[str, Any]] = {}
        self.offers = 0
        self.closed_reason: str | None = None
        self.viewers: int | None = None  # the viewer count, when the relay tells this member
        self._tracks: dict[str, MediaStreamTrack] = {}  # mid → received track
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._retry: asyncio.Task[None] | None = None
        self.pc.on("track", self._on_track)

    async def join(self, *, offer_timeout: float = 8.0) -> dict[str, Any]:
        """Ask for a connection; the request is asked again while no offer comes (the channel
        layer to the media worker is at-most-once)."""
        self._task = asyncio.ensure_future(self._signals())
        result: dict[str, Any] = await self._ask()
        self._retry = asyncio.ensure_future(self._ask_again(offer_timeout))
        return result

    async def _ask(self) -> dict[str, Any]:
        result: dict[str, Any] = await self.client.command(
            "meeting.media.join", self.stream, session=self.session, publish=sorted(self.publish)
        )
        return result

    async def _ask_again(self, timeout: float) -> None:
        while True:
            offers = self.offers
            await asyncio.sleep(timeout)
            if self.offers != offers or self.pc.connectionState == "connected":
                return
            with contextlib.suppress(Exception):
                await self._ask()

    async def rejoin(self) -> None:
        """A fresh peer connection under the same session, as after a network drop."""
        with contextlib.suppress(Exception):
            await self.pc.close()
        self.pc = RTCPeerConnection(self.configuration)
        self.pc.on("track", self._on_track)
        self._tracks.clear()
        self.layout = {}
        await self._ask()

    def _on_track(self, track: MediaStreamTrack) -> None:
        for transceiver in self.pc.getTransceivers():
            if transceiver.receiver.track is track and transceiver.mid is not None:
                self._tracks[transceiver.mid] = track
        self._changed.set()

    async def _signals(self) -> None:
        while True:
            frame = await self.client.ephemeral.get()
            data = frame.get("data") or {}
            if frame.get("type") != "signal" or frame.get("stream") != self.stream:
                continue
            if data.get("session") != self.session:
                if data.get("kind") == "media.viewers":
                    self.viewers = data.get("count")
                continue
            kind = data.get("kind")
            if kind == "media.offer":
                await self._answer(data)
            elif kind == "media.layout":
                self.layout = data.get("layout") or {}
                self._changed.set()
            elif kind == "media.closed":
                self.closed_reason = data.get("reason")
                self._changed.set()

    async def _answer(self, data: dict[str, Any]) -> None:
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=data["sdp"], type="offer"))
        self.layout = data.get("layout") or {}
        for transceiver in self.pc.getTransceivers():
            shown = self.layout.get(transceiver.mid or "")
            if shown and shown.get("publish"):
                track = self.publish.get(shown["source"])
                transceiver.direction = "sendonly"
                if track is not None and transceiver.sender.track is None:
                    transceiver.sender.replaceTrack(track)
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        sdp, candidates = split_candidates(self.pc.localDescription.sdp)
        await self.client.command("meeting.media.answer", self.stream, session=self.session, sdp=sdp)
        if candidates:
            await self.client.command(
                "meeting.media.candidates", self.stream, session=self.session, candidates=candidates
            )
        self.offers += 1
        self._changed.set()

    async def track(self, source: str, *, member: int | None = None, timeout: float = 30) -> MediaStreamTrack:
        """The received track showing ``source`` (of ``member``, or of the lesson's programme)."""

        async def found() -> MediaStreamTrack:
            while True:
                for mid, shown in self.layout.items():
                    if shown.get("source") == source and shown.get("member") == member and mid in self._tracks:
                        return self._tracks[mid]
                self._changed.clear()
                await self._changed.wait()

        return await asyncio.wait_for(found(), timeout)

    async def leave(self) -> None:
        with contextlib.suppress(Exception):
            await self.client.command("meeting.media.leave", self.stream, session=self.session)
        await self.close()

    async def close(self) -> None:
        for task in (self._task, self._retry):
            if task is not None:
                task.cancel()
        await self.pc.close()
