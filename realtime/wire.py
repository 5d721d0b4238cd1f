"""Writing a socket's text frames straight to Daphne's WebSocket protocol, below ASGI.

An ASGI ``websocket.send`` under Daphne goes through Channels' ``send``, Daphne's
``handle_reply`` and autobahn's ``sendMessage``, ``sendFrame`` and ``sendData`` (each with its
checks, traffic counters and a debug log whose arguments are built on every call) before Twisted
gets the bytes. Once per event per socket, that path was the larger part of a process's time when
an event reaches a thousand sockets (docs/benchmarks.md, "Fan-out"). A frame from the server is
a two- to ten-byte header and the UTF-8 text (RFC 6455 §5.2: no mask from a server), so the
gateway builds it and hands it to the connection itself: straight to the socket when nothing
waits in Twisted's buffer, else to the transport, the call autobahn ends in.

Only where it is the same thing: a Daphne WebSocket connection that is open, without
per-message compression or fragmentation, a frame within its size limit, and nothing waiting in
autobahn's own send queue. Everything else (another server, a test communicator, a socket being closed) goes through
ASGI ``send`` as before; accept and close always do.

Backpressure: Twisted buffers whatever a connection is given, without bound, so under Daphne a
client that stopped reading held the server's memory for every frame sent to it and its queue
never filled. The wire registers as the connection's streaming producer: once more than Twisted's
high-water mark waits unsent, the socket's writer waits for it to drain, its queue fills, and
the documented slow-consumer rules apply (typing and presence dropped first, 4408).
"""

from __future__ import annotations

import asyncio
import functools
import struct
from typing import Any

from twisted.internet.interfaces import IPushProducer
from twisted.internet.tcp import Connection as _TcpConnection
from zope.interface import implementer

try:
    from daphne.server import Server as _DaphneServer
    from daphne.ws_protocol import WebSocketProtocol as _DaphneSocket
except ImportError:  # pragma: no cover - Daphne is a dependency; another server simply has no wire
    _DaphneServer = _DaphneSocket = None


def text_frame(payload: bytes) -> bytes:
    """One final, unmasked text frame carrying the UTF-8 ``payload``."""
    size = len(payload)
    if size < 126:
        head = bytes((0x81, size))
    elif size < 1 << 16:
        head = struct.pack("!BBH", 0x81, 126, size)
    else:
        head = struct.pack("!BBQ", 0x81, 127, size)
    return head + payload


@implementer(IPushProducer)
class _Drain:
    """Told by Twisted when the connection's buffer passes its high-water mark (64 KiB) and when
    it has been written out: the socket's writer waits in between. The producer it replaces on
    the transport (the HTTP channel the socket was upgraded from, which stops reading from the
    client meanwhile) is told the same, as before."""

    def __init__(self, previous: Any) -> None:
        self.previous = previous
        self.event = asyncio.Event()
        self.event.set()

    def pauseProducing(self) -> None:  # noqa: N802 - Twisted's interface
        self.event.clear()
        if self.previous is not None:
            self.previous.pauseProducing()

    def resumeProducing(self) -> None:  # noqa: N802
        self.event.set()
        if self.previous is not None:
            self.previous.resumeProducing()

    def stopProducing(self) -> None:  # noqa: N802 - the connection is gone; its close tells the rest
        self.event.set()
        if self.previous is not None:
            self.previous.stopProducing()


class DaphneWire:
    __slots__ = ("drain", "protocol")

    def __init__(self, protocol: Any) -> None:
        self.protocol = protocol
        self.drain: _Drain | None = None
        transport = protocol.transport
        if (
            isinstance(transport, _TcpConnection)
            and transport.connected
            and (transport.producer is None or transport.streamingProducer)
        ):
            previous = transport.producer
            if previous is not None:
                transport.unregisterProducer()
            self.drain = _Drain(previous)
            transport.registerProducer(self.drain, True)

    @property
    def backed_up(self) -> bool:
        """More is waiting in Twisted's buffer than its high-water mark: the client reads slower
        than frames come."""
        return self.drain is not None and not self.drain.event.is_set()

    async def drained(self) -> None:
        if self.drain is not None:
            await self.drain.event.wait()

    def write(self, text: str) -> bool:
        """Write ``text`` as one frame; False when this connection must go through ASGI."""
        protocol = self.protocol
        if (
            protocol.state != protocol.STATE_OPEN
            or protocol.send_queue
            or protocol._perMessageCompress is not None
            or protocol.transport is None
        ):
            return False
        payload = text.encode("utf-8")
        if 0 < protocol.maxMessagePayloadSize < len(payload):
            return False  # refused by autobahn as ever, with its error
        send(protocol.transport, text_frame(payload))
        return True


def send(transport: Any, data: bytes) -> None:
    """``transport.write(data)``, but tried on the socket at once when nothing of the
    connection's waits in Twisted's buffer, as asyncio's own transports do: Twisted only ever
    buffers a write and sends it when the loop finds the socket writable, which cost registering
    and unregistering the socket with the loop for every frame. What the socket does not take
    now (a slow client, a full buffer, an error) goes to Twisted as before, in order."""
    if (
        isinstance(transport, _TcpConnection)
        and transport.connected
        and not transport.disconnecting
        and not transport._tempDataBuffer
        and len(transport.dataBuffer) == transport.offset
    ):
        try:
            sent = transport.socket.send(data)
        except OSError:
            sent = 0  # would block, or the connection is gone: Twisted finds out and reports it
        if sent == len(data):
            return
        data = data[sent:]
    transport.write(data)


def wire_for(send: Any) -> DaphneWire | None:
    """The direct writer of the connection behind ASGI ``send``, when that is Daphne's own
    (``functools.partial(server.handle_reply, protocol)``) and frames need nothing autobahn adds."""
    if _DaphneSocket is None or not isinstance(send, functools.partial) or not send.args:
        return None
    if not isinstance(getattr(send.func, "__self__", None), _DaphneServer):
        return None
    protocol = send.args[0]
    if not isinstance(protocol, _DaphneSocket):
        return None
    if protocol.maskServerFrames or protocol.autoFragmentSize:
        return None
    return DaphneWire(protocol)
