"""NUL characters, which no person types and PostgreSQL text cannot hold (a DataError, so a 500
or a 1011, wherever such text reached a query): refused where a request or a frame arrives."""

from __future__ import annotations

import re
from collections.abc import Iterable

# In JSON a NUL is the escape \u0000 (raw control characters are not JSON), unless its backslash
# is itself escaped: the escape counts after an even run of backslashes.
_JSON_NUL = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")


def any_nul(texts: Iterable[str]) -> bool:
    return any("\x00" in text for text in texts)


def json_has_nul(text: str) -> bool:
    """Whether the JSON ``text`` holds a NUL in a string (or a key)."""
    return "\\u0000" in text and _JSON_NUL.search(text) is not None
