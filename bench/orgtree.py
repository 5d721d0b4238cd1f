"""Subtree queries on a large organisation tree: 10,000 organisations, 200,000 members.

    .venv/bin/python bench/orgtree.py                      # SQLite file under var/
    .venv/bin/python bench/orgtree.py --database-url postgres://postgres@127.0.0.1:5432/epa_bench

Builds the tree once in a throwaway database (1 committee → 20 general branches → 25 branches
each → 19 groups each ≈ 10,000 organisations, members spread over branches and groups), then
times the questions the access policy asks, against a baseline in the same run: walking the
tree level by level through ``parent_id`` (what an adjacency list without paths must do).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup(database_url: str | None) -> None:
    os.environ.setdefault("SECRET_KEY", "bench")
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        db = ROOT / "var" / "bench-orgtree.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "web.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build(n_members: int) -> None:
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from members.models import Member, Organisation

    User = get_user_model()
    if Organisation.objects.filter(code="B").exists() and Member.objects.count() >= n_members:
        return
    Member.objects.all().delete()
    User.objects.all().delete()
    Organisation.objects.all().delete()
    started = time.perf_counter()
    orgs: list[Organisation] = []
    next_id = 1

    def add(name: str, code: str, kind: str, parent: Organisation | None) -> Organisation:
        nonlocal next_id
        org = Organisation(
            id=next_id,
            name=name,
            code=code,
            kind=kind,
            parent=parent,
            path=f"{parent.path if parent else '/'}{next_id}/",
            depth=parent.depth + 1 if parent else 0,
        )
        next_id += 1
        orgs.append(org)
        return org

    root = add("基准党委", "B", "committee", None)
    leaves: list[Organisation] = []
    for g in range(20):
        general = add(f"党总支{g}", f"B-{g}", "general_branch", root)
        for b in range(25):
            branch = add(f"党支部{g}-{b}", f"B-{g}-{b}", "branch", general)
            leaves.append(branch)
            for k in range(19):
                leaves.append(add(f"党小组{g}-{b}-{k}", f"B-{g}-{b}-{k}", "group", branch))
    with transaction.atomic():
        Organisation.objects.bulk_create(orgs, batch_size=2000)
        users = [User(username=f"b{i}", password="!") for i in range(n_members)]
        User.objects.bulk_create(users, batch_size=5000)
        user_ids = list(User.objects.order_by("id").values_list("id", flat=True))
        Member.objects.bulk_create(
            [
                Member(user_id=uid, real_name=f"党员{i}", organisation=leaves[i % len(leaves)])
                for i, uid in enumerate(user_ids)
            ],
            batch_size=5000,
        )
    print(f"built {len(orgs)} organisations, {n_members} members in {time.perf_counter() - started:.1f}s")


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    return statistics.median(samples), max(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url")
    parser.add_argument("--members", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    setup(args.database_url)
    build(args.members)

    from django.db import connection

    # PostgreSQL as autovacuum keeps it in production: planner statistics (without them it
    # guesses a handful of rows for any subtree) and a visibility map (which lets a count read
    # only the foreign-key index). SQLite stays as the embedded default runs it, without ANALYZE.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")

    from members.access import actor_from_member, can_see
    from members.models import Member, Organisation, Visibility
    from members.selectors import members_in_subtree

    root = Organisation.objects.get(code="B")
    general = Organisation.objects.get(code="B-7")
    branch = Organisation.objects.get(code="B-7-3")
    member = Member.objects.select_related("organisation").filter(organisation__path__startswith=branch.path).first()
    assert member is not None
    actor = actor_from_member(member)

    def walk_ids(start: Organisation) -> list[int]:
        """Baseline: breadth-first through parent_id, one query per level."""
        found, frontier = [start.pk], [start.pk]
        while frontier:
            frontier = list(Organisation.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
            found += frontier
        return found

    rows: list[tuple[str, str, Callable[[], object]]] = [
        (
            "orgs in a general branch's subtree (501)",
            "path prefix",
            lambda: list(Organisation.objects.filter(path__startswith=general.path).values_list("pk", flat=True)),
        ),
        ("orgs in a general branch's subtree (501)", "baseline: walk parent_id", lambda: walk_ids(general)),
        (
            "members in a general branch's subtree (count)",
            "subtree_q (IN over path prefix)",
            lambda: members_in_subtree(general).count(),
        ),
        (
            "members in a general branch's subtree (count)",
            "join on path prefix",
            lambda: Member.objects.filter(organisation__path__startswith=general.path).count(),
        ),
        (
            "members in a general branch's subtree (count)",
            "baseline: walk + IN",
            lambda: Member.objects.filter(organisation_id__in=walk_ids(general)).count(),
        ),
        (
            "members in the whole tree (count)",
            "subtree_q (IN over path prefix)",
            lambda: members_in_subtree(root).count(),
        ),
        (
            "can_see(subtree) for one member",
            "in memory",
            lambda: [can_see(actor, visibility=Visibility.SUBTREE, organisation=general) for _ in range(1000)],
        ),
        (
            "ancestors of a group (chain to the root)",
            "read off the path",
            lambda: list(Organisation.objects.in_bulk(member.organisation.ancestor_ids)),
        ),
        ("ancestors of a group (chain to the root)", "baseline: follow parent", lambda: chain(member.organisation)),
    ]

    def chain(org: Organisation) -> list[int]:
        ids = []
        current: Organisation | None = org
        while current is not None:
            ids.append(current.pk)
            current = Organisation.objects.filter(pk=current.parent_id).first() if current.parent_id else None
        return ids

    print(f"database: {connection.vendor}; {args.repeat} runs each; times in ms (median / max)")
    print(f"{'question':<50} {'method':<32} {'median':>9} {'max':>9}")
    for question, method, fn in rows:
        fn()  # warm caches
        median, worst = timed(fn, args.repeat)
        note = " (1,000 checks)" if method == "in memory" else ""
        print(f"{question:<50} {method:<32} {median:9.2f} {worst:9.2f}{note}")


if __name__ == "__main__":
    main()
