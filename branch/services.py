"""Branch writes. Every function takes the acting person (``by``), checks the access policy,
stores in one transaction, archives the decision (moderation's tamper-evident archive) and
publishes on the gateway after commit (``realtime.services.event_append``)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import IO, Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from branch import dues_rules, events, selectors
from branch.errors import (
    AlreadyRated,
    AmountMismatch,
    DuplicateRating,
    IncomeInvalid,
    MonthAlreadyPaid,
    NoStandard,
    NotRatingPeriod,
    ReasonRequired,
)
from branch.models import (
    GRADES_NEEDING_REASONS,
    Appraisal,
    DuesCategory,
    DuesMonth,
    DuesPayment,
    DuesStandard,
    Grade,
    Notice,
    NoticeFile,
    NoticeReceipt,
    Participant,
    PaymentMethod,
    PaymentStatus,
    RatingCast,
    RatingTally,
)
from branch.text import plain
from forum.errors import AttachmentRefused, AttachmentTooLarge
from forum.services import max_attachment_bytes
from kernel import files
from kernel.errors import Conflict, Forbidden, Invalid
from kernel.ratelimit import check as rate_check
from meetings.models import Meeting, MeetingKind
from members.access import ROLE_GRANTS, SYSTEM, Action, Actor, branch_of, can_at_branch, require, require_member
from members.models import Member, Organisation
from moderation.archive import archive_append
from moderation.documents import document_guard
from realtime import conf as realtime_conf
from realtime.services import event_append
from realtime.streams import user_stream

MAX_INCOME_FEN = 10_000_000_00  # ten million yuan a month: anything above is a typing error
MAX_MONTHS = 24
PREPAY_MONTHS = 12  # how far ahead of the current month a payment may reach
MAX_NOTICE_TEXT = 20_000
MAX_NOTICE_FILES = 10
REMIND_RATE = (1 / 600, 1)  # one reminder per notice every ten minutes
REMINDER_MONTHS = 3
WARNING_MONTHS = 6


def _write_limit(by: Actor) -> None:
    """Text a member writes (a notice, a declaration, a self-assessment) draws on the same bucket
    as the socket's sends and the mailboxes' messages: no way in goes around the limit."""
    if by.user_id is None:
        return  # the system actor (commands, the payment provider's callback)
    rate, burst = realtime_conf.rate("SEND_RATE")
    rate_check(f"send:{by.user_id}", rate=rate, burst=burst)


def _notify(member_id: int, payload: events.Event) -> None:
    event_append(stream=user_stream(member_id), payload=payload)


def _officers(organisation: Organisation, action: Action, *, exact: bool = False) -> list[int]:
    """Members holding a role that grants ``action`` at ``organisation`` (or above it)."""
    ids = [organisation.pk] if exact else organisation.ancestor_ids
    return list(
        Member.objects.filter(roles__kind__in=ROLE_GRANTS[action], roles__organisation_id__in=ids)
        .values_list("pk", flat=True)
        .distinct()
    )


# --- Dues ------------------------------------------------------------------------------------------


def dues_standard_set(
    *,
    by: Actor,
    member_id: int,
    category: str,
    income_fen: int,
    year: int | None = None,
    effective_from: dt.date | None = None,
) -> DuesStandard:
    """Set (or, within the same year, correct) a member's standard from the declared income base;
    it applies from ``effective_from`` (the first of this month by default) to the next review."""
    member = selectors.member_get(member_id)
    if not can_at_branch(by, Action.MANAGE_DUES, member.organisation):
        raise Forbidden(_("The branch's secretary and organiser set the dues standard."))
    if category not in DuesCategory.values:
        raise Invalid(_("Unknown dues category."))
    if isinstance(income_fen, bool) or not isinstance(income_fen, int) or not 0 <= income_fen <= MAX_INCOME_FEN:
        raise IncomeInvalid()
    start = dues_rules.month_start(effective_from or timezone.localdate())
    year = year or start.year
    if start.year != year:
        raise Invalid(_("A standard takes effect within its own year."))
    monthly = dues_rules.monthly_fen(category, income_fen)
    with transaction.atomic():
        standard, _created = DuesStandard.objects.update_or_create(
            member=member,
            year=year,
            defaults={
                "effective_from": start,
                "category": category,
                "income_fen": income_fen,
                "monthly_fen": monthly,
                "set_by_id": by.member_id,
                "set_at": timezone.now(),
            },
        )
        archive_append(
            kind="branch.dues.standard",
            content_ref=f"member:{member.pk}",
            actor_id=by.member_id,
            payload={"member": member.pk, "year": year, "from": start, "category": category,
                     "income_fen": income_fen, "monthly_fen": monthly},
        )  # fmt: skip
        _notify(member.pk, events.StandardSet(year=year, monthly_fen=monthly))
    return standard


def _covered_months(*, member: Member, first_month: dt.date, months: int, amount_fen: int) -> list[tuple[dt.date, int]]:
    """Validate a payment's months and amount against the standards; the months with their fen."""
    if not 1 <= months <= MAX_MONTHS:
        raise Invalid(_("A payment covers between 1 and %(n)s months.") % {"n": MAX_MONTHS})
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen < 0:
        raise AmountMismatch()
    first = dues_rules.month_start(first_month)
    last = dues_rules.add_months(first, months - 1)
    if last > dues_rules.add_months(selectors.current_month(), PREPAY_MONTHS):
        raise Invalid(_("Dues can be paid at most %(n)s months ahead.") % {"n": PREPAY_MONTHS})
    standards = selectors.standards_of([member.pk]).get(member.pk, [])
    out = []
    for month in dues_rules.months_between(first, last):
        standard = selectors.standard_at(standards, month)
        if standard is None:
            raise NoStandard()
        out.append((month, standard.monthly_fen))
    expected = sum(fen for _m, fen in out)
    if amount_fen != expected:
        raise AmountMismatch(
            _("The amount does not match the dues standard: %(months)s months come to %(yuan)s yuan.")
            % {"months": months, "yuan": dues_rules.fen_text(expected)},
            expected_fen=expected,
        )
    if DuesMonth.objects.filter(member=member, month__in=[m for m, _f in out]).exists():
        raise MonthAlreadyPaid()
    return out


