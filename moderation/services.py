"""Moderation writes: content submission, flags, the review queue, sanctions, word lists.

Each function takes the acting member, checks permission through ``members.access``, writes in a
transaction, archives the decision in the hash chain, logs the staff action, and publishes queue
events to the ``moderation.queue`` streams after commit (through ``realtime.services``).
"""

from __future__ import annotations

import datetime as dt
import html
import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Model, Q
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from kernel.errors import Conflict, Forbidden, Invalid, NotFound
from members.access import Action, Actor, can, require, require_member
from members.models import Member, Organisation
from moderation import archive, events
from moderation.content import ContentKind, content_kind_get, content_load, content_ref, content_type_of
from moderation.decision import Decision, Verdict, evaluate
from moderation.lists import compiled_for, version_bump
from moderation.models import (
    Flag,
    FlagReason,
    ModerationPolicy,
    QueueItem,
    QueueReason,
    QueueStatus,
    Sanction,
    SanctionKind,
    StaffAction,
    WordEntry,
    WordList,
)
from moderation.pipeline import (
    ContentBlocked,
    fingerprint_record,
    guard_texts,
    reasons_text,
    record_classified_attempt,
)
from moderation.sanctions import ensure_can_post as ensure_can_post  # re-exported for feature apps
from moderation.sanctions import sanctions_changed
from moderation.schemas import QueueItemOut
from moderation.selectors import queue_item_get_for
from moderation.wordlist_csv import Row, row_check, rows_parse

CLAIM_MINUTES = 15
EXCERPT_CHARS = 500
DEFAULT_FLAG_THRESHOLD = 3


# --- Helpers ---------------------------------------------------------------------------------


def _staff_log(
    *, by: Actor, verb: str, organisation: Organisation | None, target: str, details: dict[str, Any]
) -> None:
    StaffAction.objects.create(
        actor_id=by.member_id, verb=verb, organisation=organisation, target=target, details=details
    )


def _queue_streams(*levels: Organisation) -> list[str]:
    ids: list[int] = []
    for level in levels:
        ids.extend(i for i in level.ancestor_ids if i not in ids)
    return [f"moderation.queue:{i}" for i in ids]


def _publish(item: QueueItem, event: str, *, extra_levels: Iterable[Organisation] = ()) -> None:
    from realtime.services import event_append

    payload = events.QueueChanged(type=f"moderation.queue.{event}", item=QueueItemOut.of(item))  # type: ignore[arg-type]
    for stream in _queue_streams(item.level, *extra_levels):
        event_append(stream=stream, payload=payload)


def flag_threshold_for(organisation: Organisation) -> int:
    """The nearest ancestor's policy (the organisation's own first), else the default."""
    policies = dict(
        ModerationPolicy.objects.filter(organisation_id__in=organisation.ancestor_ids).values_list(
            "organisation_id", "flag_threshold"
        )
    )
    for org_id in reversed(organisation.ancestor_ids):
        if org_id in policies:
            return int(policies[org_id])
    return DEFAULT_FLAG_THRESHOLD


def policy_set(*, by: Actor, organisation: Organisation, flag_threshold: int) -> ModerationPolicy:
    require(by, Action.MODERATE, organisation)
    if flag_threshold < 1:
        raise Invalid(_("The threshold must be at least 1."))
    policy, _created = ModerationPolicy.objects.update_or_create(
        organisation=organisation, defaults={"flag_threshold": flag_threshold}
    )
    _staff_log(
        by=by, verb="policy.set", organisation=organisation, target="", details={"flag_threshold": flag_threshold}
    )
    return policy


def _excerpt(kind: ContentKind, obj: Model) -> str:
    text = kind.text_of(obj)
    if kind.text_format == "rich":  # the moderator reads the words, not the stored HTML
        text = html.unescape(strip_tags(text))
    return text[:EXCERPT_CHARS]


# --- Content -----------------------------------------------------------------------------------


