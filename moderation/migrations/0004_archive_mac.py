"""Records carry a MAC under the archive key (moderation/signing.py).

SQLite adds a column with a default by rebuilding the table, which drops its triggers: they are
made again afterwards (PostgreSQL keeps them; creating them again there is skipped).
"""

import importlib

from django.db import migrations, models

triggers = importlib.import_module("moderation.migrations.0002_archive_triggers")


def _sqlite_only(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("moderation", "0003_sound"),
    ]

    operations = [
        migrations.RunPython(_sqlite_only(triggers.SQLITE_DOWN), _sqlite_only(triggers.SQLITE_UP)),
        migrations.AddField(
            model_name="archiverecord",
            name="mac",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.RunPython(_sqlite_only(triggers.SQLITE_UP), _sqlite_only(triggers.SQLITE_DOWN)),
    ]
