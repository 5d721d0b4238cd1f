"""The gateway across real processes: two Daphne servers on Redis, a server killed mid-stream,
Redis itself restarted mid-stream. Clients are :class:`realtime.client.RealtimeClient`.

Each test uses its own Redis key prefix, so concurrent runs on one Redis never meet, and the
Redis-restart test runs a throwaway ``redis-server`` on a free port, never the machine's own.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis.asyncio
from django.test import Client

from members.models import Member
from realtime.client import RealtimeClient, RealtimeError
from tests.conftest import PASSWORD
from tests.live import LiveServer, start_daphne
from tests.realtime.conftest import until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]

TEST_APP = "tests.realtime.asgi:application"
FAILED_PUBLISH = "publishing to the channel layer failed"
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


async def start_two(env: dict[str, str], servers: list[LiveServer]) -> tuple[LiveServer, LiveServer]:
    """Two web processes serving the tests' application with ``env``."""
    for _ in range(2):
        servers.append(await asyncio.to_thread(start_daphne, env, app=TEST_APP))
    return servers[-2], servers[-1]


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


async def send_all(
    sender: RealtimeClient, stream: str, count: int, pause: float = 0.01, stored: list[int] | None = None
) -> None:
    for n in range(count):
        seq = await sender.send(stream, {"text": f"m{n}", "n": n}, cid=f"c{n}")
        assert seq == n + 1  # one sender, sequential sends: retried cids were stored once
        if stored is not None:
            stored.append(seq)
        await asyncio.sleep(pause)


async def test_killing_a_web_process_loses_nothing(
    redis_url: str, servers: list[LiveServer], people: dict[str, Member], cookies: dict[str, str], room: str
) -> None:
    env = gateway_env(redis_url)
    a, b = await start_two(env, servers)
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


@pytest.mark.parametrize("layer", ["pubsub", "core"])
async def test_redis_restart_heals_by_itself(
    layer: str,
    throwaway_redis: dict[str, Any],
    servers: list[LiveServer],
    cookies: dict[str, str],
    room: str,
) -> None:
    env = {**gateway_env(throwaway_redis["url"]), "REDIS_CHANNEL_LAYER": layer}
    a, b = await start_two(env, servers)
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
        stored: list[int] = []
        sending = asyncio.create_task(send_all(sender, stream, MESSAGES, pause=0.03, stored=stored))
        while on_b.events.qsize() < 20:
            await asyncio.sleep(0.05)
        await asyncio.to_thread(throwaway_redis["stop"])
        # Sends keep being stored while Redis is gone, and their publishing fails.
        before = len(stored)
        await until(
            lambda: len(stored) >= before + 10 and FAILED_PUBLISH in a.log.read_text(errors="replace"),
            "no send was stored, or none failed to publish, while Redis was down",
        )
        await asyncio.to_thread(throwaway_redis["start"])
        await asyncio.wait_for(sending, 120)
        assert_exactly_once_in_order(await collect(on_a, stream, MESSAGES), MESSAGES)
        assert_exactly_once_in_order(await collect(on_b, stream, MESSAGES), MESSAGES)
        # Healed by itself: no client had to reconnect.
        assert [c.connects for c in clients] == [1, 1, 1], [c.close_codes for c in clients]
        # And the outage really hit the sends: the sender's server could not publish for a while.
        assert FAILED_PUBLISH in a.log.read_text(errors="replace")
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


async def test_rate_limits_hold_across_web_processes(
    redis_url: str, servers: list[LiveServer], cookies: dict[str, str], room: str
) -> None:
    """One member on two processes draws from one bucket in Redis: three sends in all, not per
    process; another member's bucket is their own."""
    env = {**gateway_env(redis_url), "REALTIME_SEND_RATE": "0.01,3"}
    a, b = await start_two(env, servers)
    stream = f"test.room:{room}"
    alice_a = RealtimeClient([a.ws_url], session=cookies["alice"])
    alice_b = RealtimeClient([b.ws_url], session=cookies["alice"])
    bob_b = RealtimeClient([b.ws_url], session=cookies["bob"])
    clients = [alice_a, alice_b, bob_b]
    try:
        for client in clients:
            await client.start()
        assert [await alice_a.send(stream, {"text": "x"}, wait_rate_limited=False) for _ in range(2)] == [1, 2]
        assert await alice_b.send(stream, {"text": "x"}, wait_rate_limited=False) == 3
        for client in (alice_b, alice_a):
            with pytest.raises(RealtimeError) as refused:
                await client.send(stream, {"text": "x"}, wait_rate_limited=False)
            assert refused.value.code == "rate_limited" and refused.value.frame["retry_after"] > 0
        assert await bob_b.send(stream, {"text": "x"}, wait_rate_limited=False) == 4
    finally:
        for client in clients:
            await client.close()


