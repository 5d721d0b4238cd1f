"""Import a word list from CSV (``word,action[,note]``; a header row is optional).

    python manage.py moderation_import_wordlist words.csv --list 通用词表 [--organisation CODE] [--replace]

Runs as the system actor (an operator's command); the change reaches every process within the
list check period, without a restart.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from members.access import SYSTEM
from members.models import Organisation
from moderation.models import WordList
from moderation.services import word_entries_set, word_list_create


def csv_rows(path: Path) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for number, row in enumerate(csv.reader(handle), start=1):
            if not row or not row[0].strip() or row[0].lstrip().startswith("#"):
                continue
            if number == 1 and row[0].strip().lower() == "word":
                continue
            if len(row) < 2:
                raise CommandError(f"{path}:{number}: expected word,action")
            rows.append((row[0], row[1]))
    return rows


class Command(BaseCommand):
    help = "Import word,action rows from a CSV file into a word list."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--list", required=True, dest="list_name")
        parser.add_argument("--organisation", help="organisation code; default: a global list")
        parser.add_argument("--replace", action="store_true", help="remove entries not in the file")

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = None
        if options["organisation"]:
            organisation = Organisation.objects.filter(code=options["organisation"]).first()
            if organisation is None:
                raise CommandError(f"no organisation with code {options['organisation']!r}")
        word_list = WordList.objects.filter(organisation=organisation, name=options["list_name"]).first()
        if word_list is None:
            word_list = word_list_create(by=SYSTEM, organisation=organisation, name=options["list_name"])
        count = word_entries_set(
            by=SYSTEM, word_list=word_list, entries=csv_rows(options["file"]), replace=options["replace"]
        )
        self.stdout.write(f"{count} entries imported into {word_list.name!r}")
