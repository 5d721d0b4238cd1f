"""The relay's stage with aiortc peers in one process (no gateway): fan-out without per-viewer
encoding, keyframes on request, screen share, relay meetings, recording, and clean-up.

The peers talk to the stage the way the worker lets browsers talk to it, but signals are handed
over directly; the stage's own counters (how many frames were encoded, how many viewers a
fan-out has) are then visible to the test.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import weakref
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import pytest
from aiortc import (
    AudioStreamTrack,
    RTCBundlePolicy,
    RTCConfiguration,
    RTCPeerConnection,
    RTCSessionDescription,
    VideoStreamTrack,
)
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from meetings.media.client import split_candidates
from meetings.media.fanout import Fanout, PacketTrack
from meetings.media.stage import PROGRAMME, MediaSettings, Stage, StageHooks

RED = (81, 90, 240)
BLUE = (41, 240, 110)
GREEN = (145, 54, 34)


class Colour(VideoStreamTrack):
    def __init__(self, yuv: tuple[int, int, int], size: tuple[int, int] = (320, 240)) -> None:
        super().__init__()
        self.yuv, self.size = yuv, size

    async def recv(self) -> av.VideoFrame:
        pts, time_base = await self.next_timestamp()
        frame = av.VideoFrame(self.size[0], self.size[1], "yuv420p")
        for plane, value in zip(frame.planes, self.yuv, strict=True):
            plane.update(bytes([value]) * plane.buffer_size)
        frame.pts, frame.time_base = pts, Fraction(time_base)
        return frame


def mean_u(frame: av.VideoFrame) -> float:
    plane = frame.reformat(format="yuv420p").planes[1]
    data = bytes(plane)
    rows = [data[r * plane.line_size : r * plane.line_size + plane.width] for r in range(plane.height)]
    return sum(sum(row) for row in rows) / (plane.width * plane.height)


class Peer:
    """A browser tab stand-in: answers the stage's offers, publishing what it was given."""

    def __init__(self, stage: Stage, member: int, publish: dict[str, MediaStreamTrack] | None = None) -> None:
        self.stage, self.member = stage, member
        self.publish = publish or {}
        self.session = f"tab{member}"
        self.pc = RTCPeerConnection(RTCConfiguration(bundlePolicy=RTCBundlePolicy.MAX_BUNDLE))
        self.layout: dict[str, dict[str, Any]] = {}
        self.tracks: dict[str, MediaStreamTrack] = {}
        self.changed = asyncio.Event()
        self.pc.on("track", self._track)

    def _track(self, track: MediaStreamTrack) -> None:
        for transceiver in self.pc.getTransceivers():
            if transceiver.receiver.track is track:
                self.tracks[transceiver.mid or ""] = track
        self.changed.set()

    async def on_signal(self, data: dict[str, Any]) -> None:
        if data.get("session") != self.session:
            return
        if data["kind"] == "media.layout":
            self.layout = data["layout"]
            self.changed.set()
            return
        if data["kind"] != "media.offer":
            return
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=data["sdp"], type="offer"))
        self.layout = data["layout"]
        for transceiver in self.pc.getTransceivers():
            shown = self.layout.get(transceiver.mid or "")
            if shown and shown.get("publish"):
                transceiver.direction = "sendonly"
                if shown["source"] in self.publish and transceiver.sender.track is None:
                    transceiver.sender.replaceTrack(self.publish[shown["source"]])
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        sdp, candidates = split_candidates(self.pc.localDescription.sdp)
        await self.stage.answer(member_id=self.member, session_id=self.session, sdp=sdp)
        await self.stage.candidates(member_id=self.member, session_id=self.session, candidates=candidates)
        self.changed.set()

    async def join(self) -> None:
        await self.stage.join(member_id=self.member, session_id=self.session, sources=sorted(self.publish))

    async def track(self, source: str, member: int | None = None) -> MediaStreamTrack:
        async def find() -> MediaStreamTrack:
            while True:
                for mid, shown in self.layout.items():
                    if shown.get("source") == source and shown.get("member") == member and mid in self.tracks:
                        return self.tracks[mid]
                self.changed.clear()
                await self.changed.wait()

        return await asyncio.wait_for(find(), 20)


