"""Page weights and slow-3G timings of the pages the journeys visit.

    .venv/bin/python bench/pages.py                 # prints a Markdown table
    .venv/bin/python bench/pages.py --runs 3        # median of three cold loads per page

Builds a throwaway SQLite database (an organisation, a member and their branch secretary, a
thread of 30 replies, a conversation of 20 messages, a meeting), starts a real Daphne process
(DEBUG off, static files served by Daphne) and opens each page in headless Chromium at a phone's
viewport under Chromium's "Slow 3G" (400 ms latency, 400 kbit/s each way, CDP
Network.emulateNetworkConditions), in a fresh context each time (a cold cache). For each page:
requests, bytes over the wire (CDP encodedDataLength, headers included), DOMContentLoaded, load,
and "live" (the page's connection badge says open: its socket subscribed), all from the start of
navigation. Then the same page again in the same context ("warm": the browser's and the service
worker's caches; the worker's own fetches run outside the page's emulated link, so warm figures
flatter a real phone). The login page is the baseline of the same run: the ratio column compares each
page's cold load with it, so a page that grows is noticed whatever the machine's speed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.processes import start_daphne  # noqa: E402

SLOW_3G = {"offline": False, "latency": 400, "downloadThroughput": 400_000 / 8, "uploadThroughput": 400_000 / 8}
# When a page's socket is subscribed: its badge says open (home: the meeting notices are live).
LIVE = "#conn-state[data-state=open], #meeting-notices[data-live=true]"


def setup() -> str:
    os.environ.setdefault("SECRET_KEY", "bench")
    db = ROOT / "var" / "bench-pages.sqlite3"
    db.parent.mkdir(exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "web.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return os.environ["DATABASE_URL"]


def build() -> tuple[dict[str, str], str]:
    """The pages to open (name → path) and the member's session cookie."""
    import datetime as dt

    from django.conf import settings
    from django.test import Client
    from django.utils import timezone

    from forum import services as forum_services
    from forum.models import Board
    from mailboxes import services as mailbox_services
    from meetings import services as meeting_services
    from meetings.models import MeetingKind
    from members import services as member_services
    from members.access import SYSTEM, actor_from_member
    from members.models import OrgKind, RoleKind

    settings.MODERATION_POST_RATE = (1e6, 1_000_000)
    settings.REALTIME_SEND_RATE = (1e6, 1_000_000)
    committee = member_services.organisation_create(by=SYSTEM, name="基准党委", code="BENCH", kind=OrgKind.COMMITTEE)
    branch = member_services.organisation_create(
        by=SYSTEM, name="基准支部", code="BENCH-1", kind=OrgKind.BRANCH, parent=committee
    )
    member = member_services.member_create(
        by=SYSTEM, username="bench-member", real_name="流动党员", organisation=branch, password="x"
    )
    secretary = member_services.member_create(
        by=SYSTEM, username="bench-secretary", real_name="王书记", organisation=branch, password="x"
    )
    member_services.role_grant(by=SYSTEM, member=secretary, kind=RoleKind.SECRETARY, organisation=branch)
    me, them = actor_from_member(member), actor_from_member(secretary)
    board = Board.objects.get(organisation=branch, name="党员论坛")
    first = forum_services.thread_create(by=them, board_id=board.pk, title="学习体会", source="结合工作谈体会。")
    thread = first.thread_id
    for n in range(30):
        forum_services.post_create(by=me if n % 2 else them, thread_id=thread, source=f"第{n + 1}条：学习心得。" * 3)
    conversation = mailbox_services.conversation_open(by=me, other_id=secretary.pk)
    for n in range(20):
        mailbox_services.message_send(by=me if n % 2 else them, conversation_id=conversation.pk, text=f"第{n + 1}条")
    start = timezone.now() + dt.timedelta(days=1)
    meeting_services.meeting_schedule(
        by=them, organisation=branch, kind=MeetingKind.BRANCH_GENERAL, title="支部党员大会",
        starts_at=start, ends_at=start + dt.timedelta(hours=1), agenda=["学习"],
    )  # fmt: skip
    client = Client()
    client.force_login(member.user)
    pages = {
        "login (baseline)": "/login/",
        "home": "/",
        "forum boards": "/forum/",
        "forum thread (31 posts)": f"/forum/t/{thread}/",
        "mailbox": "/mailbox/",
        "conversation (20 messages)": f"/mailbox/c/{conversation.pk}/",
        "meeting list": "/meetings/",
    }
    return pages, client.cookies["sessionid"].value


def load(page: Any, url: str, live: bool) -> dict[str, float]:
    """One load under slow 3G: requests, bytes, and milliseconds to DOMContentLoaded, load, live."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": False})
    cdp.send("Network.emulateNetworkConditions", SLOW_3G)
    received: list[float] = []
    cdp.on("Network.loadingFinished", lambda e: received.append(e["encodedDataLength"]))
    page.goto(url, wait_until="load")
    live_ms = float("nan")
    if live:
        page.wait_for_selector(LIVE, state="attached", timeout=60_000)
        live_ms = page.evaluate("performance.now()")
    timing = page.evaluate(
        "(() => { const n = performance.getEntriesByType('navigation')[0];"
        " return [n.domContentLoadedEventEnd, n.loadEventEnd]; })()"
    )
    cdp.detach()
    return {
        "requests": len(received),
        "kib": sum(received) / 1024,
        "dcl": timing[0],
        "load": timing[1],
        "live": live_ms,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=1, help="cold loads per page (the median is shown)")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    print("load average at start: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    database_url = setup()
    pages, cookie = build()
    process, port = start_daphne(database_url, "pages")
    base = f"http://127.0.0.1:{port}"
    from playwright.sync_api import sync_playwright

    rows = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=args.chromium, headless=True, args=["--no-sandbox"])
            for name, path in pages.items():
                cold, warm = [], []
                for _ in range(args.runs):
                    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
                    if path != "/login/":
                        context.add_cookies([{"name": "sessionid", "value": cookie, "url": base}])
                    page = context.new_page()
                    live = path not in ("/login/", "/forum/", "/mailbox/")
                    cold.append(load(page, base + path, live))
                    if path != "/login/":  # the service worker controls the page from the next load
                        page.wait_for_function("navigator.serviceWorker.ready.then(() => true)")
                    warm.append(load(page, base + path, live))
                    context.close()
                rows.append((name, median(cold), median(warm)))
            browser.close()
    finally:
        process.terminate()
        process.wait(timeout=10)
    baseline = rows[0][1]
    print(f"\nSlow 3G (400 ms, 400 kbit/s), 360×740, median of {args.runs} run(s); ms from navigation start")
    print("| page | requests | KiB cold | × login | DOMContentLoaded | load | live |", end="")
    print(" load warm | live warm |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, c, w in rows:
        print(
            f"| {name} | {c['requests']:.0f} | {c['kib']:.1f} | {c['kib'] / baseline['kib']:.1f} | {c['dcl']:.0f} |"
            f" {c['load']:.0f} | {fmt(c['live'])} | {w['load']:.0f} | {fmt(w['live'])} |"
        )


def median(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def fmt(value: float) -> str:
    return "—" if value != value else f"{value:.0f}"


if __name__ == "__main__":
    started = time.monotonic()
    main()
    print(f"\n(took {time.monotonic() - started:.0f} s)")
