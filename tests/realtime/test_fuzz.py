"""The socket under generated and mutated frames: every frame gets its answer or a documented
error, the socket is never closed (no 1011), it still answers ``ping`` after each frame, and a
subscription made before the fuzz still receives events afterwards.

One socket on the real ASGI application takes every example, as a client with a bug would send
them one after another. Hypothesis needs a synchronous test, so the test drives its own event
loop.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from members.models import Member
from realtime import services
from realtime.protocol import MAX_DEPTH, server_frame_adapter
from tests.realtime.conftest import ORIGIN, application
from tests.realtime.kinds import Message

pytestmark = pytest.mark.django_db(transaction=True)

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "2000"))
ERROR_CODES = {
    "bad_json",
    "bad_frame",
    "too_deep",
    "too_large",
    "unknown_type",
    "not_found",
    "forbidden",
    "rate_limited",
    "invalid",
    "too_many_subscriptions",
    "not_authenticated",
    "conflict",
}

text = st.text(st.characters(codec=None), max_size=12) | st.text(st.characters(categories=["Cs"]), max_size=2)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.integers(min_value=2**62) | st.floats(allow_nan=False) | text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=8,
)


def streams(room: str) -> st.SearchStrategy[Any]:
    return (
        st.sampled_from(
            [
                f"test.room:{room}",
                f"test.lobby:{room}",
                "user:me",
                "user:1",
                "test.room:secret1",
                "test.room:missing1",
                "test.org:99999999999999999999999999",
                "forum.thread:99999999999999999999999999",
                "meeting:-1",
                "nope",
                "a" * 200,
            ]
        )
        | json_values
    )


def structured(room: str) -> st.SearchStrategy[dict[str, Any]]:
    kinds = st.sampled_from(["subscribe", "unsubscribe", "send", "ping", "typing", "test.room.echo", "test.room.x"])
    return st.fixed_dictionaries(
        {"type": kinds | text | json_values},
        optional={
            "stream": streams(room),
            "since": st.integers() | json_values,
            "ref": json_values,
            "cid": text | json_values,
            "body": st.dictionaries(text, json_values, max_size=3) | json_values,
            "active": json_values,
            "text": json_values,
            "extra": json_values,
        },
    )


def seeds(room: str) -> list[str]:
    stream = f"test.room:{room}"
    return [
        json.dumps({"type": "ping", "ref": 1}),
        json.dumps({"type": "subscribe", "stream": stream, "since": 0, "ref": "r"}),
        json.dumps({"type": "unsubscribe", "stream": stream}),
        json.dumps({"type": "send", "stream": stream, "cid": "c1", "body": {"text": "hi", "n": 1}}),
        json.dumps({"type": "typing", "stream": stream, "active": True}),
        json.dumps({"type": "test.room.echo", "stream": stream, "text": "x", "ref": [1, {"a": None}]}),
    ]


def mutate(seed: str, edits: list[tuple[int, str, str]]) -> str:
    chars = list(seed)
    for position, operation, char in edits:
        at = position % (len(chars) + 1)
        if operation == "insert":
            chars.insert(at, char)
        elif chars and operation == "delete":
            del chars[min(at, len(chars) - 1)]
        elif chars:
            chars[min(at, len(chars) - 1)] = char
    return "".join(chars)


def frames(room: str) -> st.SearchStrategy[tuple[str, Any]]:
    edits = st.lists(
        st.tuples(
            st.integers(0, 300),
            st.sampled_from(["insert", "delete", "replace"]),
            st.sampled_from(list('{}[]",:\\0e-') + ["\\u", "\\ud800", "\ud800", "NaN", "1e999"]) | st.characters(),
        ),
        min_size=1,
        max_size=6,
    )
    escaped = st.booleans()
    return st.one_of(
        st.tuples(st.just("text"), st.builds(lambda f, a: json.dumps(f, ensure_ascii=a), structured(room), escaped)),
        st.tuples(st.just("text"), st.builds(mutate, st.sampled_from(seeds(room)), edits)),
        st.tuples(st.just("text"), text | st.text(max_size=200)),
        st.tuples(
            st.just("text"),
            st.integers(1, 3 * MAX_DEPTH).map(lambda n: '{"type":"ping","ref":' + "[" * n + "]" * n + "}")
            | st.integers(1, 1500).map(lambda n: "[" * n + "]" * n)
            | st.integers(1, 1500).map(lambda n: '{"a":' * n + "1" + "}" * n),
        ),
        st.tuples(st.just("bytes"), st.binary(max_size=64) | st.sampled_from([b"\xff\xfe", b"\xc3\x28", b"{}"])),
    )


class Socket:
    """One communicator driven from the test's own loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop, session: str) -> None:
        self.loop = loop
        headers = [(b"origin", ORIGIN), (b"host", b"testserver"), (b"cookie", f"sessionid={session}".encode())]
        self.comm = WebsocketCommunicator(application(), "/ws/", headers=headers)
        self.probes = 0
        self.errors: set[str] = set()
        self.events: list[dict[str, Any]] = []

    def run(self, coroutine: Any) -> Any:
        return self.loop.run_until_complete(coroutine)

    async def frame(self) -> dict[str, Any]:
        output = await self.comm.receive_output(timeout=20)
        assert output["type"] == "websocket.send", f"the socket was closed: {output}"
        frame: dict[str, Any] = json.loads(output["text"])
        server_frame_adapter.validate_python(frame)
        if frame["type"] == "error":
            assert frame["code"] in ERROR_CODES, frame
            self.errors.add(frame["code"])
        elif frame["type"] == "event":
            self.events.append(frame)
        return frame

    async def probe(self) -> None:
        """A ping after every frame: the socket must still answer it."""
        self.probes += 1
        ref = f"probe-{self.probes}"
        await self.comm.send_to(text_data=json.dumps({"type": "ping", "ref": ref}))
        while not ((frame := await self.frame())["type"] == "pong" and frame["ref"] == ref):
            pass

    async def send(self, kind: str, data: Any) -> None:
        # Straight onto the ASGI queue: the communicator's helper refuses empty frames.
        await self.comm.input_queue.put({"type": "websocket.receive", kind: data})
        await self.probe()


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


def test_generated_and_mutated_frames_never_close_the_socket(
    loop: asyncio.AbstractEventLoop,
    people: dict[str, Member],
    cookies: dict[str, str],
    room: str,
    settings: Any,
) -> None:
    settings.REALTIME_ERROR_RATE = (1000.0, 100_000)  # the fuzz is one client's worth of mistakes
    socket = Socket(loop, cookies["alice"])
    socket.run(socket.comm.connect(timeout=10))
    watched = f"test.room:watched{room}"  # no generated frame names it: the fuzz cannot unsubscribe it
    socket.run(socket.send("text", json.dumps({"type": "subscribe", "stream": watched, "since": 0})))

    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(frames(room))
    def one_frame(frame: tuple[str, Any]) -> None:
        socket.run(socket.send(*frame))

    try:
        one_frame()
        # Still whole: pings answered, and the subscription made first still delivers.
        append = database_sync_to_async(services.event_append)
        seq = socket.run(append(stream=watched, payload=Message(text="after", n=0))).seq
        socket.run(socket.probe())
        deadline = loop.time() + 20
        while not any(e["stream"] == watched and e["seq"] == seq for e in socket.events):
            assert loop.time() < deadline, "the subscription made before the fuzz stopped delivering"
            socket.run(socket.frame())
        assert {"bad_json", "bad_frame", "too_deep"} <= socket.errors, socket.errors
    finally:
        socket.run(socket.comm.disconnect(timeout=5))