class Harness:
    def __init__(self, tmp_path: Path, *, lesson: bool) -> None:
        self.peers: dict[int, Peer] = {}
        self.credits: list[tuple[int, float]] = []
        self.saved: list[tuple[Path, datetime, float]] = []
        self.viewer_counts: list[tuple[int, int]] = []
        self.tasks: set[asyncio.Task[None]] = set()
        hooks = StageHooks(signal=self.signal, credit=self.credit, recording_saved=self.recording_saved)
        settings = MediaSettings(recordings_dir=tmp_path / "recordings", study_interval=0.5)
        self.stage = Stage(meeting_id=1, lesson=lesson, settings=settings, hooks=hooks, hosts={1})

    async def signal(self, member: int, data: dict[str, Any]) -> None:
        if data.get("kind") == "media.viewers":
            self.viewer_counts.append((member, data["count"]))
        peer = self.peers.get(member)
        if peer is not None:  # delivered later, as over a network: the stage holds its locks now
            task = asyncio.ensure_future(peer.on_signal(data))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def credit(self, member: int, seconds: float) -> None:
        self.credits.append((member, seconds))

    async def recording_saved(self, path: Path, started: datetime, duration: float) -> None:
        self.saved.append((path, started, duration))

    def peer(self, member: int, publish: dict[str, MediaStreamTrack] | None = None) -> Peer:
        self.peers[member] = Peer(self.stage, member, publish)
        return self.peers[member]

    async def close(self) -> None:
        await self.stage.close()
        for peer in self.peers.values():
            await peer.pc.close()


