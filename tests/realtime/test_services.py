"""The pieces under the socket: seq allocation, cid idempotency, ordering, rate limits, presence."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.db import connection

from kernel import ratelimit
from kernel.clock import ManualClock
from kernel.errors import RateLimited
from realtime import presence, services
from realtime.models import StreamEvent
from realtime.services import StoredEvent
from realtime.subscription import Subscription
from tests.realtime.kinds import Message


def stored(seq: int) -> StoredEvent:
    return StoredEvent("test.room:x", seq, "{}", "")


def test_subscription_orders_drops_duplicates_and_reports_gaps() -> None:
    sub = Subscription(wire="test.room:x", stream="test.room:x", last_seq=2)
    assert sub.accept(stored(2)) == []  # at or below last: a duplicate
    assert [e.seq for e in sub.accept(stored(3))] == [3]
    assert sub.accept(stored(6)) == [] and sub.accept(stored(5)) == []
    assert sub.gap() == (3, 4)
    assert [e.seq for e in sub.accept(stored(4))] == [4, 5, 6]
    assert sub.gap() is None and sub.pending == {}
    assert sub.accept(stored(5)) == []


def test_subscription_tail_check_waits_one_period_before_filling() -> None:
    sub = Subscription(wire="s", stream="s", last_seq=4)
    assert sub.tail_behind(6) is None  # maybe still in flight
    sub.accept(stored(5))
    assert sub.tail_behind(6) == 6  # still behind what the previous check saw: fill
    for seq in (6,):
        sub.accept(stored(seq))
    assert sub.tail_behind(6) is None


def test_subscription_skips_what_storage_no_longer_has() -> None:
    sub = Subscription(wire="s", stream="s", last_seq=1)
    sub.accept(stored(4))
    assert [e.seq for e in sub.skip_to(3)] == [4]
    assert sub.last_seq == 4


@pytest.mark.django_db
def test_an_event_is_stored_from_its_model_never_from_a_dict(room: str) -> None:
    stream = f"test.room:{room}"
    with pytest.raises(TypeError):
        services.event_append(stream=stream, payload={"type": "test.message", "text": "untyped"})  # type: ignore[arg-type]
    assert services.stream_head(stream=stream) == 0
    event = services.event_append(stream=stream, payload=Message(text="typed"))
    assert event.payload == {"type": "test.message", "text": "typed"}


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_get_dense_unique_seqs_and_one_event_per_cid(room: str) -> None:
    stream = f"test.room:{room}"
    seqs: list[int] = []
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        try:
            for n in range(10):
                seqs.append(services.event_append(stream=stream, payload=Message(text=f"worker {worker}", n=n)).seq)
                # every worker also retries one shared cid: stored once in all
                seqs.append(services.event_append(stream=stream, payload=Message(text="retried"), cid="shared").seq)
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    rows = list(StreamEvent.objects.filter(stream=stream).values_list("seq", flat=True).order_by("seq"))
    assert rows == list(range(1, 42))  # 40 plain events and the shared cid once
    assert StreamEvent.objects.filter(stream=stream, cid="shared").count() == 1
    assert services.stream_head(stream=stream) == 41


def test_in_memory_token_bucket() -> None:
    ratelimit.reset_local()
    for _ in range(3):
        ratelimit.check("t:burst", rate=0.5, burst=3)
    with pytest.raises(RateLimited) as raised:
        ratelimit.check("t:burst", rate=0.5, burst=3)
    assert 0 < raised.value.retry_after <= 2
    ratelimit.check("t:other", rate=0.5, burst=3)  # buckets are per key


def test_token_bucket_refills(clock: ManualClock, settings: Any) -> None:
    settings.REDIS_URL = ""  # this process's bucket: Redis's own is clocked by Redis
    ratelimit.reset_local()
    ratelimit.check("t:refill", rate=50, burst=1)
    with pytest.raises(RateLimited):
        ratelimit.check("t:refill", rate=50, burst=1)
    clock.advance(0.01)
    with pytest.raises(RateLimited):  # half a token
        ratelimit.check("t:refill", rate=50, burst=1)
    clock.advance(0.01)
    ratelimit.check("t:refill", rate=50, burst=1)


def test_redis_token_bucket_is_shared_state(redis_url: str, settings: Any) -> None:
    import redis

    settings.REDIS_URL = redis_url
    ratelimit.reset_local()
    key = f"t:shared:{time.monotonic_ns()}"
    ratelimit.check(key, rate=0.5, burst=2)
    ratelimit.reset_local()  # what this process knows does not matter: the bucket is in Redis
    ratelimit.check(key, rate=0.5, burst=2)
    with pytest.raises(RateLimited):
        ratelimit.check(key, rate=0.5, burst=2)
    client = redis.Redis.from_url(redis_url)
    assert client.exists(f"{settings.REDIS_PREFIX}:rt:rl:{key}")


async def test_redis_async_token_bucket(redis_url: str, settings: Any) -> None:
    settings.REDIS_URL = redis_url
    key = f"t:async:{time.monotonic_ns()}"
    await ratelimit.acheck(key, rate=0.5, burst=1)
    with pytest.raises(RateLimited):
        await ratelimit.acheck(key, rate=0.5, burst=1)


async def test_more_calls_than_redis_connections_wait_for_one(
    redis_url: str, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At a lesson's start hundreds of sockets ask Redis at once: past the pool's size a call
    waits for a free connection instead of failing over to the process's own buckets."""
    import redis

    from kernel import redis as rt_redis

    settings.REDIS_URL = redis_url
    monkeypatch.setattr(rt_redis, "_POOL", {"max_connections": 3, "timeout": 10.0})
    monkeypatch.setattr(rt_redis, "_async_clients", type(rt_redis._async_clients)())
    keys = [f"t:pool:{time.monotonic_ns()}:{i}" for i in range(40)]
    await asyncio.gather(*(ratelimit.acheck(key, rate=10, burst=5) for key in keys))
    client = redis.Redis.from_url(redis_url)
    assert all(client.exists(f"{settings.REDIS_PREFIX}:rt:rl:{key}") for key in keys)


