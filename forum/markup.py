"""The forum's rich text: a small Markdown subset rendered to HTML. Pure; no Django.

Raw HTML in the source is escaped, never passed through (``html=False``); the moderation
pipeline then sanitises the result with its allowlist, so a rendering bug cannot open a hole.
Mentions are ``@username`` (the login name: real names are not unique).
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt

_md = MarkdownIt("zero", {"html": False, "linkify": False, "breaks": True}).enable(
    ["emphasis", "link", "list", "blockquote", "backticks", "fence", "code", "newline", "strikethrough", "escape"]
)

MENTION_RE = re.compile(r"(?<![\w@.])@([A-Za-z0-9_.\-]{1,150})")
MAX_MENTIONS = 20


def render_markdown(source: str) -> str:
    """Markdown (the subset above) to HTML; the caller still sanitises it."""
    return _md.render(source).strip()


def mentioned_usernames(source: str) -> list[str]:
    """Distinct ``@username`` mentions in order of appearance, at most :data:`MAX_MENTIONS`."""
    seen: dict[str, None] = {}
    for match in MENTION_RE.finditer(source):
        name = match.group(1).rstrip(".-")
        if name:
            seen.setdefault(name, None)
        if len(seen) >= MAX_MENTIONS:
            break
    return list(seen)


def quote_source(*, author: str, text: str, limit: int = 200) -> str:
    """A Markdown blockquote of another post's plain text, for a reply that quotes it."""
    excerpt = text.strip()
    if len(excerpt) > limit:
        excerpt = excerpt[:limit] + "…"
    lines = [f"> {author}:"] + [f"> {line}" for line in excerpt.splitlines() if line.strip()]
    return "\n".join(lines) + "\n\n"