def _payment_create(
    *,
    by: Actor,
    member: Member,
    first_month: dt.date,
    months: int,
    amount_fen: int,
    method: str,
    paid_on: dt.date,
    reference: str,
    confirmed: bool,
) -> DuesPayment:
    if method not in PaymentMethod.values:
        raise Invalid(_("Unknown way of payment."))
    if paid_on > timezone.localdate():
        raise Invalid(_("The payment date cannot be in the future."))
    covered = _covered_months(member=member, first_month=first_month, months=months, amount_fen=amount_fen)
    reference = plain(reference, by=by, limit=80, required=False) if reference else ""
    now = timezone.now()
    try:
        with transaction.atomic():
            payment = DuesPayment.objects.create(
                member=member,
                branch=branch_of(member.organisation),
                first_month=covered[0][0],
                months=months,
                amount_fen=amount_fen,
                method=method,
                paid_on=paid_on,
                status=PaymentStatus.CONFIRMED if confirmed else PaymentStatus.DECLARED,
                reference=reference,
                declared_by_id=by.member_id,
                confirmed_by_id=by.member_id if confirmed else None,
                decided_at=now if confirmed else None,
            )
            DuesMonth.objects.bulk_create(
                DuesMonth(payment=payment, member=member, month=m, amount_fen=fen, confirmed=confirmed)
                for m, fen in covered
            )
            _archive_payment(payment, by=by, what="recorded" if confirmed else "declared")
            if confirmed:
                _notify(member.pk, _payment_decided(payment))
            else:
                declared = events.PaymentDeclared(**_payment_fields(payment), member_name=member.real_name)
                for officer in _officers(payment.branch, Action.MANAGE_DUES, exact=True):
                    _notify(officer, declared)
    except IntegrityError:
        raise MonthAlreadyPaid() from None
    return payment


def _payment_fields(payment: DuesPayment) -> dict[str, Any]:
    return {
        "payment": payment.pk,
        "member": payment.member_id,
        "first_month": payment.first_month.isoformat(),
        "months": payment.months,
        "amount_fen": payment.amount_fen,
    }


def _payment_decided(payment: DuesPayment) -> events.PaymentDecided:
    return events.PaymentDecided(type=f"branch.dues.{payment.status}", **_payment_fields(payment))  # type: ignore[arg-type]


