"""Mailbox writes. Every function takes the acting person first (``by``) and checks the policy."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
import secrets
import uuid
from collections.abc import Iterable
from typing import IO

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from forum.errors import AttachmentRefused, AttachmentTooLarge
from forum.services import max_attachment_bytes
from kernel import files
from kernel.errors import Conflict, Forbidden, Invalid, NotFound
from kernel.ratelimit import check as rate_check
from mailboxes import access_log, events, selectors
from mailboxes.models import (
    Conversation,
    MailboxFile,
    MessageReport,
    Tip,
    TipEntry,
    TipStatus,
    Writing,
    WritingComment,
    WritingKind,
    WritingStatus,
)
from mailboxes.schemas import MAX_MESSAGE, MAX_TEXT
from members.access import (
    ROLE_GRANTS,
    Action,
    Actor,
    actor_from_member,
    branch_of,
    can_open_conversation,
    require,
    require_member,
)
from members.models import Member, Organisation, Role
from moderation.content import content_ref
from moderation.documents import document_guard
from moderation.pipeline import guard_texts, moderate
from moderation.services import flag_create
from realtime import conf as realtime_conf
from realtime.protocol import Signal
from realtime.services import ephemeral_send, event_append, event_seq_for_cid
from realtime.streams import user_stream

MAX_FILES = 5
# Reports per member (anonymous ones too: the bucket lives in the rate limiter, never in a report
# table) and follow-ups per receipt code: (per second, burst).
TIP_RATE = (1 / 600, 3)
FOLLOW_UP_RATE = (1 / 60, 5)
# Receipt-code attempts per client address, whatever the code: each one costs a slow hash.
RECEIPT_CLIENT_RATE = (1 / 10, 20)
RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes get written down


def _rate(name: str, default: tuple[float, int]) -> tuple[float, int]:
    rate, burst = getattr(settings, f"MAILBOX_{name}", default)
    return float(rate), int(burst)


def _send_limit(by: Actor) -> None:
    """Messages and comments written over HTTP (the JSON API, the pages without JavaScript) take
    from the member's bucket for the socket's ``send`` frames: no way in goes around the limit."""
    rate, burst = realtime_conf.rate("SEND_RATE")
    rate_check(f"send:{by.user_id}", rate=rate, burst=burst)


def _notify(member_id: int, payload: events.Event) -> None:
    event_append(stream=user_stream(member_id), payload=payload)


def _plain(text: str, *, by: Actor, limit: int) -> str:
    """Private text: sanitising (escaping) and the confidentiality guard only, no word lists and
    no review queue. Raises ContentBlocked for classified markings."""
    text = text.strip()
    if not text:
        raise Invalid(_("The text is empty."))
    if len(text) > limit:
        raise Invalid(_("The text is too long (at most %(limit)s characters).") % {"limit": limit})
    return moderate(text=text, kind="plain", author=by, organisation=None, mailbox=True).text


# --- Heart-to-heart conversations ---------------------------------------------------------------


def conversation_open(*, by: Actor, other_id: int) -> Conversation:
    """The conversation between ``by`` and another member, started if it is allowed and new."""
    require_member(by)
    other = Member.objects.select_related("organisation__parent").filter(pk=other_id).first()
    if other is None or not can_open_conversation(by, other):
        raise Forbidden(_("You cannot start a conversation with this member."))
    first, second = sorted((by.mid, other.pk))
    try:
        with transaction.atomic():
            conversation, _created = Conversation.objects.get_or_create(first_id=first, second_id=second)
    except IntegrityError:
        conversation = Conversation.objects.get(first_id=first, second_id=second)
    return conversation


def message_payload(*, by: Actor, conversation: Conversation, text: str) -> events.MessageSent:
    """The stored event of one message (the gateway stores it once per client id)."""
    clean = _plain(text, by=by, limit=MAX_MESSAGE)
    return events.MessageSent(sender=by.mid, text=clean)


def after_message(*, conversation: Conversation, sender_id: int) -> None:
    """Tell the other participant's ``user:me`` stream about a new message (their unread count)."""
    other = conversation.other_id(sender_id)
    _notify(
        other,
        events.UnreadChanged(conversation=conversation.pk, unread=selectors.unread_total(member_id=other)),
    )


