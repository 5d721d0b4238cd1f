"""The gateway across real processes: two Daphne servers on Redis, a server killed mid-stream,
Redis itself restarted mid-stream. Clients are :class:`realtime.client.RealtimeClient`.

Each test uses its own Redis key prefix, so concurrent runs on one Redis never meet, and the
Redis-restart test runs a throwaway ``redis-server`` on a free port, never the machine's own.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from members.models import Member
from realtime.client import RealtimeClient
from tests.conftest import PASSWORD
from tests.live import ROOT, LiveServer, start_daphne
from tests.services import free_port

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]

TEST_APP = "tests.realtime.asgi:application"
MESSAGES = 120


def gateway_env(redis_url: str) -> dict[str, str]:
    return {
        "REDIS_URL": redis_url,
        "REDIS_PREFIX": f"t-{uuid.uuid4().hex[:10]}",
        "REALTIME_SEND_RATE": "1000,1000",
        "REALTIME_TAIL_CHECK_SECONDS": "0.5",
    }


@pytest.fixture
def servers() -> Iterator[list[LiveServer]]:
    started: list[LiveServer] = []
    yield started
    for server in started:
        server.stop()


async def collect(client: RealtimeClient, stream: str, count: int, *, timeout: float = 90) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while len(events) < count:
        events.append(await client.next_event(timeout=max(0.1, deadline - loop.time())))
    # and nothing after the last: no duplicate sneaks in late
    with pytest.raises(asyncio.TimeoutError):
        await client.next_event(timeout=1.0)
    assert all(e["stream"] == stream for e in events)
    return events


def assert_exactly_once_in_order(events: list[dict[str, Any]], count: int) -> None:
    assert [e["seq"] for e in events] == list(range(1, count + 1))
    assert [e["event"]["n"] for e in events] == list(range(count))


async def send_all(sender: RealtimeClient, stream: str, count: int, pause: float = 0.01) -> None:
    for n in range(count):
        seq = await sender.send(stream, {"text": f"m{n}", "n": n}, cid=f"c{n}")
        assert seq == n + 1  # one sender, sequential sends: retried cids were stored once
        await asyncio.sleep(pause)


async def test_killing_a_web_process_loses_nothing(
    redis_url: str, servers: list[LiveServer], people: dict[str, Member], cookies: dict[str, str], room: str
) -> None:
    env = gateway_env(redis_url)
    a = await asyncio.to_thread(start_daphne, env, app=TEST_APP)
    servers.append(a)
    b = await asyncio.to_thread(start_daphne, env, app=TEST_APP)
    servers.append(b)
    stream = f"test.room:{room}"
    on_a = RealtimeClient([a.ws_url, b.ws_url], session=cookies["alice"], backoff_initial=0.1)
    on_b = RealtimeClient([b.ws_url, a.ws_url], session=cookies["bob"], backoff_initial=0.1)
    sender = RealtimeClient([a.ws_url, b.ws_url], session=cookies["carol"], backoff_initial=0.1)
    clients = [on_a, on_b, sender]
    try:
        for client in clients:
            await client.start()
        assert await on_a.subscribe(stream) == 0
        assert await on_b.subscribe(stream) == 0
        sending = asyncio.create_task(send_all(sender, stream, MESSAGES))
        # A client on process B sees what a client on process A sends, live.
        first = await on_b.next_event(timeout=30)
        assert first["seq"] == 1
        while on_a.events.qsize() < 20:
            await asyncio.sleep(0.05)
        await asyncio.to_thread(a.kill)
        await asyncio.wait_for(sending, 120)
        events_a = await collect(on_a, stream, MESSAGES)
        events_b = [first, *await collect(on_b, stream, MESSAGES - 1)]
        assert_exactly_once_in_order(events_a, MESSAGES)
        assert_exactly_once_in_order(events_b, MESSAGES)
        assert on_a.connects >= 2 and sender.connects >= 2  # they did fail over to B
    finally:
        for client in clients:
            await client.close()


@pytest.fixture
def throwaway_redis() -> Iterator[dict[str, Any]]:
    """A private redis-server on a free port; the test may stop and start it again."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    port = free_port()
    log_dir = ROOT / "var" / "test-logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    state: dict[str, Any] = {"port": port, "url": f"redis://127.0.0.1:{port}/0", "process": None}

    def start() -> None:
        log = (log_dir / f"redis-{port}.log").open("ab")
        state["process"] = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        wait_for_redis(port)

    def stop() -> None:
        process: subprocess.Popen[bytes] | None = state["process"]
        if process is not None and process.poll() is None:
            process.kill()
            process.wait(timeout=10)

    state["start"], state["stop"] = start, stop
    start()
    yield state
    stop()


def wait_for_redis(port: int, timeout: float = 20) -> None:
    import time

    import redis

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if redis.Redis(port=port, socket_connect_timeout=0.5).ping():
                return
        except redis.RedisError:
            time.sleep(0.1)
    raise RuntimeError(f"redis-server on {port} did not start")


@pytest.mark.parametrize("layer", ["pubsub", "core"])
async def test_redis_restart_heals_by_itself(
    layer: str,
    throwaway_redis: dict[str, Any],
    servers: list[LiveServer],
    cookies: dict[str, str],
    room: str,
) -> None:
    env = {**gateway_env(throwaway_redis["url"]), "REDIS_CHANNEL_LAYER": layer}
    a = await asyncio.to_thread(start_daphne, env, app=TEST_APP)
    servers.append(a)
    b = await asyncio.to_thread(start_daphne, env, app=TEST_APP)
    servers.append(b)
    stream = f"test.room:{room}"
    on_a = RealtimeClient([a.ws_url], session=cookies["alice"], backoff_initial=0.1)
    on_b = RealtimeClient([b.ws_url], session=cookies["bob"], backoff_initial=0.1)
    sender = RealtimeClient([a.ws_url], session=cookies["carol"], backoff_initial=0.1)
    clients = [on_a, on_b, sender]
    try:
        for client in clients:
            await client.start()
        await on_a.subscribe(stream)
        await on_b.subscribe(stream)
        sending = asyncio.create_task(send_all(sender, stream, MESSAGES, pause=0.03))
        while on_b.events.qsize() < 20:
            await asyncio.sleep(0.05)
        await asyncio.to_thread(throwaway_redis["stop"])
        await asyncio.sleep(1.5)  # sends keep being stored while Redis is gone
        await asyncio.to_thread(throwaway_redis["start"])
        await asyncio.wait_for(sending, 120)
        assert_exactly_once_in_order(await collect(on_a, stream, MESSAGES), MESSAGES)
        assert_exactly_once_in_order(await collect(on_b, stream, MESSAGES), MESSAGES)
        # Healed by itself: no client had to reconnect.
        assert [c.connects for c in clients] == [1, 1, 1], [c.close_codes for c in clients]
        # And the outage really hit the sends: the sender's server could not publish for a while.
        assert "publishing to the channel layer failed" in a.log.read_text(errors="replace")
    finally:
        for client in clients:
            await client.close()


async def test_client_logs_in_over_the_json_api(
    servers: list[LiveServer], people: dict[str, Member], room: str
) -> None:
    server = await asyncio.to_thread(start_daphne, {}, app=TEST_APP)
    servers.append(server)
    client = await RealtimeClient.login(server.url, people["alice"].user.username, PASSWORD)
    try:
        await client.start()
        await client.subscribe("user:me")
        assert await client.send(f"test.room:{room}", {"text": "hi"}) == 1
    finally:
        await client.close()