def _archive_payment(payment: DuesPayment, *, by: Actor, what: str) -> None:
    archive_append(
        kind=f"branch.dues.payment.{what}",
        content_ref=f"dues_payment:{payment.pk}",
        actor_id=by.member_id,
        payload={"payment": payment.pk, "member": payment.member_id, "first_month": payment.first_month,
                 "months": payment.months, "amount_fen": payment.amount_fen, "method": payment.method,
                 "paid_on": payment.paid_on, "status": payment.status},
    )  # fmt: skip


def dues_payment_record(
    *,
    by: Actor,
    member_id: int,
    first_month: dt.date,
    months: int,
    amount_fen: int,
    method: str,
    paid_on: dt.date,
    reference: str = "",
) -> DuesPayment:
    """The branch records a payment it received (confirmed at once); prepaying is allowed."""
    member = selectors.member_get(member_id)
    if not can_at_branch(by, Action.MANAGE_DUES, member.organisation):
        raise Forbidden(_("Only the branch's secretary and organiser record dues."))
    return _payment_create(by=by, member=member, first_month=first_month, months=months, amount_fen=amount_fen,
                           method=method, paid_on=paid_on, reference=reference, confirmed=True)  # fmt: skip


def dues_payment_declare(
    *, by: Actor, first_month: dt.date, months: int, amount_fen: int, method: str, paid_on: dt.date,
    reference: str = "",
) -> DuesPayment:  # fmt: skip
    """A member declares a payment of their own dues; the branch confirms or rejects it."""
    require_member(by)
    _write_limit(by)
    member = selectors.member_get(by.mid)
    return _payment_create(by=by, member=member, first_month=first_month, months=months, amount_fen=amount_fen,
                           method=method, paid_on=paid_on, reference=reference, confirmed=False)  # fmt: skip


def dues_payment_decide(*, by: Actor, payment_id: int, confirm: bool) -> DuesPayment:
    """Confirm a declared payment (its months count as paid) or reject it (its months are free
    again); the member is told live."""
    payment = selectors.payment_for_officer(actor=by, payment_id=payment_id)
    with transaction.atomic():
        locked = DuesPayment.objects.select_for_update().get(pk=payment.pk)
        if locked.status != PaymentStatus.DECLARED:
            raise Conflict(_("This payment has already been decided."))
        locked.status = PaymentStatus.CONFIRMED if confirm else PaymentStatus.REJECTED
        locked.confirmed_by_id = by.member_id
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "confirmed_by", "decided_at"])
        if confirm:
            DuesMonth.objects.filter(payment=locked).update(confirmed=True)
        else:
            DuesMonth.objects.filter(payment=locked).delete()
        _archive_payment(locked, by=by, what="confirmed" if confirm else "rejected")
        _notify(locked.member_id, _payment_decided(locked))
    return locked


def dues_payment_settle(
    *, reference: str, member_id: int, first_month: dt.date, months: int, amount_fen: int, paid_on: dt.date
) -> DuesPayment:
    """The seam for an online payment provider (there is none): a provider's verified callback
    would call this as the system, and the payment is stored as confirmed with the provider's
    reference, through the same checks as a payment the branch records."""
    member = selectors.member_get(member_id)
    return _payment_create(by=SYSTEM, member=member, first_month=first_month, months=months, amount_fen=amount_fen,
                           method=PaymentMethod.PROVIDER, paid_on=paid_on, reference=reference[:80],
                           confirmed=True)  # fmt: skip


def dues_reminders_send(*, by: Actor, organisation_id: int, today: dt.date | None = None) -> dict[str, list[int]]:
    """Remind every member of a branch who is three or more months behind, and warn the branch's
    secretaries of those six or more behind (grounds for removal under the rules: the system only
    reports, it never removes anyone)."""
    branch = selectors.dues_branch_for(actor=by, organisation_id=organisation_id)
    rows = selectors.dues_rows(members=list(selectors.subtree_members(branch)), month=selectors.current_month(today))
    reminded = [r for r in rows if r.months_overdue >= REMINDER_MONTHS]
    warned = [r for r in rows if r.months_overdue >= WARNING_MONTHS]
    with transaction.atomic():
        for r in reminded:
            _notify(r.member.pk, events.DuesReminder(months_overdue=r.months_overdue, arrears_fen=r.arrears_fen))
        if warned:
            warning = events.DuesWarning(
                organisation=branch.pk,
                members=[
                    events.Overdue(id=r.member.pk, name=r.member.real_name, months=r.months_overdue) for r in warned
                ],
            )
            secretaries = Member.objects.filter(roles__kind="secretary", roles__organisation=branch).distinct()
            for secretary in secretaries.values_list("pk", flat=True):
                _notify(secretary, warning)
        archive_append(
            kind="branch.dues.reminders",
            content_ref=f"organisation:{branch.pk}",
            actor_id=by.member_id,
            payload={"reminded": [r.member.pk for r in reminded], "warned": [r.member.pk for r in warned]},
        )
    return {"reminded": [r.member.pk for r in reminded], "warned": [r.member.pk for r in warned]}


