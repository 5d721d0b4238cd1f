"""The lesson relay under load: one lecturer stream relayed to 10 … 200 viewers.

    .venv/bin/python bench/lesson_relay.py                          # 10, 50, 100, 200 viewers
    .venv/bin/python bench/lesson_relay.py --viewers 50 --modes shared --window 20

One lecturer publishes a 640x360, 15 fps synthetic camera (a moving test pattern with noise, so
the encoder has real work and the stream its real bitrate) and a 440 Hz tone, through the real
gateway (Daphne) and a separate media worker process on Redis. Viewers run in separate
processes (``--processes``), so the worker's cost is measured alone. A bench viewer is a real
aiortc peer (ICE, DTLS, the SRTP key exchange, RTCP) that receives every packet but neither
decrypts nor decodes: it counts complete frames from the RTP headers, which SRTP leaves in clear
(every sequence number up to the frame's marker bit arrived), so that 200 clients fit on the
same two cores as the server.

For each viewer count and mode it prints the worker's CPU seconds per second (user + system,
all threads, over the measuring window), its resident memory, the per-viewer video frame rate
(minimum and median over viewers) and the join-to-first-frame time (from asking to join to the
first complete frame; median and maximum). Modes:

* ``shared``: the relay as built (each published track decoded once, encoded once, the same
  packets handed to every viewer's sender);
* ``baseline``: plain aiortc ``MediaRelay`` semantics - every viewer's sender gets the raw
  decoded frames and encodes them itself (frames converted to yuv420p once before fan-out).
  The baseline stops growing once its frame rate has collapsed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fractions
import json
import math
import os
import random
import secrets
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import relay_trace  # noqa: E402
from bench.processes import cpu_seconds, free_port, rss_kib, wait_port  # noqa: E402

VAR = ROOT / "var" / "bench-lesson"
FPS = 15
TRACE = bool(os.environ.get("BENCH_TRACE"))
WIDTH, HEIGHT = 640, 360


def django_env(redis_url: str, prefix: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DEBUG": "1",
            "SECRET_KEY": "bench-only-secret",
            "EPA_VAR_DIR": str(VAR),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "LOG_LEVEL": "WARNING",
            "REDIS_URL": redis_url,
            "REDIS_PREFIX": prefix,
            "MEDIA_WORKER": "external",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.pop("DATABASE_URL", None)
    return env


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "web.settings")
    import django

    django.setup()


# --- Data ----------------------------------------------------------------------------------------


def prepare(viewers: int) -> dict[str, Any]:
    """A live lesson with its lecturer and ``viewers`` invited members, each with a session."""
    import datetime as dt

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.utils import timezone

    from meetings import lifecycle, services
    from meetings.models import MeetingKind
    from members.access import actor_from_member
    from members.models import Member, Organisation, OrgKind, Role, RoleKind

    call_command("migrate", verbosity=0)
    user_model = get_user_model()
    code = f"B{secrets.token_hex(3)}"
    org = Organisation.objects.create(name="党课测试支部", code=code, kind=OrgKind.BRANCH, path="")
    org.path = f"/{org.pk}/"
    org.save(update_fields=["path"])
    users = user_model.objects.bulk_create(
        [user_model(username=f"lesson{org.pk}-{i}", password="!") for i in range(viewers + 1)]
    )
    members = Member.objects.bulk_create(
        [Member(user=u, real_name=f"党员{i}", organisation=org) for i, u in enumerate(users)]
    )
    lecturer = members[0]
    Role.objects.create(member=lecturer, organisation=org, kind=RoleKind.SECRETARY)
    Role.objects.create(member=lecturer, organisation=org, kind=RoleKind.LECTURER)
    actor = actor_from_member(lecturer)
    start = timezone.now()
    meeting = services.meeting_schedule(
        by=actor, organisation=org, kind=MeetingKind.LESSON, title="网络党课（压测）",
        starts_at=start, ends_at=start + dt.timedelta(hours=2), agenda=[],
    )  # fmt: skip
    lifecycle.meeting_start(by=actor, meeting=meeting)
    keys = []
    for user in users:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.set_expiry(timezone.now() + dt.timedelta(days=1))
        store.create()
        keys.append(store.session_key)
    return {"meeting": meeting.pk, "lecturer": keys[0], "viewers": keys[1:]}


# --- Processes -----------------------------------------------------------------------------------


def spawn(role: str, env: dict[str, str], *args: str, log: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, __file__, "--role", role, *args],
        cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=(VAR / log).open("w"), text=True,
    )  # fmt: skip


def read_json(process: subprocess.Popen[str], timeout: float) -> dict[str, Any]:
    import selectors

    assert process.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not selector.select(left):
            raise TimeoutError(f"no answer from {process.args}")
        line = process.stdout.readline()
        if not line:
            raise RuntimeError(f"{process.args} ended")
        line = line.strip()
        if line.startswith("{"):
            return dict(json.loads(line))


def tell(process: subprocess.Popen[str], text: str) -> None:
    assert process.stdin is not None
    process.stdin.write(text + "\n")
    process.stdin.flush()


# --- Roles: worker (baseline), lecturer, viewers -------------------------------------------------


def run_worker(mode: str) -> None:
    """The media worker; in ``baseline`` mode its fan-out hands viewers raw frames (MediaRelay)."""
    setup_django({})
    from meetings.media import fanout, peer, stage
    from meetings.media.signalling import worker_channel
    from meetings.media.worker import serve

    if mode == "baseline":
        import av

        class RawFanout(fanout.Fanout):
            """aiortc MediaRelay semantics: every subscriber gets every decoded frame."""

            async def _encode_loop(self) -> None:
                while not self.closed:
                    await self._ready.wait()
                    self._ready.clear()
                    if self.kind == "audio":
                        chunk, self._audio_backlog = self._audio_backlog, []
                        for sound in chunk:
                            for viewer in list(self.viewers):
                                viewer.offer(sound, True)  # type: ignore[arg-type]
                        continue
                    while self._frames:
                        _arrived, frame = self._frames.popleft()
                        if frame.format.name != "yuv420p":  # once, before fan-out
                            frame = frame.reformat(format="yuv420p")
                        for viewer in list(self.viewers):
                            viewer.offer(frame, True)  # type: ignore[arg-type]

        original_add_slot = peer.PeerSession._add_slot

        def add_slot(self: peer.PeerSession, kind: Any) -> Any:
            slot = original_add_slot(self, kind)
            del slot.transceiver.sender._send_keyframe  # the sender's own encoder honours PLI
            return slot

        stage.Fanout = RawFanout  # type: ignore[misc]
        peer.PeerSession._add_slot = add_slot  # type: ignore[method-assign]
        assert av
    if TRACE:
        relay_trace.rtcp()
        relay_trace.worker()

    async def run() -> None:
        if TRACE:
            relay_trace.start("worker")
        await serve(worker_channel(0))

    asyncio.run(run())


class PatternCamera:
    """640x360 at 15 fps: a moving gradient with noise blocks (a real encoder workload)."""

    def __new__(cls) -> Any:
        import av
        from aiortc import VideoStreamTrack

        class Camera(VideoStreamTrack):
            def __init__(self) -> None:
                super().__init__()
                self.n = 0
                self.noise = [bytes(random.getrandbits(8) for _ in range(WIDTH * 16)) for _ in range(8)]
                self.start: float | None = None

            async def recv(self) -> av.VideoFrame:
                if self.start is None:
                    self.start = time.monotonic()
                target = self.start + self.n / FPS
                await asyncio.sleep(max(0.0, target - time.monotonic()))
                frame = av.VideoFrame(WIDTH, HEIGHT, "yuv420p")
                y = bytearray(WIDTH * HEIGHT)
                shift = self.n * 4
                row = bytes((x + shift) % 256 for x in range(WIDTH))
                for r in range(HEIGHT):
                    y[r * WIDTH : (r + 1) * WIDTH] = row
                band = (self.n * 8) % (HEIGHT - 16)
                y[band * WIDTH : (band + 16) * WIDTH] = self.noise[self.n % 8]
                frame.planes[0].update(bytes(y))
                frame.planes[1].update(bytes([128]) * frame.planes[1].buffer_size)
                frame.planes[2].update(bytes([128]) * frame.planes[2].buffer_size)
                frame.pts = self.n * 6000
                frame.time_base = fractions.Fraction(1, 90000)
                self.n += 1
                return frame

        return Camera()


async def lecturer(url: str, session: str, meeting: int) -> None:
    from aiortc import AudioStreamTrack

    from meetings.media.client import RelayPeer
    from realtime.client import RealtimeClient, ws_url_for

    client = RealtimeClient(ws_url_for(url), session=session)
    await client.start()
    await client.command("meeting.lobby.enter", f"meeting.lobby:{meeting}")
    await client.subscribe(f"meeting:{meeting}")
    camera = PatternCamera()
    peer = RelayPeer(client, meeting, publish={"cam": camera, "mic": AudioStreamTrack()})
    if TRACE:
        relay_trace.rtcp()
        relay_trace.lecturer(camera, peer)
        relay_trace.start("lecturer")
    await peer.join()
    while peer.pc.connectionState != "connected":
        await asyncio.sleep(0.1)
    print(json.dumps({"ready": True}), flush=True)
    loop = asyncio.get_running_loop()
    while (await loop.run_in_executor(None, sys.stdin.readline)).strip() == "count":
        print(json.dumps({"frames": camera.n}), flush=True)
    await peer.leave()
    await client.close()


class FrameCount:
    """Complete video frames seen on one viewer's transport: a frame counts when every RTP
    sequence number from the previous frame's last packet (marker bit) to its own arrived."""

    def __init__(self) -> None:
        self.frames = 0
        self.first: float | None = None
        self.expected: int | None = None
        self.gap = True  # nothing before the first marker can be known complete

    def packet(self, seq: int, marker: bool) -> None:
        if self.expected is not None and seq != self.expected:
            self.gap = True
        self.expected = (seq + 1) & 0xFFFF
        if marker:
            if not self.gap:
                self.frames += 1
                if self.first is None:
                    self.first = time.monotonic()
            self.gap = False