def message_send(*, by: Actor, conversation_id: int, text: str, cid: str | None = None) -> int:
    """Send a message outside the socket (the JSON API, the page without JavaScript); its seq.
    The same client id again returns the first message's seq and stores nothing."""
    conversation = selectors.conversation_get_for(actor=by, conversation_id=conversation_id)
    _send_limit(by)
    if cid is not None and (seq := event_seq_for_cid(stream=conversation.stream, author_id=by.mid, cid=cid)):
        return seq
    payload = message_payload(by=by, conversation=conversation, text=text)
    with transaction.atomic():
        event = event_append(stream=conversation.stream, payload=payload, author=by.mid, cid=cid)
        transaction.on_commit(lambda: after_message(conversation=conversation, sender_id=by.mid))
    return event.seq


def conversation_read(*, by: Actor, conversation_id: int, upto: int) -> int:
    """Mark the conversation read up to ``upto`` (never backwards); a read receipt the other side
    sees live, and the reader's own unread count."""
    conversation = selectors.conversation_get_for(actor=by, conversation_id=conversation_id)
    head = selectors.stream_head_of(conversation)
    upto = max(0, min(upto, head))
    field = "first_read" if by.mid == conversation.first_id else "second_read"
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if upto <= getattr(locked, field):
            return int(getattr(locked, field))
        setattr(locked, field, upto)
        locked.save(update_fields=[field])
        event_append(stream=conversation.stream, payload=events.ConversationRead(member=by.mid, upto=upto))
        _notify(
            by.mid,
            events.UnreadChanged(conversation=conversation.pk, unread=selectors.unread_total(member_id=by.mid)),
        )
    return upto


def message_report(*, by: Actor, conversation_id: int, seq: int, reason: str, consent: bool) -> MessageReport:
    """Send one received message to moderation as abuse; nothing else of the conversation goes."""
    if not consent:
        raise Invalid(_("Please confirm that this message may be shown to moderators."))
    conversation = selectors.conversation_get_for(actor=by, conversation_id=conversation_id)
    message = selectors.message_get(conversation=conversation, seq=seq)
    if message.sender == by.mid:
        raise Invalid(_("You cannot report your own message."))
    guard_texts(texts=[reason], author=by, sanctions=False)  # before the transaction: the attempt is archived
    try:
        with transaction.atomic():
            report = MessageReport.objects.create(
                conversation=conversation,
                seq=seq,
                sender_id=message.sender,
                reporter_id=by.mid,
                text=message.text,
                reason=reason[:500],
            )
            flag_create(by=by, ref=content_ref(report), reason="abuse", note=reason[:500])
    except IntegrityError:
        raise Conflict(_("You have already reported this message.")) from None
    return report


# --- Thought reports and applications ------------------------------------------------------------


def current_period() -> tuple[int, int]:
    today = timezone.localdate()
    return today.year, (today.month - 1) // 3 + 1


def writing_create(
    *,
    by: Actor,
    title: str,
    text: str,
    kind: str = WritingKind.THOUGHT_REPORT,
    year: int | None = None,
    quarter: int | None = None,
    submit: bool = False,
    uploads: Iterable[tuple[str, IO[bytes]]] = (),
) -> Writing:
    """A new draft (submitted at once with ``submit``), with its files: all of it or nothing, so
    a refused file loses nothing and leaves no half-made draft behind."""
    require_member(by)
    if kind not in WritingKind.values:
        raise Invalid(_("Unknown kind of writing."))
    this_year, this_quarter = current_period()
    year, quarter = year or this_year, quarter or this_quarter
    if not 1 <= quarter <= 4 or not 2000 <= year <= this_year + 1:
        raise Invalid(_("Choose a year and a quarter."))
    title = title.strip()
    if not title or len(title) > 200:
        raise Invalid(_("The title must have between 1 and 200 characters."))
    _send_limit(by)
    member = Member.objects.select_related("organisation").get(pk=by.mid)
    clean_title, clean_text = _plain(title, by=by, limit=200), _plain(text, by=by, limit=MAX_TEXT)
    checked = _checked_uploads(uploads=uploads, by=by)
    with transaction.atomic():
        writing = Writing.objects.create(
            author=member,
            organisation=branch_of(member.organisation),
            kind=kind,
            year=year,
            quarter=quarter,
            title=clean_title,
            text=clean_text,
        )
        _store_files(uploads=checked, writing=writing)
        if submit:
            writing_submit(by=by, writing_id=writing.pk)
            writing.refresh_from_db()
    return writing


