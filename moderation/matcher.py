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

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

import ahocorasick_rs

from moderation.gaps import Shape, entry_breaks, spaced_script
from moderation.normalize import (
    Normalised,
    is_invisible,
    normalise,
    normalise_for_scan,
    normalise_second_reading_with_map,
    normalise_with_map,
)
from moderation.sound import digit_beside_letter, entry_sounds, key_of, sound_key, sound_tables, sound_text
from moderation.splits import split_variants


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
    # Match by sound (moderation.sound) and by split characters (moderation.splits) as well.
    sound: bool = False


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
    sound: bool = False  # a pattern of the sound automaton (its text is sound tokens)
    # Letters and syllables mixed (``f轮功``, ``法lun功``): matches only with a character in it; as
    # letters and digits alone such a pattern is an ordinary word (``6si``).
    needs_han: bool = False
    # The entry as normalised, for a match by sound of two syllables written in characters only,
    # which needs one of the entry's own characters in place (赌搏, not 文件或者 for 贱货).
    spelling: str = ""


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
    # Entries marked to match by sound, as sound texts (moderation.sound).
    sound_patterns: tuple[_Pattern, ...] = ()
    # With sound entries, one automaton over the text's sound key (moderation.sound) finds both
    # kinds: the sound text of every spelling (checked against the normalised text) and the sound
    # patterns. ``spoken_ids``: what each sound text stands for, i < len(patterns) a spelling, else
    # sound pattern i - len(patterns).
    spoken_automaton: ahocorasick_rs.BytesAhoCorasick | None = None
    spoken_ids: dict[str, tuple[int, ...]] = field(default_factory=dict)
    texts: tuple[str, ...] = ()

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
        for entry in [e for e in by_text.values() if e.sound]:
            # Split-character spellings are further spellings of the entry; a real entry wins.
            for variant in split_variants(normalise(entry.word), normalise):
                by_text.setdefault(variant, entry)
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
        by_sound: dict[str, Entry] = {}
        for entry in {e.word: e for e in entries_sound(by_text.values())}.values():
            for sound in entry_sounds(normalise(entry.word)):
                existing = by_sound.get(sound)
                if existing is None or _stronger(existing.action, entry.action) != existing.action:
                    by_sound[sound] = entry
        sound_texts = list(by_sound)
        images: dict[str, list[int]] = {}
        if sound_texts:
            for i, t in enumerate(texts):
                images.setdefault(sound_text(t), []).append(i)
            for j, t in enumerate(sound_texts):
                images.setdefault(t, []).append(len(texts) + j)
        return cls(
            patterns=patterns,
            automaton=_automaton([t.encode("utf-16-le") for t in texts]),
            ascii_automaton=_automaton([texts[i].encode("ascii") for i in ascii_patterns]),
            ascii_patterns=ascii_patterns,
            has_allow=any(p.entry.action == ListAction.ALLOW for p in patterns),
            version=version,
            skipped=tuple(skipped),
            sound_patterns=tuple(
                _Pattern(
                    entry=by_sound[t],
                    left_boundary=False,
                    right_boundary=False,
                    breaks=empty,
                    sound=True,
                    needs_han=not t.isascii() and any("a" <= c <= "z" for c in t),
                    spelling=normalise(by_sound[t].word),
                )
                for t in sound_texts
            ),
            spoken_automaton=_automaton(list({key_of(t): None for t in images})),
            spoken_ids={t: tuple(ids) for t, ids in images.items()},
            texts=tuple(texts),
        )

    def __len__(self) -> int:
        return len(self.patterns)

    def scan(self, text: str) -> list[Match]:
        """Occurrences in ``text`` with original offsets, sorted by position; allow entries excluded."""
        if self.automaton is None:
            return []
        sound_hits: list[tuple[int, int, int]] = []
        if self.spoken_automaton is None:
            folded, two_readings = normalise_for_scan(text)
            hits = self._hits(folded)
        else:
            key = sound_key(text)
            found_spoken = self.spoken_automaton.find_matches_as_indexes(key.key, overlapping=True)
            # Without a candidate, only what the sound key does not show can match: digits for
            # letters, and letters that are also emoji read as emoji.
            if not found_spoken and not key.emoji_letters and not digit_beside_letter(key.mask):
                return []
            folded, two_readings = normalise_for_scan(text)
            hits, sound_hits = self._sort_spoken(folded, found_spoken)
        leet = leet_reading(folded)
        leet_hits = self._hits(leet) if leet is not None else []
        found: list[Match] = []
        if hits or leet_hits or sound_hits:
            norm = normalise_with_map(text, folded)
            candidates = [(norm, self.patterns[i], start, end) for i, start, end in hits]
            if leet_hits:
                assert leet is not None
                read = Normalised(source=text, text=leet, origin=norm.origin)
                candidates += [
                    (read, self.patterns[i], start, end)
                    for i, start, end in leet_hits
                    if _leet_word_match(folded, start, end) and _whole_run(norm, start, end)
                ]
            candidates += [(norm, self.sound_patterns[i], start, end) for i, start, end in sound_hits]
            found = self._resolve(candidates)
        if two_readings:
            second = normalise_second_reading_with_map(text)
            hits = self._hits(second.text)
            if hits:
                found = list(
                    dict.fromkeys(found + self._resolve([(second, self.patterns[i], s, e) for i, s, e in hits]))
                )
        return _drop_contained(found) if found else []

    def _sort_spoken(
        self, folded: str, found: list[tuple[int, int, int]]
    ) -> tuple[list[tuple[int, int, int]], list[tuple[int, int, int]]]:
        """Candidates of the sound key, kept where the sound text of the normalised text is an
        entry's, as (spelling index, start, end) where the normalised text has the spelling itself,
        and (sound pattern index, start, end)."""
        hits: list[tuple[int, int, int]] = []
        sound_hits: list[tuple[int, int, int]] = []
        count = len(self.patterns)
        table = sound_tables().table
        for _, start, end in found:
            for index in self.spoken_ids.get(folded[start:end].translate(table), ()):
                if index < count:
                    if folded[start:end] == self.texts[index]:
                        hits.append((index, start, end))
                    continue
                index -= count
                spelling = self.sound_patterns[index].spelling
                if end - start == 2 == len(spelling) and not folded[start:end].isascii():
                    # Two characters that only sound like the entry: one of them must be the entry's own.
                    if folded[start] != spelling[0] and folded[start + 1] != spelling[1]:
                        continue
                sound_hits.append((index, start, end))
        return hits, sound_hits

    def _hits(self, folded: str) -> list[tuple[int, int, int]]:
        """(pattern index, start, end) of every occurrence, overlapping ones included; str offsets."""
        if folded.isascii():
            if self.ascii_automaton is None:
                return []
            found = self.ascii_automaton.find_matches_as_indexes(folded.encode("ascii"), overlapping=True)
            return [(self.ascii_patterns[index], start, end) for index, start, end in found]
        if self.automaton is None:
            return []
        return _search(self.automaton, folded)

    def _resolve(self, candidates: list[tuple[Normalised, _Pattern, int, int]]) -> list[Match]:
        allows = [(start, end) for _norm, pattern, start, end in candidates if pattern.entry.action == ListAction.ALLOW]
        kept: list[Match] = []
        for norm, pattern, start, end in candidates:
            if pattern.entry.action == ListAction.ALLOW:
                continue
            if any(a_start <= start and end <= a_end for a_start, a_end in allows):
                continue
            breaks = _syllable_breaks(norm, start, end) if pattern.sound else pattern.breaks
            shape = Shape.of(norm, start, end, breaks)
            if not shape.is_word():
                continue
            if pattern.sound:
                if not _whole_run(norm, start, end):
                    continue
                if pattern.needs_han and norm.text[start:end].isascii():
                    continue
            elif not shape.whole_word(left=pattern.left_boundary, right=pattern.right_boundary):
                continue
            o_start, o_end = norm.span(start, end)
            kept.append(Match(word=pattern.entry.word, action=pattern.entry.action, start=o_start, end=o_end))
        return kept


