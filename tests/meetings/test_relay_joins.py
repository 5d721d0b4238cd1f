"""The lesson relay while viewers keep joining, in the production shape: Daphne and a separate
media worker on Redis, an aiortc lecturer and 30 light viewers (real ICE, DTLS and SRTP, counting
complete frames from the RTP headers instead of decoding, as bench/lesson_relay.py does).

A lesson's start is the relay's hardest moment: every arrival is a lobby entry, a subscription,
a peer connection offered and answered, a handshake and a keyframe. The guard asserts by counts,
not by time: through each wave of arrivals the lecturer's connection stays up and keeps sending,
every viewer already watching keeps receiving complete frames, every newcomer gets a picture, and
nobody's entry has every open socket's access checked again (those rechecks, one per entry, held
the web process's database thread and queued the joins behind them: bench/lesson_relay.py
measured a 200-viewer start collapsing to about one frame per second).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import subprocess
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import redis
from aiortc.mediastreams import MediaStreamTrack
from django.utils import timezone

from bench.lesson_relay import FrameCount, count_frames_without_decrypting
from meetings import lifecycle, services
from meetings.media.client import RelayPeer
from meetings.models import MeetingKind
from members.models import RoleKind
from tests.live import LiveServer, start_daphne
from tests.meetings.test_relay import Camera, member_in_room, start_media_worker

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]

WAVES = 3
PER_WAVE = 10
FPS = 15
WATCHED = 2 * FPS  # frames the lecturer sends through each wave, at least: the span measured


class CountingCamera(Camera):
    """The lecturer's camera, counting the frames its sender took (what the lecturer sends)."""

    def __init__(self) -> None:
        super().__init__(size=(320, 180))
        self.sent = 0

    async def recv(self) -> Any:
        frame = await super().recv()
        self.sent += 1
        return frame


async def until(condition: Callable[[], bool], what: Callable[[], str], *, timeout: float = 180) -> None:
    """Poll with a deadline; the deadline only turns a hang into a failure with a reason."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, what()
        await asyncio.sleep(0.05)


@pytest.fixture
def crowded_lesson(org_tree, member_factory, actor_of) -> tuple[Any, Any, list[Any]]:
    """A live lesson whose 30 members were in the branch when it was scheduled (invited)."""
    secretary = member_factory(org_tree.branch_a, roles=[(RoleKind.SECRETARY, org_tree.branch_a)])
    lecturer = member_factory(org_tree.branch_a, roles=[(RoleKind.LECTURER, org_tree.branch_a)])
    viewers = [member_factory(org_tree.branch_a) for _ in range(WAVES * PER_WAVE)]
    start = timezone.now()
    meeting = services.meeting_schedule(
        by=actor_of(secretary), organisation=org_tree.branch_a, kind=MeetingKind.LESSON, title="网络党课：开课",
        starts_at=start, ends_at=start + dt.timedelta(hours=1), agenda=[],
    )  # fmt: skip
    meeting.lecturer = lecturer
    meeting.save(update_fields=["lecturer"])
    meeting.cohosts.add(lecturer)
    lifecycle.meeting_start(by=actor_of(secretary), meeting=meeting)
    return meeting, lecturer, viewers


async def test_the_lecturer_keeps_sending_and_every_viewer_keeps_receiving_while_viewers_join(
    transactional_db, redis_url, monkeypatch, crowded_lesson
) -> None:
    meeting, lecturer, members = crowded_lesson
    counters = count_frames_without_decrypting(functools.partial(monkeypatch.setattr, raising=False))
    prefix = f"t-{uuid.uuid4().hex[:10]}"
    shape = {"REDIS_URL": redis_url, "REDIS_PREFIX": prefix, "MEDIA_WORKER": "external"}
    access_changes = redis.Redis.from_url(redis_url)
    epoch_key = f"{prefix}:rt:access-epoch"
    live: LiveServer = await asyncio.to_thread(start_daphne, shape)
    worker: subprocess.Popen[bytes] | None = None
    peers: list[RelayPeer] = []
    try:
        worker = await asyncio.to_thread(start_media_worker, live, shape)
        camera = CountingCamera()
        teacher = RelayPeer(await member_in_room(live, lecturer, meeting), meeting.pk, publish={"cam": camera})
        peers.append(teacher)
        await teacher.join()
        await until(lambda: teacher.pc.connectionState == "connected", lambda: "the lecturer never connected")
        entries_before = int(access_changes.get(epoch_key) or 0)

        watching: list[FrameCount] = []

        async def arrive(member: Any) -> FrameCount:
            peer = RelayPeer(await member_in_room(live, member, meeting), meeting.pk)
            peers.append(peer)
            await peer.join()
            track: MediaStreamTrack = await peer.track("cam", timeout=180)
            assert track is not None
            count = FrameCount()
            counters[peer.pc.getTransceivers()[0].receiver.transport] = count
            return count

        def arrived(newcomers: list[FrameCount], sent_before: int) -> bool:
            return all(count.frames > 0 for count in newcomers) and camera.sent - sent_before >= WATCHED

        def report(wave: int, newcomers: list[FrameCount], sent_before: int) -> str:
            pictures = sum(count.frames > 0 for count in newcomers)
            return f"wave {wave}: {pictures} of {PER_WAVE} have a picture; lecturer sent {camera.sent - sent_before}"

        for wave in range(WAVES):
            sent_before = camera.sent
            seen_before = [count.frames for count in watching]
            arriving = members[wave * PER_WAVE : (wave + 1) * PER_WAVE]
            newcomers = await asyncio.gather(*(arrive(member) for member in arriving))
            await until(
                functools.partial(arrived, newcomers, sent_before),
                functools.partial(report, wave, newcomers, sent_before),
            )
            sent = camera.sent - sent_before
            assert teacher.pc.connectionState == "connected"
            # Everyone already watching kept receiving complete frames while the wave arrived: at
            # least a quarter of what the lecturer sent (the relay's encoder may skip frames when
            # the machine is starved of CPU; a stall shows as a handful, a dead stream as none).
            received = [count.frames - before for count, before in zip(watching, seen_before, strict=True)]
            assert all(n >= sent // 4 for n in received), (wave, sent, received)
            watching += newcomers

        # No entry had every open socket checked again: entering a lesson takes no access away.
        assert int(access_changes.get(epoch_key) or 0) == entries_before
        assert len(watching) == WAVES * PER_WAVE
    finally:
        for peer in reversed(peers):
            with contextlib.suppress(Exception):
                await peer.close()
            with contextlib.suppress(Exception):
                await peer.client.close()
        if worker is not None:
            worker.terminate()
            await asyncio.to_thread(worker.wait, 20)
        live.stop()