def content_submit(*, obj: Model, decision: Decision, by: Actor) -> QueueItem | None:
    """After storing content the pipeline let through: archive it, queue it when held or flagged.

    Call it in the transaction that stored ``obj``. Held content must be stored not visible; the
    feature's ``on_approved`` hook shows it once a moderator approves.
    """
    if decision.action == Verdict.BLOCK:
        raise ContentBlocked(reasons=reasons_text(decision))
    kind = content_kind_get(f"{obj._meta.app_label}.{obj._meta.model_name}")
    ref = content_ref(obj)
    with transaction.atomic():
        fingerprint_record(decision=decision, author=by)
        if decision.published:
            archive.archive_append(
                kind=archive.Kind.CONTENT,
                content_ref=ref,
                actor_id=by.member_id,
                payload={"text": decision.text, "action": decision.action.value},
            )
        if decision.action == Verdict.HOLD or decision.flagged:
            reason = QueueReason.HELD if decision.action == Verdict.HOLD else QueueReason.FLAGGED
            org = kind.organisation_of(obj)
            item = QueueItem.objects.create(
                content_type=content_type_of(kind),
                object_id=obj.pk,
                organisation=org,
                level=org,
                author_id=by.member_id,
                reason=reason,
                hidden=decision.action == Verdict.HOLD,
                excerpt=decision.plain[:EXCERPT_CHARS],
                details={"reasons": reasons_text(decision), "words": sorted({m.word for m in decision.matches})},
            )
            archive.archive_append(
                kind=archive.Kind.DECISION,
                content_ref=ref,
                actor_id=None,
                payload={"decision": f"queued.{reason}", "queue_item": item.pk, "reasons": item.details["reasons"]},
            )
            _publish(item, "added")
            return item
    return None


# --- Flags -------------------------------------------------------------------------------------


def flag_create(*, by: Actor, ref: str, reason: str, note: str = "") -> Flag:
    """A member flags content they can see; enough distinct flags (or one moderator's) hide it."""
    require_member(by)
    if by.member_id is None:
        raise Forbidden(_("Only members may flag content."))
    if reason not in FlagReason.values:
        raise Invalid(_("Unknown flag reason."))
    kind, obj = content_load(ref)
    if not kind.can_see(by, obj):
        raise NotFound(_("Unknown content."))
    author = kind.author_of(obj)
    if author is not None and author.pk == by.member_id:
        raise Invalid(_("You cannot flag your own content."))
    org = kind.organisation_of(obj)
    # The note passes the guard like any text; a muted member may still flag.
    guard_texts(texts=[note], author=by, organisation=org, sanctions=False)
    moderator = can(by, Action.MODERATE, org)
    with transaction.atomic():
        try:
            with transaction.atomic():
                flag = Flag.objects.create(
                    content_type=content_type_of(kind),
                    object_id=obj.pk,
                    flagger_id=by.member_id,
                    reason=reason,
                    note=note[:500],
                    by_moderator=moderator,
                )
        except IntegrityError:
            raise Conflict(_("You have already flagged this.")) from None
        flags = Flag.objects.filter(content_type=flag.content_type, object_id=obj.pk)
        count = flags.count()
        threshold = flag_threshold_for(org)
        hide = moderator or count >= threshold
        item, created = _pending_item(kind=kind, obj=obj, org=org, author=author)
        reasons = list(flags.values_list("reason", flat=True))
        notes = [{"reason": r, "note": n} for r, n in flags.exclude(note="").values_list("reason", "note")[:20]]
        item.details = {
            **item.details,
            "flags": count,
            "threshold": threshold,
            "flag_reasons": sorted(set(reasons)),
            "flag_counts": {r: reasons.count(r) for r in sorted(set(reasons))},
            "flag_notes": notes,
        }
        newly_hidden = hide and not item.hidden
        item.hidden = item.hidden or hide
        item.save(update_fields=["details", "hidden"])
        if newly_hidden:
            kind.on_hidden(obj)
        archive.archive_append(
            kind=archive.Kind.FLAG,
            content_ref=ref,
            actor_id=by.member_id,
            payload={"reason": reason, "note": note[:500], "count": count, "hidden": item.hidden},
        )
        _publish(item, "added" if created else "updated")
    return flag


def _pending_item(*, kind: ContentKind, obj: Model, org: Organisation, author: Member | None) -> tuple[QueueItem, bool]:
    ct = content_type_of(kind)
    item = QueueItem.objects.filter(content_type=ct, object_id=obj.pk, status=QueueStatus.PENDING).first()
    if item is not None:
        return item, False
    try:
        with transaction.atomic():
            created = QueueItem.objects.create(
                content_type=ct,
                object_id=obj.pk,
                organisation=org,
                level=org,
                author=author,
                reason=QueueReason.REPORTED,
                excerpt=_excerpt(kind, obj),
            )
            return created, True
    except IntegrityError:
        # Another flag created it between our read and insert (PostgreSQL, read committed).
        return QueueItem.objects.get(content_type=ct, object_id=obj.pk, status=QueueStatus.PENDING), False


