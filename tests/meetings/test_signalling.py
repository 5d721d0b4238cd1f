"""The web side's requests to the media worker (meetings/media/signalling.py) while the server
shuts down: a request from a worker thread whose event loop has stopped is dropped at once,
never waited on (the thread would keep the process from exiting)."""

from __future__ import annotations

import asyncio
import threading

import pytest
from asgiref.sync import sync_to_async
from django.conf import LazySettings

from meetings.media import signalling
from meetings.media.messages import Leave


@pytest.mark.parametrize("where", ["external", "inprocess"])
def test_a_request_from_a_worker_thread_of_a_stopped_loop_returns_at_once(where: str, settings: LazySettings) -> None:
    settings.MEDIA_WORKER = where
    started, loop_stopped, sent = threading.Event(), threading.Event(), threading.Event()

    def request_during_shutdown() -> None:
        started.set()
        loop_stopped.wait(10)
        signalling.worker_send(Leave(meeting=1, member=1))
        sent.set()

    loop = asyncio.new_event_loop()
    job = loop.create_task(sync_to_async(request_during_shutdown, thread_sensitive=False)())
    loop.run_until_complete(asyncio.to_thread(started.wait, 10))  # the loop runs until the thread is in
    loop_stopped.set()  # run_until_complete has returned: the loop no longer runs
    assert sent.wait(5), "the request waited for a loop that has stopped"
    loop.run_until_complete(job)
    loop.close()
