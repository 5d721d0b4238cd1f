"""The lesson relay end to end: aiortc peers logged in as members, through the real gateway and
the real media worker (inside the Daphne process on the embedded default, a separate
``media_worker`` process on Redis).

The lecturer publishes a synthetic camera of one colour and a tone; viewers decode what the
relay sends them and check it is the lecturer's picture and sound.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from fractions import Fraction
from pathlib import Path

import av
import pytest
from aiortc import AudioStreamTrack, VideoStreamTrack
from aiortc.mediastreams import MediaStreamTrack
from asgiref.sync import sync_to_async
from django.conf import settings
from django.utils import timezone

from lessons.models import Recording, StudyTime
from meetings import lifecycle, services
from meetings.media.client import RelayPeer
from meetings.models import Meeting, MeetingKind, Stay
from members.models import Member, RoleKind
from realtime.client import RealtimeClient, RealtimeError
from tests import live as live_servers
from tests.conftest import PASSWORD
from tests.live import ROOT, LiveServer, start_daphne

pytestmark = pytest.mark.django_db(transaction=True)

WIDTH, HEIGHT = 640, 360
LECTURER_YUV = (81, 90, 240)  # red
BLUE_YUV = (41, 240, 110)


class Camera(VideoStreamTrack):
    """A synthetic camera: solid frames of one colour."""

    def __init__(self, yuv: tuple[int, int, int] = LECTURER_YUV, size: tuple[int, int] = (WIDTH, HEIGHT)) -> None:
        super().__init__()
        self.yuv = yuv
        self.size = size

    async def recv(self) -> av.VideoFrame:
        pts, time_base = await self.next_timestamp()
        frame = av.VideoFrame(self.size[0], self.size[1], "yuv420p")
        for plane, value in zip(frame.planes, self.yuv, strict=True):
            plane.update(bytes([value]) * plane.buffer_size)
        frame.pts = pts
        frame.time_base = Fraction(time_base)
        return frame


def mean_u(frame: av.VideoFrame) -> float:
    plane = frame.reformat(format="yuv420p").planes[1]
    data = bytes(plane)
    rows = [data[r * plane.line_size : r * plane.line_size + plane.width] for r in range(plane.height)]
    return sum(sum(row) for row in rows) / (plane.width * plane.height)


async def frames(track: MediaStreamTrack, count: int, timeout: float = 30) -> list[av.VideoFrame]:
    return [await asyncio.wait_for(track.recv(), timeout) for _ in range(count)]


@pytest.fixture
def lesson(org_tree, member_factory, actor_of) -> tuple[Meeting, Member, list[Member]]:
    """A live party lesson of 第一党支部 with its lecturer and four members."""
    secretary = member_factory(org_tree.branch_a, roles=[(RoleKind.SECRETARY, org_tree.branch_a)])
    lecturer = member_factory(org_tree.branch_a, roles=[(RoleKind.LECTURER, org_tree.branch_a)])
    viewers = [member_factory(org_tree.branch_a) for _ in range(4)]
    start = timezone.now()
    meeting = services.meeting_schedule(
        by=actor_of(secretary),
        organisation=org_tree.branch_a,
        kind=MeetingKind.LESSON,
        title="网络党课：学习党章",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        agenda=["党章第一章"],
    )
    meeting.lecturer = lecturer
    meeting.save(update_fields=["lecturer"])
    meeting.cohosts.add(lecturer)
    lifecycle.meeting_start(by=actor_of(secretary), meeting=meeting)
    return meeting, lecturer, viewers


def start_media_worker(live: LiveServer, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """``manage.py media_worker`` beside ``live``, once it listens (a request sent earlier is lost)."""
    env = {**os.environ, "DATABASE_URL": live_servers.test_database_url(), "DEBUG": "1", **env}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    log = ROOT / "var" / "test-logs" / f"media-worker-{live.port}.log"
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "media_worker"], cwd=ROOT, env=env, stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while "listening on" not in log.read_text(errors="replace"):
        assert worker.poll() is None and time.monotonic() < deadline, log.read_text(errors="replace")
        time.sleep(0.1)
    return worker


@pytest.fixture
def relay_server(transactional_db: None) -> Iterator[LiveServer]:
    """Daphne with the relay inside it (embedded default), or Daphne plus a separate media
    worker process when Redis is configured (the production shape)."""
    worker: subprocess.Popen[bytes] | None = None
    live = start_daphne({"MEDIA_STUDY_INTERVAL": "1"})
    if os.environ.get("REDIS_URL"):
        worker = start_media_worker(live, {"MEDIA_STUDY_INTERVAL": "1"})
    try:
        yield live
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=20)
        live.stop()


async def member_in_room(server: LiveServer, member: Member, meeting: Meeting) -> RealtimeClient:
    client = await RealtimeClient.login(server.url, member.user.username, PASSWORD)
    await client.start()
    entered = await client.command("meeting.lobby.enter", f"meeting.lobby:{meeting.pk}")
    assert entered == {"status": "admitted"}
    await client.subscribe(f"meeting:{meeting.pk}")
    return client


@contextlib.asynccontextmanager
async def peers(
    server: LiveServer, meeting: Meeting, members: list[Member], publish: list[dict]
) -> AsyncIterator[list[RelayPeer]]:
    made: list[RelayPeer] = []
    try:
        for member, sources in zip(members, publish, strict=True):
            client = await member_in_room(server, member, meeting)
            made.append(RelayPeer(client, meeting.pk, publish=sources))
        yield made
    finally:
        for peer in made:
            with contextlib.suppress(Exception):
                await peer.close()
            with contextlib.suppress(Exception):
                await peer.client.close()


async def test_viewers_receive_the_lecturers_camera_and_microphone(relay_server, lesson) -> None:
    meeting, lecturer, viewers = lesson
    publish = [{"cam": Camera(), "mic": AudioStreamTrack()}, {}, {}]
    async with peers(relay_server, meeting, [lecturer, *viewers[:2]], publish) as (teacher, first, second):
        assert sorted((await teacher.join())["publish"]) == ["cam", "mic"]
        for viewer in (first, second):
            assert (await viewer.join())["publish"] == []
        for viewer in (first, second):
            video = await viewer.track("cam")
            got = await frames(video, 10)
            assert (got[-1].width, got[-1].height) == (WIDTH, HEIGHT)
            assert abs(mean_u(got[-1]) - LECTURER_YUV[1]) < 25
            audio = await viewer.track("mic")
            sound = await asyncio.wait_for(audio.recv(), 30)
            assert sound.sample_rate == 48_000
        assert first.pc.connectionState == "connected"


async def test_who_may_use_the_relay(relay_server, lesson, branch_meeting) -> None:
    meeting, lecturer, viewers = lesson
    async with peers(relay_server, meeting, [viewers[0], viewers[1]], [{}, {}]) as (viewer, other):
        with pytest.raises(RealtimeError) as refused:
            await viewer.client.command("meeting.media.join", viewer.stream, session="s1", publish=["cam"])
        assert refused.value.code == "forbidden"  # only the lecturer and hosts send in a lesson
        with pytest.raises(RealtimeError) as bad:
            await viewer.client.command("meeting.media.join", viewer.stream, session="../x", publish=[])
        assert bad.value.code == "bad_frame"
        # An answer for someone else's session reaches nobody's connection: the worker keys
        # sessions by the member the gateway authenticated.
        await viewer.join()
        await other.client.command("meeting.media.answer", other.stream, session=viewer.session, sdp="v=0\r\n")
        await viewer.track("cam")
        assert viewer.pc.connectionState in ("new", "connecting", "connected")
    # A member of another branch cannot even reach the room.
    outsider = branch_meeting.outsider
    client = await RealtimeClient.login(relay_server.url, outsider.user.username, PASSWORD)
    await client.start()
    try:
        with pytest.raises(RealtimeError) as outside:
            await client.command("meeting.media.join", f"meeting:{meeting.pk}", session="s2", publish=[])
        assert outside.value.code in ("forbidden", "not_found")
    finally:
        await client.close()
    # A meeting in browser-to-browser mode does not use the relay.
    mesh = branch_meeting.meeting
    async with peers(relay_server, mesh, [branch_meeting.full[0]], [{}]) as (member,):
        with pytest.raises(RealtimeError) as conflict:
            await member.join()
        assert conflict.value.code == "conflict"


async def test_hosts_see_viewers_and_watched_time_is_credited(relay_server, lesson) -> None:
    meeting, lecturer, viewers = lesson
    publish = [{"cam": Camera(), "mic": AudioStreamTrack()}, {}, {}, {}]
    async with peers(relay_server, meeting, [lecturer, *viewers[:3]], publish) as (teacher, a, b, idle):
        await teacher.join()
        for viewer in (a, b):
            await viewer.join()
            await frames(await viewer.track("cam"), 5)
        # ``idle`` is in the room (attendance) but never connects media: no study time.
        for _ in range(100):
            if teacher.viewers == 2:
                break
            await asyncio.sleep(0.1)
        assert teacher.viewers == 2
        await frames(await a.track("cam"), 45)  # about three seconds of watching
        await frames(await b.track("cam"), 1)

    def credited() -> dict[int, float]:
        rows = StudyTime.objects.filter(meeting=meeting, source="live").values_list("member_id", "seconds")
        return dict(rows)

    got = await sync_to_async(credited)()
    assert set(got) == {viewers[0].pk, viewers[1].pk}
    assert got[viewers[0].pk] >= 1.0


async def test_the_lesson_is_recorded_to_a_file_members_can_replay(relay_server, lesson) -> None:
    meeting, lecturer, viewers = lesson
    publish = [{"cam": Camera(), "mic": AudioStreamTrack()}, {}]
    async with peers(relay_server, meeting, [lecturer, viewers[0]], publish) as (teacher, viewer):
        await teacher.join()
        await viewer.join()
        track = await viewer.track("cam")
        await frames(track, 3)
        assert await teacher.client.command("meeting.media.record", teacher.stream, on=True) == {"on": True}
        await frames(track, 45)
        await teacher.client.command("meeting.media.record", teacher.stream, on=False)
        for _ in range(100):
            if await sync_to_async(Recording.objects.filter(meeting=meeting).exists)():
                break
            await asyncio.sleep(0.1)
    recording = await sync_to_async(Recording.objects.get)(meeting=meeting)
    path = Path(settings.MEDIA_ROOT) / recording.path
    with av.open(str(path)) as container:
        video = list(container.decode(video=0))
    with av.open(str(path)) as container:
        # The file lasts as long as its longer stream: the sound may outlast the last picture.
        end = max(float(p.pts * p.time_base) for p in container.demux() if p.pts is not None)
    span = float((video[-1].pts - video[0].pts) * video[0].time_base)
    assert recording.content_type == "video/webm"
    assert recording.duration == pytest.approx(end, abs=0.01)
    assert 2.0 < span <= recording.duration < 8.0
    assert abs(mean_u(video[-1]) - LECTURER_YUV[1]) < 25


async def test_a_dropped_lecturer_comes_back_as_the_same_stay(relay_server, lesson) -> None:
    meeting, lecturer, viewers = lesson
    publish = [{"cam": Camera(), "mic": AudioStreamTrack()}, {}]
    async with peers(relay_server, meeting, [lecturer, viewers[0]], publish) as (teacher, viewer):
        await teacher.join()
        await viewer.join()
        track = await viewer.track("cam")
        await frames(track, 5)
        # The network drops: the peer connection dies without a goodbye, the page makes a
        # fresh one under the same session.
        teacher.publish = {"cam": Camera(BLUE_YUV), "mic": AudioStreamTrack()}
        dropped = time.monotonic()
        await teacher.rejoin()
        for _ in range(300):
            if abs(mean_u((await frames(track, 1))[0]) - BLUE_YUV[1]) < 25:
                break
        else:
            pytest.fail("the viewer never saw the lecturer again")
        print(f"picture back {time.monotonic() - dropped:.2f} s after the lecturer's new connection")
        assert teacher.pc.connectionState == "connected"
    stays = await sync_to_async(lambda: list(Stay.objects.filter(meeting=meeting, member=lecturer)))()
    assert len(stays) == 1


async def test_leaving_the_room_hangs_up_the_members_media(relay_server, lesson) -> None:
    meeting, lecturer, viewers = lesson
    publish = [{"cam": Camera()}, {}]
    async with peers(relay_server, meeting, [lecturer, viewers[0]], publish) as (teacher, viewer):
        await teacher.join()
        await viewer.join()
        await frames(await viewer.track("cam"), 3)
        await viewer.client.unsubscribe(f"meeting:{meeting.pk}")  # the member's last tab leaves
        for _ in range(200):
            if viewer.pc.connectionState in ("closed", "failed"):
                break
            await asyncio.sleep(0.1)
        assert viewer.pc.connectionState in ("closed", "failed")


async def test_a_worker_shutting_down_hangs_up_and_keeps_the_recording(transactional_db, redis_url, lesson) -> None:
    """The production shape, whatever the suite runs on: Daphne and a separate media worker on
    Redis. SIGTERM (a deploy, ``docker compose stop``) closes every peer connection at once and
    finishes the recording in progress."""
    meeting, lecturer, viewers = lesson
    shape = {"REDIS_URL": redis_url, "MEDIA_WORKER": "external"}
    live = start_daphne(shape)
    worker = start_media_worker(live, shape)
    try:
        publish = [{"cam": Camera(), "mic": AudioStreamTrack()}, {}]
        async with peers(live, meeting, [lecturer, viewers[0]], publish) as (teacher, viewer):
            await teacher.join()
            await viewer.join()
            track = await viewer.track("cam")
            await frames(track, 3)
            await teacher.client.command("meeting.media.record", teacher.stream, on=True)
            await frames(track, 30)
            worker.terminate()
            await asyncio.get_running_loop().run_in_executor(None, worker.wait, 30)
            assert worker.returncode == 0
            for _ in range(100):  # the worker said goodbye (DTLS close_notify): no 30 s timeout
                if viewer.pc.connectionState == "closed" and teacher.pc.connectionState == "closed":
                    break
                await asyncio.sleep(0.1)
            assert viewer.pc.connectionState == teacher.pc.connectionState == "closed"
        recording = await sync_to_async(Recording.objects.get)(meeting=meeting)
        assert recording.duration > 1.0
    finally:
        if worker.poll() is None:
            worker.kill()
        live.stop()