def count_frames_without_decrypting(patch: Any = setattr) -> Any:
    """Make this process's aiortc peers count complete video frames from the RTP headers instead
    of decrypting, depacketising and decoding them (SRTP leaves the RTP header in clear). ICE,
    DTLS, the SRTP key exchange, RTCP and every packet's reception stay real. Returns the
    registry (transport → FrameCount) a viewer fills once its peer connection exists. ``patch``
    sets the class attributes (a test passes ``monkeypatch.setattr``, which puts them back)."""
    import weakref

    from aiortc.rtcdtlstransport import RTCDtlsTransport

    counters: weakref.WeakKeyDictionary[Any, FrameCount] = weakref.WeakKeyDictionary()

    class Headers:
        def __init__(self, real: Any) -> None:
            self.real = real

        def unprotect(self, data: bytes) -> bytes:
            return data

        def unprotect_rtcp(self, data: bytes) -> bytes:
            return bytes(self.real.unprotect_rtcp(data))

    def get_rx(self: Any) -> Any:
        return self.__dict__.get("_bench_rx_srtp")

    def set_rx(self: Any, value: Any) -> None:
        self.__dict__["_bench_rx_srtp"] = Headers(value) if value is not None else None

    async def handle_rtp(self: Any, data: bytes, arrival_time_ms: int) -> None:
        counter = counters.get(self)
        if counter is None or len(data) < 12:
            return
        video = self.__dict__.setdefault("_bench_video_pts", set())
        pt = data[1] & 0x7F
        if pt not in video:
            receivers = self._rtp_router.payload_type_table.get(pt, ())
            if not any(r.track.kind == "video" for r in receivers):
                return
            video.add(pt)
        counter.packet(int.from_bytes(data[2:4], "big"), bool(data[1] & 0x80))

    patch(RTCDtlsTransport, "_rx_srtp", property(get_rx, set_rx))
    patch(RTCDtlsTransport, "_handle_rtp_data", handle_rtp)
    return counters