def writing_update(*, by: Actor, writing_id: int, title: str, text: str) -> Writing:
    writing = selectors.writing_get_for(actor=by, writing_id=writing_id)
    if writing.author_id != by.mid:
        raise Forbidden()
    if writing.status != WritingStatus.DRAFT:
        raise Conflict(_("A submitted report can no longer be changed."))
    writing.title = _plain(title, by=by, limit=200)
    writing.text = _plain(text, by=by, limit=MAX_TEXT)
    writing.save(update_fields=["title", "text"])
    return writing


def _reviewers(writing: Writing) -> list[int]:
    org = writing.organisation
    return list(
        Member.objects.filter(
            roles__kind__in=ROLE_GRANTS[Action.REVIEW_THOUGHT_REPORTS], roles__organisation_id__in=org.ancestor_ids
        )
        .values_list("pk", flat=True)
        .distinct()
    )


def writing_submit(*, by: Actor, writing_id: int) -> Writing:
    writing = selectors.writing_get_for(actor=by, writing_id=writing_id)
    if writing.author_id != by.mid:
        raise Forbidden()
    if writing.status != WritingStatus.DRAFT:
        raise Conflict(_("This report has already been submitted."))
    with transaction.atomic():
        writing.status = WritingStatus.SUBMITTED
        writing.submitted_at = timezone.now()
        writing.save(update_fields=["status", "submitted_at"])
        for reviewer in _reviewers(writing):
            _notify(reviewer, events.WritingSubmitted(writing=writing.pk, title=writing.title))
    return writing


def writing_comment(*, by: Actor, writing_id: int, text: str) -> WritingComment:
    """A comment by the writer or a reviewer; the other side is told live."""
    writing = selectors.writing_get_for(actor=by, writing_id=writing_id)
    if writing.status == WritingStatus.DRAFT:
        raise Conflict(_("Submit the report before commenting on it."))
    _send_limit(by)
    clean = _plain(text, by=by, limit=MAX_TEXT)
    with transaction.atomic():
        comment = WritingComment.objects.create(writing=writing, author_id=by.mid, text=clean)
        payload = events.WritingComment(writing=writing.pk, title=writing.title)
        if by.mid != writing.author_id:
            _notify(writing.author_id, payload)
        else:  # the writer answers: whoever reviews the branch's reports hears of it
            for reviewer in _reviewers(writing):
                _notify(reviewer, payload)
    return comment


def writing_review(*, by: Actor, writing_id: int, comment: str = "") -> Writing:
    """A secretary or organiser marks a submitted report reviewed; the writer is told live."""
    writing = selectors.writing_get_for(actor=by, writing_id=writing_id)
    require(by, Action.REVIEW_THOUGHT_REPORTS, writing.organisation)
    if writing.status != WritingStatus.SUBMITTED:
        raise Conflict(_("Only a submitted report can be marked reviewed."))
    with transaction.atomic():
        if comment.strip():
            writing_comment(by=by, writing_id=writing.pk, text=comment)
        writing.status = WritingStatus.REVIEWED
        writing.reviewed_at = timezone.now()
        writing.reviewed_by_id = by.mid
        writing.save(update_fields=["status", "reviewed_at", "reviewed_by"])
        _notify(writing.author_id, events.WritingReviewed(writing=writing.pk, title=writing.title))
    return writing


# --- Files -----------------------------------------------------------------------------------------


def _checked_uploads(
    *, uploads: Iterable[tuple[str, IO[bytes]]], by: Actor, writing: Writing | None = None
) -> list[files.Upload]:
    """Attachments checked like the forum's, before the transaction that stores them (a refused
    attempt stays archived): the bytes decide the type, the size is limited, and the name (which
    readers see) and a PDF's text pass the confidentiality guard like the text."""
    limit = max_attachment_bytes()
    uploads = list(uploads)
    already = MailboxFile.objects.filter(writing=writing).count() if writing is not None else 0
    if len(uploads) + already > MAX_FILES:
        raise Invalid(_("At most %(n)s files.") % {"n": MAX_FILES})

    def guard(filename: str) -> None:
        _plain(filename, by=by, limit=200)

    checked = []
    for name, stream in uploads:
        upload = files.upload_read(
            stream, name=name, limit=limit, guard=guard,
            too_large=lambda limit: AttachmentTooLarge(limit=limit), refused=AttachmentRefused,
        )  # fmt: skip
        # Private: the guard only, not the word lists.
        document_guard(
            data=upload.data, content_type=upload.content_type, author=by, organisation=None, word_lists=False
        )
        checked.append(upload)
    return checked


