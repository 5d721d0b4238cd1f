"""The media worker: reads :mod:`meetings.media.messages` from its channel and runs the stages.

``python manage.py media_worker`` runs it as its own process (production: one per machine, or
one per shard with ``MEDIA_WORKER_SHARDS``); on the embedded default it runs as a task inside
the web process (:mod:`meetings.media.signalling` starts it). It answers through the gateway:
WebRTC offers, layouts and viewer counts are ``signal`` frames on ``meeting:<id>`` addressed to
one member; study time and recordings are written through the meetings services.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import signal as os_signal
from datetime import datetime
from pathlib import Path
from typing import Any

from aiortc import RTCConfiguration, RTCIceServer
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from pydantic import ValidationError

from meetings.media import messages as m
from meetings.media.records import records
from meetings.media.stage import MediaSettings, Stage, StageHooks
from realtime.protocol import Signal
from realtime.services import aephemeral_send

logger = logging.getLogger("meetings.media")


def media_settings() -> MediaSettings:
    from meetings.ice import ice_servers_for

    servers = [
        RTCIceServer(urls=s.urls, username=s.username, credential=s.credential)
        for s in ice_servers_for(user_id=0).ice_servers
    ]
    return MediaSettings(
        configuration=RTCConfiguration(iceServers=servers) if servers else None,
        video_bitrate=settings.MEDIA_VIDEO_BITRATE,
        audio_bitrate=settings.MEDIA_AUDIO_BITRATE,
        max_fps=settings.MEDIA_MAX_FPS,
        recordings_dir=Path(settings.MEDIA_ROOT) / "recordings",
        study_interval=settings.MEDIA_STUDY_INTERVAL,
    )


class MediaWorker:
    def __init__(self, channel: str, *, media: MediaSettings | None = None) -> None:
        self.channel = channel
        self.layer = get_channel_layer()
        self.media = media or media_settings()
        self.stages: dict[int, Stage] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._queues: dict[tuple[int | str | None, ...], collections.deque[m.WorkerMessage]] = {}
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        logger.info("media worker listening on %s", self.channel)
        receiving: asyncio.Task[dict[str, Any]] | None = None
        stopping = asyncio.ensure_future(self._stopping.wait())
        delay = 0.2
        try:
            while not self._stopping.is_set():
                receiving = asyncio.ensure_future(self.layer.receive(self.channel))
                await asyncio.wait({receiving, stopping}, return_when=asyncio.FIRST_COMPLETED)
                if not receiving.done():
                    break
                try:
                    raw = receiving.result()
                except Exception as error:  # the layer's transport (Redis) is down: retry
                    logger.warning("media worker: channel layer receive failed (%r); retrying", error)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 5.0)
                    continue
                delay = 0.2
                self.handle(raw)
        finally:
            if receiving is not None and not receiving.done():
                receiving.cancel()
            stopping.cancel()
            await self.close()

    def stop(self) -> None:
        self._stopping.set()

    def handle(self, raw: dict[str, Any]) -> None:
        try:
            message = m.worker_message.validate_python(raw)
        except ValidationError as error:
            logger.warning("media worker: malformed message refused: %s", error.errors()[:3])
            return
        # The messages of one page's session run one after another, in arrival order (an answer
        # never overtakes its join, nor candidates their answer), and so do a meeting's own
        # (mute, breakouts, recording, the end). Different pages run side by side: a lesson's
        # start, with hundreds of joins, must not queue every offer behind the previous one.
        session = getattr(message, "session", None)
        key: tuple[int | str | None, ...] = (
            (message.meeting, getattr(message, "member", None), session) if session else (message.meeting,)
        )
        queue = self._queues.get(key)
        if queue is None:
            queue = self._queues[key] = collections.deque()
            task = asyncio.ensure_future(self._drain(key, queue))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        queue.append(message)

    async def _drain(self, key: tuple[int | str | None, ...], queue: collections.deque[m.WorkerMessage]) -> None:
        while queue:
            await self._run(queue.popleft())
        del self._queues[key]

    async def _run(self, message: m.WorkerMessage) -> None:
        try:
            await self.dispatch(message)
        except LookupError:
            member = getattr(message, "member", None)
            if member is not None and getattr(message, "session", None):
                await self._signal(message.meeting, member, {
                    "kind": "media.closed", "session": getattr(message, "session", None),
                    "reason": "unknown_session",
                })  # fmt: skip
        except Exception:
            logger.exception("media worker: %s for meeting %s failed", message.type, message.meeting)

    async def dispatch(self, message: m.WorkerMessage) -> None:
        if isinstance(message, m.Join):
            stage = self._stage(message.meeting, lesson=message.lesson)
            stage.hosts = set(message.hosts)
            if message.groups:
                stage.groups = dict(message.groups)
            await stage.join(
                member_id=message.member, session_id=message.session, sources=list(message.sources), video=message.video
            )
            return
        existing = self.stages.get(message.meeting)
        if existing is None:
            if isinstance(message, (m.Answer, m.Candidates)):
                raise LookupError(message.session)
            return
        stage = existing
        if isinstance(message, m.Answer):
            await stage.answer(member_id=message.member, session_id=message.session, sdp=message.sdp)
        elif isinstance(message, m.Candidates):
            await stage.candidates(member_id=message.member, session_id=message.session, candidates=message.candidates)
        elif isinstance(message, m.Receive):
            await stage.receive(member_id=message.member, session_id=message.session, video=message.video)
        elif isinstance(message, m.Leave):
            await stage.leave(member_id=message.member, session_id=message.session)
        elif isinstance(message, m.Record):
            if message.on:
                if not stage.record_start():
                    state = {"kind": "media.recording", "on": stage.recorder is not None}
                    await self._signal(message.meeting, message.by, state)
            else:
                await stage.record_stop()
        elif isinstance(message, m.Regroup):
            await stage.regroup(message.groups)
        elif isinstance(message, m.Mute):
            stage.mute(message.member, mic=message.mic, video=message.video)
        if isinstance(message, m.End) or (not stage.sessions and stage.recorder is None):
            if self.stages.get(message.meeting) is stage:
                del self.stages[message.meeting]
            await stage.close()

    def _stage(self, meeting_id: int, *, lesson: bool) -> Stage:
        stage = self.stages.get(meeting_id)
        if stage is None or stage.closed:
            hooks = StageHooks(
                signal=lambda member, data: self._signal(meeting_id, member, data),
                credit=lambda member, seconds: self._credit(meeting_id, member, seconds),
                recording_saved=lambda path, at, seconds: self._recording_saved(meeting_id, path, at, seconds),
            )
            stage = Stage(meeting_id=meeting_id, lesson=lesson, settings=self.media, hooks=hooks)
            self.stages[meeting_id] = stage
        return stage

    # --- the outside world --------------------------------------------------------------------

    async def _signal(self, meeting_id: int, member_id: int, data: dict[str, Any]) -> None:
        frame = Signal(stream=f"meeting:{meeting_id}", sender=None, data=data)
        with contextlib.suppress(Exception):
            await aephemeral_send(frame=frame, to_member=member_id)

    async def _credit(self, meeting_id: int, member_id: int, seconds: float) -> None:
        study_credit = records.study_credit
        if study_credit is None:
            return
        try:
            await database_sync_to_async(study_credit)(
                meeting_id=meeting_id, member_id=member_id, seconds=seconds, source="live"
            )
        except Exception:
            logger.exception("study time for member %s in meeting %s not credited", member_id, meeting_id)

    async def _recording_saved(self, meeting_id: int, path: Path, started_at: datetime, duration: float) -> None:
        recording_saved = records.recording_saved
        if recording_saved is None:
            return
        try:
            await database_sync_to_async(recording_saved)(
                meeting_id=meeting_id, path=path, started_at=started_at, duration=duration, content_type="video/webm"
            )
        except Exception:
            logger.exception("recording %s of meeting %s not saved", path, meeting_id)

    async def close(self) -> None:
        """Close every peer connection and finish every recording (shutdown)."""
        for task in list(self._tasks):
            task.cancel()
        for stage in list(self.stages.values()):
            with contextlib.suppress(Exception):
                await stage.close()
        self.stages.clear()


async def serve(channel: str) -> None:
    """Run a worker until SIGINT or SIGTERM (``manage.py media_worker``)."""
    worker = MediaWorker(channel)
    loop = asyncio.get_running_loop()
    for sig in (os_signal.SIGINT, os_signal.SIGTERM):
        loop.add_signal_handler(sig, worker.stop)
    await worker.run()