async def viewers(url: str, sessions: list[str], meeting: int) -> None:
    from meetings.media.client import RelayPeer
    from realtime.client import RealtimeClient, ws_url_for

    registry = count_frames_without_decrypting()
    counts = [FrameCount() for _ in sessions]
    asked_at: list[float] = [0.0] * len(sessions)
    peers: list[RelayPeer] = []

    async def watch(peer: RelayPeer, counter: FrameCount) -> None:
        await peer.track("cam", timeout=120)  # the offer is answered: the transport exists
        registry[peer.pc.getTransceivers()[0].receiver.transport] = counter

    async def one(i: int, session: str) -> None:
        await asyncio.sleep(i * 0.05)  # a realistic arrival spread, not one burst
        client = RealtimeClient(ws_url_for(url), session=session)
        await client.start()
        await client.command("meeting.lobby.enter", f"meeting.lobby:{meeting}")
        await client.subscribe(f"meeting:{meeting}")
        peer = RelayPeer(client, meeting)
        peers.append(peer)
        asked_at[i] = time.monotonic()
        await peer.join()
        await watch(peer, counts[i])

    tasks = [asyncio.ensure_future(one(i, s)) for i, s in enumerate(sessions)]
    deadline = time.monotonic() + 120
    while any(c.first is None for c in counts) and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    first = [c.first - asked if c.first is not None else None for c, asked in zip(counts, asked_at, strict=True)]
    print(json.dumps({"ready": True, "first_frame": first}), flush=True)
    loop = asyncio.get_running_loop()
    window = float(await loop.run_in_executor(None, sys.stdin.readline))
    before = [c.frames for c in counts]
    await asyncio.sleep(window)
    rates = [(c.frames - b) / window for c, b in zip(counts, before, strict=True)]
    # A late joiner, and a viewer recovering from a dropped link, is the same thing to the relay:
    # a fresh connection into a running lesson. Time it from the request to the first frame.
    rejoin: float | None = None
    if peers:
        peer, fresh = peers[0], FrameCount()
        asked = time.monotonic()
        await peer.rejoin()
        await watch(peer, fresh)
        while fresh.first is None and time.monotonic() < asked + 60:
            await asyncio.sleep(0.01)
        rejoin = fresh.first - asked if fresh.first is not None else None
    print(json.dumps({"rates": rates, "rejoin": rejoin}), flush=True)
    await loop.run_in_executor(None, sys.stdin.readline)
    for peer in peers:
        with contextlib.suppress(Exception):
            await peer.leave()
            await peer.client.close()
    for task in tasks:
        task.cancel()


