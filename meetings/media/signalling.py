"""The web side of the relay: hand authorised requests to the media worker.

Which worker: ``MEDIA_WORKER_CHANNEL``, or with ``MEDIA_WORKER_SHARDS`` = n > 1 one of n channels
chosen by meeting id (``media_worker --shard k`` listens on ``<channel>.<k>``), so every message
of one meeting reaches the one process holding its peer connections.

Where: with ``MEDIA_WORKER=inprocess`` (the embedded default, no Redis) the first message starts
the worker as a task on this web process's event loop; with ``external`` (the default when
``REDIS_URL`` is set) ``python manage.py media_worker`` runs it. Sends are fire-and-forget, like
the channel layer itself: a lost request shows in the browser as an offer that never comes, and
the browser asks again.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from channels.layers import get_channel_layer
from django.conf import settings

from meetings.media.messages import Message
from realtime.services import call_in_loop, run_from_sync

logger = logging.getLogger("meetings.media")

_local: dict[str, asyncio.Task[None]] = {}  # in-process workers by channel


def worker_channel(meeting_id: int) -> str:
    shards = settings.MEDIA_WORKER_SHARDS
    base: str = settings.MEDIA_WORKER_CHANNEL
    return f"{base}.{meeting_id % shards}" if shards > 1 else base


def worker_send(message: Message) -> None:
    """Send ``message`` to its meeting's worker; from any thread, without waiting for it."""
    channel = worker_channel(message.meeting)
    payload: dict[str, Any] = message.model_dump(mode="json")

    async def send() -> None:
        if settings.MEDIA_WORKER == "inprocess":
            ensure_local_worker(channel)
        try:
            await get_channel_layer().send(channel, payload)
        except Exception as error:
            logger.warning("media request for meeting %s not sent: %r", message.meeting, error)

    # The in-process worker lives on a running event loop; a management command's or a test's
    # passing loop would end with it.
    sent = call_in_loop(send) if settings.MEDIA_WORKER == "inprocess" else run_from_sync(send)
    if not sent:  # no running loop here, or the server is shutting down
        logger.info("media request for meeting %s dropped: no event loop runs here", message.meeting)


def ensure_local_worker(channel: str) -> None:
    """Start the in-process worker on the running loop, once (again if it died)."""
    task = _local.get(channel)
    if task is not None and not task.done():
        return
    from meetings.media.worker import MediaWorker  # loads aiortc only when media is used

    worker = MediaWorker(channel)
    _local[channel] = asyncio.get_running_loop().create_task(worker.run(), name=f"media-worker {channel}")