# --- The queue ---------------------------------------------------------------------------------


def _claimable(by: Actor) -> Q:
    stale = timezone.now() - dt.timedelta(minutes=CLAIM_MINUTES)
    return Q(claimed_by__isnull=True) | Q(claimed_by_id=by.member_id) | Q(claimed_at__lt=stale)


def queue_claim(*, by: Actor, item_id: int) -> QueueItem:
    """Take an item so no other moderator acts on it; exactly one of two racing moderators wins.

    The claim is one conditional UPDATE (``… WHERE claimed_by IS NULL``): the database decides.
    A claim older than CLAIM_MINUTES may be taken over (a moderator who walked away).
    """
    item = queue_item_get_for(actor=by, item_id=item_id)
    with transaction.atomic():
        won = (
            QueueItem.objects.filter(pk=item.pk, status=QueueStatus.PENDING)
            .filter(_claimable(by))
            .update(claimed_by_id=by.member_id, claimed_at=timezone.now())
        )
        item.refresh_from_db()
        if not won:
            if item.status != QueueStatus.PENDING:
                raise Conflict(_("This item has already been decided."))
            holder = item.claimed_by.real_name if item.claimed_by else ""
            raise Conflict(_("Another moderator has claimed this item."), claimed_by=holder)
        _staff_log(by=by, verb="queue.claim", organisation=item.level, target=item.content_ref, details={})
        _publish(item, "claimed")
    return item


def queue_release(*, by: Actor, item_id: int) -> QueueItem:
    item = queue_item_get_for(actor=by, item_id=item_id)
    with transaction.atomic():
        released = QueueItem.objects.filter(pk=item.pk, status=QueueStatus.PENDING, claimed_by_id=by.member_id).update(
            claimed_by=None, claimed_at=None
        )
        if not released:
            raise Conflict(_("You do not hold this item."))
        item.refresh_from_db()
        _publish(item, "released")
    return item


def _decide(*, by: Actor, item_id: int, status: str, reason: str, verb: str, details: dict[str, Any]) -> QueueItem:
    """Close an item the actor holds (claiming it on the way when nobody does)."""
    item = queue_item_get_for(actor=by, item_id=item_id)
    now = timezone.now()
    won = (
        QueueItem.objects.filter(pk=item.pk, status=QueueStatus.PENDING)
        .filter(_claimable(by))
        .update(
            status=status,
            claimed_by_id=by.member_id,
            claimed_at=now,
            decided_by_id=by.member_id,
            decided_at=now,
            decision_reason=reason,
            hidden=status == QueueStatus.REJECTED,
        )
    )
    item.refresh_from_db()
    if not won:
        if item.status != QueueStatus.PENDING:
            raise Conflict(_("This item has already been decided."))
        raise Conflict(_("Another moderator has claimed this item."))
    _staff_log(
        by=by, verb=verb, organisation=item.level, target=item.content_ref, details={"reason": reason, **details}
    )
    archive.archive_append(
        kind=archive.Kind.DECISION,
        content_ref=item.content_ref,
        actor_id=by.member_id,
        payload={"decision": verb, "queue_item": item.pk, "reason": reason, **details},
    )
    return item


def queue_approve(*, by: Actor, item_id: int) -> QueueItem:
    with transaction.atomic():
        item = _decide(by=by, item_id=item_id, status=QueueStatus.APPROVED, reason="", verb="queue.approve", details={})
        kind, obj = content_load(item.content_ref)
        kind.on_approved(obj, None)
        if item.reason == QueueReason.HELD:
            archive.archive_append(
                kind=archive.Kind.CONTENT,
                content_ref=item.content_ref,
                actor_id=item.author_id,
                payload={"text": kind.text_of(obj), "action": "approved"},
            )
        _publish(item, "decided")
    return item


def queue_reject(*, by: Actor, item_id: int, reason: str) -> QueueItem:
    reason = reason.strip()
    if not reason:
        raise Invalid(_("Say why, for the author."))
    guard_texts(texts=[reason], author=by, sanctions=False)  # the author reads it
    with transaction.atomic():
        item = _decide(
            by=by, item_id=item_id, status=QueueStatus.REJECTED, reason=reason, verb="queue.reject", details={}
        )
        kind, obj = content_load(item.content_ref)
        kind.on_rejected(obj, reason)
        _publish(item, "decided")
    return item