# --- The run -------------------------------------------------------------------------------------


def measure(mode: str, counts: list[int], data: dict[str, Any], args: argparse.Namespace) -> list[dict[str, Any]]:
    prefix = f"bench-lesson-{secrets.token_hex(3)}"
    env = django_env(args.redis_url, prefix)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    daphne = ["-m", "daphne"] if not os.environ.get("BENCH_TRACE") else [__file__, "--role", "web"]
    web = subprocess.Popen(
        [sys.executable, *daphne, "-b", "127.0.0.1", "-p", str(port), "web.asgi:application"],
        cwd=ROOT, env=env, stdout=(VAR / "daphne.log").open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    worker = spawn("worker", env, "--mode", mode, log=f"worker-{mode}.log")
    teacher: subprocess.Popen[str] | None = None
    rows: list[dict[str, Any]] = []
    try:
        wait_port(port, web)
        time.sleep(1.0)
        teacher = spawn("lecturer", env, url, data["lecturer"], str(data["meeting"]), log="lecturer.log")
        read_json(teacher, 60)
        time.sleep(2.0)
        for n in counts:
            chosen = data["viewers"][:n]
            groups = [chosen[i :: args.processes] for i in range(args.processes)]
            groups = [g for g in groups if g]
            procs = [
                spawn("viewers", env, url, str(data["meeting"]), *g, log=f"viewers-{mode}-{n}-{i}.log")
                for i, g in enumerate(groups)
            ]
            try:
                firsts: list[float | None] = []
                for proc in procs:
                    firsts += read_json(proc, 180)["first_frame"]
                time.sleep(3.0)  # settle: keyframes, bitrate
                tell(teacher, "count")
                sent0 = read_json(teacher, 30)["frames"]
                cpu0, t0 = cpu_seconds(worker.pid), time.monotonic()
                load0 = sum(cpu_seconds(p.pid) for p in procs)
                for proc in procs:
                    tell(proc, str(args.window))
                rates: list[float] = []
                rejoins: list[float] = []
                for proc in procs:
                    answer = read_json(proc, args.window + 120)
                    rates += answer["rates"]
                    rejoins += [answer["rejoin"]] if answer["rejoin"] is not None else []
                elapsed = time.monotonic() - t0
                cpu = (cpu_seconds(worker.pid) - cpu0) / elapsed
                viewers_cpu = (sum(cpu_seconds(p.pid) for p in procs) - load0) / elapsed
                tell(teacher, "count")
                sent = (read_json(teacher, 30)["frames"] - sent0) / elapsed
                joined = [f for f in firsts if f is not None]
                row = {
                    "mode": mode, "viewers": n, "cpu": cpu, "rss": rss_kib(worker.pid) / 1024,
                    "fps_min": min(rates), "fps_median": statistics.median(rates), "sent_fps": sent,
                    "viewers_cpu": viewers_cpu, "load": os.getloadavg()[0],
                    "rejoin_max": max(rejoins) if rejoins else math.nan,
                    "first_median": statistics.median(joined) if joined else math.nan,
                    "first_max": max(joined) if joined else math.nan, "never": len(firsts) - len(joined),
                }  # fmt: skip
                rows.append(row)
                print(format_row(row), flush=True)
            finally:
                for proc in procs:
                    with contextlib.suppress(Exception):
                        tell(proc, "stop")
                for proc in procs:
                    try:
                        proc.wait(timeout=60)
                    except subprocess.TimeoutExpired:
                        proc.kill()
                time.sleep(3.0)  # the worker closes the departed viewers' connections
            if mode == "baseline" and rows[-1]["fps_median"] < FPS * 0.5:
                break  # collapsed: more viewers only take longer to show the same
    finally:
        for proc in (teacher, worker):
            if proc is not None and proc.poll() is None:
                with contextlib.suppress(Exception):
                    tell(proc, "stop")
                proc.terminate()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=20)
                if proc.poll() is None:
                    proc.kill()
        web.terminate()
        web.wait(timeout=20)
    return rows


