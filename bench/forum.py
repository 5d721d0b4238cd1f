"""The forum under load: a 5,000-post thread read by concurrent readers, and posting through the pipeline.

    .venv/bin/python bench/forum.py                      # SQLite file under var/
    .venv/bin/python bench/forum.py --database-url postgres://postgres@127.0.0.1:5432/epa_bench

Builds one organisation (its default boards come from the forum's signal), two members and a
thread of 5,000 posts in a throwaway database (the thread and its first post through the
services, the rest bulk-created), starts a real Daphne process (DEBUG off) and runs
``--readers`` concurrent keep-alive HTTP/1.1 clients (asyncio streams, stdlib only) for
``--seconds`` against each target: the thread page's first page, "first unread" and last page,
and the JSON API's "first unread" and last page. Prints requests per second and latency percentiles. Then posts
``--posts`` replies in this process through ``forum.services.post_create`` (moderation
pipeline with a 1,000-word list, archive, search index, stream events) and prints posts/s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.processes import start_daphne  # noqa: E402


def setup(database_url: str | None) -> str:
    os.environ.setdefault("SECRET_KEY", "bench")
    if not database_url:
        db = ROOT / "var" / "bench-forum.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
        database_url = f"sqlite:///{db}"
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "web.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return database_url


def build(n_posts: int) -> tuple[int, str, object, Callable[[], None]]:
    """The thread id, a reader's session cookie, the writer's actor, and a function that puts the
    reader's read mark back in the middle of the thread (a thread page moves it forward)."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    from forum import services
    from forum.models import Board, Post, PostStatus, Thread
    from members import services as member_services
    from members.access import SYSTEM, actor_from_member
    from members.models import OrgKind
    from moderation import services as moderation_services

    settings.MODERATION_POST_RATE = (1e6, 1_000_000)  # measure the pipeline, not the flood limit
    get_user_model().objects.filter(username__startswith="bench-").delete()
    stamp = str(int(time.time()))
    org = member_services.organisation_create(by=SYSTEM, name="基准党委", code=f"BENCH-{stamp}", kind=OrgKind.COMMITTEE)
    reader = member_services.member_create(
        by=SYSTEM, username=f"bench-reader-{stamp}", real_name="读者", organisation=org, password="x"
    )
    writer = member_services.member_create(
        by=SYSTEM, username=f"bench-writer-{stamp}", real_name="作者", organisation=org, password="x"
    )
    words = moderation_services.word_list_create(by=SYSTEM, organisation=None, name=f"基准词表{stamp}")
    moderation_services.word_entries_set(
        by=SYSTEM,
        word_list=words,
        entries=[(f"词{i:04d}", ("flag", "censor")[i % 2]) for i in range(1000)],
    )
    board = Board.objects.get(organisation=org, name="党员论坛")
    writer_actor = actor_from_member(writer)
    first = services.thread_create(by=writer_actor, board_id=board.pk, title="五千楼", source="第一楼")
    thread = Thread.objects.get(pk=first.thread_id)
    started = time.perf_counter()
    body = "认真学习党的二十大精神，结合支部工作谈体会。" * 4
    Post.objects.bulk_create(
        [
            Post(
                thread=thread,
                author=writer,
                source=f"{body}{i}",
                html=f"<p>{body}{i}</p>",
                text=f"{body}{i}",
                status=PostStatus.PUBLISHED,
            )
            for i in range(2, n_posts + 1)
        ],  # fmt: skip
        batch_size=1000,
    )
    last = Post.objects.filter(thread=thread).order_by("-id").values_list("id", flat=True).first()
    middle = Post.objects.filter(thread=thread).order_by("id").values_list("id", flat=True)[n_posts // 2]
    Thread.objects.filter(pk=thread.pk).update(post_count=n_posts, last_post_id=last)
    services.thread_mark_read(by=actor_from_member(reader), thread_id=thread.pk, post_id=middle)
    print(f"built a {n_posts}-post thread in {time.perf_counter() - started:.1f} s")
    client = Client()
    client.force_login(reader.user)

    def reset_read_mark() -> None:
        from forum.models import ReadState

        ReadState.objects.filter(member=reader, thread=thread).update(last_read_post_id=middle)

    return thread.pk, client.cookies["sessionid"].value, writer_actor, reset_read_mark


# --- a tiny keep-alive HTTP/1.1 client -----------------------------------------------------------


async def read_response(reader: asyncio.StreamReader) -> int:
    status_line = await reader.readline()
    status = int(status_line.split()[1])
    length = None
    chunked = False
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        if name.lower() == "content-length":
            length = int(value.strip())
        elif name.lower() == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
    if chunked:
        while True:
            size = int((await reader.readline()).strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length is not None:
        await reader.readexactly(length)
    return status


async def reader_loop(
    port: int, path: str, cookie: str, until: float, latencies: list[float], errors: list[int]
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: sessionid={cookie}\r\nAccept-Language: zh-hans\r\n\r\n"
    ).encode()
    try:
        while time.perf_counter() < until:
            started = time.perf_counter()
            writer.write(request)
            status = await read_response(reader)
            latencies.append(time.perf_counter() - started)
            if status != 200:
                errors.append(status)
    finally:
        writer.close()


async def load(port: int, path: str, cookie: str, readers: int, seconds: float) -> tuple[float, float, float, str]:
    latencies: list[float] = []
    errors: list[int] = []
    until = time.perf_counter() + seconds
    started = time.perf_counter()
    await asyncio.gather(*(reader_loop(port, path, cookie, until, latencies, errors) for _ in range(readers)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
    statuses = ", ".join(f"{n}×{code}" for code, n in sorted(Counter(errors).items())) or "0"
    return len(latencies) / elapsed, p50, p99, statuses


def bench_posting(writer: object, thread_id: int, n: int) -> float:
    from forum import services

    started = time.perf_counter()
    for i in range(n):
        services.post_create(
            by=writer, thread_id=thread_id, source=f"第{i}条回复：学习体会 词{i % 1000:04d} 与大家分享。"
        )  # type: ignore[arg-type]
    return n / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url")
    parser.add_argument("--posts", type=int, default=5000, help="posts in the thread")
    parser.add_argument("--readers", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--writes", type=int, default=300, help="replies posted through the pipeline")
    args = parser.parse_args()
    print("load average at start: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    database_url = setup(args.database_url)
    thread_id, cookie, writer, reset_read_mark = build(args.posts)
    process, port = start_daphne(database_url, "forum")
    # Each target starts with the reader half-way through. A thread page moves the read mark to
    # its last post (one write when it moves forward), so "first unread" pages walk through the
    # unread half and then stay on the last page; the API only reads.
    targets = [
        ("thread page, first page", f"/forum/t/{thread_id}/"),
        ("thread page, first unread", f"/forum/t/{thread_id}/?unread=1"),
        ("thread page, last page", f"/forum/t/{thread_id}/?last=1"),
        ("API posts, first unread", f"/api/forum/threads/{thread_id}/posts?unread=1"),
        ("API posts, last page", f"/api/forum/threads/{thread_id}/posts?last=1"),
    ]
    try:
        asyncio.run(load(port, targets[0][1], cookie, 2, 2.0))  # warm up
        print(f"\n{args.readers} concurrent readers, {args.seconds:.0f} s each, one Daphne process")
        print("| target | req/s | p50 ms | p99 ms | non-200 | load (1 min) |\n|---|---:|---:|---:|---:|---:|")
        for label, path in targets:
            reset_read_mark()
            rps, p50, p99, errors = asyncio.run(load(port, path, cookie, args.readers, args.seconds))
            print(f"| {label} | {rps:.0f} | {p50:.1f} | {p99:.1f} | {errors} | {os.getloadavg()[0]:.1f} |")
    finally:
        process.terminate()
        process.wait(timeout=10)
    rate = bench_posting(writer, thread_id, args.writes)
    print(f"\nposting through the pipeline (1,000-word list, archive, index, events): {rate:.0f} posts/s "
          f"({args.writes} sequential replies in this process)")  # fmt: skip
    print("load average at end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
