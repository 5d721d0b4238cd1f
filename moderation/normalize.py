"""Text normalisation for matching, with a map back to the original offsets.

Evasions this undoes: full-width and other compatibility forms (NFKC), case, accents on Latin
letters, Cyrillic/Greek look-alikes of Latin letters, traditional Chinese characters (OpenCC t2s),
and separators slipped between the characters of a word (spaces, punctuation, zero-width and
other format characters, combining marks, emoji, symbols such as ★ · * _ -).

Every rule is a function of one original character, so the whole normaliser is one translation
table applied with :meth:`str.translate` (a C loop; this is what makes tens of MB/s possible), and
the map back to original offsets can be rebuilt from the same table only for the rare texts in
which something matched. Pure Python, no Django.

Two tables are built from the same rules:

* the *match* table keeps only letters and digits;
* the *guard* table additionally keeps star-like marks (as ``★``) and colons (as ``:``), which
  the confidentiality guard needs to tell a marking (``机密★1年``) from prose (``商业机密``).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

# Characters that are letters to Unicode but render as nothing: used to pad words invisibly.
INVISIBLE_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u17b4\u17b5")

STAR = "★"
STAR_LIKE = frozenset("★☆✩✪✫✬✭✮✯✰✡⭐⭑⭒✱✲✳✴✵✶✷✸✹✺✻✼✽❂❃❉❊❋*＊﹡⁎⁑∗⋆🌟🟊🟋🟌🟍🟎🟏🟐🟑🟒🟓🟔")
COLON = ":"
COLON_LIKE = frozenset(":：﹕︓∶꞉ː")

# Cyrillic and Greek letters that look like Latin ones; folded so "fцck"-style spellings match.
CONFUSABLES = {
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "ԁ": "d",
    "ԛ": "q", "ԝ": "w", "ɡ": "g", "ı": "i", "ℓ": "l",
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x", "ω": "w",
}  # fmt: skip
# Small capitals (ᴀʙᴄ…) and regional indicator symbols (🇦🇧🇨…, which render as letters in pairs
# that are not flags) spell Latin words that NFKC leaves alone.
CONFUSABLES.update(zip("ᴀʙᴄᴅᴇꜰɢʜɪᴊᴋʟᴍɴᴏᴘꞯʀꜱᴛᴜᴠᴡʏᴢ", "abcdefghijklmnopqrstuvwyz", strict=True))
CONFUSABLES.update((chr(0x1F1E6 + i), chr(ord("a") + i)) for i in range(26))
# Ideographs that are only strokes, typed between characters as separators (赌丨博, 法丶轮).
STROKE_SEPARATORS = frozenset("丨丶丿乀乁〡〢〳〴〵")

# Planes scanned when building the tables. Codepoints outside them (CJK extensions B+, which are
# letters that neither NFKC nor t2s change) pass through unchanged.
_RANGES = ((0x0000, 0x20000), (0xE0000, 0xE1000))
_LATINISH_LIMIT = 0x0250


def _fold_char(ch: str) -> str:
    """NFKC, case folding and Latin accent stripping for one character (no t2s yet)."""
    out = unicodedata.normalize("NFKC", ch).casefold()
    out = unicodedata.normalize("NFKC", out)
    decomposed = unicodedata.normalize("NFD", out)
    bases = [c for c in decomposed if not unicodedata.category(c).startswith("M")]
    if bases and all(ord(c) < _LATINISH_LIMIT for c in bases):
        # Accents on Latin letters are stripped (ü → u); other scripts keep their composed form.
        out = "".join(bases)
    return "".join(CONFUSABLES.get(c, c) for c in out)


def _keep_for_match(c: str) -> bool:
    if c in INVISIBLE_LETTERS or c in STROKE_SEPARATORS:
        return False
    return unicodedata.category(c)[0] in "LN"


def _t2s_batch(chars: list[str]) -> dict[str, str]:
    """Traditional → simplified for single characters, in one OpenCC call."""
    import opencc

    converter = opencc.OpenCC("t2s")
    # One character per line: a newline stops OpenCC from converting across characters, so each
    # character maps the same way wherever it appears (needed for a per-character table).
    converted = converter.convert("\n".join(chars)).split("\n")
    if len(converted) != len(chars):  # pragma: no cover - defensive, OpenCC keeps lines
        raise RuntimeError("OpenCC changed the number of lines")
    return {src: dst for src, dst in zip(chars, converted, strict=True) if src != dst}


# Tables are lists indexed by code point below this (a list lookup is much faster than a dict
# lookup inside str.translate); the few mapped code points above it (tag characters, variation
# selectors supplement) are handled by a second, rarely needed pass.
FAST_LIMIT = 0x20000
_BEYOND_FAST = re.compile("[\U00020000-\U0010ffff]")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class Tables:
    match: dict[int, str | None]
    guard: dict[int, str | None]
    match_fast: list[str | int | None]
    guard_fast: list[str | int | None]
    match_beyond: dict[int, str | None]
    guard_beyond: dict[int, str | None]

    def sources_of(self, target: str) -> str:
        """Every character the match table turns into something containing ``target``."""
        found = {chr(cp) for cp, out in self.match.items() if out and target in out}
        return "".join(sorted(found | {target}))


def _fast(table: dict[int, str | None]) -> tuple[list[str | int | None], dict[int, str | None]]:
    fast: list[str | int | None] = list(range(FAST_LIMIT))
    for cp, out in table.items():
        if cp < FAST_LIMIT:
            fast[cp] = out
    return fast, {cp: out for cp, out in table.items() if cp >= FAST_LIMIT}


def _build_tables() -> Tables:
    folded: dict[int, str] = {}
    han: set[str] = set()
    for lo, hi in _RANGES:
        for cp in range(lo, hi):
            if 0xD800 <= cp <= 0xDFFF:
                continue
            ch = chr(cp)
            out = _fold_char(ch)
            folded[cp] = out
            han.update(c for c in out if "\u3400" <= c <= "\u9fff" or "\uf900" <= c <= "\ufaff")
    t2s = _t2s_batch(sorted(han))
    match: dict[int, str | None] = {}
    guard: dict[int, str | None] = {}
    for cp, out in folded.items():
        ch = chr(cp)
        simplified = "".join(t2s.get(c, c) for c in out)
        kept = "".join(c for c in simplified if _keep_for_match(c))
        if ch in STAR_LIKE:
            guard_kept = STAR
        elif ch in COLON_LIKE:
            guard_kept = COLON
        else:
            guard_kept = kept
        if kept != ch:
            match[cp] = kept or None
        if guard_kept != ch:
            guard[cp] = guard_kept or None
    match_fast, match_beyond = _fast(match)
    guard_fast, guard_beyond = _fast(guard)
    return Tables(
        match=match,
        guard=guard,
        match_fast=match_fast,
        guard_fast=guard_fast,
        match_beyond=match_beyond,
        guard_beyond=guard_beyond,
    )


_tables: Tables | None = None
_tables_lock = threading.Lock()


def tables() -> Tables:
    """The translation tables, built once per process (about half a second)."""
    global _tables
    if _tables is None:
        with _tables_lock:
            if _tables is None:
                _tables = _build_tables()
    return _tables


def normalise(text: str) -> str:
    """The text as the matcher sees it: letters and digits only, folded."""
    t = tables()
    out = text.translate(t.match_fast)
    if _BEYOND_FAST.search(out) is not None:
        out = out.translate(t.match_beyond)
    return out


def normalise_for_guard(text: str) -> str:
    t = tables()
    out = text.translate(t.guard_fast)
    if _BEYOND_FAST.search(out) is not None:
        out = out.translate(t.guard_beyond)
    return out


@dataclass(frozen=True)
class Normalised:
    """A normalised text with the original index of every normalised character."""

    source: str
    text: str
    origin: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original ``[start, end)`` covering normalised ``[start, end)`` (end exclusive, end > start).

        Combining marks right after the last character belong to it (``k̶``) and are included.
        """
        o_end = self.origin[end - 1] + 1
        while o_end < len(self.source) and unicodedata.category(self.source[o_end]) in {"Mn", "Me"}:
            o_end += 1
        return self.origin[start], o_end

    @cached_property
    def lengths(self) -> tuple[int, ...]:
        """How many normalised characters each original character produced."""
        counts = [0] * len(self.source)
        for i in self.origin:
            counts[i] += 1
        return tuple(counts)


