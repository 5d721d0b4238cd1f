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
from dataclasses import dataclass
from itertools import compress

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
# Negative circled and negative squared capitals (🅐 🅰), which have no compatibility decomposition,
# and a few Latin letters with hooks that NFD does not split.
CONFUSABLES.update((chr(base + i), chr(ord("a") + i)) for base in (0x1F150, 0x1F170) for i in range(26))
CONFUSABLES.update({"ƒ": "f", "ɑ": "a", "ɩ": "i", "ʋ": "u", "ɓ": "b", "ɗ": "d", "ɠ": "g", "ƙ": "k", "ƥ": "p", "ƭ": "t"})
CONFUSABLES.update({"ʂ": "s", "ʐ": "z", "ɦ": "h", "ɱ": "m", "ɲ": "n", "ɳ": "n", "ɽ": "r", "ʈ": "t", "ƈ": "c", "ɬ": "l"})
CONFUSABLES.update({"һ": "h", "ӏ": "l", "ԍ": "g", "ԛ": "q", "ҽ": "e", "ꭰ": "d"})
# Ideographs that are only strokes, typed between characters as separators (赌丨博, 法丶轮).
# The same for a few letters that look like dashes and bars: the katakana prolonged sound mark
# (赌ー博) and bopomofo ㄧ (赌ㄧ博).
STROKE_SEPARATORS = frozenset("丨丶丿乀乁〡〢〳〴〵ーｰㄧ")

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


def _is_symbol_spelling_letters(ch: str, kept: str) -> bool:
    """Symbols that NFKC spells with letters (™ → tm, ℃ → °c, ㎏ → kg) are symbols, as separators
    are; a symbol that stands for one letter or ideograph (ⓕ, ㊙) is that letter."""
    if not unicodedata.category(ch).startswith("S"):
        return False
    expanded = unicodedata.normalize("NFKC", ch)
    if expanded == ch:
        return False  # a letter by our own table (🅕, 🇫), not by NFKC
    return len(kept) > 1 or any(unicodedata.category(c).startswith("S") for c in expanded)


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
BEYOND_FAST = re.compile("[\U00020000-\U0010ffff]")


@dataclass(frozen=True)
class Tables:
    match: dict[int, str | None]
    guard: dict[int, str | None]
    match_fast: list[str | int | None]
    guard_fast: list[str | int | None]
    match_beyond: dict[int, str | None]
    guard_beyond: dict[int, str | None]
    # One mask character per original character: "\x00" dropped, "\x01" one character, "\x02" more.
    match_mask_fast: list[str]
    guard_mask_fast: list[str]
    match_mask_beyond: dict[int, str]
    guard_mask_beyond: dict[int, str]

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


