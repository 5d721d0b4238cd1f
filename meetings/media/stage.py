"""One meeting's media on the relay: its publishers' fan-outs, its peer sessions, its recording.

Two shapes share this code:

* a **lesson**: one programme - microphone, camera and shared screen - published by whoever may
  teach (the lecturer, or a host standing in); every other session watches the programme through
  three fixed slots. A lecturer who reconnects feeds the same fan-outs, so viewers keep watching
  the same tracks and see the picture come back without renegotiating.
* a **meeting in relay mode**: every participant publishes microphone and camera; each session
  watches everyone else in its own room (the main room or its breakout). Slots follow the
  publishers; a session renegotiates only when it needs more slots than it has.

Publishing is decided by the gateway (who may) and the browser (what it sends); the stage only
trusts the sources named in the join message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from aiortc import RTCConfiguration
from aiortc.mediastreams import MediaStreamTrack

from meetings.media.fanout import Fanout
from meetings.media.peer import SOURCE_KIND, Key, PeerSession, discard
from meetings.media.recorder import Recorder

logger = logging.getLogger("meetings.media")

PROGRAMME = 0  # the publisher id of a lesson's programme keys
LESSON_SOURCES = ("mic", "cam", "screen")
MEETING_SOURCES = ("mic", "cam")
PUBLISHER_GRACE = 10.0  # seconds a departed publisher's tiles stay, waiting for a reconnect
VIEWER_COUNT_INTERVAL = 2.0  # at most one viewer-count signal per interval


@dataclass
class MediaSettings:
    configuration: RTCConfiguration | None = None
    video_bitrate: int = 600_000
    audio_bitrate: int = 48_000
    max_fps: float = 15.0
    max_width: int = 1280
    max_height: int = 720
    recordings_dir: Path = Path("var/media/recordings")
    study_interval: float = 15.0


@dataclass
class StageHooks:
    """What the stage asks of the outside world (the worker wires these to the gateway and the
    database); all are coroutines and must not raise."""

    signal: Callable[[int, dict[str, Any]], Awaitable[None]]  # (member, data): one member's tabs
    credit: Callable[[int, float], Awaitable[None]]  # (member, seconds) of watched lesson
    recording_saved: Callable[[Path, datetime, float], Awaitable[None]]


@dataclass
class Stage:
    meeting_id: int
    lesson: bool
    settings: MediaSettings
    hooks: StageHooks
    hosts: set[int] = field(default_factory=set)
    sessions: dict[tuple[int, str], PeerSession] = field(default_factory=dict)
    fanouts: dict[Key, Fanout] = field(default_factory=dict)
    groups: dict[int, str | None] = field(default_factory=dict)  # member → breakout (None: main room)
    muted: dict[int, set[str]] = field(default_factory=dict)  # member → sources a host muted
    recorder: Recorder | None = None
    _clock: float = field(default_factory=time.monotonic)
    _retiring: dict[int, asyncio.TimerHandle] = field(default_factory=dict)
    _count_task: asyncio.Task[None] | None = None
    _study_task: asyncio.Task[None] | None = None
    _last_count: int = -1
    closed: bool = False

    # --- fan-outs -----------------------------------------------------------------------------

    def key(self, publisher: int, source: str) -> Key:
        return (PROGRAMME, source) if self.lesson else (publisher, source)

    def fanout(self, key: Key) -> Fanout:
        fanout = self.fanouts.get(key)
        if fanout is None:
            s = self.settings
            fanout = Fanout(
                SOURCE_KIND[key[1]], label=f"meeting {self.meeting_id} {key[0]}:{key[1]}",
                video_bitrate=s.video_bitrate, audio_bitrate=s.audio_bitrate, max_fps=s.max_fps,
                max_width=s.max_width, max_height=s.max_height, clock_start=self._clock,
            )  # fmt: skip
            fanout.paused = key[1] in self.muted.get(key[0], set())
            self.fanouts[key] = fanout
        return fanout

    def wanted(self, session: PeerSession) -> list[Key]:
        """The fan-outs a session watches, in a stable order (slots keep their tiles)."""
        if self.lesson:
            if session.sources:  # the teacher sees their own preview, not the relay
                return []
            keys = [(PROGRAMME, source) for source in LESSON_SOURCES]
        else:
            group = self.groups.get(session.member_id)
            keys = sorted(
                key for key in self.fanouts if key[0] != session.member_id and self.groups.get(key[0]) == group
            )
        return [key for key in keys if session.video or SOURCE_KIND[key[1]] == "audio"]

    # --- sessions -----------------------------------------------------------------------------

    async def join(self, *, member_id: int, session_id: str, sources: list[str], video: bool = True) -> None:
        allowed = LESSON_SOURCES if self.lesson else MEETING_SOURCES
        old = self.sessions.get((member_id, session_id))
        if old is not None and old.first_offer_pending([s for s in allowed if s in sources], video):
            # Asked again before the offer reached the page (a page asks again after 8 s without
            # one): the same offer again, not a new connection. Replacing it made the answer to
            # the first offer meet the second, and at a lesson's start, with signalling slow,
            # sessions were replaced over and over and never came up.
            await old.offer_again()
            return
        old = self.sessions.pop((member_id, session_id), None)
        if old is not None:
            await old.close()  # the same tab reconnecting: a fresh connection replaces the old
        session = PeerSession(
            member_id=member_id,
            session_id=session_id,
            sources=[s for s in allowed if s in sources],
            configuration=self.settings.configuration,
            signal=lambda data: self.hooks.signal(member_id, {**data, "session": session_id}),
            on_track=self._published,
            on_closed=self._session_closed,
            on_connected=lambda _session: self._viewers_changed(),
        )
        session.video = video
        self.sessions[(member_id, session_id)] = session
        timer = self._retiring.pop(member_id, None)
        if timer is not None:
            timer.cancel()
        async with session.lock:
            session.open_sources()
            if not self.lesson:
                for source in session.sources:  # its tiles appear for the others at once
                    self.fanout(self.key(member_id, source))
            session.bind(self.wanted(session), self.fanout)
            if not self.lesson:
                session.reserve(("audio", "video"))  # room for the next publisher, no renegotiation
            await session.offer()
        if self.closed:  # the meeting ended while this page was being offered a connection
            await session.close()
            return
        if not self.lesson and session.sources:
            await self.rebind(exclude=session)
        self._viewers_changed()
        self._ensure_study()

    def session(self, member_id: int, session_id: str) -> PeerSession:
        session = self.sessions.get((member_id, session_id))
        if session is None:
            raise LookupError("no such media session")
        return session

    async def answer(self, *, member_id: int, session_id: str, sdp: str) -> None:
        session = self.session(member_id, session_id)
        async with session.lock:
            await session.answer(sdp)

    async def candidates(self, *, member_id: int, session_id: str, candidates: list[dict[str, Any]]) -> None:
        session = self.session(member_id, session_id)
        await session.candidates(candidates)

    async def receive(self, *, member_id: int, session_id: str, video: bool) -> None:
        """Audio only (``video`` False) or back to video, for one tab."""
        session = self.session(member_id, session_id)
        session.video = video
        async with session.lock:
            if session.bind(self.wanted(session), self.fanout):
                await session.offer()
            else:
                await session.send_layout()

    async def leave(self, *, member_id: int, session_id: str | None) -> None:
        for (member, sid), session in list(self.sessions.items()):
            if member == member_id and (session_id is None or sid == session_id):
                await session.close()

    def _published(self, session: PeerSession, source: str, track: MediaStreamTrack) -> None:
        if not session.sources or source not in session.sources:
            discard(track)
            return
        self.fanout(self.key(session.member_id, source)).feed(track)

    def _session_closed(self, session: PeerSession) -> None:
        if self.sessions.get((session.member_id, session.session_id)) is session:
            del self.sessions[(session.member_id, session.session_id)]
        for source in session.sources:
            fanout = self.fanouts.get(self.key(session.member_id, source))
            if fanout is not None:
                fanout.unfeed(session.receiving_track(source))
        if session.sources and not self.lesson and not self.closed:
            self._retire_later(session.member_id)
        self._viewers_changed()

    def _retire_later(self, member_id: int) -> None:
        if any(m == member_id and s.sources for (m, _), s in self.sessions.items()):
            return
        old = self._retiring.pop(member_id, None)
        if old is not None:
            old.cancel()
        loop = asyncio.get_running_loop()
        self._retiring[member_id] = loop.call_later(
            PUBLISHER_GRACE, lambda: asyncio.ensure_future(self._retire(member_id))
        )

    async def _retire(self, member_id: int) -> None:
        self._retiring.pop(member_id, None)
        if any(m == member_id and s.sources for (m, _), s in self.sessions.items()):
            return
        for key in [k for k in self.fanouts if k[0] == member_id]:
            await self.fanouts.pop(key).close()
        await self.rebind()

    async def rebind(self, *, exclude: PeerSession | None = None) -> None:
        """Point every session at what it should watch now; offer where slots were added."""
        for session in list(self.sessions.values()):
            if session is exclude or session.closed:
                continue
            async with session.lock:
                before = session.layout()
                if session.bind(self.wanted(session), self.fanout):
                    await session.offer()
                elif session.layout() != before:
                    await session.send_layout()

    # --- room changes -------------------------------------------------------------------------

    async def regroup(self, groups: dict[int, str | None]) -> None:
        self.groups = dict(groups)
        await self.rebind()

    def mute(self, member_id: int, *, mic: bool | None, video: bool | None) -> None:
        """A host's mute, enforced here as well as asked of the browser: nothing of a muted
        source is forwarded."""
        muted = self.muted.setdefault(member_id, set())
        for source, flag in (("mic", mic), ("cam", video)):
            if flag is True:
                muted.add(source)
            elif flag is False:
                muted.discard(source)
            fanout = self.fanouts.get(self.key(member_id, source))
            if fanout is not None and flag is not None and (not self.lesson or member_id in self.publishers()):
                fanout.paused = flag

    def publishers(self) -> set[int]:
        return {m for (m, _), s in self.sessions.items() if s.sources}

    # --- recording ----------------------------------------------------------------------------

    def record_start(self) -> bool:
        if not self.lesson or self.recorder is not None:
            return False
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        path = self.settings.recordings_dir / f"meeting-{self.meeting_id}-{stamp}.webm"
        self.recorder = Recorder(
            path=path,
            camera=self.fanout((PROGRAMME, "cam")),
            screen=self.fanout((PROGRAMME, "screen")),
            microphone=self.fanout((PROGRAMME, "mic")),
        )
        return True

    async def record_stop(self) -> None:
        recorder, self.recorder = self.recorder, None
        if recorder is None:
            return
        duration = recorder.close()
        if recorder.video_packets:
            await self.hooks.recording_saved(recorder.path, recorder.started_at, duration)

    # --- viewers and study time ---------------------------------------------------------------

    def viewer_count(self) -> int:
        return len({m for (m, _), s in self.sessions.items() if not s.sources and s.connected})

    def _viewers_changed(self) -> None:
        if self._count_task is None or self._count_task.done():
            self._count_task = asyncio.ensure_future(self._send_count())

    async def _send_count(self) -> None:
        # Coalesced: a lesson start with hundreds of joins sends a handful of counts, not one each.
        await asyncio.sleep(VIEWER_COUNT_INTERVAL / 4)
        while not self.closed:
            count = self.viewer_count()
            if count == self._last_count:
                return
            self._last_count = count
            for host in sorted(self.hosts):
                await self.hooks.signal(host, {"kind": "media.viewers", "count": count})
            await asyncio.sleep(VIEWER_COUNT_INTERVAL)

    def _ensure_study(self) -> None:
        if self.lesson and (self._study_task is None or self._study_task.done()):
            self._study_task = asyncio.ensure_future(self._study_loop())

    async def _study_loop(self) -> None:
        """Credit watched time: each interval, every member with a session that the browser
        reports (by RTCP receiver reports) as receiving the lesson's media."""
        marks: dict[tuple[int, str], dict[str, float]] = {}
        last = time.monotonic()
        while not self.closed and self.sessions:
            await asyncio.sleep(self.settings.study_interval)
            now = time.monotonic()
            elapsed, last = now - last, now
            watching: set[int] = set()
            for ident, session in list(self.sessions.items()):
                if session.sources or not session.connected:
                    continue
                if await session.receiving_since(marks.setdefault(ident, {})):
                    watching.add(session.member_id)
            for member in watching:
                await self.hooks.credit(member, elapsed)
            for ident in [i for i in marks if i not in self.sessions]:
                del marks[ident]

    # --- the end ------------------------------------------------------------------------------

    async def close(self) -> None:
        self.closed = True
        for timer in self._retiring.values():
            timer.cancel()
        await self.record_stop()
        for session in list(self.sessions.values()):
            await session.close()
        for fanout in list(self.fanouts.values()):
            await fanout.close()
        self.fanouts.clear()
        for task in (self._count_task, self._study_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
