"""Matching by sound: homophones, pinyin, pinyin initials and digits read as toneless syllables. Pure Python.

An entry marked *match by sound* is compared with the text on toneless pinyin as well as on
characters, so the usual spellings that keep a word's sound but not its characters match:

* homophones and variant characters (``赌搏`` and ``睹博`` for ``赌博``, ``灋轮`` for ``法轮``): every
  character is read as its syllable, from pypinyin's dictionary (the Unihan readings);
* pinyin, alone or mixed with characters (``dubo``, ``fa lun``, ``法lun功``), split into syllables;
* initials mixed with characters (``f轮功``, ``法l功``), one initial per entry; all initials for an
  entry of three syllables or more (``flg``, ``tmd``), which for two would be too common a pair
  of letters (``db``, ``sb`` have their own entries where a list wants them);
* digits read as Chinese numerals (``64`` for ``六四``).

Both sides are written as *sound text*: one private-use character per syllable (and one per lone
initial letter), so the same Aho–Corasick automaton that matches characters matches sounds, and
turning a normalised text into sound text is one :meth:`str.translate` plus, only for runs of
Latin letters, a segmentation into syllables (cached per run).

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

# Sound tokens live in the private-use area, which the normaliser drops from every text, so a
# token never meets a character of the text itself.
SYLLABLE_BASE = 0xE000
INITIAL_BASE = 0xE800
NUMERALS = ("ling", "yi", "er", "san", "si", "wu", "liu", "qi", "ba", "jiu")
# Syllables that are a vowel alone double as the initial of the syllables they start (安 → a).
VOWEL_SYLLABLES = frozenset("aeo")
FAST_LIMIT = 0x20000
MAX_INITIALS_VARIANTS = 16

_LETTERS = re.compile("[a-z]+")
_RUNS = re.compile("[a-z0-9]+")


def toneless(reading: str) -> str:
    reading = reading.replace("ü", "v").replace("ǖ", "v").replace("ǘ", "v").replace("ǚ", "v").replace("ǜ", "v")
    return "".join(c for c in unicodedata.normalize("NFD", reading) if not unicodedata.combining(c))


@dataclass(frozen=True)
class SoundTables:
    syllables: tuple[str, ...]
    token_of: dict[str, str]  # syllable → its token
    # Indexed by code point below FAST_LIMIT: a Han character's syllable token, a digit's numeral.
    table: list[str | int | None]
    # Syllables a run of letters may be split into (a consonant alone, 嗯 n, is no syllable there).
    typed: frozenset[str]
    longest: int


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
    return SoundTables(
        syllables=syllables, token_of=token_of, table=table, typed=typed, longest=max(len(s) for s in typed)
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


def initial_token(letter: str) -> str:
    t = sound_tables()
    if letter in VOWEL_SYLLABLES:
        return t.token_of[letter]
    return chr(INITIAL_BASE + ord(letter) - ord("a"))


def initials_in(spoken: str) -> int:
    """How many tokens of a sound text are lone initial letters."""
    return sum(1 for c in spoken if INITIAL_BASE <= ord(c) < INITIAL_BASE + 26)


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


@functools.lru_cache(maxsize=4096)
def _run_tokens(run: str) -> str:
    t = sound_tables()
    return "".join(t.token_of[p] if p in t.typed else initial_token(p) for p in segment(run))


def _letters_to_tokens(m: re.Match[str]) -> str:
    return _run_tokens(m.group())


def sound_text(folded: str) -> str:
    """A normalised text (:func:`moderation.normalize.normalise`) as sound tokens."""
    out = folded.translate(sound_tables().table)
    if _LETTERS.search(out) is None:
        return out
    return _LETTERS.sub(_letters_to_tokens, out)


def sound_spans(folded: str) -> list[tuple[int, int]]:
    """For every token of ``sound_text(folded)``, the ``[start, end)`` of ``folded`` it reads."""
    spans: list[tuple[int, int]] = []
    position = 0
    for m in _LETTERS.finditer(folded):
        spans.extend((i, i + 1) for i in range(position, m.start()))
        start = m.start()
        for piece in segment(m.group()):
            spans.append((start, start + len(piece)))
            start += len(piece)
        position = m.end()
    spans.extend((i, i + 1) for i in range(position, len(folded)))
    return spans


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
                spoken = [NUMERALS[int(part)]] if part.isdigit() else list(segment(part))
                phrase.extend(spoken)
                single.extend(spoken)
            continue
        phrase.extend(lazy_pinyin(piece, style=Style.NORMAL, errors=lambda chars: list(chars)))
        for ch in piece:
            token = t.table[ord(ch)] if ord(ch) < FAST_LIMIT else None
            single.append(t.syllables[ord(token) - SYLLABLE_BASE] if isinstance(token, str) else ch)
    return [phrase] if phrase == single else [phrase, single]


def _as_tokens(syllables: list[str], initials: frozenset[int]) -> str:
    t = sound_tables()
    out: list[str] = []
    for i, s in enumerate(syllables):
        if s in t.typed:
            out.append(initial_token(s[0]) if i in initials else t.token_of[s])
        elif len(s) == 1 and "a" <= s <= "z":
            out.append(initial_token(s))  # a lone letter typed in the entry: an initial
        elif s in t.token_of:
            out.append(t.token_of[s])  # 嗯 (n): a reading the text side gives it too
        else:
            out.append(s)  # a character without a reading matches as itself
    return "".join(out)


def entry_sounds(folded_entry: str) -> list[str]:
    """The sound texts an entry matches: its readings, each with one syllable given as its initial,
    and all initials for three syllables or more."""
    t = sound_tables()
    found: dict[str, None] = {}
    for syllables in _readings(folded_entry):
        spoken = [i for i, s in enumerate(syllables) if s in t.typed]
        found[_as_tokens(syllables, frozenset())] = None
        if len(spoken) >= 2:
            for i in spoken[:MAX_INITIALS_VARIANTS]:
                found[_as_tokens(syllables, frozenset({i}))] = None
        if len(spoken) >= 3 and len(spoken) == len(syllables):
            found[_as_tokens(syllables, frozenset(spoken))] = None
    return [s for s in found if s]
