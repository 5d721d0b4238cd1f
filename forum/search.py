"""Character bigrams for Chinese search. Pure; no Django.

Chinese has no spaces between words, so words cannot be cut reliably without a dictionary.
Every overlapping pair of characters is indexed instead ("党员风采" → 党员, 员风, 风采): any
query of two or more characters is found by intersecting its bigrams, and the candidates are then
checked for the exact substring. Latin words are lower-cased and indexed the same way, so mixed
text ("学习XI讲话") works too.
"""

from __future__ import annotations

import html
import re
from collections import Counter

_SEPARATORS = re.compile(r"[\s\u3000\.,;:!?'\"()\[\]{}<>/\\|`~@#$%^&*+=\-_，。、；：！？“”‘’（）《》【】…—·]+")
TITLE_WEIGHT = 10


def normalise(text: str) -> str:
    return text.casefold()


def segments(text: str) -> list[str]:
    """The runs of text between separators; a bigram never spans punctuation or spaces."""
    return [s for s in _SEPARATORS.split(normalise(text)) if s]


def bigrams(text: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    for segment in segments(text):
        if len(segment) == 1:
            continue
        for i in range(len(segment) - 1):
            counts[segment[i : i + 2]] += 1
    return counts


def weighted_terms(*, text: str, title: str = "") -> dict[str, int]:
    """Index terms of a post with their weights: occurrences, title occurrences weighing more."""
    terms = Counter(bigrams(text))
    for term, count in bigrams(title).items():
        terms[term] += count * TITLE_WEIGHT
    return dict(terms)


def query_terms(query: str) -> list[str]:
    """Distinct bigrams of a query; empty when the query has no two adjacent characters."""
    return sorted(bigrams(query))


def query_needles(query: str) -> list[str]:
    """The query's segments: each must occur in a matching text."""
    return segments(query)


def highlight(text: str, needles: list[str], *, width: int = 60) -> str:
    """An escaped excerpt of ``text`` around the first hit, each hit wrapped in ``<mark>``."""
    lowered = normalise(text)
    if len(lowered) != len(text):  # a case mapping changed lengths (ß → ss): match as written
        lowered = text
    positions = [lowered.find(n) for n in needles if n]
    hits = [p for p in positions if p >= 0]
    start = max(0, min(hits) - width // 3) if hits else 0
    end = min(len(text), start + width * 2)
    excerpt = text[start:end]
    low = lowered[start:end]
    spans: list[tuple[int, int]] = []
    for needle in needles:
        pos = low.find(needle)
        while needle and pos >= 0:
            spans.append((pos, pos + len(needle)))
            pos = low.find(needle, pos + len(needle))
    merged: list[list[int]] = []
    for s, e in sorted(spans):
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    out: list[str] = ["…" if start > 0 else ""]
    pos = 0
    for s, e in merged:
        out.append(html.escape(excerpt[pos:s]))
        out.append(f"<mark>{html.escape(excerpt[s:e])}</mark>")
        pos = e
    out.append(html.escape(excerpt[pos:]))
    out.append("…" if end < len(text) else "")
    return "".join(out)
