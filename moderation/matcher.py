"""Word lists compiled into one Aho–Corasick automaton (ahocorasick_rs, Rust-backed). Pure Python.

Semantics
---------
* Entries and texts are normalised alike (:mod:`moderation.normalize`), so an entry matches its
  full-width, upper-case, traditional, accented and separator-padded spellings.
* All occurrences are found, overlapping ones included; then, in order:

  1. **allow** entries are exceptions: an entry whose occurrence lies inside the span of an allow
     occurrence does not match there (``秘密花园`` allowed stops ``秘密``, ``class`` stops ``ass``);
  2. an entry that starts (ends) with a Latin letter or digit only matches at a word boundary on
     that side, so ``ass`` does not match inside ``glass`` (Chinese has no word boundaries; allow
     entries do that job there);
  3. a two-character match split by prose punctuation (``方法。轮到``) is two words in a
     sentence, not a spaced-out word, and does not match;
  4. an occurrence inside a longer occurrence whose action is at least as severe is dropped, so
     ``fuck`` inside ``fucking`` is reported once, as ``fucking``.

* When two entries normalise to the same text, an allow entry wins, otherwise the more severe.

A :class:`CompiledList` is immutable: swapping in a new list is one reference assignment.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

import ahocorasick_rs

from moderation.normalize import Normalised, is_invisible, normalise, normalise_with_map


class ListAction(StrEnum):
    BLOCK = "block"
    HOLD = "hold"
    CENSOR = "censor"
    FLAG = "flag"
    ALLOW = "allow"


SEVERITY = {ListAction.ALLOW: 0, ListAction.FLAG: 1, ListAction.CENSOR: 2, ListAction.HOLD: 3, ListAction.BLOCK: 4}

# Punctuation that ends a clause in prose; a two-character word split by one of these is two words.
PROSE_PUNCTUATION = frozenset("。，、；：？！…,;:?!")


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


def _is_word_char(c: str) -> bool:
    return c.isascii() and c.isalnum()


def _stronger(a: ListAction, b: ListAction) -> ListAction:
    if ListAction.ALLOW in (a, b):
        return ListAction.ALLOW
    return a if SEVERITY[a] >= SEVERITY[b] else b


@dataclass(frozen=True, eq=False)
class CompiledList:
    """An immutable compiled word list; :meth:`scan` is thread-safe."""

    patterns: tuple[_Pattern, ...]
    automaton: ahocorasick_rs.BytesAhoCorasick | None
    has_allow: bool
    version: int = 0
    skipped: tuple[str, ...] = field(default=())

    @classmethod
    def compile(cls, entries: Iterable[Entry], *, version: int = 0) -> CompiledList:
        by_text: dict[str, Entry] = {}
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
        texts = list(by_text)
        patterns = tuple(
            _Pattern(
                entry=by_text[t],
                left_boundary=_is_word_char(t[0]),
                right_boundary=_is_word_char(t[-1]),
            )
            for t in texts
        )
        # Searching UTF-8 bytes is faster than handing the library a str (which it must convert
        # anyway); byte offsets become character offsets only for the rare texts that match.
        automaton = (
            ahocorasick_rs.BytesAhoCorasick([t.encode() for t in texts], matchkind=ahocorasick_rs.MATCHKIND_STANDARD)
            if texts
            else None
        )
        return cls(
            patterns=patterns,
            automaton=automaton,
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
        encoded = normalise(text).encode()
        hits = self.automaton.find_matches_as_indexes(encoded, overlapping=True)
        if not hits:
            return []
        chars = _CharOffsets(encoded)
        return self._resolve(
            normalise_with_map(text), [(index, chars.at(start), chars.at(end)) for index, start, end in hits]
        )

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
            if not self._at_boundaries(norm, start, end, pattern):
                continue
            if self._splits_prose(norm, start, end):
                continue
            o_start, o_end = norm.span(start, end)
            kept.append(Match(word=pattern.entry.word, action=pattern.entry.action, start=o_start, end=o_end))
        return _drop_contained(kept)

    @staticmethod
    def _at_boundaries(norm: Normalised, start: int, end: int, pattern: _Pattern) -> bool:
        origin, source = norm.origin, norm.source
        # Separators spelled inside the match ("c.l.a.s.s") are skipped when looking for the
        # neighbours too, so a spaced-out longer word is still one word.
        gaps = {c for i in range(start, end - 1) for c in source[origin[i] + 1 : origin[i + 1]]}
        if pattern.left_boundary:
            if start > 0 and origin[start - 1] == origin[start]:
                return False  # the match begins inside one original character's expansion
            if _neighbour_class(source, origin[start] - 1, -1, gaps) == _word_class(norm.text[start]):
                return False
        if pattern.right_boundary:
            if end < len(origin) and origin[end] == origin[end - 1]:
                return False
            if _neighbour_class(source, origin[end - 1] + 1, 1, gaps) == _word_class(norm.text[end - 1]):
                return False
        return True

    @staticmethod
    def _splits_prose(norm: Normalised, start: int, end: int) -> bool:
        if end - start != 2:
            return False
        first, second = norm.origin[start], norm.origin[start + 1]
        return any(c in PROSE_PUNCTUATION for c in norm.source[first + 1 : second])


class _CharOffsets:
    """Character offsets of byte offsets into one UTF-8 string (computed on demand, cached)."""

    def __init__(self, encoded: bytes) -> None:
        self.encoded = encoded
        self.cache: dict[int, int] = {0: 0}

    def at(self, byte_offset: int) -> int:
        found = self.cache.get(byte_offset)
        if found is None:
            found = self.cache[byte_offset] = len(self.encoded[:byte_offset].decode())
        return found


def _word_class(c: str) -> str:
    """Latin words end where letters meet non-letters, numbers where digits meet non-digits."""
    if c.isascii() and c.isalpha():
        return "letter"
    if c.isascii() and c.isdigit():
        return "digit"
    return ""


def _neighbour_class(source: str, index: int, step: int, skip: set[str]) -> str | None:
    i = index
    while 0 <= i < len(source) and (is_invisible(source[i]) or source[i] in skip):
        i += step
    if not 0 <= i < len(source):
        return None
    folded = normalise(source[i])
    if not folded:
        return None
    return _word_class(folded[-1] if step < 0 else folded[0])


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