def _search(automaton: ahocorasick_rs.BytesAhoCorasick, folded: str) -> list[tuple[int, int, int]]:
    """(pattern index, start, end) in ``str`` offsets of every occurrence in UTF-16-LE."""
    encoded = folded.encode("utf-16-le")
    found = automaton.find_matches_as_indexes(encoded, overlapping=True)
    if not found:
        return []
    # An occurrence at an odd byte offset straddles two code units: not a real one.
    aligned = [(index, start, end) for index, start, end in found if not start & 1]
    if len(encoded) == 2 * len(folded):  # no surrogate pairs: two bytes per character
        return [(index, start >> 1, end >> 1) for index, start, end in aligned]
    chars = _CharOffsets(encoded)
    return [(index, chars.at(start), chars.at(end)) for index, start, end in aligned]


def _syllable_breaks(norm: Normalised, start: int, end: int) -> frozenset[int]:
    """Where a match by sound may have a space: between two letters (``fa lun``), as an entry's
    own word break; between characters the usual rules hold (``方法。轮到`` is two clauses)."""
    text = norm.text
    return frozenset(k - start for k in range(start + 1, end) if spaced_script(text[k - 1]) and spaced_script(text[k]))


def _whole_run(norm: Normalised, start: int, end: int) -> bool:
    """A match by sound that starts (ends) with a letter or digit does not start (end) inside a word
    or number of the original text: ``liu si`` is not in ``1964`` nor in ``6s``."""
    source, origin = norm.source, norm.origin
    if spaced_script(norm.text[start]) and _alnum_beside(source, origin[start] - 1, -1):
        return False
    return not (spaced_script(norm.text[end - 1]) and _alnum_beside(source, origin[end - 1] + 1, 1))


def _alnum_beside(source: str, index: int, step: int) -> bool:
    i = index
    while 0 <= i < len(source) and is_invisible(source[i]):
        i += step
    if not 0 <= i < len(source):
        return False
    folded = normalise(source[i])
    return bool(folded) and spaced_script(folded[-1] if step < 0 else folded[0])


# Digits for letters in a word of letters and digits (``sh1t``, ``c0ck``, ``h4ck3r``); a run needs
# three characters, so short model names (``5G``, ``3D``) stay what they are.
_LEET_HINT = re.compile("[a-z][0-9]|[0-9][a-z]")
_LEET_RUN = re.compile("[a-z0-9]{3,}")
_LEET = str.maketrans("0134578", "oieastb")


def _leet_word(m: re.Match[str]) -> str:
    run = m.group()
    if run.isdigit() or run.isalpha():
        return run
    return run.translate(_LEET)


def _leet_word_match(folded: str, start: int, end: int) -> bool:
    """A match only the leet reading found: it mixes letters and digits (not ``58`` in a number)."""
    piece = folded[start:end]
    return any(c.isdigit() for c in piece) and any(c.isalpha() for c in piece)


def leet_reading(folded: str) -> str | None:
    """``folded`` with digits read as the letters they stand for, where a word mixes them; None if none."""
    if _LEET_HINT.search(folded) is None:
        return None
    read = _LEET_RUN.sub(_leet_word, folded)
    return read if read != folded else None


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


def entries_sound(entries: Iterable[Entry]) -> list[Entry]:
    return [e for e in entries if e.sound]


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