async def next_presence(client: RealtimeClient, field: str, *, timeout: float = 60) -> dict[str, Any]:
    """The next presence frame carrying ``field`` (``members``, ``joined`` or ``left``); joins
    announced while the client was subscribing may come before it and are passed over."""
    while True:
        frame = await asyncio.wait_for(client.ephemeral.get(), timeout)
        if frame["type"] == "presence" and frame.get(field):
            return frame


async def test_members_of_a_crashed_web_process_drop_out_of_presence(
    redis_url: str, servers: list[LiveServer], people: dict[str, Member], cookies: dict[str, str], room: str
) -> None:
    """Process A dies without a word: its member is reported as left once the entry expires,
    while heartbeats keep the members of the living process present."""
    ttl = 4.0
    env = {
        **gateway_env(redis_url),
        "REALTIME_TEST_SETTINGS": json.dumps({"PRESENCE_HEARTBEAT": 0.5, "PRESENCE_TTL": ttl}),
    }
    a, b = await start_two(env, servers)
    stream = f"test.lobby:{room}"
    alice_a = RealtimeClient([a.ws_url], session=cookies["alice"], backoff_initial=0.5)
    bob_b = RealtimeClient([b.ws_url], session=cookies["bob"])
    carol_b = RealtimeClient([b.ws_url], session=cookies["carol"])
    clients = [alice_a, bob_b, carol_b]
    alice, bob, carol = (people[n].pk for n in ("alice", "bob", "carol"))
    store = redis.asyncio.Redis.from_url(redis_url)
    key = f"{env['REDIS_PREFIX']}:rt:presence:{stream}"

    async def bob_expires() -> float:
        entries = await store.zrange(key, 0, -1, withscores=True)
        return max(score for entry, score in entries if entry.decode().startswith(f"{bob}:"))

    try:
        for client in clients:
            await client.start()
        await alice_a.subscribe(stream)
        assert (await next_presence(alice_a, "members"))["members"] == [alice]  # she is in the store
        await bob_b.subscribe(stream)
        assert (await next_presence(bob_b, "members"))["members"] == sorted([alice, bob])
        unrenewed = await bob_expires()  # past this, only heartbeats keep bob's entry
        await asyncio.to_thread(a.kill)
        assert (await next_presence(bob_b, "left"))["left"] == [alice]
        # Bob's process renews his entry past the moment an unrenewed one drops out, and keeps
        # checking the stream for expired entries at each of those heartbeats.
        seen = [await bob_expires()]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 60
        while not (seen[-1] >= unrenewed + ttl and len(set(seen)) >= 4):
            assert loop.time() < deadline, f"bob's presence was not renewed: {seen}"
            await asyncio.sleep(0.05)
            seen.append(await bob_expires())
        await carol_b.subscribe(stream)
        assert (await next_presence(carol_b, "members"))["members"] == sorted([bob, carol])
        # and the departure was reported once, not by every heartbeat since
        later = [bob_b.ephemeral.get_nowait() for _ in range(bob_b.ephemeral.qsize())]
        assert [f for f in later if f["type"] == "presence" and f["left"]] == []
    finally:
        for client in clients:
            await client.close()
        await store.aclose()


async def test_access_taken_away_in_one_process_reaches_sockets_on_the_others(
    redis_url: str,
    servers: list[LiveServer],
    people: dict[str, Member],
    cookies: dict[str, str],
    org_tree: Any,
    settings: Any,
) -> None:
    """The change is made here (as an admin page or a management command would): the counter in
    Redis moves, and both web processes look again at their sockets."""
    env = gateway_env(redis_url)
    settings.REDIS_URL, settings.REDIS_PREFIX = redis_url, env["REDIS_PREFIX"]
    a, b = await start_two(env, servers)
    stream = f"test.org:{org_tree.branch_a.pk}"
    alice = RealtimeClient([a.ws_url], session=cookies["alice"])
    bob = RealtimeClient([b.ws_url], session=cookies["bob"])
    try:
        for client in (alice, bob):
            await client.start()
            await client.subscribe(stream)
        member = people["alice"]
        member.organisation = org_tree.branch_b
        await asyncio.to_thread(member.save)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 30
        while not alice.errors and loop.time() < deadline:
            await asyncio.sleep(0.1)
        assert [(e["code"], e["stream"]) for e in alice.errors] == [("forbidden", stream)]
        assert stream not in alice.last_seq  # the client does not resume it

        # Bob logs out in his browser: his socket on the other process is closed (4401).
        browser = Client()
        browser.cookies["sessionid"] = cookies["bob"]
        await asyncio.to_thread(browser.post, "/logout/")
        deadline = loop.time() + 30
        while bob.state != "unauthorised" and loop.time() < deadline:
            await asyncio.sleep(0.1)
        assert bob.state == "unauthorised" and bob.close_codes[-1] == 4401
    finally:
        for client in (alice, bob):
            await client.close()


