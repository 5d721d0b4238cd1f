"""Walk the archive's hash chain and name the first broken record (exit status 1 when broken)."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

from moderation.archive import archive_count, archive_verify


class Command(BaseCommand):
    help = "Verify the moderation archive's hash chain."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")

    def handle(self, *args: Any, **options: Any) -> None:
        total = archive_count()
        with tqdm(total=total, unit="rec", file=sys.stderr, disable=options["no_progress"]) as bar:
            result = archive_verify(progress=bar.update)
        if result.ok:
            self.stdout.write(f"OK: {result.checked} records, chain intact")
            return
        self.stdout.write(
            f"BROKEN at record {result.broken_seq}: {result.problem} ({result.checked} records verified before it)"
        )
        sys.exit(1)
