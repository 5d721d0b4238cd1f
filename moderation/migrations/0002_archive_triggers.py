"""Triggers that make the archive append-only: UPDATE and DELETE on it raise, per database.

TRUNCATE is deliberately not refused on PostgreSQL: Django's test flush truncates every table,
and only the table owner may truncate; archive_verify reports a truncated chain as long as the
head row survives.
"""

from django.db import migrations

SQLITE_UP = [
    """CREATE TRIGGER moderation_archive_no_update BEFORE UPDATE ON moderation_archiverecord
       BEGIN SELECT RAISE(ABORT, 'moderation_archiverecord is append-only'); END""",
    """CREATE TRIGGER moderation_archive_no_delete BEFORE DELETE ON moderation_archiverecord
       BEGIN SELECT RAISE(ABORT, 'moderation_archiverecord is append-only'); END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS moderation_archive_no_update",
    "DROP TRIGGER IF EXISTS moderation_archive_no_delete",
]
POSTGRES_UP = [
    """CREATE OR REPLACE FUNCTION moderation_archive_refuse() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'moderation_archiverecord is append-only'; END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER moderation_archive_no_update BEFORE UPDATE ON moderation_archiverecord
       FOR EACH ROW EXECUTE FUNCTION moderation_archive_refuse()""",
    """CREATE TRIGGER moderation_archive_no_delete BEFORE DELETE ON moderation_archiverecord
       FOR EACH ROW EXECUTE FUNCTION moderation_archive_refuse()""",
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS moderation_archive_no_update ON moderation_archiverecord",
    "DROP TRIGGER IF EXISTS moderation_archive_no_delete ON moderation_archiverecord",
    "DROP FUNCTION IF EXISTS moderation_archive_refuse()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor)
        if statements is None:
            raise RuntimeError(f"no archive triggers for {schema_editor.connection.vendor}")
        for sql in statements:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("moderation", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}),
        ),
    ]