@pytest.fixture
async def lesson(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = Harness(tmp_path, lesson=True)
    yield harness
    await harness.close()


@pytest.fixture
async def meeting(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = Harness(tmp_path, lesson=False)
    yield harness
    await harness.close()


async def eventually(condition: Callable[[], bool], timeout: float = 30) -> bool:
    """Poll ``condition`` until it holds (True) or ``timeout`` passes (False): the machine may be
    busy, so waits are generous and never part of what a test asserts."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


async def frames(track: MediaStreamTrack, count: int) -> list[av.VideoFrame]:
    return [await asyncio.wait_for(track.recv(), 20) for _ in range(count)]


async def test_each_frame_is_encoded_once_whatever_the_number_of_viewers(lesson: Harness) -> None:
    lecturer = lesson.peer(1, {"cam": Colour(RED), "mic": AudioStreamTrack()})
    await lecturer.join()
    viewers = [lesson.peer(10 + i) for i in range(4)]
    for viewer in viewers:
        await viewer.join()
    for viewer in viewers:
        got = await frames(await viewer.track("cam"), 15)
        assert abs(mean_u(got[-1]) - RED[1]) < 25
    camera = lesson.stage.fanouts[(PROGRAMME, "cam")]
    assert len(camera.viewers) == 4
    # One encode per frame that came in (fewer under the frame-rate cap), not one per viewer.
    assert 0 < camera.frames_encoded <= camera.frames_in
    sent = [
        slot.track.delivered
        for s in lesson.stage.sessions.values()
        for slot in s.slots
        if slot.key == (PROGRAMME, "cam")
    ]
    assert len(sent) == 4 and min(sent) >= 15
    assert max(sent) <= camera.frames_encoded  # every viewer sends the shared packets, no extra encodes


async def test_a_late_joiner_gets_a_keyframe_at_once(lesson: Harness) -> None:
    lecturer = lesson.peer(1, {"cam": Colour(BLUE)})
    await lecturer.join()
    early = lesson.peer(10)
    await early.join()
    await frames(await early.track("cam"), 30)  # two seconds in: long past the first keyframe
    camera = lesson.stage.fanouts[(PROGRAMME, "cam")]
    keyframes = camera.keyframes
    late = lesson.peer(11)
    await late.join()
    # The encoder makes keyframes only on request (no periodic ones for minutes), so a late
    # joiner that decodes a picture at all was given a keyframe when it joined.
    first = (await frames(await late.track("cam"), 1))[0]
    assert abs(mean_u(first) - BLUE[1]) < 25
    assert camera.keyframes > keyframes


async def test_a_page_asking_again_before_its_offer_arrived_gets_the_same_offer(lesson: Harness) -> None:
    """A page asks again when no offer came within seconds (signalling is slow when hundreds
    join at once): it gets the offer it is owed again, not a new connection that the answer
    to the first would then meet."""
    lecturer = lesson.peer(1, {"cam": Colour(BLUE)})
    await lecturer.join()
    viewer = lesson.peer(10)
    offers: list[str] = []
    answer_offer = viewer.on_signal

    async def first_offer_delayed(data: dict[str, Any]) -> None:
        if data.get("kind") == "media.offer" and data.get("session") == viewer.session:
            offers.append(data["sdp"])
            if len(offers) == 1:
                return  # still on its way when the page asks again
        await answer_offer(data)

    viewer.on_signal = first_offer_delayed  # type: ignore[method-assign]
    await viewer.join()
    assert await eventually(lambda: len(offers) == 1)
    session = lesson.stage.sessions[(10, viewer.session)]
    await viewer.join()
    assert await eventually(lambda: len(offers) == 2)
    assert offers[1] == offers[0]
    assert lesson.stage.sessions[(10, viewer.session)] is session
    first = (await frames(await viewer.track("cam"), 1))[0]
    assert abs(mean_u(first) - BLUE[1]) < 25


async def test_a_viewers_picture_loss_indication_reaches_the_shared_encoder(lesson: Harness) -> None:
    lecturer = lesson.peer(1, {"cam": Colour(GREEN)})
    await lecturer.join()
    viewer = lesson.peer(10)
    await viewer.join()
    track = await viewer.track("cam")
    await frames(track, 20)
    camera = lesson.stage.fanouts[(PROGRAMME, "cam")]
    before = camera.keyframes
    receiver = next(t.receiver for t in viewer.pc.getTransceivers() if t.receiver.track is track)
    ssrc = receiver.getSynchronizationSources()[0].source
    await receiver._send_rtcp_pli(ssrc)  # what a browser sends after losing a keyframe's packets
    for _ in range(60):
        if camera.keyframes > before:
            break
        await frames(track, 1)
    assert camera.keyframes > before
    assert any(f.key_frame for f in await frames(track, 5)) or camera.keyframes > before


async def test_screen_share_is_a_second_video_track(lesson: Harness) -> None:
    lecturer = lesson.peer(1, {"cam": Colour(RED), "screen": Colour(GREEN, (640, 360)), "mic": AudioStreamTrack()})
    await lecturer.join()
    viewer = lesson.peer(10)
    await viewer.join()
    camera = (await frames(await viewer.track("cam"), 5))[-1]
    screen = (await frames(await viewer.track("screen"), 5))[-1]
    assert abs(mean_u(camera) - RED[1]) < 25 and abs(mean_u(screen) - GREEN[1]) < 25
    assert (screen.width, screen.height) == (640, 360)
    sound = await asyncio.wait_for((await viewer.track("mic")).recv(), 20)
    assert isinstance(sound, av.AudioFrame)


async def test_only_the_named_sources_are_published(lesson: Harness) -> None:
    """A viewer's tab that sends media anyway feeds nothing: it asked to publish nothing."""
    lecturer = lesson.peer(1, {"cam": Colour(RED)})
    await lecturer.join()
    intruder = lesson.peer(10, {"cam": Colour(BLUE)})
    intruder.publish = {"cam": Colour(BLUE)}
    await lesson.stage.join(member_id=10, session_id=intruder.session, sources=[])
    other = lesson.peer(11)
    await other.join()
    got = await frames(await other.track("cam"), 10)
    assert all(abs(mean_u(f) - RED[1]) < 25 for f in got[-5:])


async def test_a_viewer_that_leaves_frees_everything(lesson: Harness) -> None:
    lecturer = lesson.peer(1, {"cam": Colour(RED), "mic": AudioStreamTrack()})
    await lecturer.join()
    stayer = lesson.peer(10)
    await stayer.join()
    await frames(await stayer.track("cam"), 5)
    tasks_before = len(asyncio.all_tasks())
    leaver = lesson.peer(11)
    await leaver.join()
    await frames(await leaver.track("cam"), 5)
    session = lesson.stage.sessions[(11, leaver.session)]
    tracks = [weakref.ref(slot.track) for slot in session.slots]
    pc = weakref.ref(session.pc)
    del session
    await lesson.stage.leave(member_id=11, session_id=None)
    await leaver.pc.close()
    del lesson.peers[11]
    del leaver

    def released() -> bool:  # aiortc's transports wind down their tasks
        gc.collect()
        return len(asyncio.all_tasks()) <= tasks_before and all(t() is None for t in tracks) and pc() is None

    await eventually(released)
    assert (11, "tab11") not in lesson.stage.sessions
    assert all(len(f.viewers) == 1 for f in lesson.stage.fanouts.values() if f.kind == "video" and f.viewers)
    assert all(t() is None for t in tracks), "a departed viewer's tracks are still referenced"
    assert pc() is None, "a departed viewer's peer connection is still referenced"
    assert len(asyncio.all_tasks()) <= tasks_before
    await frames(await stayer.track("cam"), 5)  # the others go on


async def test_the_stage_closes_every_connection(lesson: Harness) -> None:
    lecturer = lesson.peer(1, {"cam": Colour(RED)})
    await lecturer.join()
    viewer = lesson.peer(10)
    await viewer.join()
    await frames(await viewer.track("cam"), 3)
    pcs = [s.pc for s in lesson.stage.sessions.values()]
    await lesson.stage.close()
    assert all(pc.connectionState == "closed" for pc in pcs)
    assert not lesson.stage.sessions and not lesson.stage.fanouts


async def test_the_lecturer_reconnecting_keeps_the_viewers_tracks(lesson: Harness) -> None:
    lecturer = lesson.peer(1, {"cam": Colour(RED)})
    await lecturer.join()
    viewer = lesson.peer(10)
    await viewer.join()
    track = await viewer.track("cam")
    await frames(track, 5)
    # A network drop: the old connection dies without a goodbye, a fresh one comes in.
    await lecturer.pc.close()
    again = lesson.peer(1, {"cam": Colour(BLUE)})
    await again.join()
    for _ in range(100):
        if abs(mean_u((await frames(track, 1))[0]) - BLUE[1]) < 25:
            break
    else:
        pytest.fail("the viewer never saw the reconnected lecturer")
    assert len(lesson.stage.sessions) == 2


async def test_recording_writes_a_webm_that_decodes_with_its_duration(lesson: Harness) -> None:
    lecturer = lesson.peer(1, {"cam": Colour(RED, (640, 360)), "mic": AudioStreamTrack()})
    await lecturer.join()
    viewer = lesson.peer(10)
    await viewer.join()
    track = await viewer.track("cam")
    await frames(track, 3)
    assert lesson.stage.record_start()
    await frames(track, 45)  # about three seconds of lesson
    await lesson.stage.record_stop()
    [(path, started, duration)] = lesson.saved
    assert path.suffix == ".webm" and started.tzinfo is not None
    with av.open(str(path)) as container:
        video = [f for f in container.decode(video=0)]
    with av.open(str(path)) as container:
        samples = sum(f.samples for f in container.decode(audio=0))
    assert (video[0].width, video[0].height) == (640, 360)
    assert abs(mean_u(video[-1]) - RED[1]) < 25
    span = float((video[-1].pts - video[0].pts) * video[0].time_base)
    with av.open(str(path)) as container:
        assert container.duration is not None
        assert duration == pytest.approx(container.duration / av.time_base, abs=0.1)  # what a player shows
    assert duration >= span - 0.1
    assert duration > 2.0  # 45 frames; how long they took to arrive depends on the machine, not the recorder
    assert samples / 48_000 == pytest.approx(duration, abs=0.5)


async def test_study_time_is_credited_only_to_viewers_receiving_media(lesson: Harness) -> None:
    lecturer = lesson.peer(1, {"cam": Colour(RED)})
    await lecturer.join()
    viewer = lesson.peer(10)
    joined = asyncio.get_running_loop().time()
    await viewer.join()
    await frames(await viewer.track("cam"), 30)
    assert await eventually(lambda: bool(lesson.credits))
    credited = {member for member, _ in lesson.credits}
    assert credited == {10}  # not the lecturer, who publishes
    watched = sum(seconds for _, seconds in lesson.credits)
    assert 0 < watched <= asyncio.get_running_loop().time() - joined  # never more than the wall time
    # A viewer whose browser stopped reporting reception (a frozen tab) stops earning.
    session = lesson.stage.sessions[(10, viewer.session)]
    asked = 0
    receiving_since = session.receiving_since

    async def counted(mark: dict[str, float]) -> bool:
        nonlocal asked
        asked += 1
        return await receiving_since(mark)

    session.receiving_since = counted  # type: ignore[method-assign]
    lesson.credits.clear()
    for slot in session.slots:
        slot.track.attach(None)  # nothing reaches it any more: its receiver reports stop growing
    # Six study rounds later (reports already on their way may still count for two of them):
    assert await eventually(lambda: asked >= 7)
    late = [s for member, s in lesson.credits if member == 10]
    assert len(late) <= 2


async def test_hosts_see_the_viewer_count(lesson: Harness) -> None:
    lecturer = lesson.peer(1, {"cam": Colour(RED)})
    await lecturer.join()
    viewers = [lesson.peer(10 + i) for i in range(3)]
    for viewer in viewers:
        await viewer.join()
    for viewer in viewers:
        await frames(await viewer.track("cam"), 2)
    await eventually(lambda: bool(lesson.viewer_counts) and lesson.viewer_counts[-1] == (1, 3))
    assert lesson.viewer_counts[-1] == (1, 3)
    assert {member for member, _ in lesson.viewer_counts} == {1}  # hosts only


async def test_a_relay_meeting_shows_everyone_the_others(meeting: Harness) -> None:
    colours = {1: RED, 2: BLUE, 3: GREEN}
    peers = [meeting.peer(m, {"cam": Colour(c), "mic": AudioStreamTrack()}) for m, c in colours.items()]
    for peer in peers:
        await peer.join()
    for peer in peers:
        for other, colour in colours.items():
            if other == peer.member:
                continue
            got = await frames(await peer.track("cam", member=other), 5)
            assert abs(mean_u(got[-1]) - colour[1]) < 25, (peer.member, other)


async def test_breakouts_split_the_relay_and_a_host_mute_stops_forwarding(meeting: Harness) -> None:
    colours = {1: RED, 2: BLUE, 3: GREEN}
    peers = {m: meeting.peer(m, {"cam": Colour(c)}) for m, c in colours.items()}
    for peer in peers.values():
        await peer.join()
    await frames(await peers[1].track("cam", member=3), 3)
    await meeting.stage.regroup({1: "a", 2: "a", 3: "b"})

    def shown(member: int) -> set[int]:
        return {info["member"] for info in peers[member].layout.values() if not info.get("publish")}

    await eventually(lambda: shown(1) == {2} and shown(3) == set())
    assert shown(1) == {2}
    assert shown(3) == set()
    meeting.stage.mute(2, mic=None, video=True)
    camera = meeting.stage.fanouts[(2, "cam")]
    encoded = camera.frames_encoded
    delivered = sum(s.track.delivered for s in meeting.stage.sessions[(1, "tab1")].slots if s.key == (2, "cam"))
    assert await eventually(lambda: camera.frames_encoded >= encoded + 10)
    after = sum(s.track.delivered for s in meeting.stage.sessions[(1, "tab1")].slots if s.key == (2, "cam"))
    assert camera.frames_encoded > encoded  # still drained
    assert after - delivered <= 2  # but not forwarded


async def test_packet_track_waits_for_a_keyframe_and_recovers_from_overflow() -> None:
    track = PacketTrack("video")
    delta, key = av.Packet(b"\x01abc"), av.Packet(b"\x00abc")
    first = asyncio.ensure_future(track.recv())  # the viewer's sender starts reading
    await asyncio.sleep(0)
    track.offer(delta, False)
    assert track._queue.empty()  # a picture cannot start on a delta frame
    track.offer(key, True)
    assert await first is key
    for _ in range(100):
        track.offer(delta, False)
    assert track.dropped > 0
    track.offer(delta, False)
    assert track._queue.empty()  # after an overflow it waits for the next keyframe
    track.offer(key, True)
    assert await track.recv() is key
    track.stop()
    with pytest.raises(MediaStreamError), contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(track.recv(), 1)


async def test_a_viewer_still_connecting_takes_nothing_and_asks_for_its_keyframe_when_it_reads() -> None:
    camera = Fanout("video", label="camera")
    track = PacketTrack("video")
    track.attach(camera)
    key = av.Packet(b"\x00abc")
    for _ in range(100):  # its connection is not up: its sender does not read yet
        track.offer(key, True)
    assert track._queue.empty() and track.dropped == 0
    assert not camera._take_keyframe_request()  # nor does it make everyone's stream a keyframe
    reading = asyncio.ensure_future(track.recv())  # connected: the sender reads
    await asyncio.sleep(0)
    assert camera._take_keyframe_request()  # one keyframe, for its first picture
    track.offer(key, True)
    assert await reading is key
    track.stop()


async def test_a_second_presenter_takes_over_and_the_first_is_drained(lesson: Harness) -> None:
    lecturer = lesson.peer(1, {"cam": Colour(RED)})
    await lecturer.join()
    viewer = lesson.peer(10)
    await viewer.join()
    track = await viewer.track("cam")
    await frames(track, 5)
    host = lesson.peer(2, {"cam": Colour(BLUE)})
    await host.join()
    assert await eventually(lambda: lesson.stage.fanouts[(PROGRAMME, "cam")].live)
    for _ in range(150):
        if abs(mean_u((await frames(track, 1))[0]) - BLUE[1]) < 25:
            break
    else:
        pytest.fail("the viewer never saw the second presenter")
    # The first presenter still sends; what arrives is read and dropped, not queued without end.
    first = lesson.stage.sessions[(1, lecturer.session)].receiving_track("cam")
    assert first is not None
    await frames(track, 15)
    assert first._queue.qsize() <= 2  # type: ignore[attr-defined]
