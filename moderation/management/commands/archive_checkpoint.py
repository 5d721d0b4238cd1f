"""Print the archive's head signed with the archive key, and keep a copy under var/.

    python manage.py archive_checkpoint [--output FILE]

Copy what it prints somewhere the database's administrators cannot change it (a printed page in
the branch's records, another machine); ``archive_verify --checkpoint FILE`` later proves that
the chain still extends it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from moderation.archive import archive_checkpoint


class Command(BaseCommand):
    help = "Sign the archive's head (sequence, hash, time) and print it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", type=Path, help="also write it here (default: var/archive-checkpoints/)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            checkpoint = archive_checkpoint()
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from error
        text = json.dumps(checkpoint.as_dict(), indent=2) + "\n"
        path = options["output"] or Path(settings.VAR_DIR) / "archive-checkpoints" / f"{checkpoint.seq:012d}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self.stdout.write(text, ending="")
        self.stderr.write(f"kept in {path}")
