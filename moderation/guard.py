"""The confidentiality guard (保密, 涉密不上网): classification markings never go online. Pure Python.

What counts as a marking is its *shape*, not its words — the bare words 机密 and 秘密 are
ordinary prose (商业机密, 秘密花园):

* a level followed by a star-like mark, optionally with the period: ``绝密★``, ``机密★1年``,
  ``秘密★长期``, ``绝密★启用前``. Without a period, a level written as the end of a longer word
  (``我的小秘密☆``, ``商业机密*`` with a footnote mark: a Chinese character right before it, no
  separator) is decoration, not a marking; with a period it is always a marking;
* a level label: ``密级：机密``, ``密级:秘密``, ``密级 绝密``, ``保密级别：秘密`` — but not a label
  followed by a list of levels (``密级：绝密、机密、秘密三个等级`` explains the levels);
* the internal-material notice: ``内部资料 注意保密`` (also ``内部文件，请注意保密``).

The guard runs on the guard normalisation (:func:`moderation.normalize.normalise_for_guard`):
spaces, punctuation, zero-width characters and emoji between the characters are gone,
traditional characters are simplified (絕密 → 绝密, 祕密 → 秘密), full-width forms folded, and
every star-like mark (☆ * ＊ ✱ …) is ``★``, so ``機 密 ☆ 1 年`` is caught too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from moderation.gaps import spaced_script
from moderation.normalize import (
    Normalised,
    is_invisible,
    normalise,
    normalise_for_guard,
    normalise_for_guard_with_map,
    tables,
)

_LEVEL = "(?:绝密|机密|秘密)"
_NUMBER = "(?:[0-9]+|[一二三四五六七八九十百两〇零半]+)"
_PERIOD = f"(?:{_NUMBER}(?:年|个月|月|日|天|周)|长期|永久|启用前|公布前)"
MARKING = re.compile(
    "|".join(
        [
            f"(?P<starred>{_LEVEL}★+(?P<period>{_PERIOD})?)",
            f"(?P<label>(?:密级|保密级别|保密等级):?{_LEVEL}(?!{_LEVEL})(?:★+{_PERIOD}?)?)",
            "(?P<notice>内部(?:资料|文件|材料|刊物)(?:请|务必)?(?:注意|严格)保密"
            "|(?:注意|严格)保密(?:的)?内部(?:资料|文件|材料|刊物))",
        ]
    )
)

# Every marking contains this character, so texts without it are skipped after one `in` test.
_KEY = "密"
_key_sources: re.Pattern[str] | None = None


def _has_key(text: str) -> bool:
    """Whether ``text`` has any character that normalises to 密: a C-speed scan of the raw text."""
    global _key_sources
    if _key_sources is None:
        _key_sources = re.compile(f"[{re.escape(tables().sources_of(_KEY))}]")
    return _key_sources.search(text) is not None


@dataclass(frozen=True)
class Marking:
    kind: str  # "starred" | "label" | "notice"
    marking: str  # the marking as normalised, e.g. "机密★1年"
    start: int  # original offsets, end exclusive
    end: int


def markings_find(text: str) -> list[Marking]:
    if not _has_key(text):
        return []
    folded = normalise_for_guard(text)
    if _KEY not in folded or MARKING.search(folded) is None:
        return []
    norm = normalise_for_guard_with_map(text, folded)
    found: list[Marking] = []
    for m in MARKING.finditer(norm.text):
        kind = m.lastgroup if m.lastgroup in ("starred", "label", "notice") else "starred"
        if kind == "starred" and not m.group("period") and _ends_a_word(norm, m.start()):
            continue
        start, end = norm.span(m.start(), m.end())
        found.append(Marking(kind=kind, marking=m.group(), start=start, end=end))
    return found


def _ends_a_word(norm: Normalised, level_start: int) -> bool:
    """Whether the level is glued to a Chinese character before it (``小秘密★``)."""
    i = norm.origin[level_start] - 1
    while i >= 0 and is_invisible(norm.source[i]):
        i -= 1
    if i < 0:
        return False
    before = normalise(norm.source[i])
    return bool(before) and before[-1].isalpha() and not spaced_script(before[-1])


def is_classified(text: str) -> bool:
    return bool(markings_find(text))
