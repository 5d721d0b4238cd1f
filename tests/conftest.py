from __future__ import annotations

import importlib
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from django.test import Client

from kernel import clock as kernel_clock
from kernel.ratelimit import reset_local
from members import services as member_services
from members.access import SYSTEM, Actor, actor_from_member
from members.models import Member, MemberStatus, Organisation, OrgKind
from moderation.lists import cache_clear
from moderation.sanctions import sanctions_changed
from tests.services import POSTGRES_DEFAULT, REDIS_DEFAULT, service_url

PASSWORD = "test-pass-2024"


def archive_triggers_sql():  # type: ignore[no-untyped-def]
    return importlib.import_module("moderation.migrations.0002_archive_triggers")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """pytest-django's set-up; before its teardown drops the PostgreSQL test database, end the
    sessions that Daphne subprocesses and asgiref's worker threads may still hold on it, so the drop
    does not fail with "being accessed by other users" and leave the database behind."""
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture(autouse=True)
def _fresh_process_state() -> Iterator[None]:
    """Each test starts without what earlier tests left in this process's caches: compiled word
    lists (their version counter lives in the database, which each test rolls back), the
    sanctions set, local rate-limit buckets."""
    cache_clear()
    reset_local()
    sanctions_changed()
    yield
    cache_clear()
    sanctions_changed()


@pytest.fixture(scope="session", autouse=True)
def _sqlite_flush_passes_archive_triggers() -> Iterator[None]:
    """Transactional tests commit archive rows, and Django empties tables between them with a
    flush. On SQLite the flush is a DELETE, which the append-only triggers refuse, so the flush
    drops the triggers, empties the tables and puts them back (PostgreSQL's flush truncates,
    which the triggers allow)."""
    from django.db.backends.sqlite3.base import DatabaseOperations

    original = DatabaseOperations.sql_flush
    triggers = archive_triggers_sql()

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):  # type: ignore[no-untyped-def]
        statements = original(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        if "moderation_archiverecord" not in tables:
            return statements
        return [*triggers.SQLITE_DOWN, *statements, *triggers.SQLITE_UP]

    DatabaseOperations.sql_flush = sql_flush  # type: ignore[method-assign]
    yield
    DatabaseOperations.sql_flush = original  # type: ignore[method-assign]


_seq = itertools.count(1)


@dataclass
class OrgTree:
    committee: Organisation
    branch_a: Organisation
    branch_b: Organisation
    group_a1: Organisation
    group_b1: Organisation


@pytest.fixture
def org_tree(db: None) -> OrgTree:
    """党委 → 两个党支部 → 各一个党小组."""
    n = next(_seq)
    committee = member_services.organisation_create(by=SYSTEM, name="测试党委", code=f"C{n}", kind=OrgKind.COMMITTEE)
    branch_a = member_services.organisation_create(
        by=SYSTEM, name="第一党支部", code=f"C{n}-A", kind=OrgKind.BRANCH, parent=committee
    )
    branch_b = member_services.organisation_create(
        by=SYSTEM, name="第二党支部", code=f"C{n}-B", kind=OrgKind.BRANCH, parent=committee
    )
    group_a1 = member_services.organisation_create(
        by=SYSTEM, name="第一党小组", code=f"C{n}-A1", kind=OrgKind.GROUP, parent=branch_a
    )
    group_b1 = member_services.organisation_create(
        by=SYSTEM, name="第二党小组", code=f"C{n}-B1", kind=OrgKind.GROUP, parent=branch_b
    )
    return OrgTree(committee, branch_a, branch_b, group_a1, group_b1)


MemberFactory = Callable[..., Member]


@pytest.fixture
def member_factory(db: None) -> MemberFactory:
    def make(
        organisation: Organisation,
        *,
        username: str | None = None,
        real_name: str | None = None,
        status: str = MemberStatus.FULL,
        roles: tuple[tuple[str, Organisation], ...] | list[tuple[str, Organisation]] = (),
        **extra: object,
    ) -> Member:
        n = next(_seq)
        member = member_services.member_create(
            by=SYSTEM,
            username=username or f"user{n}",
            real_name=real_name or f"党员{n}",
            organisation=organisation,
            status=status,
            password=PASSWORD,
            **extra,  # type: ignore[arg-type]
        )
        for kind, org in roles:
            member_services.role_grant(by=SYSTEM, member=member, organisation=org, kind=kind)
        return member

    return make


@pytest.fixture
def actor_of() -> Callable[[Member], Actor]:
    def get(member: Member) -> Actor:
        return actor_from_member(Member.objects.select_related("organisation").get(pk=member.pk))

    return get


@pytest.fixture
def client_for(db: None) -> Callable[[Member], Client]:
    def make(member: Member) -> Client:
        client = Client()
        client.force_login(member.user)
        return client

    return make


@pytest.fixture
def redis_url() -> str:
    return service_url("REDIS_URL", REDIS_DEFAULT, 6379, "Redis")


@pytest.fixture
def postgres_url() -> str:
    return service_url("DATABASE_URL", POSTGRES_DEFAULT, 5432, "PostgreSQL")


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[kernel_clock.ManualClock]:
    """Time that moves only when the test says so (``clock.advance(seconds)``)."""
    manual = kernel_clock.ManualClock()
    monkeypatch.setattr(kernel_clock, "clock", manual)
    yield manual
    # Rate-limit buckets touched meanwhile are stamped with the moved time, ahead of the real one.
    reset_local()
