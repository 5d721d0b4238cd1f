"""The Python client's reconnect backoff: a server that accepts and closes at once (4503, its
channel layer is down) is retried with growing delays, not every fraction of a second."""

from __future__ import annotations

import asyncio

import pytest
import websockets
from websockets.asyncio.server import ServerConnection

from realtime import client as client_module
from realtime.client import RealtimeClient


async def test_backoff_grows_while_every_connection_is_closed_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    accepted = 0

    async def refuse(ws: ServerConnection) -> None:
        nonlocal accepted
        accepted += 1
        await ws.close(code=4503, reason="unavailable")

    ceilings: list[float] = []

    def no_wait(low: float, high: float) -> float:
        ceilings.append(high)  # the jitter's ceiling: what the backoff asked for
        return 0.0

    monkeypatch.setattr(client_module.random, "uniform", no_wait)
    async with websockets.serve(refuse, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        client = RealtimeClient(f"ws://127.0.0.1:{port}/ws/", session="x", backoff_initial=0.2, backoff_max=10)
        task = asyncio.ensure_future(client._run())
        while len(ceilings) < 6:
            await asyncio.sleep(0.01)
        client._closing = True
        task.cancel()
    assert accepted >= 6  # each attempt was accepted, then closed
    assert ceilings[:6] == [0.2, 0.4, 0.8, 1.6, 3.2, 6.4]
