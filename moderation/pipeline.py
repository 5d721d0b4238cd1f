"""The one entry point features call before anyone else sees a piece of content.

::

    decision = moderate(text=body, kind="rich", author=actor, organisation=thread.organisation)
    # blocked → ContentBlocked was raised (code "content_blocked", reasons in its details)
    # decision.text: what to store and show; decision.action: allow | censor | hold
    post = Post.objects.create(body=decision.text, visible=decision.published, ...)
    content_submit(obj=post, decision=decision, by=actor)   # archive + review queue

Order: sanctions (a muted member is refused first) → per-member rate limit → the pure pipeline
(:func:`moderation.decision.evaluate`: sanitise, normalise, match the organisation chain's lists,
confidentiality guard) → repeated text and links from new members.

Call it *before* opening the transaction that stores the content: a classification-marking
attempt is archived (digest and author only) and that record must survive the refusal.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from kernel.errors import DomainError
from members.access import Actor
from members.models import Organisation
from moderation import archive
from moderation.decision import Decision, Kind, Reason, Verdict, evaluate, gettext_noop
from moderation.lists import compiled_for
from moderation.matcher import EMPTY
from moderation.models import ContentFingerprint
from moderation.normalize import normalise
from moderation.sanctions import ensure_can_post

DEFAULTS: dict[str, object] = {
    # Posts per member: a token bucket (per second, burst), shared across processes with Redis.
    "POST_RATE": (0.5, 10),
    # The same text (after normalisation) this many times within the window is refused.
    "DUPLICATE_LIMIT": 3,
    "DUPLICATE_WINDOW_MINUTES": 10,
    # Shorter texts ("收到", "同意", "+1") are legitimately repeated in meetings and chats.
    "DUPLICATE_MIN_LENGTH": 8,
    # A member younger than this many days posting more links than allowed is held for review.
    "NEW_MEMBER_DAYS": 7,
    "NEW_MEMBER_MAX_LINKS": 2,
}


def conf(name: str) -> Any:
    return getattr(settings, f"MODERATION_{name}", DEFAULTS[name])


class ContentBlocked(DomainError):
    code = "content_blocked"
    status = 422
    default_message = gettext_lazy("This content cannot be published.")


BLOCKING_REASONS = frozenset({"classified", "word_block", "duplicate"})

_LINK = re.compile(r"https?://|www\.|<a\s", re.IGNORECASE)


def reasons_text(decision: Decision) -> list[dict[str, str]]:
    return [{"code": r.code, "message": r.render(gettext)} for r in decision.reasons]


def moderate(
    *,
    text: str,
    kind: Kind,
    author: Actor,
    organisation: Organisation | None,
    mailbox: bool = False,
    refuse_blocked: bool = True,
) -> Decision:
    """Decide on a piece of content; raises Muted/Suspended, RateLimited, or ContentBlocked."""
    ensure_can_post(author)
    if not mailbox and author.member_id is not None:
        _rate_limit(author)
    matcher = EMPTY if mailbox else compiled_for(organisation)
    decision = evaluate(text=text, kind=kind, matcher=matcher, mailbox=mailbox)
    if decision.classified:
        record_classified_attempt(text=text, kind=kind, author=author, organisation=organisation, decision=decision)
    elif not mailbox and author.member_id is not None and decision.action != Verdict.BLOCK:
        decision = _flood_checks(decision, author=author, text=text)
    if refuse_blocked and decision.action == Verdict.BLOCK:
        raise _refusal(decision)
    return decision


def _refusal(decision: Decision) -> ContentBlocked:
    reasons = reasons_text(decision)
    # The author is told what refused the text, not what would only have held it.
    refusing = [r for r in reasons if r["code"] in BLOCKING_REASONS] or reasons
    return ContentBlocked(refusing[0]["message"] if refusing else None, reasons=reasons)


def guard_texts(
    *, texts: Iterable[str], author: Actor, organisation: Organisation | None = None, sanctions: bool = True
) -> None:
    """The confidentiality guard for texts that are not published as content (meeting titles and
    agendas, vote titles, names): sanctions and the guard only; a classification marking raises
    ``ContentBlocked`` and is archived as an attempt (digest only), like a post's. Call it before
    the transaction that stores the texts. Every field it protects is listed in moderation.doors.
    ``sanctions=False`` for a text a muted member may still write (a flag's note, a moderator's reason)."""
    present = [text for text in texts if text and text.strip()]
    if present and sanctions:
        ensure_can_post(author)
    for text in present:
        decision = evaluate(text=text, kind="plain", mailbox=True)
        if decision.classified:
            record_classified_attempt(
                text=text, kind="plain", author=author, organisation=organisation, decision=decision
            )
            raise _refusal(decision)


def _rate_limit(author: Actor) -> None:
    from kernel.ratelimit import check

    rate, burst = conf("POST_RATE")
    check(f"moderation.post:{author.member_id}", rate=float(rate), burst=int(burst))


def record_classified_attempt(
    *, text: str, kind: Kind, author: Actor, organisation: Organisation | None, decision: Decision
) -> None:
    # Only the digest and who tried: the classified text itself is stored nowhere.
    archive.archive_append(
        kind=archive.Kind.CLASSIFIED,
        actor_id=author.member_id,
        payload={
            "sha256": archive.text_digest(text),
            "format": kind,
            "organisation_id": organisation.pk if organisation else None,
            "marking_kinds": sorted({m.kind for m in decision.markings}),
        },
    )


def _flood_checks(decision: Decision, *, author: Actor, text: str) -> Decision:
    """Reads only: the fingerprint of a post is written by ``content_submit`` in the feature's own
    transaction, so a post costs no extra commit here."""
    member_id = author.member_id
    assert member_id is not None  # the caller checked: only members are flood-checked
    folded = normalise(decision.plain)
    if len(folded) >= int(conf("DUPLICATE_MIN_LENGTH")):
        digest = hashlib.sha256(folded.encode()).hexdigest()
        decision = dataclasses.replace(decision, extra={**decision.extra, "fingerprint": digest})
        window = timezone.now() - dt.timedelta(minutes=int(conf("DUPLICATE_WINDOW_MINUTES")))
        seen = ContentFingerprint.count_recent(member_id=member_id, digest=digest, since=window)
        if seen + 1 >= int(conf("DUPLICATE_LIMIT")):
            reason = Reason(
                code="duplicate", template=gettext_noop("You have posted the same text several times; please wait.")
            )
            return dataclasses.replace(decision, action=Verdict.BLOCK, reasons=(*decision.reasons, reason))
    links = len(_LINK.findall(text))
    if links > int(conf("NEW_MEMBER_MAX_LINKS")) and decision.action != Verdict.HOLD and _is_new(author):
        reason = Reason(
            code="too_many_links",
            template=gettext_noop("New members' posts with more than %(limit)s links wait for a moderator."),
            params=(("limit", str(conf("NEW_MEMBER_MAX_LINKS"))),),
        )
        return dataclasses.replace(decision, action=Verdict.HOLD, reasons=(*decision.reasons, reason))
    return decision


def fingerprint_record(*, decision: Decision, author: Actor) -> None:
    """Remember a stored post's digest for the repeated-text check (and forget old ones)."""
    digest = decision.extra.get("fingerprint")
    if not digest or author.member_id is None:
        return
    window = timezone.now() - dt.timedelta(minutes=int(conf("DUPLICATE_WINDOW_MINUTES")))
    ContentFingerprint.objects.filter(member_id=author.member_id, created__lt=window).delete()
    ContentFingerprint.objects.create(member_id=author.member_id, digest=str(digest))


def _is_new(author: Actor) -> bool:
    if author.user_id is None:
        return False
    joined = get_user_model().objects.filter(pk=author.user_id).values_list("date_joined", flat=True).first()
    if joined is None:
        return False
    return joined > timezone.now() - dt.timedelta(days=int(conf("NEW_MEMBER_DAYS")))
