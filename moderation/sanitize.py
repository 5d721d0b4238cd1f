"""Rich text reduced to a safe allowlist. Pure Python; the one place that knows the sanitiser.

The design names bleach, so :func:`sanitize_html` uses it by default. Bleach's maintainers have
declared it deprecated and nh3 (the Rust ammonia binding) is many times faster, so the same
policy is also expressed for nh3 and the backend is chosen by ``MODERATION_SANITIZER``
(``bleach`` | ``nh3``) in the environment; the tests run every XSS vector through both and
``bench/moderation.py`` measures both on the same posts.

Policy: a small set of formatting tags; links keep ``href``/``title`` and always get
``rel="nofollow noopener"``; images keep ``src``/``alt``/``title``; only http, https and mailto
URLs (so no ``javascript:``, ``data:`` or ``vbscript:``, however obfuscated); no ``style``, no
event handlers, no ``class``/``id``; comments dropped. Disallowed tags are removed and their text
kept as text, except script/style-like elements whose content goes too.
"""

from __future__ import annotations

import html
import os
import re
from functools import partial
from typing import Any

import bleach
import nh3
from bleach.linkifier import LinkifyFilter

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "b", "strong", "i", "em", "u", "s", "del", "sub", "sup", "blockquote", "code", "pre",
        "ul", "ol", "li", "a", "img", "h3", "h4", "h5", "hr", "table", "thead", "tbody", "tr", "th", "td",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES: dict[str, frozenset[str]] = {
    "a": frozenset({"href", "title"}),
    "img": frozenset({"src", "alt", "title"}),
    "th": frozenset({"colspan", "rowspan"}),
    "td": frozenset({"colspan", "rowspan"}),
}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener"
# Elements whose content is code or data, never prose: dropped with their content.
DROPPED_WITH_CONTENT = frozenset(
    {"script", "style", "template", "noscript", "iframe", "object", "embed", "svg", "math"}
)

_DROPPED_BLOCK = re.compile(
    r"<(" + "|".join(sorted(DROPPED_WITH_CONTENT)) + r")\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL
)


def _set_rel(attrs: dict[Any, str], new: bool = False) -> dict[Any, str]:
    attrs[(None, "rel")] = LINK_REL
    return attrs


_bleach_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes={tag: list(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
    # Linkifying existing links only (no bare-URL detection) is how bleach adds rel to every <a>.
    filters=[partial(LinkifyFilter, callbacks=[_set_rel], skip_tags={"pre", "code"}, parse_email=False)],
)


def _sanitize_bleach(raw: str) -> str:
    # bleach keeps the text of removed elements; a <script> body as visible text is harmless but
    # noise, so code-like elements go first, with their content.
    return _bleach_cleaner.clean(_DROPPED_BLOCK.sub("", raw))


def _sanitize_nh3(raw: str) -> str:
    return nh3.clean(
        raw,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_PROTOCOLS),
        link_rel=LINK_REL,
        strip_comments=True,
    )


BACKENDS = {"bleach": _sanitize_bleach, "nh3": _sanitize_nh3}


def sanitize_html(raw: str, *, backend: str | None = None) -> str:
    """Safe HTML for ``raw`` rich text; ``backend`` overrides the configured sanitiser."""
    name = backend or os.environ.get("MODERATION_SANITIZER", "bleach")
    try:
        clean = BACKENDS[name]
    except KeyError:
        raise ValueError(f"unknown sanitiser {name!r}; expected one of {sorted(BACKENDS)}") from None
    return clean(raw)


def escape_plain(text: str) -> str:
    """Plain text (chat, questions) as HTML: escaped, never parsed."""
    return html.escape(text, quote=True)


# A tag in sanitiser output: attribute values are always double-quoted, but may contain ">".
_TAG = re.compile(r"""<(?:[^>"']|"[^"]*"|'[^']*')*>""")


def html_segments(clean: str) -> list[tuple[bool, str]]:
    """Split sanitised HTML into ``(is_text, piece)``; text pieces are unescaped."""
    pieces: list[tuple[bool, str]] = []
    pos = 0
    for m in _TAG.finditer(clean):
        if m.start() > pos:
            pieces.append((True, html.unescape(clean[pos : m.start()])))
        pieces.append((False, m.group()))
        pos = m.end()
    if pos < len(clean):
        pieces.append((True, html.unescape(clean[pos:])))
    return pieces


def html_join(pieces: list[tuple[bool, str]]) -> str:
    return "".join(html.escape(p, quote=False) if is_text else p for is_text, p in pieces)