def queue_edit_approve(*, by: Actor, item_id: int, text: str) -> QueueItem:
    """Approve with the moderator's edit, which passes the pipeline like any content."""
    item = queue_item_get_for(actor=by, item_id=item_id)
    kind, obj = content_load(item.content_ref)
    decision = evaluate(text=text, kind=kind.text_format, matcher=compiled_for(item.organisation))
    if decision.classified:
        record_classified_attempt(
            text=text, kind=kind.text_format, author=by, organisation=item.organisation, decision=decision
        )
    if decision.action in (Verdict.BLOCK, Verdict.HOLD):
        raise ContentBlocked(_("The edited text still cannot be published."), reasons=reasons_text(decision))
    with transaction.atomic():
        item = _decide(
            by=by,
            item_id=item_id,
            status=QueueStatus.APPROVED,
            reason="",
            verb="queue.edit_approve",
            details={"edited": True},
        )
        kind.on_approved(obj, decision.text)
        archive.archive_append(
            kind=archive.Kind.CONTENT,
            content_ref=item.content_ref,
            actor_id=by.member_id,
            payload={"text": decision.text, "action": "edited_and_approved", "author_id": item.author_id},
        )
        _publish(item, "decided")
    return item


def queue_escalate(*, by: Actor, item_id: int, note: str = "") -> QueueItem:
    """Hand the item to the level above; moderators of the lower level no longer see it."""
    guard_texts(texts=[note], author=by, sanctions=False)
    with transaction.atomic():
        item = queue_item_get_for(actor=by, item_id=item_id, lock=True)
        if item.status != QueueStatus.PENDING:
            raise Conflict(_("This item has already been decided."))
        if (
            item.claimed_by_id not in (None, by.member_id)
            and item.claimed_at
            and (item.claimed_at > timezone.now() - dt.timedelta(minutes=CLAIM_MINUTES))
        ):
            raise Conflict(_("Another moderator has claimed this item."))
        old_level = item.level
        parent = old_level.parent
        if parent is None:
            raise Invalid(_("This item is already at the top level."))
        item.level = parent
        item.claimed_by = None
        item.claimed_at = None
        item.details = {**item.details, "escalations": [*item.details.get("escalations", []), note[:500]]}
        item.save(update_fields=["level", "claimed_by", "claimed_at", "details"])
        _staff_log(
            by=by, verb="queue.escalate", organisation=old_level, target=item.content_ref, details={"note": note[:500]}
        )
        archive.archive_append(
            kind=archive.Kind.DECISION,
            content_ref=item.content_ref,
            actor_id=by.member_id,
            payload={"decision": "queue.escalate", "queue_item": item.pk, "to": parent.pk, "note": note[:500]},
        )
        _publish(item, "escalated", extra_levels=[old_level])
    return item


# --- Sanctions ---------------------------------------------------------------------------------


def sanction_apply(*, by: Actor, member_id: int, kind: str, reason: str, minutes: int | None = None) -> Sanction:
    """Warn, mute (禁言, needs ``minutes``) or suspend (``minutes`` optional: until lifted)."""
    require_member(by)
    member = Member.objects.select_related("organisation").filter(pk=member_id).first()
    if member is None:
        raise NotFound()
    require(by, Action.MODERATE, member.organisation)
    if kind not in SanctionKind.values:
        raise Invalid(_("Unknown sanction."))
    if not reason.strip():
        raise Invalid(_("Say why, for the member."))
    guard_texts(texts=[reason], author=by, organisation=member.organisation, sanctions=False)
    if member.pk == by.member_id:
        raise Invalid(_("You cannot sanction yourself."))
    if kind == SanctionKind.MUTE and not minutes:
        raise Invalid(_("A mute needs a duration."))
    if minutes is not None and minutes <= 0:
        raise Invalid(_("The duration must be positive."))
    now = timezone.now()
    ends = now + dt.timedelta(minutes=minutes) if minutes and kind != SanctionKind.WARN else None
    with transaction.atomic():
        sanction = Sanction.objects.create(
            member=member,
            organisation=member.organisation,
            kind=kind,
            reason=reason.strip()[:500],
            starts=now,
            ends=ends,
            created_by_id=by.member_id,
        )
        details: dict[str, Any] = {
            "member_id": member.pk,
            "kind": kind,
            "reason": sanction.reason,
            "ends": ends.isoformat() if ends else None,
        }
        _staff_log(
            by=by,
            verb=f"sanction.{kind}",
            organisation=member.organisation,
            target=f"member:{member.pk}",
            details=details,
        )
        archive.archive_append(
            kind=archive.Kind.SANCTION,
            content_ref=f"members.member:{member.pk}",
            actor_id=by.member_id,
            payload=details,
        )
        _notify_member(member.pk, events.SanctionImposed(**details))
        # Now for this transaction's own reads, and again once the change is visible to all.
        sanctions_changed()
        transaction.on_commit(sanctions_changed)
    return sanction


