"""Stream names and the channel-layer group names built from them, in one place.

A stream is ``<kind>`` or ``<kind>:<id>``: the kind is dot-separated lower-case words
(``forum.thread``, ``moderation.queue``), the id letters, digits, ``_`` and ``-``. Channels
allows group names of ASCII letters, digits, ``-``, ``_`` and ``.`` shorter than 100
characters, so the group is ``rt.<kind>..<id>``: a kind never holds two dots in a row, which
keeps the mapping one-to-one, and the length caps below keep it under 100.
"""

from __future__ import annotations

import re

KIND_MAX = 40
ID_MAX = 48
KIND_PATTERN = r"[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*"
ID_PATTERN = r"[A-Za-z0-9_-]+"
STREAM_RE = re.compile(rf"^(?P<kind>{KIND_PATTERN})(?::(?P<id>{ID_PATTERN}))?$")
STREAM_MAX = KIND_MAX + 1 + ID_MAX


def parse_stream(stream: str) -> tuple[str, str]:
    """``"forum.thread:42"`` → ``("forum.thread", "42")``; a kind-only stream has id ``""``."""
    match = STREAM_RE.match(stream)
    if match is None or len(match["kind"]) > KIND_MAX or len(match["id"] or "") > ID_MAX:
        raise ValueError(f"not a stream name: {stream!r}")
    return match["kind"], match["id"] or ""


def stream_name(kind: str, stream_id: str) -> str:
    return f"{kind}:{stream_id}" if stream_id else kind


def stream_group(stream: str) -> str:
    """The channel-layer group every subscriber of ``stream`` (canonical name) joins."""
    kind, stream_id = parse_stream(stream)
    return f"rt.{kind}..{stream_id}" if stream_id else f"rt.{kind}"
