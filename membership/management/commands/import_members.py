"""`python manage.py import_members FILE`: import a member roster (see members/roster.py); names
and locations pass the confidentiality guard as on the import page (membership/roster_import.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from members.access import SYSTEM
from members.roster import RosterInvalid, apply_roster
from membership.roster_import import roster_read


class Command(BaseCommand):
    help = "Import members from a CSV roster. All rows are applied or none; re-importing is safe."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="CSV file, UTF-8, header row first")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from exc
        try:
            rows = roster_read(data, by=SYSTEM)
        except RosterInvalid as invalid:
            for error in invalid.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(invalid.errors)} error(s); nothing was imported.") from invalid
        with tqdm(total=len(rows), desc="import", unit="member", file=self.stderr) as bar:
            result = apply_roster(rows, progress=bar.update)
        self.stdout.write(
            self.style.SUCCESS(f"{result.created} created, {result.updated} updated, {result.unchanged} unchanged.")
        )
