"""The gateway at the socket: WebsocketCommunicator on the real ASGI application.

Routing, the origin check and session authentication all run. Every error code, resume,
ordering and gap filling are checked here without any feature app.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from kernel.errors import Forbidden
from members.models import Member
from realtime import services
from realtime.consumer import CLOSE_ABUSE, CLOSE_NOT_AUTHENTICATED, GatewayConsumer
from realtime.groups import stream_group
from realtime.models import StreamEvent
from realtime.protocol import server_frame_adapter
from realtime.registry import register_send_guard, unregister_send_guard
from tests.realtime.conftest import Connect, application, recv, recv_events, request, until
from tests.realtime.kinds import Message

pytestmark = pytest.mark.django_db(transaction=True)

append = database_sync_to_async(services.event_append)


def valid(frame: dict[str, Any]) -> dict[str, Any]:
    server_frame_adapter.validate_python(frame)  # every reply matches the published schema
    return frame


async def subscribe(comm: Any, stream: str, since: int | None = None, ref: Any = "s") -> dict[str, Any]:
    reply = valid(await request(comm, {"type": "subscribe", "stream": stream, "since": since, "ref": ref}))
    assert reply["type"] == "subscribed", reply
    assert reply["ref"] == ref
    return reply


async def events_of(comm: Any, count: int) -> list[int]:
    frames = await recv_events(comm, count)
    assert all(valid(f)["type"] == "event" for f in frames), frames
    return [f["seq"] for f in frames]


class Stalling:
    """The real application, with the socket's writes held while ``stuck`` is set, until
    ``release``: a client that stopped reading."""

    def __init__(self) -> None:
        self.app = application()
        self.stuck = asyncio.Event()
        self.release = asyncio.Event()
        self.blocked = 0  # writes that found the socket stuck

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def stalling_send(message: dict[str, Any]) -> None:
            if message["type"] == "websocket.send" and self.stuck.is_set():
                self.blocked += 1
                await self.release.wait()
            await send(message)

        await self.app(scope, receive, stalling_send)


def unbatch(frame: dict[str, Any]) -> list[dict[str, Any]]:
    return frame["frames"] if frame["type"] == "batch" else [frame]


# --- connecting -------------------------------------------------------------------------------


async def test_socket_without_session_is_closed_4401(connect: Connect, people: dict[str, Member]) -> None:
    comm = await connect(None)
    closed = await comm.receive_output(timeout=5)
    assert closed == {"type": "websocket.close", "code": CLOSE_NOT_AUTHENTICATED}


async def test_socket_with_forged_session_is_closed_4401(connect: Connect, people: dict[str, Member]) -> None:
    comm = await connect("not-a-session")
    closed = await comm.receive_output(timeout=5)
    assert closed["code"] == CLOSE_NOT_AUTHENTICATED


async def test_ping_pong(connect: Connect, cookies: dict[str, str]) -> None:
    comm = await connect(cookies["alice"])
    assert valid(await request(comm, {"type": "ping", "ref": 7})) == {"type": "pong", "ref": 7}


# --- error codes ------------------------------------------------------------------------------


async def expect_error(comm: Any, frame: str | dict[str, Any], code: str) -> dict[str, Any]:
    if isinstance(frame, str):
        await comm.send_to(text_data=frame)
    else:
        await comm.send_json_to(frame)
    reply = valid(await recv(comm))
    assert reply["type"] == "error" and reply["code"] == code, reply
    assert reply["message"]
    return reply


async def test_bad_frames_get_error_codes_and_the_socket_and_subscriptions_survive(
    connect: Connect, cookies: dict[str, str], people: dict[str, Member], room: str, settings: Any
) -> None:
    settings.REALTIME_MAX_FRAME_BYTES = 2048
    comm = await connect(cookies["alice"])
    await subscribe(comm, f"test.room:{room}")

    await expect_error(comm, "{not json", "bad_json")
    await expect_error(comm, "[1, 2]", "bad_frame")
    await expect_error(comm, {"type": "subscribe"}, "bad_frame")
    await expect_error(comm, {"type": "subscribe", "stream": "test.room:x", "extra": 1}, "bad_frame")
    await expect_error(comm, {"type": "subscribe", "stream": "Not A Stream"}, "bad_frame")
    await expect_error(comm, {"type": "send", "stream": f"test.room:{room}", "cid": "", "body": {}}, "bad_frame")
    reply = await expect_error(comm, {"type": "frobnicate", "ref": "r1"}, "unknown_type")
    assert reply["ref"] == "r1"
    await expect_error(comm, {"type": "test.room.nope", "stream": f"test.room:{room}"}, "unknown_type")
    # A command's fields are its own, so a cid of any shape reaches the error: it is not echoed.
    odd = {"type": "test.room.nope", "stream": f"test.room:{room}", "cid": [1, {"x": "雌"}]}
    assert (await expect_error(comm, odd, "unknown_type")).get("cid") is None
    await expect_error(comm, {"type": "ping", "pad": "x" * 4000}, "too_large")
    # A NUL no stored text can hold (PostgreSQL refuses it), in a send's body or anywhere else.
    nul = {"type": "send", "stream": f"test.room:{room}", "cid": "n1", "body": {"text": "a\u0000b"}}
    await expect_error(comm, nul, "bad_json")
    await expect_error(comm, {"type": "ping", "ref": "\u0000"}, "bad_json")
    await comm.send_to(bytes_data=b"\x00\x01")
    assert (await recv(comm))["code"] == "bad_frame"

    # The subscription still delivers, the socket still answers.
    await append(stream=f"test.room:{room}", payload=Message(text="still here"))
    frame = valid(await recv(comm))
    assert frame["type"] == "event" and frame["event"]["text"] == "still here"
    assert (await request(comm, {"type": "ping"}))["type"] == "pong"


async def test_error_messages_are_in_the_language_of_the_pages(
    connect: Connect, cookies: dict[str, str], room: str, settings: Any
) -> None:
    """The message is for people (the page shows it); the code stays the same in every language."""
    settings.REALTIME_MAX_FRAME_BYTES = 2048
    chinese = await connect(cookies["alice"])  # no choice made: Chinese, as the pages
    english = await connect(cookies["alice"], language="en")
    expected = {
        chinese: ("未知的数据流。", "数据帧过大，最多 2048 字节。", "请先订阅这个数据流。"),
        english: ("Unknown stream.", "Frames are limited to 2048 bytes.", "Subscribe to the stream first."),
    }
    for comm, (unknown, too_large, unsubscribed) in expected.items():
        reply = await expect_error(comm, {"type": "subscribe", "stream": "nosuchkind:1"}, "not_found")
        assert reply["message"] == unknown
        assert (await expect_error(comm, {"type": "ping", "pad": "x" * 4000}, "too_large"))["message"] == too_large
        typing = {"type": "typing", "stream": f"test.room:{room}", "active": True}
        assert (await expect_error(comm, typing, "forbidden"))["message"] == unsubscribed


async def test_forbidden_and_not_found(connect: Connect, cookies: dict[str, str], room: str) -> None:
    comm = await connect(cookies["alice"])
    reply = await expect_error(comm, {"type": "subscribe", "stream": f"test.room:secret{room}", "ref": 3}, "forbidden")
    assert reply["ref"] == 3 and reply["stream"] == f"test.room:secret{room}"
    await expect_error(comm, {"type": "subscribe", "stream": f"test.room:missing{room}"}, "not_found")
    await expect_error(comm, {"type": "subscribe", "stream": "nosuchkind:1"}, "not_found")
    await expect_error(
        comm, {"type": "send", "stream": f"test.room:secret{room}", "cid": "c1", "body": {}}, "forbidden"
    )
    await expect_error(comm, {"type": "unsubscribe", "stream": f"test.room:{room}"}, "not_found")
    # Nothing of the refused stream is delivered.
    await database_sync_to_async(services.event_append)(
        stream=f"test.room:secret{room}", payload=Message(text="secret")
    )
    assert await comm.receive_nothing(timeout=0.3)


async def test_invalid_body_is_refused_by_the_stream_kind(connect: Connect, cookies: dict[str, str], room: str) -> None:
    comm = await connect(cookies["alice"])
    await expect_error(comm, {"type": "send", "stream": f"test.room:{room}", "cid": "c1", "body": {}}, "invalid")
    assert await database_sync_to_async(StreamEvent.objects.count)() == 0


async def test_rate_limited_with_retry_after(
    connect: Connect, cookies: dict[str, str], room: str, settings: Any
) -> None:
    settings.REALTIME_SEND_RATE = (0.01, 2)
    comm = await connect(cookies["alice"])
    stream = f"test.room:{room}"
    for n in range(2):
        ack = await request(comm, {"type": "send", "stream": stream, "cid": f"c{n}", "body": {"text": "hi"}})
        assert ack["type"] == "ack"
    reply = await expect_error(
        comm, {"type": "send", "stream": stream, "cid": "c2", "body": {"text": "hi"}}, "rate_limited"
    )
    assert reply["retry_after"] > 0 and reply["cid"] == "c2"
    assert (await request(comm, {"type": "ping"}))["type"] == "pong"


async def test_sustained_abuse_closes_the_socket(connect: Connect, cookies: dict[str, str], settings: Any) -> None:
    settings.REALTIME_ERROR_RATE = (0.01, 3)
    comm = await connect(cookies["alice"])
    for _ in range(4):
        await comm.send_to(text_data="nope")
    codes = []
    while True:
        out = await comm.receive_output(timeout=5)
        if out["type"] == "websocket.close":
            assert out["code"] == CLOSE_ABUSE
            break
        codes.append(json.loads(out["text"])["code"])
    assert codes == ["bad_json"] * 3


# --- delivery, send, resume -------------------------------------------------------------------


async def test_live_events_reach_subscribers_only(
    connect: Connect, cookies: dict[str, str], people: dict[str, Member], room: str
) -> None:
    stream = f"test.room:{room}"
    alice, bob, carol = [await connect(cookies[n]) for n in ("alice", "bob", "carol")]
    await subscribe(alice, stream)
    await subscribe(bob, stream)
    await alice.send_json_to({"type": "send", "stream": stream, "cid": "m1", "body": {"text": "你好"}})
    # The sender's ack and its own event are two frames in no promised order.
    ack, own = sorted([valid(await recv(alice)) for _ in range(2)], key=lambda f: f["type"] != "ack")
    assert ack == {"type": "ack", "stream": stream, "cid": "m1", "seq": 1, "ref": None}
    for frame in (own, valid(await recv(bob))):
        assert frame["type"] == "event" and frame["seq"] == 1 and frame["stream"] == stream
        assert frame["event"] == {"type": "test.message", "text": "你好", "n": None}
        assert frame["author"] == people["alice"].pk
    assert await carol.receive_nothing(timeout=0.3)


async def test_same_cid_twice_is_stored_once_with_the_same_seq(
    connect: Connect, cookies: dict[str, str], room: str
) -> None:
    stream = f"test.room:{room}"
    alice = await connect(cookies["alice"])
    bob = await connect(cookies["bob"])
    await subscribe(bob, stream)
    frame = {"type": "send", "stream": stream, "cid": "retry-me", "body": {"text": "once"}}
    first = await request(alice, frame)
    second = await request(alice, frame)
    assert first["type"] == second["type"] == "ack"
    assert first["seq"] == second["seq"] == 1
    # Another member's identical cid is their own send, not a duplicate of alice's.
    assert await events_of(bob, 1) == [1]
    await bob.send_json_to({**frame, "body": {"text": "mine"}})
    frames = sorted([await recv(bob), await recv(bob)], key=lambda f: f["type"])
    assert [(f["type"], f["seq"]) for f in frames] == [("ack", 2), ("event", 2)]
    assert await bob.receive_nothing(timeout=0.3)
    assert await database_sync_to_async(StreamEvent.objects.filter(stream=stream).count)() == 2


async def test_resume_since_replays_the_backlog_then_continues_live(
    connect: Connect, cookies: dict[str, str], room: str
) -> None:
    stream = f"test.room:{room}"
    for n in range(1, 6):
        await append(stream=stream, payload=Message(text=str(n)))
    comm = await connect(cookies["alice"])
    assert (await subscribe(comm, stream, since=2))["seq"] == 5
    assert await events_of(comm, 3) == [3, 4, 5]
    await append(stream=stream, payload=Message(text="6"))
    assert await events_of(comm, 1) == [6]
    # since=None: from now on, no backlog; since=0: everything.
    fresh = await connect(cookies["bob"])
    assert (await subscribe(fresh, stream))["seq"] == 6
    assert await fresh.receive_nothing(timeout=0.3)
    full = await connect(cookies["carol"])
    await subscribe(full, stream, since=0)
    assert await events_of(full, 6) == [1, 2, 3, 4, 5, 6]


async def test_switch_from_backlog_to_live_has_no_gap_and_no_duplicate(
    connect: Connect, cookies: dict[str, str], room: str
) -> None:
    """Events keep being committed while the subscription reads its backlog."""
    stream = f"test.room:{room}"
    total = 120
    for n in range(40):
        await append(stream=stream, payload=Message(n=n))
    comm = await connect(cookies["alice"])

    async def writer() -> None:
        for n in range(40, total):
            await append(stream=stream, payload=Message(n=n))

    task = asyncio.create_task(writer())
    await asyncio.sleep(0)  # the writer is mid-flight while we subscribe
    reply = await subscribe(comm, stream, since=10)
    await task
    seqs = await events_of(comm, total - 10)
    assert seqs == list(range(11, total + 1)), (reply, seqs)
    assert await comm.receive_nothing(timeout=0.3)


async def test_unsubscribe_stops_delivery(connect: Connect, cookies: dict[str, str], room: str) -> None:
    stream = f"test.room:{room}"
    comm = await connect(cookies["alice"])
    await subscribe(comm, stream)
    assert valid(await request(comm, {"type": "unsubscribe", "stream": stream, "ref": 1})) == {
        "type": "unsubscribed",
        "stream": stream,
        "ref": 1,
    }
    await append(stream=stream, payload=Message())
    assert await comm.receive_nothing(timeout=0.3)


# --- an unreliable layer ----------------------------------------------------------------------


async def test_gap_in_seq_is_filled_from_storage(
    connect: Connect, cookies: dict[str, str], room: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The layer drops events 2 and 3: event 4 reveals the gap, 2 and 3 come from storage."""
    stream = f"test.room:{room}"
    comm = await connect(cookies["alice"])
    await subscribe(comm, stream)
    await append(stream=stream, payload=Message(n=1))
    published = services.publish
    monkeypatch.setattr(services, "publish", lambda event: None)
    await append(stream=stream, payload=Message(n=2))
    await append(stream=stream, payload=Message(n=3))
    monkeypatch.setattr(services, "publish", published)
    await append(stream=stream, payload=Message(n=4))
    frames = await recv_events(comm, 4)
    assert [(f["seq"], f["event"]["n"]) for f in frames] == [(1, 1), (2, 2), (3, 3), (4, 4)]
    assert await comm.receive_nothing(timeout=0.3)


