"""Two aiortc peers negotiate through the real gateway and see each other's video.

Each peer is a participant logged in through the JSON API (realtime/client.py) on a real Daphne
process. The offer, the answer and every ICE candidate travel as ``meeting.signal`` commands and
arrive as ``signal`` frames: the candidates are taken out of the descriptions and sent on their
own, so the test fails if candidate relaying does. Each peer sends a solid colour; the other
must decode frames of that colour (and not its own).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from fractions import Fraction
from typing import Any

import av
import pytest
from aiortc import MediaStreamTrack, RTCPeerConnection, RTCSessionDescription, VideoStreamTrack
from aiortc.sdp import candidate_from_sdp

from meetings.media.client import split_candidates
from members.models import Member
from realtime.client import RealtimeClient
from tests.conftest import PASSWORD
from tests.live import LiveServer, start_daphne
from tests.meetings.conftest import Branch

pytestmark = pytest.mark.django_db(transaction=True)

WIDTH, HEIGHT = 320, 240
# Solid colours as YUV: the chroma (U) plane tells them apart after VP8 encoding and decoding.
RED = (81, 90, 240)
BLUE = (41, 240, 110)


class ColourTrack(VideoStreamTrack):
    """A synthetic camera: frames of one solid colour."""

    def __init__(self, yuv: tuple[int, int, int]) -> None:
        super().__init__()
        self.yuv = yuv

    async def recv(self) -> av.VideoFrame:
        pts, time_base = await self.next_timestamp()
        frame = av.VideoFrame(WIDTH, HEIGHT, "yuv420p")
        for plane, value in zip(frame.planes, self.yuv, strict=True):
            plane.update(bytes([value]) * plane.buffer_size)
        frame.pts = pts
        frame.time_base = Fraction(time_base)
        return frame


def mean_u(frame: av.VideoFrame) -> float:
    plane = frame.planes[1]
    data = bytes(plane)
    rows = [data[r * plane.line_size : r * plane.line_size + plane.width] for r in range(plane.height)]
    return sum(sum(row) for row in rows) / (plane.width * plane.height)


class Peer:
    def __init__(self, member: Member, client: RealtimeClient, room: str, yuv: tuple[int, int, int]) -> None:
        self.member = member
        self.client = client
        self.room = room
        self.pc = RTCPeerConnection()
        self.pc.addTrack(ColourTrack(yuv))
        self.remote: asyncio.Future[MediaStreamTrack] = asyncio.get_running_loop().create_future()
        self.pc.on("track", self._on_track)

    def _on_track(self, track: MediaStreamTrack) -> None:
        if track.kind == "video" and not self.remote.done():
            self.remote.set_result(track)

    async def send_description(self, to: int) -> None:
        description = self.pc.localDescription
        sdp, candidates = split_candidates(description.sdp)
        await self.client.command(
            "meeting.signal", self.room, to=to, kind="description", description={"type": description.type, "sdp": sdp}
        )
        assert candidates, "aiortc gathered no candidates"
        await self.client.command("meeting.signal", self.room, to=to, kind="candidates", candidates=candidates)

    async def next_signal(self) -> dict[str, Any]:
        while True:
            frame = await asyncio.wait_for(self.client.ephemeral.get(), 30)
            if frame["type"] == "signal":
                assert frame["stream"] == self.room
                return frame

    async def apply(self, frame: dict[str, Any]) -> None:
        data = frame["data"]
        if data["kind"] == "description":
            await self.pc.setRemoteDescription(RTCSessionDescription(**data["description"]))
        elif data["kind"] == "candidates":
            for item in data["candidates"]:
                candidate = candidate_from_sdp(item["candidate"].split(":", 1)[1])
                candidate.sdpMid = item.get("sdpMid")
                candidate.sdpMLineIndex = item.get("sdpMLineIndex")
                await self.pc.addIceCandidate(candidate)
            await self.pc.addIceCandidate(None)  # aiortc gathers fully: this is all of them


@pytest.fixture
def server(transactional_db: None) -> AsyncIterator[LiveServer]:
    live = start_daphne()
    try:
        yield live  # type: ignore[misc]
    finally:
        live.stop()


async def participant(server: LiveServer, member: Member, meeting_id: int) -> RealtimeClient:
    client = await RealtimeClient.login(server.url, member.user.username, PASSWORD)
    await client.start()
    entered = await client.command("meeting.lobby.enter", f"meeting.lobby:{meeting_id}")
    assert entered == {"status": "admitted"}
    await client.subscribe(f"meeting:{meeting_id}")
    return client


async def test_two_aiortc_participants_see_each_others_video_through_the_gateway(
    server: LiveServer, branch_meeting: Branch
) -> None:
    meeting_id = branch_meeting.meeting.pk
    room = f"meeting:{meeting_id}"
    a_member, b_member = branch_meeting.full[0], branch_meeting.full[1]
    a_client = await participant(server, a_member, meeting_id)
    b_client = await participant(server, b_member, meeting_id)
    a, b = Peer(a_member, a_client, room, RED), Peer(b_member, b_client, room, BLUE)
    try:
        await a.pc.setLocalDescription(await a.pc.createOffer())
        await a.send_description(b_member.pk)

        offer = await b.next_signal()
        assert offer["sender"] == a_member.pk and offer["data"]["description"]["type"] == "offer"
        assert "a=candidate:" not in offer["data"]["description"]["sdp"]
        await b.apply(offer)
        await b.apply(await b.next_signal())  # a's candidates
        await b.pc.setLocalDescription(await b.pc.createAnswer())
        await b.send_description(a_member.pk)

        answer = await a.next_signal()
        assert answer["sender"] == b_member.pk and answer["data"]["description"]["type"] == "answer"
        await a.apply(answer)
        await a.apply(await a.next_signal())  # b's candidates

        for peer, colour in ((a, BLUE), (b, RED)):
            track = await asyncio.wait_for(peer.remote, 30)
            frames = [await asyncio.wait_for(track.recv(), 30) for _ in range(5)]
            assert (frames[-1].width, frames[-1].height) == (WIDTH, HEIGHT)
            assert abs(mean_u(frames[-1]) - colour[1]) < 25, (peer.member.pk, mean_u(frames[-1]))
        assert a.pc.connectionState == b.pc.connectionState == "connected"
    finally:
        for peer in (a, b):
            await peer.pc.close()
        for client in (a_client, b_client):
            with contextlib.suppress(Exception):
                await client.close()
