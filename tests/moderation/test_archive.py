"""The archive: hash chain, append-only triggers, tamper detection, verify and export commands."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from moderation.archive import Kind, archive_append, archive_verify, record_hash
from moderation.models import ArchiveRecord

ROOT = Path(__file__).resolve().parents[2]


def append_three() -> list[ArchiveRecord]:
    return [archive_append(kind=Kind.DECISION, content_ref=f"x.y:{i}", actor_id=i, payload={"n": i}) for i in (1, 2, 3)]


def tamper(sql: str, params: list[object]) -> None:
    """Change rows behind the triggers' back, as someone with database access could."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            from tests.conftest import archive_triggers_sql

            triggers = archive_triggers_sql()
            for statement in triggers.SQLITE_DOWN:
                cursor.execute(statement)
            cursor.execute(sql, params)
            for statement in triggers.SQLITE_UP:
                cursor.execute(statement)
        else:
            cursor.execute("ALTER TABLE moderation_archiverecord DISABLE TRIGGER USER")
            cursor.execute(sql, params)
            cursor.execute("ALTER TABLE moderation_archiverecord ENABLE TRIGGER USER")


@pytest.mark.django_db
def test_records_chain_and_verify() -> None:
    first, second, third = append_three()
    assert first.prev_hash == "0" * 64
    assert second.prev_hash == first.hash and third.prev_hash == second.hash
    assert record_hash(ArchiveRecord.objects.get(seq=2)) == second.hash  # as stored, as hashed
    result = archive_verify()
    assert result.ok and result.checked == 3


@pytest.mark.django_db
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE moderation_archiverecord SET payload = '{}' WHERE seq = 2",
        "DELETE FROM moderation_archiverecord WHERE seq = 2",
        "DELETE FROM moderation_archiverecord",
    ],
)
def test_triggers_refuse_update_and_delete(statement: str) -> None:
    append_three()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert ArchiveRecord.objects.count() == 3
    assert archive_verify().ok


@pytest.mark.django_db
def test_orm_cannot_change_a_record_either() -> None:
    record = append_three()[1]
    record.payload = {"n": 99}
    with pytest.raises(DatabaseError), transaction.atomic():
        record.save()
    with pytest.raises(DatabaseError), transaction.atomic():
        ArchiveRecord.objects.filter(seq=1).delete()


@pytest.mark.django_db
def test_changed_row_is_named() -> None:
    append_three()
    tamper("UPDATE moderation_archiverecord SET payload = %s WHERE seq = 2", [json.dumps({"n": 20})])
    result = archive_verify()
    assert result.broken_seq == 2 and "hash" in result.problem and result.checked == 1


@pytest.mark.django_db
def test_changed_row_with_recomputed_hash_breaks_the_next_link() -> None:
    append_three()
    record = ArchiveRecord.objects.get(seq=2)
    record.payload = {"n": 20}
    tamper(
        "UPDATE moderation_archiverecord SET payload = %s, hash = %s WHERE seq = 2",
        [json.dumps({"n": 20}), record_hash(record)],
    )
    result = archive_verify()
    assert result.broken_seq == 3 and "prev_hash" in result.problem


@pytest.mark.django_db
def test_removed_rows_are_named() -> None:
    append_three()
    tamper("DELETE FROM moderation_archiverecord WHERE seq = 2", [])
    assert archive_verify().broken_seq == 2
    tamper("DELETE FROM moderation_archiverecord WHERE seq >= 2", [])
    assert archive_verify().broken_seq == 2  # the head row remembers there were three


@pytest.mark.django_db
def test_verify_command_names_the_broken_record() -> None:
    append_three()
    out = StringIO()
    call_command("archive_verify", "--no-progress", stdout=out)
    assert "OK: 3 records" in out.getvalue()
    tamper("UPDATE moderation_archiverecord SET actor_id = 7 WHERE seq = 3", [])
    out = StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("archive_verify", "--no-progress", stdout=out)
    assert exit_.value.code == 1
    assert "BROKEN at record 3" in out.getvalue()


@pytest.mark.django_db
def test_export_writes_json_lines_for_a_period(tmp_path: Path) -> None:
    records = append_three()
    since = records[1].created.isoformat()
    target = tmp_path / "archive.jsonl"
    call_command("archive_export", "--since", since, "--output", str(target), "--no-progress")
    rows = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert [r["seq"] for r in rows] == [2, 3]
    assert rows[0]["hash"] == records[1].hash and rows[0]["prev_hash"] == records[0].hash


def test_tampering_detected_on_postgresql(postgres_url: str, tmp_path: Path) -> None:
    """The same chain on a fresh PostgreSQL database, whatever the suite itself runs on."""
    import psycopg

    name = f"epa_archive_{uuid.uuid4().hex[:8]}"
    admin_url = postgres_url.rsplit("/", 1)[0] + "/postgres"
    db_url = postgres_url.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        env = {**os.environ, "DATABASE_URL": db_url, "SECRET_KEY": "archive-test"}

        def manage(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                timeout=300, check=check,
            )  # fmt: skip

        manage("migrate", "--noinput")
        manage(
            "shell", "-c",
            "from moderation.archive import archive_append\n"
            "for i in (1, 2, 3): archive_append(kind='t', content_ref='x.y:%d' % i, payload={'n': i})",
        )  # fmt: skip
        assert "OK: 3 records" in manage("archive_verify", "--no-progress").stdout
        with psycopg.connect(db_url, autocommit=True) as conn:
            with pytest.raises(psycopg.errors.RaiseException):
                conn.execute("UPDATE moderation_archiverecord SET payload = '{}' WHERE seq = 2")
            with pytest.raises(psycopg.errors.RaiseException):
                conn.execute("DELETE FROM moderation_archiverecord WHERE seq = 2")
            with conn.transaction():
                conn.execute("ALTER TABLE moderation_archiverecord DISABLE TRIGGER USER")
                conn.execute("""UPDATE moderation_archiverecord SET payload = '{"n": 20}' WHERE seq = 2""")
                conn.execute("ALTER TABLE moderation_archiverecord ENABLE TRIGGER USER")
        broken = manage("archive_verify", "--no-progress", check=False)
        assert broken.returncode == 1
        assert "BROKEN at record 2" in broken.stdout
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.django_db
def test_verify_shows_a_progress_bar(capsys: pytest.CaptureFixture[str]) -> None:
    append_three()
    call_command("archive_verify")
    captured = capsys.readouterr()
    assert "3/3" in captured.err and "rec" in captured.err
    assert "OK: 3 records" in captured.out