# --- Notices ---------------------------------------------------------------------------------------


def _notice_uploads(*, uploads: list[tuple[str, IO[bytes]]], by: Actor) -> list[files.Upload]:
    """Attachments checked like every upload, before the notice's transaction (a refused attempt
    stays archived): typed by their bytes, size-limited, the name (which readers see) and a PDF's
    text through the confidentiality guard."""
    if len(uploads) > MAX_NOTICE_FILES:
        raise Invalid(_("At most %(n)s files.") % {"n": MAX_NOTICE_FILES})
    limit = max_attachment_bytes()
    checked = []
    for name, stream in uploads:
        upload = files.upload_read(
            stream, name=name, limit=limit, guard=lambda filename: plain(filename, by=by, limit=160),
            too_large=lambda limit: AttachmentTooLarge(limit=limit), refused=AttachmentRefused,
        )  # fmt: skip
        document_guard(
            data=upload.data, content_type=upload.content_type, author=by, organisation=None, word_lists=False
        )
        checked.append(upload)
    return checked


def _notice_files(*, notice: Notice, uploads: list[files.Upload]) -> list[str]:
    for upload in uploads:
        item = NoticeFile(
            notice=notice, filename=upload.filename, content_type=upload.content_type, size=len(upload.data)
        )
        item.file.save(f"{uuid.uuid4().hex}.{upload.extension}", ContentFile(upload.data), save=False)
        item.save()
    return [upload.filename for upload in uploads]


def notice_publish(
    *,
    by: Actor,
    organisation_id: int,
    title: str,
    body: str,
    requires_confirmation: bool = False,
    member_ids: Iterable[int] | None = None,
    uploads: Iterable[tuple[str, IO[bytes]]] = (),
) -> Notice:
    """Publish a notice to an organisation's subtree, or to named members within it; each
    recipient hears of it live on ``user:me``. The notice and its files are stored together or
    not at all."""
    organisation = selectors.organisation_get(organisation_id)
    require(by, Action.POST_ANNOUNCEMENT, organisation)
    _write_limit(by)
    title, body = title.strip(), body.strip()
    if not title or len(title) > 200:
        raise Invalid(_("The title must have between 1 and 200 characters."))
    clean_title = plain(title, by=by, limit=200)
    clean_body = plain(body, by=by, limit=MAX_NOTICE_TEXT)
    audience = selectors.subtree_members(organisation).exclude(pk=selectors.me(by))
    named = member_ids is not None
    if named:
        wanted = set(member_ids or ())
        recipients = list(audience.filter(pk__in=wanted))
        if not wanted or len(recipients) != len(wanted):
            raise Invalid(_("Name members of this organisation only."))
    else:
        recipients = list(audience)
    checked = _notice_uploads(uploads=list(uploads), by=by)
    with transaction.atomic():
        notice = Notice.objects.create(
            organisation=organisation,
            publisher_id=by.mid,
            title=clean_title,
            body=clean_body,
            requires_confirmation=requires_confirmation,
            named_only=named,
        )
        filenames = _notice_files(notice=notice, uploads=checked)
        NoticeReceipt.objects.bulk_create(
            NoticeReceipt(notice=notice, member=m, organisation_id=m.organisation_id) for m in recipients
        )
        archive_append(
            kind="branch.notice.published",
            content_ref=f"notice:{notice.pk}",
            actor_id=by.member_id,
            payload={"notice": notice.pk, "organisation": organisation.pk, "title": clean_title,
                     "body": clean_body, "files": filenames, "recipients": len(recipients),
                     "named": named, "requires_confirmation": requires_confirmation},
        )  # fmt: skip
        event = events.NoticePublished(
            notice=notice.pk,
            title=notice.title,
            organisation=organisation.name,
            requires_confirmation=requires_confirmation,
            at=notice.created.isoformat(),
        )
        for m in recipients:
            _notify(m.pk, event)
    return notice


