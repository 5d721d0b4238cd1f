"""Is an occurrence a word, or a coincidence of running text? Pure Python, no Django.

The normaliser drops every separator, so ``赌 博`` and ``赌博`` look alike to the automaton — but
so do ``方法。轮到你了`` and ``法轮``, ``she's hit`` and ``shit``. These rules look at what lies
*between* the characters of an occurrence in the original text (its *gaps*) and around it:

1. **Invisible gaps do not count.** Zero-width and other format characters, combining marks and
   variation selectors are never a legitimate break between two characters.
2. **One clause break is running text.** An occurrence whose only visible gap is one clause
   mark (``，。、；：？！…`` and their ASCII forms; a run of dots is one mark, and so is the
   Chinese dash ``——``), with any spaces, quotes and brackets around it, or a line break, and
   a single character on one side of it, is the end of one clause and the start of the next
   (``方法。轮到``, ``他真傻，逼得我``): no match. Two or more gaps (``法，轮，功``), a mark after
   a space or repeated (``赌 , 博``, ``赌,,博``), or any other separator (``赌*博``, ``赌 博``,
   ``赌😀博``, ``色—情``) are an evasion; so is a pause inside a phrase (``打倒，共产党``).
3. **Words of spaced scripts are separated by spaces.** Between two letters or digits of a
   script that puts spaces between words (Latin, Cyrillic, Greek …), a gap with a space, an
   apostrophe or a clause mark is a word break unless the word is spelled out letter by letter
   on both sides of it (``f u c k``, ``f. u. c. k``); ``an al``, ``he'll`` and ``she's hit`` are
   several words. Other separators between letters (``fu*ck``, ``f_u_c_k``, ``fu.ck``) are an
   evasion. Chinese puts no spaces between words, so there a space is an evasion (``赌 博``).
   Two letters spelled out (``S. B.``) are initials, not a word.
4. **An entry that starts or ends with a letter or digit of a spaced script matches whole words
   only** (``ass`` not in ``glass``), and a spelled-out occurrence only when the letter-by-letter
   run does not go on (``a s s`` not in ``c l a s s``, but ``f u c k`` in ``you f u c k`` and
   ``b i t c h`` in ``son of a b i t c h``).

Gaps where the list entry itself has a separator (``kill yourself``) are the entry's own word
breaks and are accepted as they are.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import Enum

from moderation.normalize import Normalised, is_invisible, normalise, normalise_with_map

LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
# Clause marks of Chinese and Western prose (full-width forms are the same characters for NFKC,
# but the gap is read in the original text, so both are listed).
CLAUSE_MARKS = frozenset("。，、；：？！,.;:?!｡､﹐﹑﹒﹔﹕﹖﹗．…‥—―")
# Marks typed in runs that still read as one: ellipses (…… ... 。。。) and the Chinese dash (——).
RUN_MARKS = frozenset("。.．…‥—―｡")
# The Chinese dash is two em dashes (——); one alone between two characters is a separator.
DASHES = frozenset("—―")
APOSTROPHES = frozenset("'’‘ʼ`´′")
# Quotes and brackets around a clause break do not change it (”，“ 」，「).
_ENCLOSING = frozenset({"Pi", "Pf", "Ps", "Pe"})


class Gap(Enum):
    NONE = "none"  # adjacent, or only invisible characters between
    CLAUSE = "clause"  # one clause break of running text (or a line break)
    SPACED = "spaced"  # a space or an apostrophe, no clause mark
    OTHER = "other"  # any other separator: symbols, emoji, repeated punctuation …


def gap_kind(gap: str) -> Gap:
    visible = [c for c in gap if not is_invisible(c) or c in LINE_BREAKS]
    if not visible:
        return Gap.NONE
    if any(c in LINE_BREAKS for c in visible):
        return Gap.CLAUSE
    spaced = any(c.isspace() or c in APOSTROPHES for c in visible)
    core = [c for c in visible if not c.isspace() and unicodedata.category(c) not in _ENCLOSING]
    if not core:
        return Gap.SPACED if spaced else Gap.OTHER
    if len(set(core)) == 1 and (len(core) == 1 or core[0] in RUN_MARKS) and core[0] in CLAUSE_MARKS:
        # Prose attaches a clause mark to the word before it (no space before the mark), and an
        # ASCII full stop is followed by a space: ``赌 , 博``, ``赌.博`` and ``fu.ck`` are not prose.
        before = visible[: visible.index(core[0])]
        if any(c.isspace() for c in before) or (core[0] == "." and not spaced):
            return Gap.OTHER
        if core[0] in DASHES and len(core) < 2:
            return Gap.OTHER
        return Gap.CLAUSE
    if all(c in APOSTROPHES for c in core):
        return Gap.SPACED
    return Gap.OTHER


def spaced_script(c: str) -> bool:
    """A letter or digit of a script that separates its words with spaces."""
    if not c.isalnum():
        return False
    cp = ord(c)
    return cp < 0x0E00 or 0x1E00 <= cp < 0x2000 or 0xAC00 <= cp <= 0xD7A3 or 0xA640 <= cp < 0xA700


def word_class(c: str) -> str:
    """Spaced-script words end where letters meet non-letters, numbers where digits meet non-digits."""
    if not spaced_script(c):
        return ""
    return "digit" if c.isdigit() else "letter"


@dataclass(frozen=True)
class Shape:
    """An occurrence ``[start, end)`` of the normalised text and the gaps between its characters."""

    norm: Normalised
    start: int
    end: int
    gaps: tuple[Gap, ...]  # gaps[k]: between normalised characters start+k and start+k+1
    at_break: tuple[bool, ...]  # whether gaps[k] is where the entry itself has a word break

    @classmethod
    def of(cls, norm: Normalised, start: int, end: int, entry_breaks: frozenset[int]) -> Shape:
        origin, source = norm.origin, norm.source
        if origin[end - 1] - origin[start] == end - 1 - start:  # contiguous: the usual case
            gaps: tuple[Gap, ...] = (Gap.NONE,) * (end - 1 - start)
        else:
            gaps = tuple(gap_kind(source[origin[i] + 1 : origin[i + 1]]) for i in range(start, end - 1))
        at_break = tuple(k + 1 in entry_breaks for k in range(len(gaps))) if entry_breaks else (False,) * len(gaps)
        return cls(norm=norm, start=start, end=end, gaps=gaps, at_break=at_break)

    @property
    def spelled(self) -> bool:
        return any(g is not Gap.NONE and not b for g, b in zip(self.gaps, self.at_break, strict=True))

    def is_word(self) -> bool:
        """Rules 2 and 3, and the entry's own word breaks."""
        if not self.spelled and not any(self.at_break):
            return True
        text, start = self.norm.text, self.start
        if self.end - start <= 2 and self.spelled and all(spaced_script(c) for c in text[start : self.end]):
            return False  # initials, not a spelled-out word: "S. B. Johnson", "A V"
        pieces = self._piece_lengths()
        piece = 0
        visible: list[tuple[Gap, int]] = []  # (gap, index of the piece before it)
        for k, gap in enumerate(self.gaps):
            if gap is Gap.NONE:
                continue
            spaced = spaced_script(text[start + k]) and spaced_script(text[start + k + 1])
            if self.at_break[k]:
                if gap is Gap.CLAUSE and spaced:
                    return False  # a sentence ends where the entry has a space: "kill. Yourself?"
            else:
                visible.append((gap, piece))
                if gap is not Gap.OTHER and spaced and (pieces[piece] > 1 or pieces[piece + 1] > 1):
                    return False  # two words: "an al", "he'll", "she's hit"
            piece += 1
        if len(visible) == 1 and visible[0][0] is Gap.CLAUSE:
            before = visible[0][1]
            if pieces[before] == 1 or pieces[before + 1] == 1:
                return False  # the end of one clause and the start of the next: "方法。轮到"
        return True

    def _piece_lengths(self) -> list[int]:
        lengths = [1]
        for gap in self.gaps:
            if gap is Gap.NONE:
                lengths[-1] += 1
            else:
                lengths.append(1)
        return lengths

    def whole_word(self, *, left: bool, right: bool) -> bool:
        """Rule 4, on the sides where the entry starts or ends with a spaced-script letter or digit."""
        norm = self.norm
        if left:
            if self.start > 0 and norm.origin[self.start - 1] == norm.origin[self.start]:
                return False  # the occurrence begins inside one original character's expansion
            if not self._boundary(norm.origin[self.start] - 1, -1, word_class(norm.text[self.start])):
                return False
        if right:
            if self.end < len(norm.origin) and norm.origin[self.end] == norm.origin[self.end - 1]:
                return False
            if not self._boundary(norm.origin[self.end - 1] + 1, 1, word_class(norm.text[self.end - 1])):
                return False
        return True

    def _boundary(self, index: int, step: int, mine: str) -> bool:
        source = self.norm.source
        i = _skip_invisible(source, index, step)
        if not 0 <= i < len(source):
            return True
        folded = normalise(source[i])
        if folded:
            return word_class(folded[-1] if step < 0 else folded[0]) != mine
        if not self.spelled:
            return True
        # A spelled-out occurrence: is the letter beyond the separators one more spelled-out
        # letter of a longer word ("c l [a s s]") or the edge of an ordinary word ("you [f u c k]")?
        # A single letter beyond it continues the spelled-out run ("H E L [L O]"), unless a word of
        # several letters comes after that letter: then it is a word of its own ("son of a [b i t c h]").
        i = _skip_separators(source, i, step)
        if not 0 <= i < len(source) or not _single_letter(source, i, step, mine):
            return True
        beyond = _skip_separators(source, i + step, step)
        return 0 <= beyond < len(source) and _longer_word(source, beyond, step, mine)