async def test_out_of_order_and_duplicate_layer_messages_are_delivered_once_in_order(
    connect: Connect, cookies: dict[str, str], room: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    stream = f"test.room:{room}"
    comm = await connect(cookies["alice"])
    await subscribe(comm, stream)
    monkeypatch.setattr(services, "publish", lambda event: None)
    stored = [await append(stream=stream, payload=Message(n=n)) for n in range(1, 4)]
    layer = get_channel_layer()
    for index in (2, 0, 2, 1, 0):
        event = services.StoredEvent.of(stored[index])
        await layer.group_send(stream_group(stream), event.layer_message())
    assert await events_of(comm, 3) == [1, 2, 3]
    assert await comm.receive_nothing(timeout=0.3)


async def test_lost_last_event_arrives_by_the_tail_check(
    connect: Connect, cookies: dict[str, str], room: str, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    """No later event reveals the loss: the periodic look at the stored head does."""
    settings.REALTIME_TAIL_CHECK_SECONDS = 0.1
    stream = f"test.room:{room}"
    comm = await connect(cookies["alice"])
    await subscribe(comm, stream)
    monkeypatch.setattr(services, "publish", lambda event: None)
    await append(stream=stream, payload=Message(n=1))
    assert await events_of(comm, 1) == [1]


# --- the user stream, guards, commands, ephemeral frames ---------------------------------------


async def test_user_me_stream(connect: Connect, cookies: dict[str, str], people: dict[str, Member]) -> None:
    alice = await connect(cookies["alice"])
    await subscribe(alice, "user:me")
    await append(stream=f"user:{people['alice'].pk}", payload=Message(text="mentioned"))
    await append(stream=f"user:{people['bob'].pk}", payload=Message(text="not yours"))
    frame = valid(await recv(alice))
    assert frame["stream"] == "user:me" and frame["event"]["text"] == "mentioned"
    assert await alice.receive_nothing(timeout=0.3)
    await expect_error(alice, {"type": "subscribe", "stream": f"user:{people['bob'].pk}"}, "forbidden")
    await expect_error(alice, {"type": "send", "stream": "user:me", "cid": "x", "body": {}}, "forbidden")


async def test_send_guard_refuses_sends_and_writing_commands(
    connect: Connect, cookies: dict[str, str], people: dict[str, Member], room: str
) -> None:
    muted = people["alice"].pk

    def guard(actor: Any, kind: str, stream_id: str) -> None:
        if actor.member_id == muted:
            raise Forbidden("You are muted.", muted_until="2030-01-01T00:00:00Z")

    register_send_guard(guard)
    try:
        alice = await connect(cookies["alice"])
        stream = f"test.room:{room}"
        reply = await expect_error(
            alice, {"type": "send", "stream": stream, "cid": "c", "body": {"text": "hi"}}, "forbidden"
        )
        assert reply["details"] == {"muted_until": "2030-01-01T00:00:00Z"}
        await expect_error(alice, {"type": "test.room.echo", "stream": stream, "text": "x"}, "forbidden")
        bob = await connect(cookies["bob"])
        assert (await request(bob, {"type": "send", "stream": stream, "cid": "c", "body": {"text": "hi"}}))[
            "type"
        ] == "ack"
    finally:
        unregister_send_guard(guard)


async def test_feature_command_is_dispatched_to_its_stream_kind(
    connect: Connect, cookies: dict[str, str], people: dict[str, Member], room: str
) -> None:
    comm = await connect(cookies["alice"])
    stream = f"test.room:{room}"
    reply = valid(await request(comm, {"type": "test.room.echo", "stream": stream, "text": "hello", "ref": 9}))
    assert reply == {
        "type": "result",
        "stream": stream,
        "command": "echo",
        "data": {"echo": "hello", "by": people["alice"].pk},
        "ref": 9,
    }
    await expect_error(comm, {"type": "test.room.echo", "stream": stream, "text": 5}, "bad_frame")
    await expect_error(comm, {"type": "test.room.echo", "stream": stream, "text": "a", "x": 1}, "bad_frame")
    await expect_error(comm, {"type": "test.room.echo", "stream": f"test.room:secret{room}", "text": "a"}, "forbidden")


async def test_typing_and_presence(
    connect: Connect, cookies: dict[str, str], people: dict[str, Member], room: str
) -> None:
    stream = f"test.lobby:{room}"
    alice = await connect(cookies["alice"])
    await subscribe(alice, stream)
    assert valid(await recv(alice, skip=())) == {
        "type": "presence",
        "stream": stream,
        "members": [people["alice"].pk],
        "joined": [],
        "left": [],
    }
    bob = await connect(cookies["bob"])
    await subscribe(bob, stream)
    bob_sees = valid(await recv(bob, skip=()))
    assert sorted(bob_sees["members"]) == sorted([people["alice"].pk, people["bob"].pk])
    joined = valid(await recv(alice, skip=()))
    assert joined["type"] == "presence" and joined["joined"] == [people["bob"].pk]

    await bob.send_json_to({"type": "typing", "stream": stream})
    typing = valid(await recv(alice, skip=()))
    assert typing == {"type": "typing", "stream": stream, "member": people["bob"].pk, "active": True}

    await bob.disconnect()
    left = valid(await recv(alice, skip=("typing",)))
    assert left["type"] == "presence" and left["left"] == [people["bob"].pk]
    await expect_error(alice, {"type": "typing", "stream": f"test.lobby:other{room}"}, "forbidden")


# --- backpressure -----------------------------------------------------------------------------


@pytest.fixture
def offered(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the hub handed to sockets, in order: ``event`` or ``typing`` (any ephemeral frame)."""
    seen: list[str] = []
    offer, offer_ephemeral = GatewayConsumer.offer, GatewayConsumer.offer_ephemeral

    def counted_offer(self: GatewayConsumer, sub: Any, frames: Any) -> None:
        seen.append("event")
        offer(self, sub, frames)

    def counted_offer_ephemeral(self: GatewayConsumer, sub: Any, frames: Any) -> None:
        seen.append("typing")
        offer_ephemeral(self, sub, frames)

    monkeypatch.setattr(GatewayConsumer, "offer", counted_offer)
    monkeypatch.setattr(GatewayConsumer, "offer_ephemeral", counted_offer_ephemeral)
    return seen


BATCHED = pytest.mark.parametrize("path", ["/ws/", "/ws/?batch=1"], ids=["frames", "batches"])


@BATCHED
async def test_socket_whose_queue_stays_full_is_closed_4408(
    connect: Connect, cookies: dict[str, str], room: str, settings: Any, path: str
) -> None:
    """A client that stops reading: its transport blocks, the queue fills, the socket closes."""
    from realtime.consumer import CLOSE_SLOW_CONSUMER

    settings.REALTIME_OUTBOUND_QUEUE = 4
    settings.REALTIME_QUEUE_FULL_GRACE = 0.2
    stalling = Stalling()
    stream = f"test.room:{room}"
    comm = await connect(cookies["alice"], app=stalling, path=path)
    await subscribe(comm, stream)
    stalling.stuck.set()
    for n in range(8):
        await append(stream=stream, payload=Message(n=n))
    closed = await comm.receive_output(timeout=10)
    assert closed == {"type": "websocket.close", "code": CLOSE_SLOW_CONSUMER}
    stalling.release.set()


@BATCHED
async def test_ephemeral_frames_are_dropped_before_durable_ones(
    connect: Connect,
    cookies: dict[str, str],
    people: dict[str, Member],
    room: str,
    settings: Any,
    offered: list[str],
    path: str,
) -> None:
    from realtime.protocol import TypingOut

    settings.REALTIME_OUTBOUND_QUEUE = 8
    settings.REALTIME_EPHEMERAL_RATE = (1000.0, 1000)
    stalling = Stalling()
    stream = f"test.room:{room}"
    comm = await connect(cookies["alice"], app=stalling, path=path)
    await subscribe(comm, stream)
    stalling.stuck.set()
    for _ in range(20):
        await services.aephemeral_send(frame=TypingOut(stream=stream, member=people["bob"].pk, active=True))
    for n in range(4):
        await append(stream=stream, payload=Message(n=n))
    # Everything reached the stuck socket before its client reads again.
    await until(lambda: offered.count("typing") == 20 and offered.count("event") == 4, f"offered {offered}")
    stalling.release.set()
    frames: list[dict[str, Any]] = []
    while sum(f["type"] == "event" for f in frames) < 4:
        frames.extend(unbatch(valid(await recv(comm, skip=()))))
    assert await comm.receive_nothing(timeout=0.3)
    kinds = [f["type"] for f in frames]
    # One typing frame was already in the writer's hands; of the rest only what fitted under
    # the high-water mark was queued, and all four events came through.
    assert kinds.count("event") == 4 and kinds.count("typing") < 20
    assert [f["seq"] for f in frames if f["type"] == "event"] == [1, 2, 3, 4]


async def test_a_write_stuck_longer_than_the_grace_closes_the_socket_4408(
    connect: Connect, cookies: dict[str, str], room: str, settings: Any
) -> None:
    """Even with room in the queue: one write waiting on the client past the grace period."""
    from realtime.consumer import CLOSE_SLOW_CONSUMER

    settings.REALTIME_OUTBOUND_QUEUE = 1000
    settings.REALTIME_QUEUE_FULL_GRACE = 0.2
    settings.REALTIME_TAIL_CHECK_SECONDS = 0.1
    stalling = Stalling()
    stream = f"test.room:{room}"
    comm = await connect(cookies["alice"], app=stalling)
    await subscribe(comm, stream)
    stalling.stuck.set()
    await append(stream=stream, payload=Message(n=1))
    closed = await comm.receive_output(timeout=10)
    assert closed == {"type": "websocket.close", "code": CLOSE_SLOW_CONSUMER}
    stalling.release.set()


async def test_one_slow_client_never_delays_the_others(
    connect: Connect, cookies: dict[str, str], room: str, settings: Any
) -> None:
    """A client whose writes hang (it stopped reading) while another keeps up: the other gets
    every event while the slow one's socket is still stuck; the slow one catches up later."""
    settings.REALTIME_OUTBOUND_QUEUE = 1000
    settings.REALTIME_QUEUE_FULL_GRACE = 600.0  # not closed during the test: only slow
    stalling = Stalling()
    stream = f"test.room:{room}"
    slow = await connect(cookies["alice"], app=stalling)
    fast = await connect(cookies["bob"])
    await subscribe(slow, stream)
    await subscribe(fast, stream)
    stalling.stuck.set()
    total = 60
    for n in range(total):
        await append(stream=stream, payload=Message(n=n))
    assert await events_of(fast, total) == list(range(1, total + 1))
    # The slow socket's first write is still hanging: nothing it could have delivered meanwhile.
    assert stalling.blocked == 1 and not stalling.release.is_set()
    assert await slow.receive_nothing(timeout=0.1)
    stalling.release.set()
    assert await events_of(slow, total) == list(range(1, total + 1))


async def held_then_released(
    connect: Connect, cookie: str, room: str, offered: list[str], path: str, count: int
) -> list[str]:
    """A socket's writer is stuck on a pong while ``count`` events reach the socket; then its
    client reads again. The WebSocket messages it gets, as text."""
    stalling = Stalling()
    stream = f"test.room:{room}"
    comm = await connect(cookie, app=stalling, path=path)
    await subscribe(comm, stream)
    stalling.stuck.set()
    await comm.send_json_to({"type": "ping", "ref": "held"})
    await until(lambda: stalling.blocked == 1, "the pong's write held")
    for n in range(count):
        await append(stream=stream, payload=Message(n=n))
    await until(lambda: offered.count("event") == count, f"offered {offered}")
    stalling.release.set()
    messages: list[str] = []
    while sum(len(unbatch(json.loads(m))) for m in messages) < 1 + count:
        messages.append(await comm.receive_from(timeout=10))
    # Nothing else was waiting: frames go out in order, so a ping's answer comes next and alone.
    await comm.send_json_to({"type": "ping", "ref": "after"})
    after = unbatch(json.loads(await comm.receive_from(timeout=10)))
    assert [(f["type"], f["ref"]) for f in after] == [("pong", "after")]
    return messages


async def test_a_socket_that_asked_for_batches_gets_what_waited_as_batch_frames_in_order(
    connect: Connect, cookies: dict[str, str], room: str, settings: Any, offered: list[str]
) -> None:
    settings.REALTIME_BATCH_FRAMES = 4
    messages = await held_then_released(connect, cookies["alice"], room, offered, "/ws/?batch=1", 10)
    frames = [valid(json.loads(m)) for m in messages]
    # The pong was in the writer's hands; the ten events behind it went out in batches of at
    # most four, every one once and in order.
    assert [f["type"] for f in frames] == ["pong", "batch", "batch", "batch"]
    assert [len(unbatch(f)) for f in frames] == [1, 4, 4, 2]
    assert frames[0] == {"type": "pong", "ref": "held"}
    assert [g["seq"] for f in frames[1:] for g in unbatch(f)] == list(range(1, 11))
    assert all(g["type"] == "event" for f in frames[1:] for g in unbatch(f))


async def test_a_batch_stays_within_its_size_bound(
    connect: Connect, cookies: dict[str, str], room: str, settings: Any, offered: list[str]
) -> None:
    settings.REALTIME_BATCH_CHARS = 400  # two or three event frames
    messages = await held_then_released(connect, cookies["alice"], room, offered, "/ws/?batch=1", 10)
    frames = [valid(json.loads(m)) for m in messages]
    sizes = [len(unbatch(f)) for f in frames]
    assert sizes[0] == 1 and 1 < max(sizes) < 10
    assert all(len(m) <= 400 + 64 for m, f in zip(messages, frames, strict=True) if f["type"] == "batch")
    assert [g["seq"] for f in frames[1:] for g in unbatch(f)] == list(range(1, 11))


@pytest.mark.parametrize(("queue", "most", "together"), [(256, 4, 4), (4, 64, 5)], ids=["whole batch", "full queue"])
async def test_frames_that_come_while_the_first_waits_go_with_it(
    connect: Connect, cookies: dict[str, str], room: str, settings: Any, queue: int, most: int, together: int
) -> None:
    """A frame on a quiet socket goes at once; the frames after it wait for the rest of
    BATCH_DELAY, but no longer than until a whole batch waits or the queue is full (a durable
    frame must not wait for room behind a writer that is only gathering)."""
    settings.REALTIME_BATCH_DELAY = 600.0  # never waited out here
    settings.REALTIME_OUTBOUND_QUEUE = queue
    settings.REALTIME_BATCH_FRAMES = most
    comm = await connect(cookies["alice"], path="/ws/?batch=1")
    await comm.send_json_to({"type": "subscribe", "stream": f"test.room:{room}", "since": None, "ref": "s"})
    first = valid(await comm.receive_json_from(timeout=10))
    assert (first["type"], first["ref"]) == ("subscribed", "s")  # alone, without waiting
    for n in range(5):
        await comm.send_json_to({"type": "ping", "ref": n})
    batch = valid(await comm.receive_json_from(timeout=10))
    assert batch["type"] == "batch"
    assert [(f["type"], f["ref"]) for f in batch["frames"]] == [("pong", n) for n in range(5)][:together]


@pytest.mark.parametrize("path", ["/ws/", "/ws/?batch=0", "/ws/?batched=1"])
async def test_a_socket_that_did_not_ask_never_gets_a_batch(
    connect: Connect, cookies: dict[str, str], room: str, offered: list[str], path: str
) -> None:
    messages = await held_then_released(connect, cookies["alice"], room, offered, path, 10)
    frames = [valid(json.loads(m)) for m in messages]
    assert frames[0] == {"type": "pong", "ref": "held"}
    assert [f["type"] for f in frames[1:]] == ["event"] * 10
    assert [f["seq"] for f in frames[1:]] == list(range(1, 11))


async def test_layer_losses_are_counted_and_logged_once(
    connect: Connect,
    cookies: dict[str, str],
    room: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Three separate losses: three gaps counted, every event delivered, one log line."""
    from realtime import consumer
    from realtime.subscription import GapStats

    stats = GapStats()
    monkeypatch.setattr(consumer, "gap_stats", stats)
    stream = f"test.room:{room}"
    comm = await connect(cookies["alice"])
    await subscribe(comm, stream)
    published = services.publish
    lost = {2, 4, 6}
    monkeypatch.setattr(services, "publish", lambda event: None if event.seq in lost else published(event))
    caplog.set_level("WARNING", logger="realtime.subscription")
    for n in range(1, 9):
        await append(stream=stream, payload=Message(n=n))
    frames = await recv_events(comm, 8)
    assert [(f["seq"], f["event"]["n"]) for f in frames] == [(n, n) for n in range(1, 9)]
    assert (stats.gaps, stats.filled) == (3, 3)
    logged = [r for r in caplog.records if r.name == "realtime.subscription"]
    assert len(logged) == 1, [r.getMessage() for r in logged]
    assert "lost or reordered" in logged[0].getMessage()


async def test_frame_size_limit_defaults_to_64_kib_of_utf8(connect: Connect, cookies: dict[str, str]) -> None:
    limit = 64 * 1024
    comm = await connect(cookies["alice"])
    envelope = '{"type":"ping","pad":""}'
    # Exactly at the limit: read and judged by its schema (the pad field is not allowed).
    at_limit = envelope.replace('""', '"' + "x" * (limit - len(envelope)) + '"')
    assert len(at_limit.encode()) == limit
    await expect_error(comm, at_limit, "bad_frame")
    await expect_error(comm, envelope.replace('""', '"' + "x" * (limit - len(envelope) + 1) + '"'), "too_large")
    # Bytes, not characters: 22,000 Chinese characters are 66,000 bytes of UTF-8.
    await expect_error(comm, envelope.replace('""', '"' + "党" * 22_000 + '"'), "too_large")
    assert (await request(comm, {"type": "ping"}))["type"] == "pong"


async def test_rate_limits_are_per_member_and_per_action(
    connect: Connect, cookies: dict[str, str], room: str, settings: Any
) -> None:
    settings.REALTIME_SEND_RATE = (0.01, 1)
    stream = f"test.room:{room}"
    alice = await connect(cookies["alice"])
    assert (await request(alice, {"type": "send", "stream": stream, "cid": "a1", "body": {"text": "x"}}))[
        "type"
    ] == "ack"
    await expect_error(alice, {"type": "send", "stream": stream, "cid": "a2", "body": {"text": "x"}}, "rate_limited")
    # Another action of the same member has its own bucket …
    assert (await request(alice, {"type": "test.room.echo", "stream": stream, "text": "x"}))["type"] == "result"
    assert (await subscribe(alice, stream))["type"] == "subscribed"
    # … and so does another member; alice's second socket shares hers.
    bob = await connect(cookies["bob"])
    assert (await request(bob, {"type": "send", "stream": stream, "cid": "b1", "body": {"text": "x"}}))["type"] == "ack"
    alice_again = await connect(cookies["alice"])
    await expect_error(
        alice_again, {"type": "send", "stream": stream, "cid": "a3", "body": {"text": "x"}}, "rate_limited"
    )


async def test_signal_to_one_member_reaches_only_that_members_sockets(
    connect: Connect, cookies: dict[str, str], people: dict[str, Member], room: str
) -> None:
    from realtime.protocol import Signal

    stream = f"test.room:{room}"
    alice, bob, bob_tab2 = [await connect(cookies[n]) for n in ("alice", "bob", "bob")]
    for comm in (alice, bob, bob_tab2):
        await subscribe(comm, stream)
    data = {"kind": "description", "sdp": "v=0"}
    await services.aephemeral_send(
        frame=Signal(stream=stream, sender=people["alice"].pk, data=data), to_member=people["bob"].pk
    )
    for comm in (bob, bob_tab2):
        assert valid(await recv(comm, skip=())) == {
            "type": "signal",
            "stream": stream,
            "sender": people["alice"].pk,
            "data": data,
        }
    assert await alice.receive_nothing(timeout=0.3)


# --- fan-out once per process -----------------------------------------------------------------


async def test_one_layer_message_per_event_per_process_whatever_the_subscribers(
    connect: Connect, cookies: dict[str, str], room: str
) -> None:
    """The process is one member of the stream's group and reads each event from the layer
    once, with one subscriber as with sixteen; every subscriber still gets it."""
    from realtime.hub import hub
    from realtime.layers import InMemoryChannelLayer

    stream = f"test.room:{room}"
    layer = get_channel_layer()

    def members_here() -> int:
        if isinstance(layer, InMemoryChannelLayer):
            return len(layer.groups[stream_group(stream)])
        return int(stream in hub().joined)  # on Redis the group is shared with other test runs

    first = await connect(cookies["alice"])
    await subscribe(first, stream)
    assert members_here() == 1
    before = hub().messages
    await append(stream=stream, payload=Message(n=1))
    assert await events_of(first, 1) == [1]
    assert hub().messages - before == 1

    others = [await connect(cookies[name]) for name in ("alice", "bob", "carol") * 5]
    for comm in others:
        await subscribe(comm, f"test.room:{room}")
    assert members_here() == 1
    before = hub().messages
    await append(stream=stream, payload=Message(n=2))
    for comm in [first, *others]:
        assert await events_of(comm, 1) == [2]
    assert hub().messages - before == 1


@pytest.mark.parametrize(
    "layer", ["channels_redis.pubsub.RedisPubSubChannelLayer", "channels_redis.core.RedisChannelLayer"]
)
async def test_a_socket_opened_during_a_redis_outage_is_accepted_then_closed_4503(
    layer: str, throwaway_redis: dict[str, Any], cookies: dict[str, str], settings: Any
) -> None:
    """Not a refused handshake (which a client cannot tell from a refused origin): the socket
    opens and is closed with 4503, "come back later"; once Redis is back, sockets work."""
    from channels.layers import channel_layers
    from channels.testing import WebsocketCommunicator

    from realtime.consumer import CLOSE_UNAVAILABLE
    from tests.realtime.conftest import ORIGIN, application

    settings.REDIS_URL = throwaway_redis["url"]
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": layer, "CONFIG": {"hosts": [throwaway_redis["url"]]}}}
    channel_layers.backends = {}
    headers = [(b"origin", ORIGIN), (b"host", b"testserver"), (b"cookie", f"sessionid={cookies['alice']}".encode())]
    await asyncio.to_thread(throwaway_redis["stop"])
    comm = WebsocketCommunicator(application(), "/ws/", headers=headers)
    connected, _ = await comm.connect(timeout=10)
    assert connected
    assert await comm.receive_output(timeout=10) == {"type": "websocket.close", "code": CLOSE_UNAVAILABLE}
    await comm.disconnect()

    await asyncio.to_thread(throwaway_redis["start"])
    comm = WebsocketCommunicator(application(), "/ws/", headers=headers)
    connected, _ = await comm.connect(timeout=10)
    try:
        assert connected
        assert (await request(comm, {"type": "ping"}))["type"] == "pong"
    finally:
        await comm.disconnect()