def _receipt_changed(notice: Notice, receipt: NoticeReceipt) -> None:
    """The publisher's stream hears each change, with the new counts of that organisation and of
    the whole notice; the reader's own stream hears their unread count."""
    event_append(
        stream=notice.stream,
        payload=events.NoticeReceipt(
            member=receipt.member_id,
            organisation=receipt.organisation_id,
            read_at=receipt.read_at.isoformat() if receipt.read_at else None,
            confirmed_at=receipt.confirmed_at.isoformat() if receipt.confirmed_at else None,
            counts=events.ReceiptCounts(**selectors.receipt_counts(notice, receipt.organisation_id)),
            totals=events.ReceiptCounts(**selectors.receipt_counts(notice)),
        ),
    )
    unread = selectors.unread_notice_count(member_id=receipt.member_id)
    _notify(receipt.member_id, events.NoticeUnread(notice=notice.pk, unread=unread))


def notice_read(*, by: Actor, notice_id: int) -> NoticeReceipt | None:
    """A recipient opened the notice: the first time marks it read (others' opening records nothing)."""
    notice = selectors.notice_get_for(actor=by, notice_id=notice_id)
    with transaction.atomic():
        receipt = NoticeReceipt.objects.select_for_update().filter(notice=notice, member_id=selectors.me(by)).first()
        if receipt is None or receipt.read_at is not None:
            return receipt
        receipt.read_at = timezone.now()
        receipt.save(update_fields=["read_at"])
        _receipt_changed(notice, receipt)
    return receipt


def notice_confirm(*, by: Actor, notice_id: int) -> NoticeReceipt:
    """A recipient confirms (已阅) a notice that asks for it."""
    notice = selectors.notice_get_for(actor=by, notice_id=notice_id)
    if not notice.requires_confirmation:
        raise Conflict(_("This notice does not ask for confirmation."))
    with transaction.atomic():
        receipt = NoticeReceipt.objects.select_for_update().filter(notice=notice, member_id=selectors.me(by)).first()
        if receipt is None:
            raise Forbidden(_("This notice was not sent to you."))
        if receipt.confirmed_at is not None:
            return receipt
        now = timezone.now()
        receipt.read_at = receipt.read_at or now
        receipt.confirmed_at = now
        receipt.save(update_fields=["read_at", "confirmed_at"])
        archive_append(kind="branch.notice.confirmed", content_ref=f"notice:{notice.pk}", actor_id=by.member_id,
                       payload={"notice": notice.pk, "member": by.member_id})  # fmt: skip
        _receipt_changed(notice, receipt)
    return receipt


def notice_remind(*, by: Actor, notice_id: int) -> int:
    """Remind the recipients who have not read it (or not confirmed it, when asked); how many."""
    notice = selectors.notice_manage_for(actor=by, notice_id=notice_id)
    rate_check(f"branch-notice-remind:{notice.pk}", rate=REMIND_RATE[0], burst=REMIND_RATE[1])
    pending = NoticeReceipt.objects.filter(notice=notice)
    pending = (
        pending.filter(confirmed_at__isnull=True)
        if notice.requires_confirmation
        else pending.filter(read_at__isnull=True)
    )
    ids = list(pending.values_list("member_id", flat=True))
    with transaction.atomic():
        Notice.objects.filter(pk=notice.pk).update(reminded_at=timezone.now())
        for member_id in ids:
            _notify(member_id, events.NoticeReminder(notice=notice.pk, title=notice.title))
        archive_append(kind="branch.notice.reminded", content_ref=f"notice:{notice.pk}", actor_id=by.member_id,
                       payload={"notice": notice.pk, "members": ids})  # fmt: skip
    return len(ids)


# --- The democratic appraisal ----------------------------------------------------------------------


def _now(at: dt.datetime | None) -> dt.datetime:
    return at or timezone.now()