def format_row(row: dict[str, Any]) -> str:
    return (
        f"{row['mode']:>8} {row['viewers']:>5} viewers: worker CPU {row['cpu']:.2f} s/s, RSS {row['rss']:.0f} MiB, "
        f"lecturer sends {row['sent_fps']:.1f} fps, fps min {row['fps_min']:.1f} median {row['fps_median']:.1f}, "
        f"viewer processes {row['viewers_cpu']:.2f} CPU s/s, load {row['load']:.1f}, "
        f"fresh connection to picture {row['rejoin_max']:.2f} s, first frame median "
        f"{row['first_median']:.2f} s max {row['first_max']:.2f} s"
        + (f", {row['never']} never got a frame" if row["never"] else "")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    if sys.argv[1:3] == ["--role", "web"]:  # --trace: Daphne with the web process's timeline
        from daphne.cli import CommandLineInterface

        setup_django({})
        relay_trace.rtcp()
        relay_trace.web()
        relay_trace.start_in_daphne()
        CommandLineInterface().run(sys.argv[3:])
        return
    parser.add_argument("--role", default="main", choices=["main", "worker", "lecturer", "viewers"])
    parser.add_argument("--mode", default="shared")
    parser.add_argument("--viewers", default="10,50,100,200")
    parser.add_argument("--modes", default="shared,baseline")
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--window", type=float, default=10.0)
    parser.add_argument("--trace", action="store_true", help="per-second TRACE lines in each role's log")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    parser.add_argument("rest", nargs="*")
    args = parser.parse_args()
    if args.role == "worker":
        run_worker(args.mode)
        return
    if args.role == "lecturer":
        setup_django({})
        asyncio.run(lecturer(args.rest[0], args.rest[1], int(args.rest[2])))
        return
    if args.role == "viewers":
        setup_django({})
        asyncio.run(viewers(args.rest[0], args.rest[2:], int(args.rest[1])))
        return
    counts = [int(n) for n in args.viewers.split(",")]
    if args.trace:
        os.environ["BENCH_TRACE"] = "1"
    shutil.rmtree(VAR, ignore_errors=True)
    VAR.mkdir(parents=True)
    setup_django(django_env(args.redis_url, "bench-lesson-setup"))
    data = prepare(max(counts))
    print(f"lesson {data['meeting']}, {max(counts)} viewers, {args.processes} viewer processes, "
          f"{args.window:.0f} s windows; load average {os.getloadavg()[0]:.2f}", flush=True)  # fmt: skip
    results: list[dict[str, Any]] = []
    for mode in args.modes.split(","):
        results += measure(mode, counts, data, args)
    print()
    print(
        "| mode | viewers | worker CPU s/s | worker RSS MiB | sent fps | fps min | fps median "
        "| first frame median s | max s | rejoin to frame s | viewer procs CPU s/s | load |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r['mode']} | {r['viewers']} | {r['cpu']:.2f} | {r['rss']:.0f} | {r['sent_fps']:.1f} | "
            f"{r['fps_min']:.1f} | {r['fps_median']:.1f} | {r['first_median']:.2f} | {r['first_max']:.2f} | "
            f"{r['rejoin_max']:.2f} | {r['viewers_cpu']:.2f} | {r['load']:.1f} |"
        )


if __name__ == "__main__":
    main()
