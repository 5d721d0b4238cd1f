"""A small asyncio client for the gateway protocol (docs/protocol.md), for tests, benchmarks, bots.

    client = await RealtimeClient.login("http://127.0.0.1:8000", "alice", "secret")
    await client.start()
    await client.subscribe("forum.thread:42", since=None)
    seq = await client.send("forum.thread:42", {"text": "hello"})
    event = await client.next_event()

It keeps one socket open: when the socket drops it reconnects (to the next URL when given
several) with exponential backoff and full jitter, re-subscribes every stream with ``since`` =
the last seq it delivered, and re-sends unacknowledged sends with their original ``cid`` (the
server stores each cid once). Durable events reach :attr:`events` exactly once and in order per
stream; ephemeral frames go to :attr:`ephemeral`, where the oldest are dropped when it is full.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import random
import time
import urllib.request
import uuid
from collections.abc import Callable, Sequence
from http.cookiejar import CookieJar
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import websockets
from websockets.asyncio.client import ClientConnection

logger = logging.getLogger("realtime.client")

EPHEMERAL_TYPES = frozenset({"presence", "typing", "signal"})
FATAL_CLOSE_CODES = frozenset({4401})  # reconnecting cannot help: log in again
STABLE_SECONDS = 10.0  # a connection open this long resets the reconnect backoff


class RealtimeError(Exception):
    """An ``error`` frame in answer to a request."""

    def __init__(self, frame: dict[str, Any]) -> None:
        super().__init__(f"{frame.get('code')}: {frame.get('message')}")
        self.frame = frame
        self.code: str = frame.get("code", "error")


def ws_url_for(base_url: str) -> str:
    parts = urlsplit(base_url)
    scheme = "wss" if parts.scheme == "https" else "ws"
    return urlunsplit((scheme, parts.netloc, "/ws/", "", ""))


def origin_for(url: str) -> str:
    parts = urlsplit(url)
    scheme = "https" if parts.scheme in ("https", "wss") else "http"
    return f"{scheme}://{parts.netloc}"


def login_session(base_url: str, username: str, password: str, *, timeout: float = 30) -> str:
    """Log in over the JSON API; the session cookie's value."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    request = urllib.request.Request(
        base_url.rstrip("/") + "/api/auth/login",
        data=json.dumps({"username": username, "password": password}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with opener.open(request, timeout=timeout) as response:
        response.read()
    for cookie in jar:
        if cookie.name == "sessionid" and cookie.value:
            return cookie.value
    raise RuntimeError("login did not set a session cookie")


class RealtimeClient:
    def __init__(
        self,
        urls: str | Sequence[str],
        *,
        session: str,
        origin: str | None = None,
        backoff_initial: float = 0.2,
        backoff_max: float = 10.0,
        ephemeral_size: int = 1000,
        on_state: Callable[[str], None] | None = None,
    ) -> None:
        self.urls = [urls] if isinstance(urls, str) else list(urls)
        self.session = session
        self.origin = origin  # None: each URL's own origin (replicas reached on different ports)
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.on_state = on_state
        self.state = "idle"
        self.events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.ephemeral: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=ephemeral_size)
        self.errors: list[dict[str, Any]] = []  # error frames nobody was waiting for
        self.last_seq: dict[str, int | None] = {}  # subscribed streams → last delivered seq
        self.connects = 0
        self.close_codes: list[int | None] = []
        self.duplicates_dropped = 0
        self._url_index = 0
        self._ws: ClientConnection | None = None
        self._open = asyncio.Event()
        self._closing = False
        self._task: asyncio.Task[None] | None = None
        self._refs = itertools.count(1)
        self._sub_waiters: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._pending_sends: dict[str, dict[str, Any]] = {}
        self._ack_waiters: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._ref_waiters: dict[str, asyncio.Future[dict[str, Any]]] = {}

    @classmethod
    async def login(
        cls, base_urls: str | Sequence[str], username: str, password: str, **options: Any
    ) -> RealtimeClient:
        bases = [base_urls] if isinstance(base_urls, str) else list(base_urls)
        session = await asyncio.to_thread(login_session, bases[0], username, password)
        return cls([ws_url_for(b) for b in bases], session=session, **options)

    # --- connection -------------------------------------------------------------------------

    async def start(self, *, timeout: float = 30) -> None:
        """Connect (in the background from now on) and wait for the first open socket."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())
        await self.wait_open(timeout=timeout)

    async def wait_open(self, *, timeout: float = 30) -> None:
        await asyncio.wait_for(self._open.wait(), timeout)

    async def close(self) -> None:
        self._closing = True
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await self._ws.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        self._set_state("closed")

    async def drop_connection(self) -> None:
        """Close the current socket as a network failure would; the client reconnects."""
        if self._ws is not None:
            await self._ws.close(code=4000, reason="client-side drop")

    def _set_state(self, state: str) -> None:
        self.state = state
        if self.on_state is not None:
            self.on_state(state)

    async def _run(self) -> None:
        attempt = 0
        opened: float | None = None
        while not self._closing:
            url = self.urls[self._url_index % len(self.urls)]
            self._set_state("connecting")
            code: int | None = None
            try:
                async with websockets.connect(
                    url,
                    origin=self.origin or origin_for(url),  # type: ignore[arg-type]
                    additional_headers={"Cookie": f"sessionid={self.session}"},
                    open_timeout=10,
                    max_size=None,
                    ping_interval=20,
                    ping_timeout=20,
                ) as ws:
                    self._ws = ws
                    self.connects += 1
                    opened = time.monotonic()
                    await self._resume(ws)
                    self._set_state("open")
                    self._open.set()
                    async for text in ws:
                        self._on_frame(json.loads(text))
                    code = ws.close_code
            except (OSError, TimeoutError, websockets.exceptions.WebSocketException) as error:
                code = getattr(self._ws, "close_code", None) if self._ws is not None else None
                logger.debug("socket to %s ended: %r", url, error)
            finally:
                self._ws = None
                self._open.clear()
            self.close_codes.append(code)
            if self._closing:
                break
            if code in FATAL_CLOSE_CODES:
                self._set_state("unauthorised")
                self._fail_waiters(RealtimeError({"code": "not_authenticated", "message": "session refused"}))
                return
            self._url_index += 1
            if opened is not None and time.monotonic() - opened > STABLE_SECONDS:
                attempt = 0  # back off afresh only after a connection that lasted (not after a 4503)
            opened = None
            delay = min(self.backoff_max, self.backoff_initial * 2**attempt)
            attempt += 1
            self._set_state("reconnecting")
            await asyncio.sleep(random.uniform(0, delay))  # full jitter: spread a herd of reconnects

    async def _resume(self, ws: ClientConnection) -> None:
        for stream, seq in self.last_seq.items():
            await ws.send(json.dumps({"type": "subscribe", "stream": stream, "since": seq, "ref": f"s:{stream}"}))
        for frame in list(self._pending_sends.values()):
            await ws.send(json.dumps(frame))

    def _fail_waiters(self, error: Exception) -> None:
        for waiters in (self._sub_waiters, self._ack_waiters, self._ref_waiters):
            for future in waiters.values():
                if not future.done():
                    future.set_exception(error)

    # --- frames -----------------------------------------------------------------------------

    def _on_frame(self, frame: dict[str, Any]) -> None:
        kind = frame.get("type")
        if kind == "event":
            self._on_event(frame)
        elif kind in EPHEMERAL_TYPES:
            if self.ephemeral.full():
                self.ephemeral.get_nowait()
            self.ephemeral.put_nowait(frame)
        elif kind == "subscribed":
            stream = frame["stream"]
            last = self.last_seq.get(stream)
            if last is None or frame["seq"] < last:  # fresh subscription, or the stream was reset
                self.last_seq[stream] = frame["seq"]
            self._resolve(self._sub_waiters, stream, frame)
        elif kind == "ack":
            self._pending_sends.pop(frame["cid"], None)
            self._resolve(self._ack_waiters, frame["cid"], frame)
        elif kind == "error":
            if frame.get("cid") and frame["cid"] in self._ack_waiters:
                self._pending_sends.pop(frame["cid"], None)
                self._resolve(self._ack_waiters, frame["cid"], frame)
            elif isinstance(frame.get("ref"), str) and frame["ref"].startswith("s:"):
                stream = frame["ref"][2:]
                self.last_seq.pop(stream, None)
                self._resolve(self._sub_waiters, stream, frame)
            elif str(frame.get("ref")) in self._ref_waiters:
                self._resolve(self._ref_waiters, str(frame["ref"]), frame)
            else:
                if frame.get("code") == "forbidden" and frame.get("stream") is not None:
                    self.last_seq.pop(frame["stream"], None)  # access was taken away: not resumed
                self.errors.append(frame)
        elif frame.get("ref") is not None and str(frame["ref"]) in self._ref_waiters:
            self._resolve(self._ref_waiters, str(frame["ref"]), frame)

    def _on_event(self, frame: dict[str, Any]) -> None:
        stream, seq = frame["stream"], frame["seq"]
        last = self.last_seq.get(stream, 0) or 0
        if stream not in self.last_seq or seq <= last:
            self.duplicates_dropped += 1
            return
        if seq != last + 1:
            logger.warning("gap on %s: %d after %d", stream, seq, last)
        self.last_seq[stream] = seq
        self.events.put_nowait(frame)

    @staticmethod
    def _resolve(waiters: dict[str, asyncio.Future[dict[str, Any]]], key: str, frame: dict[str, Any]) -> None:
        future = waiters.pop(key, None)
        if future is not None and not future.done():
            future.set_result(frame)

    async def _send_frame(self, frame: dict[str, Any]) -> None:
        ws = self._ws
        if ws is None:
            return  # sent on reconnect (subscriptions and sends are replayed by _resume)
        with contextlib.suppress(websockets.exceptions.ConnectionClosed):
            await ws.send(json.dumps(frame))

    @staticmethod
    def _checked(frame: dict[str, Any]) -> dict[str, Any]:
        if frame.get("type") == "error":
            raise RealtimeError(frame)
        return frame

    # --- requests ---------------------------------------------------------------------------

    async def subscribe(self, stream: str, since: int | None = None, *, timeout: float = 30) -> int:
        """Subscribe (resuming after ``since`` when given); the stream's latest seq."""
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._sub_waiters[stream] = future
        self.last_seq[stream] = since
        await self._send_frame({"type": "subscribe", "stream": stream, "since": since, "ref": f"s:{stream}"})
        return int(self._checked(await asyncio.wait_for(future, timeout))["seq"])

    async def unsubscribe(self, stream: str, *, timeout: float = 30) -> None:
        self.last_seq.pop(stream, None)
        await self.request({"type": "unsubscribe", "stream": stream}, timeout=timeout)

    async def send(
        self,
        stream: str,
        body: dict[str, Any],
        *,
        cid: str | None = None,
        timeout: float = 60,
        wait_rate_limited: bool = True,
    ) -> int:
        """Store ``body`` on ``stream`` exactly once, across reconnects; its seq.

        A ``rate_limited`` answer is waited out and retried with the same cid, unless
        ``wait_rate_limited`` is false: then it raises :class:`RealtimeError` (its ``frame``
        carries ``retry_after``).
        """
        cid = cid or uuid.uuid4().hex
        frame = {"type": "send", "stream": stream, "cid": cid, "body": body}
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            future: asyncio.Future[dict[str, Any]] = loop.create_future()
            self._ack_waiters[cid] = future
            self._pending_sends[cid] = frame
            await self._send_frame(frame)
            reply = await asyncio.wait_for(future, max(0.001, deadline - loop.time()))
            if reply.get("type") == "error" and reply.get("code") == "rate_limited" and wait_rate_limited:
                await asyncio.sleep(float(reply.get("retry_after") or 0.1))
                continue
            return int(self._checked(reply)["seq"])

    async def request(self, frame: dict[str, Any], *, timeout: float = 30) -> dict[str, Any]:
        """Send a frame (a feature command, a ping…) and wait for the reply with its ref."""
        ref = f"r:{next(self._refs)}"
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._ref_waiters[ref] = future
        await self._send_frame({**frame, "ref": ref})
        return self._checked(await asyncio.wait_for(future, timeout))

    async def command(self, type_: str, stream: str, *, timeout: float = 30, **arguments: Any) -> Any:
        return (await self.request({"type": type_, "stream": stream, **arguments}, timeout=timeout)).get("data")

    async def ping(self, *, timeout: float = 30) -> None:
        await self.request({"type": "ping"}, timeout=timeout)

    async def typing(self, stream: str, active: bool = True) -> None:
        await self._send_frame({"type": "typing", "stream": stream, "active": active})

    async def next_event(self, *, timeout: float | None = 30) -> dict[str, Any]:
        return await asyncio.wait_for(self.events.get(), timeout)