def appraisal_open(
    *,
    by: Actor,
    organisation_id: int,
    year: int,
    rating_starts: dt.datetime,
    rating_ends: dt.datetime,
    meeting_id: int | None = None,
) -> Appraisal:
    """Open the year's appraisal: every full and probationary member of the organisation's
    subtree takes part; the tallies are created at zero now, so that their rows say nothing of
    who rated first."""
    organisation = selectors.organisation_get(organisation_id)
    require(by, Action.RUN_APPRAISAL, organisation)
    if rating_ends <= rating_starts:
        raise Invalid(_("The rating period must end after it starts."))
    if not 2000 <= year <= 2100:
        raise Invalid(_("Choose a year."))
    members = list(selectors.subtree_members(organisation).filter(status__in=selectors.APPRAISED_STATUSES))
    if len(members) < 2:
        raise Invalid(_("An appraisal needs at least two full or probationary members."))
    meeting = _org_life_meeting(organisation, meeting_id) if meeting_id is not None else None
    try:
        with transaction.atomic():
            appraisal = Appraisal.objects.create(
                organisation=organisation, year=year, opened_by_id=by.member_id,
                rating_starts=rating_starts, rating_ends=rating_ends, meeting=meeting,
            )  # fmt: skip
            Participant.objects.bulk_create(Participant(appraisal=appraisal, member=m) for m in members)
            RatingTally.objects.bulk_create(
                RatingTally(appraisal=appraisal, member=m, grade=g) for m in members for g in Grade.values
            )
            archive_append(
                kind="branch.appraisal.opened", content_ref=f"appraisal:{appraisal.pk}", actor_id=by.member_id,
                payload={"appraisal": appraisal.pk, "organisation": organisation.pk, "year": year,
                         "rating_starts": rating_starts, "rating_ends": rating_ends,
                         "participants": [m.pk for m in members], "meeting": meeting_id},
            )  # fmt: skip
            for m in members:
                _notify(m.pk, events.AppraisalOpened(appraisal=appraisal.pk, year=year))
    except IntegrityError:
        raise Conflict(_("This organisation's appraisal for that year is already open.")) from None
    return appraisal


def _org_life_meeting(organisation: Organisation, meeting_id: int) -> Meeting:
    meeting = Meeting.objects.filter(pk=meeting_id, organisation=organisation, kind=MeetingKind.ORG_LIFE).first()
    if meeting is None:
        raise Invalid(_("Choose an organisational-life meeting of this organisation."))
    return meeting


def appraisal_link_meeting(*, by: Actor, appraisal_id: int, meeting_id: int | None) -> Appraisal:
    """Hold the appraisal in an organisational-life meeting (its page and minutes show it)."""
    appraisal = selectors.appraisal_run_for(actor=by, appraisal_id=appraisal_id)
    meeting = _org_life_meeting(appraisal.organisation, meeting_id) if meeting_id is not None else None
    with transaction.atomic():
        appraisal.meeting = meeting
        appraisal.save(update_fields=["meeting"])
        archive_append(kind="branch.appraisal.meeting", content_ref=f"appraisal:{appraisal.pk}",
                       actor_id=by.member_id, payload={"appraisal": appraisal.pk, "meeting": meeting_id})  # fmt: skip
    return appraisal


def self_assessment_save(*, by: Actor, appraisal_id: int, text: str, at: dt.datetime | None = None) -> Participant:
    appraisal = selectors.appraisal_get_for(actor=by, appraisal_id=appraisal_id)
    participant = selectors.participant_of(appraisal=appraisal, member_id=selectors.me(by))
    if participant is None:
        raise Forbidden(_("You are not appraised here."))
    if _now(at) >= appraisal.rating_ends:
        raise Conflict(_("Self-assessments close with the rating period."))
    _write_limit(by)
    clean = plain(text, by=by, limit=MAX_NOTICE_TEXT)
    with transaction.atomic():
        participant.self_assessment = clean
        participant.self_assessed_at = timezone.now()
        participant.save(update_fields=["self_assessment", "self_assessed_at"])
        archive_append(kind="branch.appraisal.self_assessment", content_ref=f"appraisal:{appraisal.pk}",
                       actor_id=by.member_id, payload={"appraisal": appraisal.pk, "text": clean})  # fmt: skip
    return participant