def _with_map_slow(text: str, table: dict[int, str | None]) -> Normalised:
    out: list[str] = []
    origin: list[int] = []
    get = table.get
    for i, ch in enumerate(text):
        value = get(ord(ch), ch)
        if value:
            out.append(value)
            origin.extend([i] * len(value))
    return Normalised(source=text, text="".join(out), origin=tuple(origin))


def _char_class(codepoints: Iterable[int]) -> re.Pattern[str]:
    """A regex matching runs of the given code points (consecutive ones merged into ranges)."""
    ranges: list[list[int]] = []
    for cp in sorted(codepoints):
        if ranges and cp == ranges[-1][1] + 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    parts = "".join(f"\\U{lo:08x}" if lo == hi else f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in ranges)
    return re.compile(f"[{parts}]+")


@dataclass(frozen=True)
class _MapShape:
    # Runs of BMP characters the table deletes. A class of BMP code points only compiles to a
    # bitmap in `re`; with astral ranges in it, every character would be tested range by range.
    dropped_bmp: re.Pattern[str]
    expanding: re.Pattern[str]  # characters it turns into more than one


_shapes: dict[str, _MapShape] = {}


def _shape(name: str, table: dict[int, str | None]) -> _MapShape:
    shape = _shapes.get(name)
    if shape is None:
        shape = _shapes[name] = _MapShape(
            dropped_bmp=_char_class(cp for cp, out in table.items() if not out and cp < 0x10000),
            expanding=_char_class(cp for cp, out in table.items() if out and len(out) > 1),
        )
    return shape


