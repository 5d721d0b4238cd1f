"""The pure part of the pipeline: sanitise → normalise → match → guard → decide. No Django.

:func:`evaluate` turns one piece of text and a compiled word list into a :class:`Decision`.
``moderation.pipeline.moderate`` adds what needs the database (sanctions, lists per
organisation, flood control, the archive) around it; ``moderation_scan`` calls it directly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from moderation.guard import Marking, markings_find
from moderation.matcher import EMPTY, CompiledList, ListAction, Match
from moderation.sanitize import escape_plain, html_join, html_segments, sanitize_html

Kind = Literal["rich", "plain"]
CENSOR_CHAR = "＊"


class Verdict(StrEnum):
    ALLOW = "allow"
    CENSOR = "censor"
    HOLD = "hold"
    BLOCK = "block"


def gettext_noop(message: str) -> str:
    """Marks a message for translation; the pipeline translates it when it is shown."""
    return message


@dataclass(frozen=True)
class Reason:
    """Why: a stable code and an English message (a msgid) with its parameters."""

    code: str
    template: str
    params: tuple[tuple[str, str], ...] = ()

    def render(self, translate: object = None) -> str:
        template = translate(self.template) if callable(translate) else self.template
        return str(template) % dict(self.params) if self.params else str(template)


@dataclass(frozen=True)
class Decision:
    action: Verdict
    reasons: tuple[Reason, ...]
    matches: tuple[Match, ...]  # word-list matches; offsets into ``plain``
    markings: tuple[Marking, ...]  # classification markings; offsets into the input
    plain: str  # the text content, censored ("" when blocked): what the CLI prints
    html: str  # safe HTML to show others, censored ("" when blocked)
    flagged: bool = False  # published, and queued for a moderator's look
    kind: Kind = "plain"
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The content as stored and shown: safe HTML for rich text, censored plain text for plain."""
        return self.html if self.kind == "rich" else self.plain

    @property
    def published(self) -> bool:
        return self.action in (Verdict.ALLOW, Verdict.CENSOR)

    @property
    def classified(self) -> bool:
        return bool(self.markings)


MESSAGES = {
    "classified": gettext_noop(
        "This looks like classified material (marking “%(marking)s”). Classified material must never be posted online."
    ),
    ListAction.BLOCK: gettext_noop("“%(word)s” is not allowed here."),
    ListAction.HOLD: gettext_noop("“%(word)s” needs a moderator's approval; your post will appear once approved."),
    ListAction.CENSOR: gettext_noop("“%(word)s” was masked."),
    ListAction.FLAG: gettext_noop("“%(word)s” was noted for a moderator's look."),
}


def _censor(text: str, spans: list[tuple[int, int]]) -> str:
    if not spans:
        return text
    chars = list(text)
    for start, end in spans:
        for i in range(start, end):
            chars[i] = CENSOR_CHAR
    return "".join(chars)


def _verdict(matches: list[Match]) -> Verdict:
    actions = {m.action for m in matches}
    if ListAction.BLOCK in actions:
        return Verdict.BLOCK
    if ListAction.HOLD in actions:
        return Verdict.HOLD
    if ListAction.CENSOR in actions:
        return Verdict.CENSOR
    return Verdict.ALLOW


def _reasons(matches: list[Match]) -> list[Reason]:
    seen: set[tuple[str, str]] = set()
    reasons: list[Reason] = []
    for m in matches:
        if (m.action, m.word) in seen:
            continue
        seen.add((m.action, m.word))
        reasons.append(Reason(code=f"word_{m.action}", template=MESSAGES[m.action], params=(("word", m.word),)))
    return reasons


def _blocked_classified(markings: list[Marking], kind: Kind) -> Decision:
    reason = Reason(code="classified", template=MESSAGES["classified"], params=(("marking", markings[0].marking),))
    return Decision(
        action=Verdict.BLOCK, reasons=(reason,), matches=(), markings=tuple(markings), plain="", html="", kind=kind
    )


def evaluate(*, text: str, kind: Kind, matcher: CompiledList | None = None, mailbox: bool = False) -> Decision:
    """Decide on one text. ``mailbox``: private messages only pass sanitising and the guard."""
    matcher = EMPTY if mailbox or matcher is None else matcher
    # The guard sees the raw input first: a marking hidden in an attribute or a dropped <script>
    # must not be stored either.
    markings = markings_find(text)
    if markings:
        return _blocked_classified(markings, kind)
    if kind == "plain":
        matches = matcher.scan(text)
        censored = _censor(text, [(m.start, m.end) for m in matches if m.action == ListAction.CENSOR])
        verdict = _verdict(matches)
        if verdict == Verdict.BLOCK:
            return Decision(Verdict.BLOCK, tuple(_reasons(matches)), tuple(matches), (), "", "", kind=kind)
        return Decision(
            action=verdict,
            reasons=tuple(_reasons(matches)),
            matches=tuple(matches),
            markings=(),
            plain=censored,
            html=escape_plain(censored),
            flagged=any(m.action == ListAction.FLAG for m in matches),
            kind=kind,
        )
    clean = sanitize_html(text)
    pieces = html_segments(clean)
    content, text_offsets = _text_content(pieces)
    if content != text:
        markings = markings_find(content)  # markings split by tags (机<b>密</b>★)
        if markings:
            return _blocked_classified(markings, kind)
    matches = matcher.scan(content)
    verdict = _verdict(matches)
    if verdict == Verdict.BLOCK:
        return Decision(Verdict.BLOCK, tuple(_reasons(matches)), tuple(matches), (), "", "", kind=kind)
    spans = [(m.start, m.end) for m in matches if m.action == ListAction.CENSOR]
    html = clean
    if spans:
        content = _censor(content, spans)
        offsets = iter(text_offsets)
        censored_pieces: list[tuple[bool, str]] = []
        for is_text, piece in pieces:
            if is_text:
                offset = next(offsets)
                censored_pieces.append((True, content[offset : offset + len(piece)]))
            else:
                censored_pieces.append((False, piece))
        html = html_join(censored_pieces)
    return Decision(
        action=verdict,
        reasons=tuple(_reasons(matches)),
        matches=tuple(matches),
        markings=(),
        plain=content,
        html=html,
        flagged=any(m.action == ListAction.FLAG for m in matches),
        kind=kind,
    )


# Tags that end a block of text: the text on either side is not one run of words, so a line
# break stands for them in the text that is matched (``<p>方法</p><p>轮到你</p>`` is two clauses).
_BLOCK_TAG = re.compile(r"</?(?:p|br|li|ul|ol|blockquote|pre|h[1-6]|hr|table|thead|tbody|tr|th|td|div)\b", re.I)


def _text_content(pieces: list[tuple[bool, str]]) -> tuple[str, list[int]]:
    """The text of sanitised HTML (a line break for block boundaries) and where each text piece starts."""
    parts: list[str] = []
    offsets: list[int] = []
    position = 0
    broken = False
    for is_text, piece in pieces:
        if not is_text:
            broken = broken or _BLOCK_TAG.match(piece) is not None
            continue
        if broken and parts:
            parts.append("\n")
            position += 1
        broken = False
        offsets.append(position)
        parts.append(piece)
        position += len(piece)
    return "".join(parts), offsets
