"""Matching by sound: homophones, pinyin, pinyin initials and digits read as toneless syllables. Pure Python.

An entry marked *match by sound* is compared with the text on toneless pinyin as well as on
characters, so the usual spellings that keep a word's sound but not its characters match:

* homophones and variant characters (``赌搏`` and ``睹博`` for ``赌博``, ``灋轮`` for ``法轮``): every
  character is read as its syllable, from pypinyin's dictionary (the Unihan readings);
* pinyin, alone or mixed with characters (``dubo``, ``fa lun``, ``法lun功``), split into syllables;
* initials mixed with characters (``f轮功``, ``法l功``, one initial) and all initials (``flg``,
  ``tmd``), for entries of three syllables or more: for two, a letter and a character or two
  letters are too often something else (``r 之外``, ``C 或``, ``db``; ``sb`` has its own entry
  where a list wants it);
* digits read as Chinese numerals (``64`` for ``六四``).

*Sound text*: every character with a reading becomes one private-use character standing for its
toneless syllable, every digit the syllable of its numeral, and letters stay letters; it is as long
as the normalised text, so a match's offsets are the normalised text's. An entry becomes several
sound texts: its syllables; all of them spelled in letters (``dubo``, matching ``du bo`` and
``du-bo`` as the normaliser drops the separators); each one spelled (``法lun功``); for three
syllables or more each one as its initial (``f轮功``) and all as initials (``flg``).

The text itself is searched as its *sound key* (:func:`sound_key`): its sound text with one byte a
character, letters as themselves and every other character (a syllable's token, a character without
a reading) as one of 192 other byte values. The original text becomes its key in one
:meth:`str.translate` (the normaliser's table composed with the sound table and the bytes), and the
key is searched by one Aho–Corasick automaton holding the keys of the entries' sound texts. A key is
half as long to walk as the sound text in UTF-16 (one byte a character instead of two), and measured
faster (docs/benchmarks.md); as several syllables share a byte value, a key's occurrence is a
candidate, kept only when the sound text of the normalised text there is one of the entries' own
(:attr:`SoundTables.table` on that slice: the few texts with a candidate are normalised anyway, to
map the match back to the original text).

The text reads each character with its first (most common) reading; an entry is read with
pypinyin's phrase readings (``银行`` → ``yin hang``) and also character by character (``yin xing``),
so a text that uses the entry's own characters or homophones of either reading matches.
"""

from __future__ import annotations

import functools
import re
import threading
import unicodedata
from dataclasses import dataclass
from typing import Any, NamedTuple

from moderation.normalize import BEYOND_FAST, has_two_readings, normalise, tables

# Sound tokens live in the private-use area, which the normaliser drops from every text, so a
# token never meets a character of the text itself.
SYLLABLE_BASE = 0xE000
NUMERALS = ("ling", "yi", "er", "san", "si", "wu", "liu", "qi", "ba", "jiu")
VOWEL_SYLLABLES = frozenset("aeo")
FAST_LIMIT = 0x20000
MAX_INITIALS_VARIANTS = 16

_RUNS = re.compile("[a-z0-9]+")


def toneless(reading: str) -> str:
    reading = reading.replace("ü", "v").replace("ǖ", "v").replace("ǘ", "v").replace("ǚ", "v").replace("ǜ", "v")
    return "".join(c for c in unicodedata.normalize("NFD", reading) if not unicodedata.combining(c))


@dataclass(frozen=True)
class SoundTables:
    """``table``: normalised text → sound text; ``key``: original text → sound key in one step (the
    normaliser's table composed with ``table`` and :func:`key_of`), with digits kept as digits for
    the mask (:func:`sound_key`); ``numeral_keys``: digits → their numerals' key bytes."""

    syllables: tuple[str, ...]
    token_of: dict[str, str]  # syllable → its token
    # Indexed by code point below FAST_LIMIT: a Han character's syllable token, a digit's numeral.
    table: list[str | int | None]
    # Syllables a run of letters may be split into (a consonant alone, 嗯 n, is no syllable there).
    typed: frozenset[str]
    longest: int
    key: list[str | None]  # indexed by code point below FAST_LIMIT
    # ``key`` as one byte a code point (a lookup a little quicker than the list's): DROPPED for
    # None, LONGER for a key of several bytes (ß → ss, ㎏ → kg), which ``key`` then gives.
    key_bytes: bytes
    numeral_keys: bytes