def _with_map(text: str, normalised: str, name: str, table: dict[int, str | None]) -> Normalised:
    """The map back to original offsets, built from the runs of deleted characters (C-speed
    ranges between them) rather than one Python step per character; texts with characters that
    expand (ß → ss, ㎏ → kg) take the per-character path."""
    shape = _shape(name, table)
    if shape.expanding.search(text) is not None:
        return _with_map_slow(text, table)
    drops = [run.span() for run in shape.dropped_bmp.finditer(text)]
    if _ASTRAL.search(text) is not None:
        get = table.get
        drops.extend((m.start(), m.end()) for m in _ASTRAL.finditer(text) if not get(ord(m.group()), m.group()))
        drops.sort()
    origin: list[int] = []
    pos = 0
    for start, end in drops:
        origin.extend(range(pos, start))
        pos = end
    origin.extend(range(pos, len(text)))
    if len(origin) != len(normalised):  # pragma: no cover - the tables guarantee it; stay correct anyway
        return _with_map_slow(text, table)
    return Normalised(source=text, text=normalised, origin=tuple(origin))


def normalise_with_map(text: str) -> Normalised:
    return _with_map(text, normalise(text), "match", tables().match)


def normalise_for_guard_with_map(text: str) -> Normalised:
    return _with_map(text, normalise_for_guard(text), "guard", tables().guard)


def is_invisible(ch: str) -> bool:
    """Characters a reader does not see at all (zero-width, format, combining marks)."""
    if ch in INVISIBLE_LETTERS:
        return True
    return unicodedata.category(ch) in {"Cf", "Mn", "Me", "Cc"} and ch not in "\n\r\t"