async def test_sigterm_while_sending_exits_within_seconds(
    redis_url: str, servers: list[LiveServer], cookies: dict[str, str], room: str
) -> None:
    """Senders keep storing events (each published after commit from a worker thread) while the
    server is told to stop: it exits on its own, without the kill -9 that LiveServer.stop falls
    back to. (The mechanism, a publish from a thread whose loop has stopped, is pinned down
    deterministically in test_services.py; this is the whole server.)"""
    server = await asyncio.to_thread(start_daphne, gateway_env(redis_url), app=TEST_APP)
    servers.append(server)
    stream = f"test.room:{room}"
    senders = [RealtimeClient([server.ws_url], session=cookies[name], backoff_initial=5) for name in cookies]
    sent = 0

    async def keep_sending(client: RealtimeClient, name: str) -> None:
        nonlocal sent
        for n in range(100_000):
            await client.send(stream, {"text": f"{name}{n}"}, cid=f"{name}{n}")
            sent += 1

    try:
        for client in senders:
            await client.start()
        tasks = [asyncio.create_task(keep_sending(c, str(i))) for i, c in enumerate(senders)]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 30
        while sent < 30:
            assert loop.time() < deadline, "the senders did not get going"
            await asyncio.sleep(0.05)
        server.process.terminate()
        # A hang is for ever (LiveServer.stop would then kill -9 it); the deadline only has to
        # tell that from an exit slowed by a loaded machine: measured 0.5-2 s in 21 runs on both
        # Redis layers, PostgreSQL and SQLite, 4.6 s once with the machine's load at 7.
        deadline = loop.time() + 8
        while server.process.poll() is None and loop.time() < deadline:
            await asyncio.sleep(0.05)
        assert server.process.poll() is not None, "the server did not exit within 8 s of SIGTERM"
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        for client in senders:
            await client.close()


async def test_a_killed_process_leaves_the_core_layers_groups(
    throwaway_redis: dict[str, Any], servers: list[LiveServer], cookies: dict[str, str], room: str
) -> None:
    """On channels_redis ``core`` a group's members are web processes. A killed process's
    membership expires (the living ones renew theirs), so no event is queued for it any more:
    it is not left to fill its channel to capacity with every later event."""
    import redis.asyncio as aioredis
    from channels_redis.core import RedisChannelLayer

    from realtime.groups import stream_group

    expiry = 3
    env = {
        **gateway_env(throwaway_redis["url"]),
        "REDIS_CHANNEL_LAYER": "core",
        "REALTIME_TEST_LAYER_CONFIG": json.dumps({"group_expiry": expiry}),
    }
    layer = RedisChannelLayer(hosts=[throwaway_redis["url"]], prefix=f"{env['REDIS_PREFIX']}:layer")
    group_key = layer._group_key(stream_group(f"test.room:{room}"))
    store = aioredis.Redis.from_url(throwaway_redis["url"])
    stream = f"test.room:{room}"
    a, b = await start_two(env, servers)
    on_a = RealtimeClient([a.ws_url], session=cookies["alice"])
    on_b = RealtimeClient([b.ws_url], session=cookies["bob"])
    sender = RealtimeClient([b.ws_url], session=cookies["carol"])
    clients = [on_a, on_b, sender]
    try:
        for client in clients:
            await client.start()
        await on_a.subscribe(stream)
        await on_b.subscribe(stream)
        await on_a.subscribe(stream)  # a second subscription on A: still one member for A
        members = set(await store.zrange(group_key, 0, -1))
        assert len(members) == 2  # one channel per process, whatever its subscriptions
        await asyncio.to_thread(a.kill)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10 * expiry
        n = 0
        while len(await store.zrange(group_key, 0, -1)) > 1:  # group_send drops expired members
            assert loop.time() < deadline, "the killed process is still a member of the group"
            await sender.send(stream, {"text": "x", "n": n})
            n += 1
            await asyncio.sleep(0.2)
        dead = members - set(await store.zrange(group_key, 0, -1))
        assert len(dead) == 1
        dead_key = layer.prefix + layer.non_local_name(dead.pop().decode())
        queued = await store.zcard(dead_key)
        for _ in range(5):
            await sender.send(stream, {"text": "after", "n": n})
            n += 1
        assert await store.zcard(dead_key) <= queued  # nothing more queued for the dead process
        # The living process renewed its membership all along: B got every event.
        events = [await on_b.next_event(timeout=10) for _ in range(n)]
        assert [e["seq"] for e in events] == list(range(1, n + 1))
    finally:
        for client in clients:
            await client.close()
        await store.aclose()
