"""Word lists compiled into one Aho–Corasick automaton (ahocorasick_rs, Rust-backed). Pure Python.

Semantics
---------
* Entries and texts are normalised alike (:mod:`moderation.normalize`), so an entry matches its
  full-width, upper-case, traditional, accented and separator-padded spellings.
* All occurrences are found, overlapping ones included; then, in order:

  1. **allow** entries are exceptions: an entry whose occurrence lies inside the span of an allow
     occurrence does not match there (``秘密花园`` allowed stops ``秘密``, ``舞台独白`` stops ``台独``);
  2. an occurrence must be a word, not a coincidence of running text (:mod:`moderation.gaps`):
     one clause break inside it (``方法。轮到``) is two clauses; a space or apostrophe between
     multi-letter pieces of a spaced script (``an al``, ``he'll``) is two words; an entry that
     starts (ends) with a Latin letter or digit matches whole words only (``ass`` not in
     ``glass``);
  3. an occurrence inside a longer occurrence whose action is at least as severe is dropped, so
     ``fuck`` inside ``fucking`` is reported once, as ``fucking``.

* When two entries normalise to the same text, an allow entry wins, otherwise the more severe.
* Letters that are also emoji (regional indicators: 🇫🇺🇨🇰 spells a word, 🇨🇳 is a flag between
  two words; negative squared capitals: 🅵🆄🅲🅺, 🅿️) are matched both ways.

A :class:`CompiledList` is immutable: swapping in a new list is one reference assignment.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

import ahocorasick_rs

from moderation.gaps import Shape, entry_breaks, spaced_script
from moderation.normalize import (
    Normalised,
    normalise,
    normalise_for_scan,
    normalise_second_reading_with_map,
    normalise_with_map,
)


class ListAction(StrEnum):
    BLOCK = "block"
    HOLD = "hold"
    CENSOR = "censor"
    FLAG = "flag"
    ALLOW = "allow"


SEVERITY = {ListAction.ALLOW: 0, ListAction.FLAG: 1, ListAction.CENSOR: 2, ListAction.HOLD: 3, ListAction.BLOCK: 4}


@dataclass(frozen=True)
class Entry:
    word: str
    action: ListAction


@dataclass(frozen=True)
class Match:
    word: str
    action: ListAction
    start: int
    end: int

    def as_dict(self) -> dict[str, object]:
        return {"word": self.word, "start": self.start, "end": self.end}


@dataclass(frozen=True)
class _Pattern:
    entry: Entry
    left_boundary: bool
    right_boundary: bool
    breaks: frozenset[int]  # the entry's own word breaks (``kill yourself``), normalised positions


def _stronger(a: ListAction, b: ListAction) -> ListAction:
    if ListAction.ALLOW in (a, b):
        return ListAction.ALLOW
    return a if SEVERITY[a] >= SEVERITY[b] else b


@dataclass(frozen=True, eq=False)
class CompiledList:
    """An immutable compiled word list; :meth:`scan` is thread-safe."""

    patterns: tuple[_Pattern, ...]
    # Every entry, searched in UTF-16-LE: two bytes per Chinese character instead of three in
    # UTF-8, which makes the automaton's walk over Chinese text about a third shorter.
    automaton: ahocorasick_rs.BytesAhoCorasick | None
    # The entries that are all ASCII, for texts that are (English, pinyin, digits): one byte each.
    ascii_automaton: ahocorasick_rs.BytesAhoCorasick | None
    ascii_patterns: tuple[int, ...]  # index in ``patterns`` of each ``ascii_automaton`` pattern
    has_allow: bool
    version: int = 0
    skipped: tuple[str, ...] = field(default=())

    @classmethod
    def compile(cls, entries: Iterable[Entry], *, version: int = 0) -> CompiledList:
        by_text: dict[str, Entry] = {}
        breaks: dict[str, frozenset[int]] = {}
        skipped: list[str] = []
        for entry in entries:
            text = normalise(entry.word)
            if not text:
                skipped.append(entry.word)
                continue
            existing = by_text.get(text)
            if existing is None:
                by_text[text] = entry
            elif _stronger(existing.action, entry.action) != existing.action:
                by_text[text] = entry
            if text != entry.word:
                # Two spellings of one entry: the word breaks of either are accepted.
                breaks[text] = breaks.get(text, frozenset()) | entry_breaks(entry.word)
        texts = list(by_text)
        empty: frozenset[int] = frozenset()
        patterns = tuple(
            _Pattern(
                entry=by_text[t],
                left_boundary=spaced_script(t[0]),
                right_boundary=spaced_script(t[-1]),
                breaks=breaks.get(t, empty),
            )
            for t in texts
        )
        ascii_patterns = tuple(i for i, t in enumerate(texts) if t.isascii())
        return cls(
            patterns=patterns,
            automaton=_automaton([t.encode("utf-16-le") for t in texts]),
            ascii_automaton=_automaton([texts[i].encode("ascii") for i in ascii_patterns]),
            ascii_patterns=ascii_patterns,
            has_allow=any(p.entry.action == ListAction.ALLOW for p in patterns),
            version=version,
            skipped=tuple(skipped),
        )

    def __len__(self) -> int:
        return len(self.patterns)

    def scan(self, text: str) -> list[Match]:
        """Occurrences in ``text`` with original offsets, sorted by position; allow entries excluded."""
        if self.automaton is None:
            return []
        folded, two_readings = normalise_for_scan(text)
        found: list[Match] = []
        hits = self._hits(folded)
        if hits:
            found = self._resolve(normalise_with_map(text, folded), hits)
        if two_readings:
            second = normalise_second_reading_with_map(text)
            hits = self._hits(second.text)
            if hits:
                found = list(dict.fromkeys(found + self._resolve(second, hits)))
        return _drop_contained(found) if found else []

    def _hits(self, folded: str) -> list[tuple[int, int, int]]:
        """(pattern index, start, end) of every occurrence, overlapping ones included; str offsets."""
        if folded.isascii():
            if self.ascii_automaton is None:
                return []
            found = self.ascii_automaton.find_matches_as_indexes(folded.encode("ascii"), overlapping=True)
            return [(self.ascii_patterns[index], start, end) for index, start, end in found]
        assert self.automaton is not None
        encoded = folded.encode("utf-16-le")
        found = self.automaton.find_matches_as_indexes(encoded, overlapping=True)
        if not found:
            return []
        # An occurrence at an odd byte offset straddles two code units: not a real one.
        aligned = [(index, start, end) for index, start, end in found if not start & 1]
        if len(encoded) == 2 * len(folded):  # no surrogate pairs: two bytes per character
            return [(index, start >> 1, end >> 1) for index, start, end in aligned]
        chars = _CharOffsets(encoded)
        return [(index, chars.at(start), chars.at(end)) for index, start, end in aligned]

    def _resolve(self, norm: Normalised, hits: list[tuple[int, int, int]]) -> list[Match]:
        allows: list[tuple[int, int]] = []
        candidates: list[tuple[int, int, _Pattern]] = []
        for index, start, end in hits:
            pattern = self.patterns[index]
            if pattern.entry.action == ListAction.ALLOW:
                allows.append((start, end))
            else:
                candidates.append((start, end, pattern))
        kept: list[Match] = []
        for start, end, pattern in candidates:
            if any(a_start <= start and end <= a_end for a_start, a_end in allows):
                continue
            shape = Shape.of(norm, start, end, pattern.breaks)
            if not shape.is_word():
                continue
            if not shape.whole_word(left=pattern.left_boundary, right=pattern.right_boundary):
                continue
            o_start, o_end = norm.span(start, end)
            kept.append(Match(word=pattern.entry.word, action=pattern.entry.action, start=o_start, end=o_end))
        return kept


class _CharOffsets:
    """Character offsets of byte offsets into one UTF-16-LE string with surrogate pairs (cached)."""

    def __init__(self, encoded: bytes) -> None:
        self.encoded = encoded
        self.cache: dict[int, int] = {0: 0}

    def at(self, byte_offset: int) -> int:
        found = self.cache.get(byte_offset)
        if found is None:
            found = self.cache[byte_offset] = len(self.encoded[:byte_offset].decode("utf-16-le"))
        return found


def _automaton(patterns: list[bytes]) -> ahocorasick_rs.BytesAhoCorasick | None:
    return ahocorasick_rs.BytesAhoCorasick(patterns, matchkind=ahocorasick_rs.MATCHKIND_STANDARD) if patterns else None


def _drop_contained(matches: list[Match]) -> list[Match]:
    matches.sort(key=lambda m: (m.start, -m.end, -SEVERITY[m.action]))
    result: list[Match] = []
    for m in matches:
        covered = any(
            o.start <= m.start and m.end <= o.end and SEVERITY[o.action] >= SEVERITY[m.action] for o in result
        )
        if not covered:
            result.append(m)
    return result


EMPTY = CompiledList.compile([])


def strongest(matches: Iterable[Match]) -> ListAction | None:
    best: ListAction | None = None
    for m in matches:
        if best is None or SEVERITY[m.action] > SEVERITY[best]:
            best = m.action
    return best