def sanction_lift(*, by: Actor, sanction_id: int) -> Sanction:
    sanction = Sanction.objects.select_related("member__organisation").filter(pk=sanction_id).first()
    if sanction is None:
        raise NotFound()
    require(by, Action.MODERATE, sanction.member.organisation)
    with transaction.atomic():
        updated = Sanction.objects.filter(pk=sanction.pk, lifted_at__isnull=True).update(lifted_at=timezone.now())
        if not updated:
            raise Conflict(_("This sanction has already been lifted."))
        sanction.refresh_from_db()
        details: dict[str, Any] = {"sanction_id": sanction.pk, "member_id": sanction.member_id, "kind": sanction.kind}
        _staff_log(
            by=by, verb="sanction.lift", organisation=sanction.organisation, target=f"member:{sanction.member_id}",
            details=details,
        )  # fmt: skip
        archive.archive_append(
            kind=archive.Kind.SANCTION,
            content_ref=f"members.member:{sanction.member_id}",
            actor_id=by.member_id,
            payload={"lifted": True, **details},
        )
        _notify_member(sanction.member_id, events.SanctionLifted(**details))
        # Now for this transaction's own reads, and again once the change is visible to all.
        sanctions_changed()
        transaction.on_commit(sanctions_changed)
    return sanction


def _notify_member(member_id: int, payload: events.Event) -> None:
    from realtime.services import event_append

    event_append(stream=f"user:{member_id}", payload=payload)


# --- Word lists --------------------------------------------------------------------------------


def _require_list_editor(by: Actor, organisation: Organisation | None) -> None:
    require_member(by)
    if organisation is None:
        if not by.is_system:
            raise Forbidden(_("Global lists are edited by site staff in the admin."))
        return
    require(by, Action.MODERATE, organisation)


def word_list_create(*, by: Actor, organisation: Organisation | None, name: str, description: str = "") -> WordList:
    _require_list_editor(by, organisation)
    name = name.strip()
    if not name:
        raise Invalid(_("A list needs a name."))
    with transaction.atomic():
        try:
            with transaction.atomic():
                word_list = WordList.objects.create(organisation=organisation, name=name, description=description)
        except IntegrityError:
            raise Conflict(_("A list with this name exists here.")) from None
        _staff_log(
            by=by,
            verb="wordlist.create",
            organisation=organisation,
            target=f"wordlist:{word_list.pk}",
            details={"name": name},
        )
        version_bump()
    return word_list


def _entry_row(entry: Sequence[Any] | Row) -> Row:
    """``(word, action[, sound[, note]])`` or a :class:`Row`."""
    if isinstance(entry, Row):
        return entry
    word, action, *rest = entry
    return Row(
        word=str(word).strip(),
        action=str(action).strip().lower(),
        sound=bool(rest[0]) if rest else False,
        note=str(rest[1]) if len(rest) > 1 else "",
    )


def _archive_entries(*, by: Actor, word_list: WordList, verb: str, rows: list[Row], extra: dict[str, Any]) -> None:
    """Who changed which list how: the entries themselves for a few, their digest for many."""
    listed = [[r.word, r.action, r.sound, r.note] for r in rows]
    payload: dict[str, Any] = {"change": verb, "entries": len(rows), **extra}
    if len(rows) <= 20:
        payload["changed"] = listed
    else:
        payload["sha256"] = archive.text_digest(json.dumps(sorted(listed), ensure_ascii=False))
    details = {k: v for k, v in payload.items() if k != "changed"}
    if len(rows) <= 20:
        details["words"] = [r.word for r in rows]
    _staff_log(
        by=by, verb=verb, organisation=word_list.organisation, target=f"wordlist:{word_list.pk}", details=details
    )
    archive.archive_append(
        kind=archive.Kind.WORDLIST,
        content_ref=f"moderation.wordlist:{word_list.pk}",
        actor_id=by.member_id,
        payload=payload,
    )