def _store_files(*, uploads: list[files.Upload], writing: Writing | None = None, tip: Tip | None = None) -> None:
    for upload in uploads:
        item = MailboxFile(
            writing=writing,
            tip=tip,
            name=upload.filename,
            content_type=upload.content_type,
            size=len(upload.data),
        )
        item.file.save(f"{uuid.uuid4().hex}.{upload.extension}", ContentFile(upload.data), save=False)
        item.save()
        if tip is not None:
            _keep_day_only(item.file.path, tip.received_on)


def _keep_day_only(path: str, day: dt.date) -> None:
    """A report's file on disk, and its folder, carry the day it arrived, not the second it was
    written (the file's inode change time stays the file system's own)."""
    midnight = timezone.make_aware(dt.datetime.combine(day, dt.time())).timestamp()
    os.utime(path, (midnight, midnight))
    os.utime(os.path.dirname(path), (midnight, midnight))


def writing_attach(*, by: Actor, writing_id: int, uploads: Iterable[tuple[str, IO[bytes]]]) -> None:
    writing = selectors.writing_get_for(actor=by, writing_id=writing_id)
    if writing.author_id != by.mid or writing.status != WritingStatus.DRAFT:
        raise Forbidden()
    checked = _checked_uploads(uploads=uploads, by=by, writing=writing)
    with transaction.atomic():
        _store_files(uploads=checked, writing=writing)


# --- The report mailbox (举报信箱) -----------------------------------------------------------------


def _receipt_code() -> tuple[str, str, str]:
    """(public id, secret, code shown to the reporter): ``XXXX-XXXX-XXXX-XXXX-XXXX``."""
    public = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(8))
    secret = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(12))
    raw = public + secret
    return public, secret, "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def _parse_receipt(code: str) -> tuple[str, str]:
    raw = "".join(ch for ch in code.upper() if ch.isalnum())
    if len(raw) != 20 or any(ch not in RECEIPT_ALPHABET for ch in raw):
        raise NotFound(_("No report matches this receipt code."))
    return raw[:8], raw[8:]


def tip_file(
    *,
    by: Actor,
    organisation_id: int,
    subject: str,
    text: str,
    person_concerned: str = "",
    named: bool = False,
    uploads: Iterable[tuple[str, IO[bytes]]] = (),
) -> tuple[Tip, str]:
    """File a report to the inspectors of one organisation of the reporter's chain; the report and
    its receipt code (shown once: only a slow hash of its secret part is kept)."""
    require_member(by)
    if organisation_id not in by.home_ancestor_ids:
        raise Invalid(_("Choose an organisation of your own chain."))
    rate, burst = _rate("TIP_RATE", TIP_RATE)
    rate_check(f"mailbox.tip:{by.mid}", rate=rate, burst=burst)
    # An anonymous report's text is checked as nobody's: not even a refused attempt is tied to them.
    writer = by if named else _ANON
    subject = _plain(subject, by=writer, limit=200)
    body = _plain(text, by=writer, limit=MAX_TEXT)
    person = _plain(person_concerned, by=writer, limit=200) if person_concerned.strip() else ""
    checked = _checked_uploads(uploads=uploads, by=writer)
    public, secret, code = _receipt_code()
    with transaction.atomic():
        tip = Tip.objects.create(
            public_id=public,
            receipt_hash=make_password(secret),
            organisation_id=organisation_id,
            subject=subject,
            text=body,
            person_concerned=person,
            named_reporter_id=by.mid if named else None,
        )
        _store_files(uploads=checked, tip=tip)
        transaction.on_commit(lambda: _alert_inspectors(tip))
    # No archive record now: its time and its place in the chain, next to the reporter's other
    # doings (a forum post a minute earlier), would point at them. Receipt is archived, with the
    # day only, when an inspector first opens or lists the report (access_log.receipts_record).
    return tip, code


