"""Write the archive's records for a period as JSON Lines (stdout or --output)."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from tqdm import tqdm

from moderation.archive import archive_export_rows


def _moment(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(f"not an ISO date or date-time: {value!r}") from None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


class Command(BaseCommand):
    help = "Export archive records created in [--since, --until) as JSON Lines."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", help="ISO date or date-time, inclusive (local time when naive)")
        parser.add_argument("--until", help="ISO date or date-time, exclusive")
        parser.add_argument("--output", type=Path, help="file to write (default: stdout)")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        since, until = _moment(options["since"]), _moment(options["until"])
        out = options["output"].open("w", encoding="utf-8") if options["output"] else sys.stdout
        try:
            with tqdm(unit="rec", file=sys.stderr, disable=options["no_progress"]) as bar:
                for row in archive_export_rows(since=since, until=until):
                    out.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
                    bar.update(1)
        finally:
            if out is not sys.stdout:
                out.close()