async def test_rate_limits_fall_back_to_the_process_when_redis_is_down(settings: Any) -> None:
    from tests.services import free_port

    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"  # nobody listens there
    ratelimit.reset_local()
    await ratelimit.acheck("t:down", rate=0.5, burst=1)
    with pytest.raises(RateLimited):
        await ratelimit.acheck("t:down", rate=0.5, burst=1)


@pytest.mark.parametrize("backend", ["memory", "redis"])
async def test_presence_joins_leaves_and_expires(backend: str, settings: Any, room: str, clock: ManualClock) -> None:
    if backend == "redis":
        from tests.services import REDIS_DEFAULT, service_url

        settings.REDIS_URL = service_url("REDIS_URL", REDIS_DEFAULT, 6379, "Redis")
    else:
        settings.REDIS_URL = ""
    settings.REALTIME_PRESENCE_TTL = 0.3
    store = presence.store()
    stream = f"test.lobby:{room}"
    assert await store.join(stream, 1, "a") is True
    assert await store.join(stream, 1, "b") is False  # a second tab: not news
    assert await store.join(stream, 2, "c") is True
    assert await store.members(stream) == [1, 2]
    assert await store.leave(stream, 1, "a") is False  # still there in tab b
    assert await store.leave(stream, 1, "b") is True
    # Member 2's process dies: nobody renews, the entry expires and is reported once.
    clock.advance(0.2)
    assert await store.members(stream) == [2]
    assert await store.expire(stream) == []
    clock.advance(0.2)
    assert await store.members(stream) == []
    assert await store.expire(stream) == [2]
    assert await store.expire(stream) == []


async def test_in_memory_layer_fans_out_and_still_expires_old_messages(
    clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The embedded default's layer sweeps for expired messages once a second instead of on
    every receive; it still delivers a group message to every member, and still drops a message
    nobody received within ``expiry``."""
    import asyncio
    import types

    from channels import layers as channels_layers

    from realtime.layers import InMemoryChannelLayer

    # Channels stamps messages with its own wall time: it reads the test's clock too.
    monkeypatch.setattr(channels_layers, "time", types.SimpleNamespace(time=lambda: clock.now().timestamp()))

    layer = InMemoryChannelLayer(expiry=0.2)
    channels = [await layer.new_channel() for _ in range(50)]
    for channel in channels:
        await layer.group_add("rt.test", channel)
    await layer.group_send("rt.test", {"type": "rt.event", "n": 1})
    assert [(await layer.receive(c))["n"] for c in channels] == [1] * 50

    stale = channels[0]
    await layer.send(stale, {"type": "rt.event", "n": 2})
    clock.advance(0.3)  # older than the expiry, but the last sweep was less than a second ago
    await layer.send(channels[1], {"type": "rt.event", "n": 3})
    assert (await layer.receive(channels[1]))["n"] == 3
    assert not layer.channels[stale].empty()  # not swept yet
    clock.advance(InMemoryChannelLayer.SWEEP_SECONDS)
    await layer.send(channels[1], {"type": "rt.event", "n": 3})
    assert (await layer.receive(channels[1]))["n"] == 3  # this receive sweeps
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(layer.receive(stale), 0.3)
    # The expired message also ended the stale channel's group membership, as in Channels.
    await layer.group_send("rt.test", {"type": "rt.event", "n": 4})
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(layer.receive(stale), 0.3)


def test_publishing_from_a_worker_thread_of_a_stopped_loop_returns_at_once() -> None:
    """A server shutting down: its event loop has stopped while a worker thread still commits
    an event. Publishing must not wait for that loop (it never runs again, and the thread would
    keep the process from exiting); the event is stored, subscribers fill it from storage."""
    started, loop_stopped, published = threading.Event(), threading.Event(), threading.Event()

    def commit_during_shutdown() -> None:
        started.set()
        loop_stopped.wait(10)
        services.publish(stored(1))
        published.set()

    loop = asyncio.new_event_loop()
    job = loop.create_task(sync_to_async(commit_during_shutdown, thread_sensitive=False)())
    loop.run_until_complete(asyncio.to_thread(started.wait, 10))  # the loop runs until the thread is in
    loop_stopped.set()  # run_until_complete has returned: the loop no longer runs
    assert published.wait(5), "publishing waited for a loop that has stopped"
    loop.run_until_complete(job)
    loop.close()
