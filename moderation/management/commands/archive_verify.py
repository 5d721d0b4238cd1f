"""Walk the archive's hash chain and name the first broken record (exit status 1 when broken).

    python manage.py archive_verify [--checkpoint FILE]

With ``--checkpoint``, also prove that the chain extends a checkpoint ``archive_checkpoint``
printed earlier (its signature checked with the configured archive key).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from moderation.archive import archive_count, archive_verify, archive_verify_checkpoint
from moderation.signing import checkpoint_read


class Command(BaseCommand):
    help = "Verify the moderation archive's hash chain."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
        parser.add_argument("--checkpoint", type=Path, help="a checkpoint printed by archive_checkpoint")

    def handle(self, *args: Any, **options: Any) -> None:
        checkpoint = None
        if options["checkpoint"] is not None:
            try:
                checkpoint = checkpoint_read(options["checkpoint"].read_text(encoding="utf-8"))
            except (OSError, ValueError) as error:
                raise CommandError(f"{options['checkpoint']}: {error}") from error
        total = archive_count()
        with tqdm(total=total, unit="rec", file=sys.stderr, disable=options["no_progress"]) as bar:
            if checkpoint is None:
                result = archive_verify(progress=bar.update)
            else:
                result = archive_verify_checkpoint(checkpoint, progress=bar.update)
        if result.ok:
            extends = f"; it extends the checkpoint at record {checkpoint.seq}" if checkpoint else ""
            self.stdout.write(f"OK: {result.checked} records, chain intact{extends}")
            return
        self.stdout.write(
            f"BROKEN at record {result.broken_seq}: {result.problem} ({result.checked} records verified before it)"
        )
        sys.exit(1)
