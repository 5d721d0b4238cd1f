"""Fan-out through the realtime gateway: N subscribers on one stream, a publisher sending M events.

    .venv/bin/python bench/fanout.py                         # 100, 1,000, 5,000 subscribers
    .venv/bin/python bench/fanout.py --clients 1000 --layers pubsub,bare --events 200
    .venv/bin/python bench/fanout.py --clients 1000 --layers pubsub,pubsub+batch,bare   # with and without batches

For each layer and each N it starts the web processes (two Daphne processes on Redis; one for the
in-memory layer, which cannot cross processes), connects N authenticated clients split across
them, subscribes them all to one stream, and measures:

* memory per idle connection: growth of the servers' RSS from a warm start to N idle,
  authenticated, subscribed sockets, divided by N;
* latency of one event: ``--single`` events one at a time (each waits until every subscriber has
  it); the time from the publisher's send to each delivery, p50/p95/p99 over all deliveries;
* sustained fan-out: ``--events`` events sent as fast as the gateway acks them (a window of 32
  in flight); deliveries per second from the first send to the last delivery, and the latency
  of those deliveries;
* CPU per delivery while sustained: the servers' user + system time (``srv µs/d``, all server
  processes together) and this process's (``cli µs/d``), divided by the deliveries. On a machine
  shared with other work, rates and latencies move with the load; CPU time per delivery moves
  far less, so it is the figure to compare across runs. ``--py-spy DIR`` samples the gateway
  servers with py-spy during this phase (raw collapsed stacks, one file per server).

A layer named with ``+batch`` (``pubsub+batch``) runs the same gateway with subscribers that
ask for batches (``/ws/?batch=1``, docs/protocol.md): each event inside a ``batch`` frame counts
as one delivery, with its own latency; ``ev/msg`` is the events per WebSocket message received.

In the same run it measures a bare ``websockets`` broadcast server doing the same work (two
processes, the publisher sends each message to both, each broadcasts to its half): the ceiling
for Python on this machine. ``--server uvicorn`` runs the gateway under uvicorn instead of Daphne.

The publisher, the clients and the servers share the machine; clients are plain ``websockets``
connections, parsing each frame, so at thousands of clients the client process itself takes a
large part of the CPU. Numbers are comparable within one run, noisy across runs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import secrets
import shutil
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.processes import cpu_seconds, free_port, rss_kib, wait_port  # noqa: E402
from realtime.client import origin_for  # noqa: E402

VAR = ROOT / "var" / "bench-fanout"
STREAM = "bench.room:1"


# --- The ASGI application the bench servers run: the project's, plus a bench stream kind -------


def _register_bench_kind() -> None:
    from typing import Literal

    from members.access import Actor, require_member
    from realtime.events import Event
    from realtime.registry import StreamKind, register

    class Tick(Event):
        type: Literal["bench.tick"] = "bench.tick"
        t: float
        i: int

    def authorise(actor: Actor, stream_id: str) -> None:
        require_member(actor)

    def on_send(actor: Actor, stream_id: str, body: dict[str, Any]) -> Event:
        return Tick(t=float(body["t"]), i=int(body["i"]))

    register(StreamKind(name="bench.room", authorise=authorise, on_send=on_send))


def __getattr__(name: str) -> Any:
    # ``daphne bench.fanout:application`` imports this module; Django starts only then.
    if name == "application":
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "web.settings")
        from web.asgi import application

        _register_bench_kind()
        return application
    raise AttributeError(name)


# --- Data: members and sessions, made directly (argon2 for 5,000 logins would take minutes) -----


def server_env(extra: dict[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DEBUG": "1",
            "SECRET_KEY": "bench-only-secret",
            "EPA_VAR_DIR": str(VAR),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "LOG_LEVEL": "WARNING",
            "REALTIME_SEND_RATE": "100000,100000",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.pop("DATABASE_URL", None)
    env.update(extra)
    return env


def prepare_sessions(count: int) -> list[str]:
    """``count`` members with a session each (plus one publisher); their session keys."""
    os.environ.update({k: v for k, v in server_env({}).items() if k in {"DEBUG", "SECRET_KEY", "EPA_VAR_DIR"}})
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "web.settings")
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from members.models import Member, Organisation, OrgKind

    call_command("migrate", verbosity=0)
    User = get_user_model()
    org = Organisation.objects.filter(code="BENCH").first()
    if org is None:
        org = Organisation.objects.create(name="bench", code="BENCH", kind=OrgKind.BRANCH, path="")
        org.path = f"/{org.pk}/"
        org.save(update_fields=["path"])
    have = User.objects.filter(username__startswith="bench").count()
    if have < count:
        with transaction.atomic():
            users = User.objects.bulk_create(
                [User(username=f"bench{i}", password="!") for i in range(have, count)], batch_size=1000
            )
            Member.objects.bulk_create(
                [Member(user=u, real_name=u.username, organisation=org) for u in users], batch_size=1000
            )
    store = SessionStore()
    expire = timezone.now() + timezone.timedelta(days=1)
    keys: list[str] = []
    sessions = []
    for user in User.objects.filter(username__startswith="bench").order_by("pk")[:count]:
        key = secrets.token_hex(16)
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
        sessions.append(Session(session_key=key, session_data=store.encode(data), expire_date=expire))
        keys.append(key)
    Session.objects.all().delete()
    Session.objects.bulk_create(sessions, batch_size=1000)
    return keys


# --- Processes --------------------------------------------------------------------------------


def start_server(kind: str, env: dict[str, str], server: str) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    (VAR / "logs").mkdir(parents=True, exist_ok=True)
    log = (VAR / "logs" / f"{kind}-{port}.log").open("wb")
    if kind == "bare":
        cmd = [sys.executable, str(Path(__file__).resolve()), "--bare-server", str(port)]
    elif server == "uvicorn":
        cmd = [
            sys.executable,
            "-m",
            "uvicorn",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
            "--ws",
            "websockets",
            "bench.fanout:application",
        ]
    elif os.environ.get("BENCH_PROFILE"):
        # Daphne under cProfile; the profile is written when the server stops (SIGTERM).
        cmd = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--profile-daphne",
            str(VAR / f"daphne-{port}.prof"),
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "bench.fanout:application",
        ]
    else:
        # Thousands of clients connect at once: on a loaded machine the last handshakes wait
        # longer than Daphne's default 5 s (WSREJECT); they are not what is measured.
        cmd = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "--websocket_connect_timeout", "60"]
        cmd.append("bench.fanout:application")
    process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    wait_port(port, process, logs=VAR / "logs")
    return process, port


def start_py_spy(out_dir: str | None, label: str, servers: list[subprocess.Popen[bytes]]) -> list[Any]:
    """Sample the servers with py-spy (when asked) while the sustained phase runs."""
    if not out_dir:
        return []
    binary = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    return [
        subprocess.Popen(
            [
                binary,
                "record",
                "--format",
                "raw",
                "--rate",
                "250",
                "--pid",
                str(server.pid),
                "--output",
                str(Path(out_dir) / f"{label}-{server.pid}.txt"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for server in servers
    ]


def stop_py_spy(spies: list[Any]) -> None:
    for spy in spies:
        spy.send_signal(signal.SIGINT)  # py-spy writes its samples when interrupted
    for spy in spies:
        with contextlib.suppress(subprocess.TimeoutExpired):
            spy.wait(30)


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --- The bare ceiling: a websockets broadcast server ----------------------------------------------


async def bare_server(port: int) -> None:
    import websockets
    from websockets.asyncio.server import ServerConnection, broadcast, serve

    subscribers: set[ServerConnection] = set()

    async def handler(ws: ServerConnection) -> None:
        first = await ws.recv()
        if first == "publish":
            async for message in ws:
                broadcast(subscribers, message)
                await ws.send("ack")
        else:
            subscribers.add(ws)
            await ws.send("subscribed")
            with contextlib.suppress(websockets.ConnectionClosed):
                await ws.wait_closed()
            subscribers.discard(ws)

    async with serve(handler, "127.0.0.1", port, compression=None, max_queue=None):
        await asyncio.Future()


# --- Clients ------------------------------------------------------------------------------------


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    delivered: int = 0
    messages: int = 0  # WebSocket messages that carried events
    last_delivery: float = 0.0
    errors: int = 0


async def subscriber(url: str, session: str | None, stats: Stats, ready: asyncio.Event, stop: asyncio.Event) -> Any:
    import websockets

    headers = {"Cookie": f"sessionid={session}"} if session else None
    ws = await websockets.connect(
        url,
        origin=origin_for(url),  # type: ignore[arg-type]
        additional_headers=headers,
        compression=None,  # type: ignore[arg-type]
        max_size=None,
        open_timeout=60,
        ping_interval=None,
    )
    if session is None:
        await ws.send("subscribe")
        assert await ws.recv() == "subscribed"
    else:
        await ws.send(json.dumps({"type": "subscribe", "stream": STREAM, "since": None}))
        reply = json.loads(await ws.recv())
        if reply.get("type") != "subscribed":
            raise RuntimeError(f"subscribe failed: {reply}")
    ready.set()

    async def reader() -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            async for message in ws:
                now = time.time()
                frame = json.loads(message)
                carried = False
                for one in frame["frames"] if frame.get("type") == "batch" else [frame]:
                    body = one.get("event", one)
                    if "t" in body:
                        stats.latencies.append(now - body["t"])
                        stats.delivered += 1
                        carried = True
                if carried:
                    stats.messages += 1
                    stats.last_delivery = now

    task = asyncio.create_task(reader())
    return ws, task


async def connect_all(urls: list[str], sessions: list[str] | None, n: int, stats: Stats) -> list[Any]:
    import websockets

    # Handshakes are bounded: each one loads the session, the user and the member on the
    # server's one database thread, and Daphne drops handshakes that take over 5 s.
    sem = asyncio.Semaphore(20)
    stop = asyncio.Event()

    async def one(i: int) -> Any:
        async with sem:
            session = sessions[i] if sessions else None
            for attempt in range(5):
                try:
                    return await subscriber(urls[i % len(urls)], session, stats, asyncio.Event(), stop)
                except (OSError, TimeoutError, websockets.exceptions.WebSocketException):
                    if attempt == 4:
                        raise
                    await asyncio.sleep(0.5 * 2**attempt)
            raise AssertionError("unreachable")

    return await asyncio.gather(*(one(i) for i in range(n)))


class Publisher:
    def __init__(self, urls: list[str], session: str | None) -> None:
        self.urls = urls
        self.session = session
        self.sockets: list[Any] = []
        self.acks: asyncio.Queue[None] = asyncio.Queue()
        self.readers: list[asyncio.Task[None]] = []

    async def open(self) -> None:
        import websockets

        targets = self.urls if self.session is None else self.urls[:1]  # the gateway publishes via Redis
        for url in targets:
            headers = {"Cookie": f"sessionid={self.session}"} if self.session else None
            ws = await websockets.connect(
                url,
                origin=origin_for(url),  # type: ignore[arg-type]
                additional_headers=headers,
                compression=None,  # type: ignore[arg-type]
                max_size=None,
                ping_interval=None,
            )
            if self.session is None:
                await ws.send("publish")
            self.sockets.append(ws)
            self.readers.append(asyncio.create_task(self._read(ws)))

    async def _read(self, ws: Any) -> None:
        import websockets

        with contextlib.suppress(websockets.ConnectionClosed):
            async for message in ws:
                if message == "ack" or '"ack"' in message[:20]:
                    self.acks.put_nowait(None)
                elif '"error"' in message[:20]:
                    print("publisher got", message, file=sys.stderr)
                    self.acks.put_nowait(None)

    async def publish(self, i: int) -> None:
        if self.session is None:
            text = json.dumps({"t": time.time(), "i": i})
            for ws in self.sockets:
                await ws.send(text)
        else:
            body = {"t": time.time(), "i": i}
            await self.sockets[0].send(
                json.dumps({"type": "send", "stream": STREAM, "cid": uuid.uuid4().hex, "body": body})
            )

    async def wait_acks(self, count: int) -> None:
        for _ in range(count * len(self.sockets) if self.session is None else count):
            await self.acks.get()

    async def close(self) -> None:
        for ws in self.sockets:
            await ws.close()
        for task in self.readers:
            task.cancel()


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def wait_delivered(stats: Stats, target: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while stats.delivered < target:
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.005)
    return True


@dataclass
class Result:
    layer: str
    clients: int
    mem_kib_per_conn: float
    single_p50: float
    single_p95: float
    single_p99: float
    rate: float
    load_p50: float
    load_p99: float
    complete: bool
    connect_s: float
    server_cpu_us: float  # server CPU time per delivery while sustained (all server processes)
    client_cpu_us: float  # this process's CPU time per delivery while sustained
    per_message: float  # events per WebSocket message while sustained


async def measure(spec: str, n: int, sessions: list[str], args: argparse.Namespace) -> Result:
    layer, _, option = spec.partition("+")
    if layer not in ("memory", "core", "pubsub", "bare") or option not in ("", "batch") or (option and layer == "bare"):
        raise SystemExit(f"unknown layer {spec!r}")
    env_extra: dict[str, str] = {}
    count = 2
    if layer == "memory":
        count = 1
    elif layer in ("core", "pubsub"):
        env_extra = {
            "REDIS_URL": args.redis_url,
            "REDIS_CHANNEL_LAYER": layer,
            "REDIS_PREFIX": f"bench-{uuid.uuid4().hex[:8]}",
        }
    kind = "bare" if layer == "bare" else "gateway"
    servers = [start_server(kind, server_env(env_extra), args.server) for _ in range(count)]
    urls = [f"ws://127.0.0.1:{port}/ws/" for _, port in servers]
    subscriber_urls = [f"{url}?batch=1" for url in urls] if option else urls
    session_of = None if layer == "bare" else sessions
    stats = Stats()
    publisher = Publisher(urls, None if layer == "bare" else sessions[-1])
    clients: list[Any] = []
    try:
        # Warm up (imports, first DB connections, thread pool), then measure growth from there.
        warm = await connect_all(urls, session_of, 4 * len(urls), Stats())
        for ws, task in warm:
            await ws.close()
            task.cancel()
        await asyncio.sleep(1.0)
        before = sum(rss_kib(p.pid) for p, _ in servers)
        started = time.perf_counter()
        clients = await connect_all(subscriber_urls, session_of, n, stats)
        connect_s = time.perf_counter() - started
        await asyncio.sleep(2.0)
        after = sum(rss_kib(p.pid) for p, _ in servers)
        mem = (after - before) / n
        await publisher.open()

        # One event at a time.
        for i in range(args.single):
            target = stats.delivered + n
            await publisher.publish(i)
            await publisher.wait_acks(1)
            await wait_delivered(stats, target, 60)
            await asyncio.sleep(0.05)
        single = list(stats.latencies)

        # Sustained: a window of 32 sends in flight.
        stats.latencies.clear()
        m = args.events or max(20, 100_000 // n)
        base = stats.delivered
        base_messages = stats.messages
        window = asyncio.Semaphore(32)
        first_send = time.time()
        server_cpu = sum(cpu_seconds(p.pid) for p, _ in servers)
        client_cpu = own_cpu_seconds()

        async def acks() -> None:
            for _ in range(m):
                await publisher.wait_acks(1)
                window.release()

        ack_task = asyncio.create_task(acks())
        spies = start_py_spy(args.py_spy, f"{spec}-{n}", [p for p, _ in servers]) if kind == "gateway" else []
        for i in range(m):
            await window.acquire()
            await publisher.publish(10_000 + i)
        await ack_task
        complete = await wait_delivered(stats, base + n * m, 120)
        server_cpu = sum(cpu_seconds(p.pid) for p, _ in servers) - server_cpu
        client_cpu = own_cpu_seconds() - client_cpu
        stop_py_spy(spies)
        elapsed = max(1e-9, stats.last_delivery - first_send)
        delivered = max(1, stats.delivered - base)
        rate = delivered / elapsed
        return Result(
            spec,
            n,
            mem,
            pct(single, 0.5),
            pct(single, 0.95),
            pct(single, 0.99),
            rate,
            pct(stats.latencies, 0.5),
            pct(stats.latencies, 0.99),
            complete,
            connect_s,
            server_cpu / delivered * 1e6,
            client_cpu / delivered * 1e6,
            delivered / max(1, stats.messages - base_messages),
        )
    finally:
        await publisher.close()
        for ws, task in clients:
            task.cancel()
            with contextlib.suppress(Exception):
                await ws.close()
        for process, _ in servers:
            process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(10)
            if process.poll() is None:
                process.kill()


def raise_fd_limit(needed: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(needed, soft)), hard))


async def main(args: argparse.Namespace, sessions: list[str]) -> None:
    layers = args.layers.split(",")
    print(
        f"# {time.strftime('%Y-%m-%d %H:%M')}; {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}; "
        f"server: {args.server}; layers: {layers}; clients: {args.clients}",
        flush=True,
    )
    header = (
        f"{'layer':<12} {'clients':>7} {'KiB/conn':>9} {'1-ev p50':>9} {'p95':>7} {'p99':>7} "
        f"{'deliv/s':>9} {'load p50':>9} {'p99':>7} {'srv µs/d':>8} {'cli µs/d':>8} {'ev/msg':>6} "
        f"{'connect s':>9} ok  load"
    )
    print(header, flush=True)
    for n in args.clients:
        for layer in layers:
            r = await measure(layer, n, sessions, args)
            print(
                f"{r.layer:<12} {r.clients:>7} {r.mem_kib_per_conn:>9.1f} {r.single_p50:>9.1f} {r.single_p95:>7.1f} "
                f"{r.single_p99:>7.1f} {r.rate:>9.0f} {r.load_p50:>9.1f} {r.load_p99:>7.1f} "
                f"{r.server_cpu_us:>8.1f} {r.client_cpu_us:>8.1f} {r.per_message:>6.1f} {r.connect_s:>9.1f} "
                f"{'yes' if r.complete else 'NO':<3} {os.getloadavg()[0]:5.1f}",
                flush=True,
            )


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=lambda s: [int(x) for x in s.split(",")], default=[100, 1000, 5000])
    parser.add_argument("--layers", default="memory,core,pubsub,bare")
    parser.add_argument("--events", type=int, default=0, help="sustained events (default: 100,000 / clients)")
    parser.add_argument("--single", type=int, default=20, help="one-at-a-time events for the latency figure")
    parser.add_argument("--server", choices=["daphne", "uvicorn"], default="daphne")
    parser.add_argument("--py-spy", metavar="DIR", help="sample the gateway servers with py-spy while sustained")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0")
    parser.add_argument("--bare-server", type=int, help=argparse.SUPPRESS)
    return parser.parse_args()


def profile_daphne(out: str, daphne_args: list[str]) -> None:
    import cProfile

    from daphne.cli import CommandLineInterface

    profiler = cProfile.Profile()
    profiler.enable()
    try:
        CommandLineInterface().run(daphne_args)
    finally:
        profiler.disable()
        profiler.dump_stats(out)


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--profile-daphne":
        profile_daphne(sys.argv[2], sys.argv[3:])
        sys.exit(0)
    arguments = parse()
    if arguments.bare_server:
        asyncio.run(bare_server(arguments.bare_server))
    else:
        if shutil.which("redis-server") is None and "core" in arguments.layers:
            print("note: no redis-server on PATH; Redis layers need --redis-url", file=sys.stderr)
        raise_fd_limit(max(arguments.clients) * 2 + 1000)
        session_keys = prepare_sessions(max(arguments.clients) + 1)
        asyncio.run(main(arguments, session_keys))
