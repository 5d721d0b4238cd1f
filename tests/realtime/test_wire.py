"""Frames written below ASGI (realtime/wire.py) are the frames a WebSocket client reads: every
length form of RFC 6455, text that is not ASCII, a real Daphne process serving them, and a client
too slow for the socket to take them at once, and one that stops reading."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator

import pytest
import websockets
from websockets.frames import Frame, Opcode
from websockets.streams import StreamReader

from members.models import Member
from realtime.client import RealtimeClient, login_session, origin_for
from realtime.wire import text_frame
from tests.conftest import PASSWORD
from tests.live import LiveServer, start_daphne


def parsed(data: bytes) -> Frame:
    """``data`` read by the websockets library's own parser, as a client reads a server's frame."""
    reader = StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    parser = Frame.parse(reader.read_exact, mask=False)
    try:
        next(parser)
    except StopIteration as done:
        frame: Frame = done.value
    else:  # pragma: no cover - the parser wanted more bytes than the frame has
        raise AssertionError("incomplete frame")
    return frame


@pytest.mark.parametrize("size", [0, 1, 125, 126, 127, 65535, 65536, 200_000])
def test_a_frame_of_every_length_form_reads_back_whole(size: int) -> None:
    text = "x" * size
    frame = parsed(text_frame(text.encode()))
    assert (frame.opcode, frame.fin, bytes(frame.data).decode()) == (Opcode.TEXT, True, text)


@pytest.mark.parametrize("chars", [41, 42, 21845, 21846])
def test_the_length_is_counted_in_bytes_not_characters(chars: int) -> None:
    # 42 Chinese characters are 126 bytes, 21,846 are 65,538: each crosses a length form.
    text = "党" * chars
    assert bytes(parsed(text_frame(text.encode())).data).decode() == text


@pytest.mark.django_db(transaction=True)
async def test_events_of_every_size_reach_a_client_of_a_daphne_process(people: dict[str, Member], room: str) -> None:
    server = await asyncio.to_thread(start_daphne, {}, app="tests.realtime.asgi:application")
    try:
        reader = await RealtimeClient.login(server.url, people["alice"].user.username, PASSWORD)
        writer = await RealtimeClient.login(server.url, people["bob"].user.username, PASSWORD)
        try:
            await reader.start()
            await writer.start()
            stream = f"test.room:{room}"
            await reader.subscribe(stream)
            texts = ["短", "学习" * 40, "党员风采" * 2000, "ok"]
            for text in texts:
                await writer.send(stream, {"text": text})
            got = [await reader.next_event(timeout=30) for _ in texts]
            assert [e["event"]["text"] for e in got] == texts
            assert [e["seq"] for e in got] == [1, 2, 3, 4]
            await reader.ping()  # the socket is still in step after them
        finally:
            await reader.close()
            await writer.close()
    finally:
        server.stop()


@contextlib.asynccontextmanager
async def subscribed_on_a_small_window(
    server: LiveServer, username: str, stream: str, *, max_queue: int
) -> AsyncIterator[websockets.ClientConnection]:
    """A raw client with a 4 KB receive window, subscribed to ``stream``: a phone on a poor link
    (it reads only when the test does)."""
    session = await asyncio.to_thread(login_session, server.url, username, PASSWORD)
    raw = socket.socket()
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    raw.connect(("127.0.0.1", server.port))
    async with websockets.connect(
        server.ws_url,
        sock=raw,
        max_queue=max_queue,
        max_size=None,
        additional_headers={"Cookie": f"sessionid={session}", "Origin": origin_for(server.url)},
    ) as client:
        await client.send(json.dumps({"type": "subscribe", "stream": stream}))
        assert json.loads(await client.recv())["type"] == "subscribed"
        yield client


@pytest.mark.django_db(transaction=True)
async def test_a_client_reading_slowly_gets_every_frame_whole_and_in_order(
    people: dict[str, Member], room: str
) -> None:
    """A phone on a poor link: its receive window is tiny and it reads little at a time, so the
    server's socket takes only part of each frame and the rest waits in Twisted's buffer."""
    # Patient: this client reads, only late; the socket's writer waits for it meanwhile.
    env = {"REALTIME_SEND_RATE": "1000,1000", "REALTIME_TEST_SETTINGS": json.dumps({"QUEUE_FULL_GRACE": 120})}
    server = await asyncio.to_thread(start_daphne, env, app="tests.realtime.asgi:application")
    try:
        stream = f"test.room:{room}"
        async with subscribed_on_a_small_window(server, people["alice"].user.username, stream, max_queue=2) as slow:
            writer = await RealtimeClient.login(server.url, people["bob"].user.username, PASSWORD)
            try:
                await writer.start()
                texts = [f"{n:03d}" + "学习强国" * 2000 for n in range(120)]  # 24 KB each, 2.9 MB in all
                for text in texts:
                    await writer.send(stream, {"text": text})
            finally:
                await writer.close()
            got = [json.loads(await asyncio.wait_for(slow.recv(), 30)) for _ in texts]
            assert [f["event"]["text"] for f in got] == texts
            assert [f["seq"] for f in got] == list(range(1, len(texts) + 1))
            await slow.send(json.dumps({"type": "ping", "ref": "still-there"}))
            assert json.loads(await asyncio.wait_for(slow.recv(), 30)) == {"type": "pong", "ref": "still-there"}
    finally:
        server.stop()


@pytest.mark.django_db(transaction=True)
async def test_a_client_that_stops_reading_is_closed_as_slow_not_buffered_for_ever(
    people: dict[str, Member], room: str
) -> None:
    """Twisted would buffer every frame for a client that reads nothing; the socket's writer
    waits once its connection is backed up (after what the kernel holds for the socket), its
    queue fills, and the socket is closed as slow (4408, docs/protocol.md) so the client resumes
    with ``since``. A reading client on the same stream gets everything."""
    settings = {"QUEUE_FULL_GRACE": 1, "OUTBOUND_QUEUE": 8}
    env = {"REALTIME_SEND_RATE": "1000,1000", "REALTIME_TEST_SETTINGS": json.dumps(settings)}
    server = await asyncio.to_thread(start_daphne, env, app="tests.realtime.asgi:application")
    try:
        stream = f"test.room:{room}"
        async with subscribed_on_a_small_window(server, people["alice"].user.username, stream, max_queue=1) as stuck:
            reader = await RealtimeClient.login(server.url, people["carol"].user.username, PASSWORD)
            writer = await RealtimeClient.login(server.url, people["bob"].user.username, PASSWORD)
            try:
                await reader.start()
                await reader.subscribe(stream)
                await writer.start()
                # 12 MB in all: more than the kernel buffers for a socket (tcp_wmem: at most 4 MB)
                texts = [f"{n:03d}" + "学习强国" * 2000 for n in range(500)]
                for text in texts:
                    await writer.send(stream, {"text": text})
                got = [await reader.next_event(timeout=30) for _ in texts]
                assert [e["event"]["text"] for e in got] == texts
            finally:
                await reader.close()
                await writer.close()
            received = 0
            with pytest.raises(websockets.ConnectionClosed) as closed:
                while True:  # what reached the client before the close, then the close
                    await asyncio.wait_for(stuck.recv(), 60)
                    received += 1
            # Closed as slow (4408; the close frame waits behind what the client left unread, so
            # the connection may end without it), long before all it was sent had reached it.
            assert received < len(texts) // 2
            assert closed.value.rcvd is None or closed.value.rcvd.code == 4408
    finally:
        server.stop()