def _build() -> SoundTables:
    from pypinyin.pinyin_dict import pinyin_dict

    first: dict[int, str] = {}
    names: set[str] = set(NUMERALS)
    for cp, readings in pinyin_dict.items():
        spoken = [toneless(r) for r in readings.split(",")]
        names.update(spoken)
        first[cp] = spoken[0]
    syllables = tuple(sorted(names))
    token_of = {s: chr(SYLLABLE_BASE + i) for i, s in enumerate(syllables)}
    table: list[str | int | None] = list(range(FAST_LIMIT))
    for cp, syllable in first.items():
        if cp < FAST_LIMIT:
            table[cp] = token_of[syllable]
    for digit, numeral in enumerate(NUMERALS):
        table[ord(str(digit))] = token_of[numeral]
    typed = frozenset(s for s in syllables if s in VOWEL_SYLLABLES or (len(s) > 1 and re.search("[aeiouv]", s)))
    normaliser = tables()
    key: list[str | None] = []
    for cp, folded in enumerate(normaliser.match_fast):
        if folded is None:
            key.append(None)
            continue
        if isinstance(folded, int):
            keyed = _key_char(chr(folded), table)
        else:
            if BEYOND_FAST.search(folded) is not None:
                folded = folded.translate(normaliser.match_beyond)  # as the normaliser's second pass
            keyed = "".join(_key_char(c, table) for c in folded)
        if len(keyed) == 1 and "a" <= keyed <= "z" and has_two_readings(chr(cp)):
            keyed = keyed.upper()
        key.append(keyed or None)
    return SoundTables(
        syllables=syllables,
        token_of=token_of,
        table=table,
        typed=typed,
        longest=max(len(s) for s in typed),
        key=key,
        key_bytes=bytes(DROPPED if k is None else ord(k) if len(k) == 1 else LONGER for k in key),
        numeral_keys=bytes.maketrans(
            b"0123456789", "".join(_key_char(token_of[n], table) for n in NUMERALS).encode("latin-1")
        ),
    )


_tables: SoundTables | None = None
_lock = threading.Lock()


def sound_tables() -> SoundTables:
    """Built once per process (about a tenth of a second)."""
    global _tables
    if _tables is None:
        with _lock:
            if _tables is None:
                _tables = _build()
    return _tables


@functools.lru_cache(maxsize=4096)
def segment(run: str) -> tuple[str, ...]:
    """A run of letters as syllables, with as few lone letters (initials) as possible, then as few
    pieces as possible (``xian`` is one syllable, as a pinyin reader takes it)."""
    t = sound_tables()
    n = len(run)
    # best[i]: (lone letters, pieces, previous cut) for the prefix run[:i]
    best: list[tuple[int, int, int]] = [(0, 0, 0)] + [(n + 1, n + 1, 0)] * n
    for end in range(1, n + 1):
        for start in range(max(0, end - t.longest), end):
            piece = run[start:end]
            if piece in t.typed:
                candidate = (best[start][0], best[start][1] + 1, start)
            elif end - start == 1:
                candidate = (best[start][0] + 1, best[start][1] + 1, start)
            else:
                continue
            if candidate[:2] < best[end][:2]:
                best[end] = candidate
    cuts: list[str] = []
    end = n
    while end > 0:
        start = best[end][2]
        cuts.append(run[start:end])
        end = start
    return tuple(reversed(cuts))


def sound_text(folded: str) -> str:
    """A normalised text (:func:`moderation.normalize.normalise`) as sound text, of the same length."""
    return folded.translate(sound_tables().table)


_DIGITS = b"0123456789"
_LOWER = b"abcdefghijklmnopqrstuvwxyz"
_UPPER = _LOWER.upper()
# Key bytes: everything but ASCII letters and digits. Lower-case letters and digits stand for
# themselves; upper-case letters, in the key of an original text only, for the letters that are also
# emoji (moderation.normalize.has_two_readings), which the matcher reads both ways.
DROPPED, LONGER = 0, 0x7F
_KEY_BYTES = bytes(b for b in range(256) if b not in _DIGITS + _LOWER + _UPPER + bytes((DROPPED, LONGER)))
# A key as its mask: lower-case letters as "a", upper-case "A", digits "0", anything else ".".
_MASK = bytes(
    ord("0") if b in _DIGITS else ord("a") if b in _LOWER else ord("A") if b in _UPPER else ord(".") for b in range(256)
)


def _key_char(ch: str, table: list[str | int | None]) -> str:
    """The key of one character of a normalised text or of a sound text: the same for a character
    and its token."""
    if "a" <= ch <= "z" or "0" <= ch <= "9":
        return ch
    code = ord(ch)
    token = table[code] if code < FAST_LIMIT else None
    if isinstance(token, str):
        code = ord(token)
    return chr(_KEY_BYTES[code % len(_KEY_BYTES)])


