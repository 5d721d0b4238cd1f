"""Word lists as CSV: ``word,action[,note[,sound]]``, an optional header row. Pure Python.

Import is all or nothing: :func:`rows_parse` reads every row and reports every bad one with its
line number (an unknown action, an empty word, a word with no letters or digits, a word given
twice, a bad ``sound`` value), and the caller stores nothing unless there are none. Export writes
the same columns with the header, so an exported list imports as it was.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from moderation.decision import gettext_noop
from moderation.matcher import ListAction
from moderation.normalize import normalise

HEADER = ["word", "action", "note", "sound"]
WORD_MAX = 200
NOTE_MAX = 200
_YES = {"sound", "1", "yes", "true", "y", "是"}
_NO = {"", "0", "no", "false", "n", "否"}


@dataclass(frozen=True)
class Row:
    word: str
    action: str
    sound: bool = False
    note: str = ""


@dataclass(frozen=True)
class RowError:
    line: int
    message: str  # an English msgid, with %(line)s where it names another line
    other_line: int = 0

    def render(self, translate: Callable[[str], str]) -> str:
        return translate(self.message) % {"line": self.other_line} if self.other_line else translate(self.message)


def row_check(word: str, action: str) -> str | None:
    """What is wrong with one entry, in English (a msgid), or None."""
    if not word:
        return gettext_noop("The word is empty.")
    if len(word) > WORD_MAX:
        return gettext_noop("The word is longer than 200 characters.")
    if not normalise(word):
        return gettext_noop("The word has no letters or digits, so it can never match.")
    if action not in ListAction.__members__.values():
        return gettext_noop("Unknown action: use block, censor, hold, flag or allow.")
    return None


def rows_parse(text: str) -> tuple[list[Row], list[RowError]]:
    rows: list[Row] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for number, cells in enumerate(csv.reader(io.StringIO(text.lstrip("\ufeff"))), start=1):
        if not cells or not "".join(cells).strip() or cells[0].lstrip().startswith("#"):
            continue
        if number == 1 and cells[0].strip().lower() == "word":
            continue
        word = cells[0].strip()
        action = cells[1].strip().lower() if len(cells) > 1 else ""
        note = cells[2].strip() if len(cells) > 2 else ""
        sound_cell = cells[3].strip().lower() if len(cells) > 3 else ""
        problem = row_check(word, action)
        if problem is None and sound_cell not in _YES | _NO:
            problem = gettext_noop("The sound column takes sound (or yes) or nothing.")
        if problem is None and len(note) > NOTE_MAX:
            problem = gettext_noop("The note is longer than 200 characters.")
        if problem is None and word in seen:
            errors.append(RowError(number, gettext_noop("The word is already on line %(line)s."), seen[word]))
            continue
        if problem is not None:
            errors.append(RowError(number, problem))
            continue
        seen[word] = number
        rows.append(Row(word=word, action=action, sound=sound_cell in _YES, note=note))
    return rows, errors


def rows_write(rows: Iterable[Row]) -> Iterable[str]:
    """CSV lines (with the header first) for a streaming response."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    for row in rows:
        writer.writerow([row.word, row.action, row.note, "sound" if row.sound else ""])
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