def ratings_cast(
    *, by: Actor, appraisal_id: int, ratings: Iterable[tuple[int, str]], at: dt.datetime | None = None
) -> int:
    """Rate one's peers, once, during the rating period. What is stored: that ``by`` has rated,
    and one more in each rated member's count for the grade given; never who gave what. Nothing
    is archived or published per rating (either would carry the time, next to the counts)."""
    appraisal = selectors.appraisal_get_for(actor=by, appraisal_id=appraisal_id)
    if selectors.participant_of(appraisal=appraisal, member_id=selectors.me(by)) is None:
        raise Forbidden(_("Only the members appraised rate each other."))
    if appraisal.phase(_now(at)) != "rating":
        raise NotRatingPeriod()
    grades: dict[int, str] = {}
    for member_id, grade in ratings:
        if member_id in grades:
            raise DuplicateRating()
        grades[member_id] = grade
    if not grades:
        raise Invalid(_("Rate at least one member."))
    peers = set(Participant.objects.filter(appraisal=appraisal).values_list("member_id", flat=True))
    for member_id, grade in grades.items():
        if member_id == by.member_id or member_id not in peers:
            raise Invalid(_("Rate the other members of this appraisal only."))
        if grade not in Grade.values:
            raise Invalid(_("Unknown grade."))
    try:
        with transaction.atomic():
            RatingCast.objects.create(appraisal=appraisal, rater_id=by.mid)
            for member_id, grade in sorted(grades.items()):
                RatingTally.objects.filter(appraisal=appraisal, member_id=member_id, grade=grade).update(
                    count=F("count") + 1
                )
    except IntegrityError:
        raise AlreadyRated() from None
    return len(grades)


def conclusion_record(
    *, by: Actor, appraisal_id: int, member_id: int, grade: str, reasons: str = "", at: dt.datetime | None = None
) -> Participant:
    """The branch's conclusion for one member, after the ratings close and before the results
    are announced; 基本合格 and 不合格 need reasons."""
    appraisal = selectors.appraisal_run_for(actor=by, appraisal_id=appraisal_id)
    if appraisal.phase(_now(at)) != "concluding":
        raise Conflict(_("Conclusions are recorded after the rating period and before the announcement."))
    if grade not in Grade.values:
        raise Invalid(_("Unknown grade."))
    participant = selectors.participant_of(appraisal=appraisal, member_id=member_id)
    if participant is None:
        raise Invalid(_("This member is not appraised here."))
    needs_reasons = grade in GRADES_NEEDING_REASONS
    if needs_reasons and not reasons.strip():
        raise ReasonRequired()
    clean = plain(reasons, by=by, limit=5_000, required=needs_reasons)
    with transaction.atomic():
        participant.conclusion, participant.reasons = grade, clean
        participant.concluded_at = timezone.now()
        participant.save(update_fields=["conclusion", "reasons", "concluded_at"])
        archive_append(kind="branch.appraisal.conclusion", content_ref=f"appraisal:{appraisal.pk}",
                       actor_id=by.member_id,
                       payload={"appraisal": appraisal.pk, "member": member_id, "grade": grade,
                                "reasons": clean})  # fmt: skip
    return participant


def appraisal_announce(*, by: Actor, appraisal_id: int, at: dt.datetime | None = None) -> Appraisal:
    """Announce: each member hears of their own result privately (the event carries no grade);
    the committee above gets the counts per grade."""
    appraisal = selectors.appraisal_run_for(actor=by, appraisal_id=appraisal_id)
    if appraisal.phase(_now(at)) != "concluding":
        raise Conflict(_("The results are announced once, after the rating period."))
    if Participant.objects.filter(appraisal=appraisal, conclusion="").exists():
        raise Conflict(_("Record a conclusion for every member first."))
    summary = selectors.appraisal_summary(appraisal)
    with transaction.atomic():
        appraisal.announced_at = timezone.now()
        appraisal.save(update_fields=["announced_at"])
        archive_append(kind="branch.appraisal.announced", content_ref=f"appraisal:{appraisal.pk}",
                       actor_id=by.member_id, payload={"appraisal": appraisal.pk, "summary": summary})  # fmt: skip
        for member_id in Participant.objects.filter(appraisal=appraisal).values_list("member_id", flat=True):
            _notify(member_id, events.AppraisalResult(appraisal=appraisal.pk))
        parent = appraisal.organisation.parent
        if parent is not None:
            event = events.AppraisalSummary(
                appraisal=appraisal.pk, organisation=appraisal.organisation.name, year=appraisal.year, counts=summary
            )
            for officer in _officers(parent, Action.RUN_APPRAISAL):
                _notify(officer, event)
    return appraisal