def _key_of_original(ch: str, t: SoundTables) -> str:
    if ord(ch) < FAST_LIMIT:
        return t.key[ord(ch)] or ""
    return "".join(_key_char(c, t.table) for c in normalise(ch))


def key_of(sound_text: str) -> bytes:
    """The key of a sound text (an entry's), as the automaton holds it."""
    table = sound_tables().table
    return "".join(_key_char(c, table) for c in sound_text).encode("latin-1")


class SoundKey(NamedTuple):
    """An original text's sound key, and its mask: one byte for each character of the normalised
    text, ``a`` where it has a letter, ``0`` a digit, ``.`` anything else."""

    key: bytes
    mask: bytes
    emoji_letters: bool  # the text has letters that are also emoji (they are letters in the key)


def sound_key(text: str) -> SoundKey:
    """One translation of the text; the rest are C loops over bytes."""
    t = sound_tables()
    try:
        key = text.translate(t.key_bytes).encode("latin-1")
    except UnicodeEncodeError:  # characters beyond the table (CJK extension B and up): rare
        key = "".join(_key_of_original(c, t) for c in text).encode("latin-1")
    else:
        if LONGER in key:
            key = text.translate(t.key).encode("latin-1")
        elif DROPPED in key:
            key = key.replace(b"\0", b"")
    mask = key.translate(_MASK)
    emoji_letters = b"A" in mask
    if emoji_letters:
        key = key.lower()
        mask = mask.replace(b"A", b"a")
    if b"0" in mask:
        key = key.translate(t.numeral_keys)
    return SoundKey(key, mask, emoji_letters)


def digit_beside_letter(mask: bytes) -> bool:
    """The normalised text may have digits for letters (``sh1t``): a digit next to a letter."""
    return b"a0" in mask or b"0a" in mask


def _as_themselves(chars: str) -> Any:
    """Characters without a reading stay themselves, one each (pypinyin's ``errors`` hook)."""
    return list(chars)


def _readings(folded_entry: str) -> list[list[str]]:
    """The entry as syllables (or characters without a reading): phrase readings, then per character."""
    from pypinyin import Style, lazy_pinyin

    pieces: list[str] = []
    position = 0
    for m in _RUNS.finditer(folded_entry):
        pieces.append(folded_entry[position : m.start()])
        pieces.append(m.group())
        position = m.end()
    pieces.append(folded_entry[position:])
    phrase: list[str] = []
    single: list[str] = []
    t = sound_tables()
    for piece in pieces:
        if not piece:
            continue
        if _RUNS.fullmatch(piece):
            for part in re.findall("[a-z]+|[0-9]", piece):
                said = [NUMERALS[int(part)]] if part.isdigit() else list(segment(part))
                phrase.extend(said)
                single.extend(said)
            continue
        phrase.extend(lazy_pinyin(piece, style=Style.NORMAL, errors=_as_themselves))
        for ch in piece:
            token = t.table[ord(ch)] if ord(ch) < FAST_LIMIT else None
            single.append(t.syllables[ord(token) - SYLLABLE_BASE] if isinstance(token, str) else ch)
    return [phrase] if phrase == single else [phrase, single]


def _variant(syllables: list[str], spelled: frozenset[int], initials: frozenset[int]) -> str:
    t = sound_tables()
    out: list[str] = []
    for i, s in enumerate(syllables):
        if s in t.typed and i in spelled:
            out.append(s)
        elif s in t.typed and i in initials:
            out.append(s[0])
        elif s in t.token_of:
            out.append(t.token_of[s])
        else:
            out.append(s)  # a character without a reading matches as itself
    return "".join(out)


def entry_sounds(folded_entry: str) -> list[str]:
    """The sound texts a normalised entry matches (see the module's description)."""
    t = sound_tables()
    found: dict[str, None] = {}
    none: frozenset[int] = frozenset()
    for syllables in _readings(folded_entry):
        spoken = [i for i, s in enumerate(syllables) if s in t.typed]
        found[_variant(syllables, none, none)] = None
        if len(spoken) >= 2:
            found[_variant(syllables, frozenset(spoken), none)] = None
            for i in spoken[:MAX_INITIALS_VARIANTS]:
                found[_variant(syllables, frozenset({i}), none)] = None
        if len(spoken) >= 3:
            for i in spoken[:MAX_INITIALS_VARIANTS]:
                found[_variant(syllables, none, frozenset({i}))] = None
            if len(spoken) == len(syllables):
                found[_variant(syllables, none, frozenset(spoken))] = None
    return [s for s in found if s]