def _mask(table: dict[int, str | None]) -> tuple[list[str], dict[int, str]]:
    fast = ["\x01"] * FAST_LIMIT
    beyond: dict[int, str] = {}
    for cp, out in table.items():
        value = "\x00" if not out else "\x01" if len(out) == 1 else "\x02"
        if cp < FAST_LIMIT:
            fast[cp] = value
        else:
            beyond[cp] = value
    return fast, beyond


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
        if kept and _is_symbol_spelling_letters(ch, kept):
            kept = ""
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
    match_mask_fast, match_mask_beyond = _mask(match)
    guard_mask_fast, guard_mask_beyond = _mask(guard)
    return Tables(
        match=match,
        guard=guard,
        match_fast=match_fast,
        guard_fast=guard_fast,
        match_beyond=match_beyond,
        guard_beyond=guard_beyond,
        match_mask_fast=match_mask_fast,
        guard_mask_fast=guard_mask_fast,
        match_mask_beyond=match_mask_beyond,
        guard_mask_beyond=guard_mask_beyond,
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
    if BEYOND_FAST.search(out) is not None:
        out = out.translate(t.match_beyond)
    return out


# Everything from the emoji letters up: one range, which `re` tests much faster than several.
_HIGH = re.compile("[\U0001f150-\U0010ffff]")


def normalise_for_scan(text: str) -> tuple[str, bool]:
    """``normalise(text)`` and ``has_two_readings(text)``, with one test for the rare characters
    both look for (the matcher calls this for every text)."""
    t = tables()
    out = text.translate(t.match_fast)
    if _HIGH.search(text) is None:
        return out, False
    if BEYOND_FAST.search(out) is not None:
        out = out.translate(t.match_beyond)
    return out, has_two_readings(text)


def normalise_for_guard(text: str) -> str:
    t = tables()
    out = text.translate(t.guard_fast)
    if BEYOND_FAST.search(out) is not None:
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


def _with_map_slow(text: str, table: dict[int, str | None], source: str | None = None) -> Normalised:
    """One step per character; ``source``: the original when ``text`` is a same-length variant of it."""
    out: list[str] = []
    origin: list[int] = []
    get = table.get
    for i, ch in enumerate(text):
        value = get(ord(ch), ch)
        if value:
            out.append(value)
            origin.extend([i] * len(value))
    return Normalised(source=text if source is None else source, text="".join(out), origin=tuple(origin))


_KEPT_AS_IS = re.compile("[^\x00-\x02]")


def _with_map(
    text: str, normalised: str, table: dict[int, str | None], mask_fast: list[str], mask_beyond: dict[int, str]
) -> Normalised:
    """The map back to original offsets without a Python step per character: one translation to a
    mask (a character per original character: dropped, kept, expanded) and ``itertools.compress``
    over the positions. Texts with characters that expand (ß → ss, ㎏ → kg) take the
    per-character path."""
    mask = text.translate(mask_fast)
    if BEYOND_FAST.search(mask) is not None:
        mask = _KEPT_AS_IS.sub("\x01", mask.translate(mask_beyond))
    if "\x02" in mask:
        return _with_map_slow(text, table)
    origin = tuple(compress(range(len(text)), mask.encode("latin-1")))
    if len(origin) != len(normalised):  # pragma: no cover - the tables guarantee it; stay correct anyway
        return _with_map_slow(text, table)
    return Normalised(source=text, text=normalised, origin=origin)


def normalise_with_map(text: str, normalised: str | None = None) -> Normalised:
    """``normalised``: ``normalise(text)`` when the caller has it already."""
    t = tables()
    folded = normalise(text) if normalised is None else normalised
    return _with_map(text, folded, t.match, t.match_mask_fast, t.match_mask_beyond)


def normalise_for_guard_with_map(text: str, normalised: str | None = None) -> Normalised:
    t = tables()
    folded = normalise_for_guard(text) if normalised is None else normalised
    return _with_map(text, folded, t.guard, t.guard_mask_fast, t.guard_mask_beyond)


# Letters that are also emoji: regional indicators spell words (🇫🇺🇨🇰) and, in pairs, are flags
# (🇨🇳); negative squared and circled capitals spell words (🅵🆄🅲🅺) and are emoji (🅿️ 🅰️ 🅾️). As
# emoji they separate words like any other, so the matcher reads texts that have them both ways.
_EMOJI_LETTERS = "\U0001f1e6-\U0001f1ff\U0001f150-\U0001f169\U0001f170-\U0001f189"
_TWO_READINGS = re.compile(f"[{_EMOJI_LETTERS}]")


def has_two_readings(text: str) -> bool:
    return _TWO_READINGS.search(text) is not None


def normalise_second_reading_with_map(text: str) -> Normalised:
    """The text with the letters that are also emoji read as emoji (dropped)."""
    return _with_map_slow(_TWO_READINGS.sub("\ufeff", text), tables().match, source=text)


def is_invisible(ch: str) -> bool:
    """Characters a reader does not see at all (zero-width, format, combining marks)."""
    if ch in INVISIBLE_LETTERS:
        return True
    return unicodedata.category(ch) in {"Cf", "Mn", "Me", "Cc"} and ch not in "\n\r\t"