def word_entries_set(
    *, by: Actor, word_list: WordList, entries: Iterable[Sequence[Any] | Row], replace: bool = False
) -> int:
    """Add or update entries, each ``(word, action[, sound[, note]])`` or a :class:`Row`
    (``replace``: the list becomes exactly these).

    The whole change is one transaction and one version bump, so every process swaps from the
    old list to the complete new one.
    """
    _require_list_editor(by, word_list.organisation)
    cleaned: dict[str, Row] = {}
    for entry in entries:
        row = _entry_row(entry)
        if not row.word:
            continue
        problem = row_check(row.word, row.action)
        if problem is not None:
            raise Invalid(f"{row.word!r}: {_(problem)}", word=row.word)
        cleaned[row.word] = row
    rows = list(cleaned.values())
    with transaction.atomic():
        if replace:
            WordEntry.objects.filter(word_list=word_list).exclude(word__in=list(cleaned)).delete()
        existing = dict(WordEntry.objects.filter(word_list=word_list).values_list("word", "pk"))
        changed = [
            WordEntry(
                pk=existing[r.word], word_list=word_list, word=r.word, action=r.action, sound=r.sound, note=r.note
            )
            for r in rows
            if r.word in existing
        ]
        new = [
            WordEntry(word_list=word_list, word=r.word, action=r.action, sound=r.sound, note=r.note)
            for r in rows
            if r.word not in existing
        ]
        WordEntry.objects.bulk_update(changed, ["action", "sound", "note"], batch_size=1000)
        WordEntry.objects.bulk_create(new, batch_size=1000)
        WordList.objects.filter(pk=word_list.pk).update(updated=timezone.now())
        verb = "wordlist.import" if replace else "wordlist.update"
        _archive_entries(by=by, word_list=word_list, verb=verb, rows=rows, extra={"replace": replace})
        version_bump()
    return len(cleaned)


def word_entries_import(*, by: Actor, word_list: WordList, text: str, replace: bool = False) -> int:
    """A CSV file (``word,action[,note[,sound]]``): every row stored, or none when any is wrong
    (``Invalid`` with ``errors``: each bad row's line and what is wrong with it)."""
    _require_list_editor(by, word_list.organisation)
    rows, errors = rows_parse(text)
    if errors:
        raise Invalid(
            _("Nothing was imported: %(count)s rows need fixing.") % {"count": len(errors)},
            errors=[{"line": e.line, "message": e.render(_)} for e in errors],
        )
    if not rows:
        raise Invalid(_("The file has no entries."))
    return word_entries_set(by=by, word_list=word_list, entries=rows, replace=replace)


def word_entry_update(
    *, by: Actor, word_list: WordList, entry_id: int, word: str, action: str, sound: bool, note: str = ""
) -> WordEntry:
    """Change one entry (its word too)."""
    _require_list_editor(by, word_list.organisation)
    entry = WordEntry.objects.filter(word_list=word_list, pk=entry_id).first()
    if entry is None:
        raise NotFound()
    row = _entry_row((word, action, sound, note.strip()[:200]))
    problem = row_check(row.word, row.action)
    if problem is not None:
        raise Invalid(_(problem))
    with transaction.atomic():
        before = [entry.word, entry.action, entry.sound, entry.note]
        entry.word, entry.action, entry.sound, entry.note = row.word, row.action, row.sound, row.note
        try:
            with transaction.atomic():
                entry.save()
        except IntegrityError:
            raise Conflict(_("This list already has that word.")) from None
        _archive_entries(by=by, word_list=word_list, verb="wordlist.edit", rows=[row], extra={"before": before})
        version_bump()
    return entry


def word_entry_delete(*, by: Actor, word_list: WordList, word: str) -> None:
    _require_list_editor(by, word_list.organisation)
    with transaction.atomic():
        entry = WordEntry.objects.filter(word_list=word_list, word=word).first()
        if entry is None:
            raise NotFound()
        entry.delete()
        row = Row(word=entry.word, action=entry.action, sound=entry.sound, note=entry.note)
        _archive_entries(by=by, word_list=word_list, verb="wordlist.delete_word", rows=[row], extra={})
        version_bump()