def _alert_inspectors(tip: Tip) -> None:
    """Tell the inspectors who read this report, now, that a new one waits (the count of reports
    nobody has opened yet). Ephemeral: nothing stored, so no record holds the moment it came."""
    inspectors = Role.objects.filter(
        kind__in=ROLE_GRANTS[Action.READ_REPORTS], organisation_id__in=tip.organisation.ancestor_ids
    ).values_list("member_id", flat=True)
    for member_id in set(inspectors):
        member = Member.objects.select_related("organisation").get(pk=member_id)
        count = selectors.tips_new_count(actor=actor_from_member(member))
        ephemeral_send(
            frame=Signal(stream=user_stream(member_id), sender=None, data={"kind": "mailbox.tips.new", "count": count}),
            to_member=member_id,
        )


def tip_by_receipt(*, code: str, client: str | None = None) -> Tip:
    """The report a receipt code opens (no login: the code is the reporter's only key).

    Attempts are limited per report and, when ``client`` (the client's address) is given, per
    client: every attempt costs a slow hash, guessed ids included. The client bucket's key is a
    keyed digest of the address and names no report."""
    if client:
        rate, burst = _rate("RECEIPT_CLIENT_RATE", RECEIPT_CLIENT_RATE)
        digest = hashlib.blake2b(client.encode(), key=settings.SECRET_KEY.encode()[:64], digest_size=12).hexdigest()
        rate_check(f"mailbox.receipt-client:{digest}", rate=rate, burst=burst)
    public, secret = _parse_receipt(code)
    rate, burst = _rate("FOLLOW_UP_RATE", FOLLOW_UP_RATE)
    rate_check(f"mailbox.receipt:{public}", rate=rate, burst=burst)
    tip = Tip.objects.filter(public_id=public).first()
    # Hash even when there is no such report, so the answer takes as long either way.
    if not check_password(secret, tip.receipt_hash if tip else _dummy_hash()) or tip is None:
        raise NotFound(_("No report matches this receipt code."))
    return tip


@functools.cache
def _dummy_hash() -> str:
    return make_password(secrets.token_hex(8))


def _next_position(tip: Tip) -> int:
    last = TipEntry.objects.filter(tip=tip).order_by("-position").values_list("position", flat=True).first()
    return (last or 0) + 1


def tip_add_information(*, code: str, text: str, client: str | None = None) -> TipEntry:
    tip = tip_by_receipt(code=code, client=client)
    if tip.status == TipStatus.CONCLUDED:
        raise Conflict(_("This report is concluded."))
    clean = _plain(text, by=_ANON, limit=MAX_TEXT)
    with transaction.atomic():
        entry = TipEntry.objects.create(tip=tip, from_reporter=True, text=clean, position=_next_position(tip))
    return entry


def tip_reply(*, by: Actor, public_id: str, text: str) -> TipEntry:
    tip = selectors.tip_get_for(actor=by, public_id=public_id)
    clean = _plain(text, by=by, limit=MAX_TEXT)
    with transaction.atomic():
        entry = TipEntry.objects.create(
            tip=tip, from_reporter=False, inspector_id=by.mid, text=clean, position=_next_position(tip)
        )
        access_log.tip_access_record(tip, "replied", inspector_id=by.mid)
    return entry


def tip_status_set(*, by: Actor, public_id: str, status: str) -> Tip:
    tip = selectors.tip_get_for(actor=by, public_id=public_id)
    if status not in TipStatus.values:
        raise Invalid(_("Unknown status."))
    if status == tip.status:
        return tip
    with transaction.atomic():
        tip.status = status
        tip.save(update_fields=["status"])
        access_log.tip_access_record(tip, f"status:{status}", inspector_id=by.mid)
    return tip


# Follow-ups come from whoever holds the code; they pass the confidentiality guard as nobody.
_ANON = Actor(user_id=None, member_id=None)


def tip_organisations(*, by: Actor) -> list[Organisation]:
    """The levels a member may address a report to: their own organisation and every one above."""
    require_member(by)
    return list(Organisation.objects.filter(pk__in=by.home_ancestor_ids).order_by("depth"))
