"""Fixtures for the gateway's tests: a stream kind of their own, sockets on the real ASGI app."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pytest
import redis
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.conf import LazySettings, settings
from django.test import Client

from kernel import ratelimit
from members.models import Member
from realtime.hub import hub_close
from tests.conftest import MemberFactory, OrgTree
from tests.live import ROOT
from tests.realtime.kinds import register_test_kinds, unregister_test_kinds
from tests.services import free_port

ORIGIN = b"http://testserver"


@pytest.fixture(autouse=True)
def realtime_isolation(settings: LazySettings) -> Iterator[None]:
    """A stream kind of the tests' own, a fresh channel layer, and Redis keys nobody else uses."""
    prefix = f"t{os.getpid()}-{uuid.uuid4().hex[:8]}"
    settings.REDIS_PREFIX = prefix
    if settings.REDIS_URL:
        settings.CHANNEL_LAYERS = {
            "default": {
                "BACKEND": settings.CHANNEL_LAYERS["default"]["BACKEND"],
                "CONFIG": {"hosts": [settings.REDIS_URL], "prefix": f"{prefix}:layer"},
            }
        }
    channel_layers.backends = {}
    ratelimit.reset_local()
    register_test_kinds()
    yield
    unregister_test_kinds()
    channel_layers.backends = {}


@pytest.fixture
def people(transactional_db: None, org_tree: OrgTree, member_factory: MemberFactory) -> dict[str, Member]:
    return {
        "alice": member_factory(org_tree.branch_a, username=f"alice{uuid.uuid4().hex[:6]}"),
        "bob": member_factory(org_tree.branch_a, username=f"bob{uuid.uuid4().hex[:6]}"),
        "carol": member_factory(org_tree.branch_b, username=f"carol{uuid.uuid4().hex[:6]}"),
    }


@pytest.fixture
def cookies(people: dict[str, Member]) -> dict[str, str]:
    """Session cookies made the way a browser gets them (a real login session)."""
    jar = {}
    for name, member in people.items():
        client = Client()
        client.force_login(member.user)
        jar[name] = client.cookies["sessionid"].value
    return jar


@pytest.fixture
def room() -> str:
    """A stream id unique to the test, so runs sharing one Redis never see each other's events."""
    return uuid.uuid4().hex[:12]


def application() -> Any:
    from web.asgi import application as app

    return app


Connect = Callable[..., Awaitable[WebsocketCommunicator]]


@pytest.fixture
async def connect() -> AsyncIterator[Connect]:
    """Open sockets on the real ASGI application; every one is disconnected at the end."""
    opened: list[WebsocketCommunicator] = []

    async def open_socket(
        session: str | None = None,
        *,
        origin: bytes = ORIGIN,
        app: Any = None,
        expect_open: bool = True,
        language: str | None = None,
        path: str = "/ws/",
    ) -> WebsocketCommunicator:
        headers = [(b"origin", origin), (b"host", b"testserver")]
        if session is not None:
            language_cookie = f"; {settings.LANGUAGE_COOKIE_NAME}={language}" if language else ""
            headers.append((b"cookie", f"sessionid={session}{language_cookie}".encode()))
        comm = WebsocketCommunicator(app or application(), path, headers=headers)
        opened.append(comm)
        connected, _ = await comm.connect(timeout=10)
        if expect_open:
            assert connected
        return comm

    yield open_socket
    for comm in opened:
        try:
            await comm.disconnect(timeout=5)
        except Exception:  # already closed by the server
            pass
    await hub_close()  # bounded: left to the loop's own teardown, a hung layer clean-up hangs the test


async def recv(comm: WebsocketCommunicator, *, skip: tuple[str, ...] = ("presence", "typing")) -> dict[str, Any]:
    """The next frame, skipping ephemeral ones unless asked for."""
    while True:
        frame: dict[str, Any] = await comm.receive_json_from(timeout=10)
        if frame["type"] not in skip:
            return frame


async def recv_events(comm: WebsocketCommunicator, count: int) -> list[dict[str, Any]]:
    return [await recv(comm) for _ in range(count)]


async def request(comm: WebsocketCommunicator, frame: dict[str, Any]) -> dict[str, Any]:
    await comm.send_json_to(frame)
    return await recv(comm)


async def until(condition: Callable[[], bool], what: str, *, timeout: float = 60) -> None:
    """Poll ``condition``; the deadline only turns a hang into a failure that says what."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, what
        await asyncio.sleep(0.05)


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
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if redis.Redis(port=port, socket_connect_timeout=0.5).ping():
                return
        except redis.RedisError:
            time.sleep(0.1)
    raise RuntimeError(f"redis-server on {port} did not start")