def _skip_separators(source: str, index: int, step: int) -> int:
    i = index
    while 0 <= i < len(source) and not normalise(source[i]):
        i += step
    return i


def _single_letter(source: str, index: int, step: int, mine: str) -> bool:
    """Whether ``source[index]`` is a letter of class ``mine`` standing alone (separators after it)."""
    folded = normalise(source[index])
    if word_class(folded[-1] if step < 0 else folded[0]) != mine or len(folded) != 1:
        return False
    after = _skip_invisible(source, index + step, step)
    return not (0 <= after < len(source) and normalise(source[after]))


def _longer_word(source: str, index: int, step: int, mine: str) -> bool:
    """Whether ``source[index]`` is a letter of class ``mine`` that a word of several letters goes on from."""
    folded = normalise(source[index])
    if word_class(folded[-1] if step < 0 else folded[0]) != mine:
        return False
    return not _single_letter(source, index, step, mine)


def _skip_invisible(source: str, index: int, step: int) -> int:
    i = index
    while 0 <= i < len(source) and is_invisible(source[i]) and source[i] not in LINE_BREAKS:
        i += step
    return i


def entry_breaks(word: str) -> frozenset[int]:
    """Positions in the normalised entry preceded by a visible separator in the entry as written."""
    norm_entry = normalise_with_map(word)
    return frozenset(
        i
        for i in range(1, len(norm_entry.text))
        if gap_kind(word[norm_entry.origin[i - 1] + 1 : norm_entry.origin[i]]) is not Gap.NONE
    )
