"""Scan lines from stdin through the moderation filter; one JSON object per line on stdout.

Contract (other tools rely on it exactly)::

    python manage.py moderation_scan [--wordlist FILE] < items.txt

Each input line (UTF-8, one item per line) yields
``{"action": "allow"|"censor"|"hold"|"block", "matches": [{"word", "start", "end"}], "text": ...}``
where start/end are Python str offsets into the line (end exclusive) and text is the line as others
would see it (censored; empty when blocked). FILE holds ``word<TAB>action`` lines, action one of
block, censor, hold, flag, allow, and an optional third column ``sound`` (match by sound too:
``代开发票<TAB>block<TAB>sound``); blank lines and ``#`` comments are ignored. Without --wordlist
the configured global lists are used. The confidentiality guard always applies.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.utils import DatabaseError

from moderation.decision import evaluate
from moderation.matcher import CompiledList, Entry, ListAction


def wordlist_read(path: Path) -> list[Entry]:
    entries: list[Entry] = []
    try:
        lines = path.read_text(encoding="utf-8-sig").split("\n")
    except OSError as error:
        raise CommandError(f"cannot read {path}: {error}") from error
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        word, tab, action = line.rpartition("\t")
        sound = False
        if tab and action.strip().lower() == "sound" and "\t" in word:
            # The optional third column: ``word<TAB>action<TAB>sound`` matches by sound too.
            word, _tab, action = word.rpartition("\t")
            sound = True
        if not tab:
            word, action = line, ListAction.BLOCK.value
            sys.stderr.write(f"{path}:{number}: no action given, using block\n")
        action = action.strip().lower()
        try:
            entries.append(Entry(word=word.strip(), action=ListAction(action), sound=sound))
        except ValueError:
            raise CommandError(
                f"{path}:{number}: unknown action {action!r} (block, censor, hold, flag or allow)"
            ) from None
    return entries


# Characters that some line splitters (str.splitlines, JavaScript before ES2019) take for line
# breaks; JSON lets them be escaped, so one object stays one line whoever reads it.
_LINE_BREAK_ESCAPES = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def json_line(result: dict[str, Any]) -> bytes:
    return json.dumps(result, ensure_ascii=False).translate(_LINE_BREAK_ESCAPES).encode("utf-8") + b"\n"


class Command(BaseCommand):
    help = "Moderate stdin line by line and print one JSON decision per line."
    # A filter in a pipe: start fast, and never refuse to run because an unrelated check fails.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--wordlist", type=Path, help="word<TAB>action[<TAB>sound] lines; default: the configured lists"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        matcher = self._matcher(options["wordlist"])
        out = sys.stdout.buffer
        for raw in sys.stdin.buffer:
            line = raw.decode("utf-8", errors="replace")
            if line.endswith("\n"):
                line = line[:-1]
                if line.endswith("\r"):
                    line = line[:-1]
            decision = evaluate(text=line, kind="plain", matcher=matcher)
            matches = [m.as_dict() for m in decision.matches]
            if decision.markings:
                matches = [{"word": k.marking, "start": k.start, "end": k.end} for k in decision.markings]
            result = {"action": decision.action.value, "matches": matches, "text": decision.plain}
            out.write(json_line(result))
            out.flush()

    def _matcher(self, path: Path | None) -> CompiledList:
        if path is not None:
            matcher = CompiledList.compile(wordlist_read(path))
            for word in matcher.skipped:
                sys.stderr.write(f"ignored entry with no letters or digits: {word!r}\n")
            return matcher
        from moderation.lists import compiled_for

        try:
            return compiled_for(None)
        except DatabaseError as error:
            sys.stderr.write(f"configured word lists unavailable ({error}); only the confidentiality guard applies\n")
            return CompiledList.compile([])
