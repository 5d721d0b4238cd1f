"""Branch reads, each through the access policy (members/access.py)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from branch import dues_rules
from branch.models import (
    Appraisal,
    DuesMonth,
    DuesPayment,
    DuesStandard,
    Grade,
    Notice,
    NoticeFile,
    NoticeReceipt,
    Participant,
    PaymentStatus,
    RatingCast,
    RatingTally,
)
from branch.schemas import BranchTotalOut, MonthOut, MonthStatus
from kernel.errors import Forbidden, NotFound
from members.access import (
    Action,
    Actor,
    can,
    can_at_branch,
    can_here,
    organisations_where,
    require_member,
    subtree_q,
)
from members.models import Member, MemberStatus, Organisation, OrgKind

APPRAISED_STATUSES = (MemberStatus.FULL, MemberStatus.PROBATIONARY)


def me(actor: Actor) -> int:
    """The actor's member id in a lookup (0, which no row has, for the system actor)."""
    return actor.member_id or 0


def organisation_get(organisation_id: int) -> Organisation:
    org = Organisation.objects.filter(pk=organisation_id).first()
    if org is None:
        raise NotFound(_("No such organisation."))
    return org


def member_get(member_id: int) -> Member:
    member = Member.objects.select_related("organisation__parent").filter(pk=member_id).first()
    if member is None:
        raise NotFound(_("No such member."))
    return member


def subtree_members(organisation: Organisation) -> QuerySet[Member]:
    return Member.objects.filter(organisation__path__startswith=organisation.path).select_related("organisation")


# --- Dues ------------------------------------------------------------------------------------------


def dues_member_for(*, actor: Actor, member_id: int) -> Member:
    """A member whose dues base and standard ``actor`` may see: themselves, or their branch's
    secretaries and organisers (a role held above the branch sees totals, not people)."""
    require_member(actor)
    member = member_get(member_id)
    if actor.member_id != member.pk and not can_at_branch(actor, Action.MANAGE_DUES, member.organisation):
        raise Forbidden(_("Only the member and their branch's secretary and organiser see these dues."))
    return member


def dues_branch_for(*, actor: Actor, organisation_id: int) -> Organisation:
    """A branch whose members' dues ``actor`` keeps (a role at that branch)."""
    require_member(actor)
    org = organisation_get(organisation_id)
    if org.kind != OrgKind.BRANCH or not can_at_branch(actor, Action.MANAGE_DUES, org):
        raise Forbidden(_("Only the branch's secretary and organiser keep its dues."))
    return org


def dues_branches_for(*, actor: Actor) -> list[Organisation]:
    """The branches whose dues ``actor`` keeps, and the organisations whose totals they see."""
    paths = organisations_where(actor, Action.MANAGE_DUES)
    return list(Organisation.objects.filter(path__in=paths).order_by("path")) if paths else []


def standards_of(member_ids: list[int]) -> dict[int, list[DuesStandard]]:
    out: dict[int, list[DuesStandard]] = defaultdict(list)
    for s in DuesStandard.objects.filter(member_id__in=member_ids).order_by("effective_from"):
        out[s.member_id].append(s)
    return out


def standard_at(standards: list[DuesStandard], month: dt.date) -> DuesStandard | None:
    """The standard in force in ``month``: the latest that took effect by then."""
    found = None
    for s in standards:
        if s.effective_from <= month:
            found = s
    return found


def current_month(today: dt.date | None = None) -> dt.date:
    return dues_rules.month_start(today or timezone.localdate())


@dataclass
class DuesRow:
    member: Member
    standard: DuesStandard | None
    due_fen: int = 0  # this month's standard
    paid_this_month: bool = False
    declared_this_month: bool = False
    months_overdue: int = 0  # unpaid months before this one
    arrears_fen: int = 0
    review_due: bool = False
    overdue: list[dt.date] = field(default_factory=list)


def dues_rows(*, members: list[Member], month: dt.date) -> list[DuesRow]:
    """Per member, as of ``month``: its standard, whether it is paid or declared, and the unpaid
    months before it (from the member's first standard on) with their amount."""
    ids = [m.pk for m in members]
    standards = standards_of(ids)
    covered: dict[int, dict[dt.date, bool]] = defaultdict(dict)
    for c in DuesMonth.objects.filter(member_id__in=ids, month__lte=month).values("member_id", "month", "confirmed"):
        covered[c["member_id"]][c["month"]] = c["confirmed"]
    out = []
    for m in members:
        mine = standards.get(m.pk, [])
        row = DuesRow(member=m, standard=standard_at(mine, month))
        if mine:
            row.due_fen = row.standard.monthly_fen if row.standard else 0
            state = covered.get(m.pk, {})
            row.paid_this_month = state.get(month) is True
            row.declared_this_month = state.get(month) is False
            row.review_due = (row.standard or mine[-1]).year < month.year
            for past in dues_rules.months_between(mine[0].effective_from, dues_rules.add_months(month, -1)):
                if state.get(past) is not True:
                    standard = standard_at(mine, past)
                    row.overdue.append(past)
                    row.arrears_fen += standard.monthly_fen if standard else 0
            row.months_overdue = len(row.overdue)
        out.append(row)
    return out


def dues_branch_month(*, actor: Actor, organisation_id: int, month: dt.date) -> tuple[Organisation, list[DuesRow]]:
    branch = dues_branch_for(actor=actor, organisation_id=organisation_id)
    members = list(subtree_members(branch).order_by("real_name"))
    return branch, dues_rows(members=members, month=dues_rules.month_start(month))


@dataclass(frozen=True)
class MemberYear:
    """One member's dues year: the standard in force, each month's state, the latest payments,
    and what is overdue now."""

    member: Member
    standard: DuesStandard | None
    months: list[MonthOut]
    payments: list[DuesPayment]
    row: DuesRow


def dues_member_year(*, actor: Actor, member_id: int, year: int) -> MemberYear:
    """One member's year: the standard, each month's state, payments (own page and officers)."""
    member = dues_member_for(actor=actor, member_id=member_id)
    mine = standards_of([member.pk]).get(member.pk, [])
    covered = {
        r["month"]: r
        for r in DuesMonth.objects.filter(member=member, month__year=year).values("month", "confirmed", "amount_fen")
    }
    today = current_month()
    months = []
    for month in dues_rules.months_between(dt.date(year, 1, 1), dt.date(year, 12, 1)):
        standard = standard_at(mine, month)
        state = covered.get(month)
        status: MonthStatus = (
            "paid" if state and state["confirmed"] else "declared" if state else
            "none" if standard is None else "overdue" if month < today else "due" if month == today else "future"
        )  # fmt: skip
        months.append(MonthOut(month=month, status=status, fen=standard.monthly_fen if standard else 0))
    payments = list(DuesPayment.objects.filter(member=member).order_by("-first_month", "-pk")[:50])
    overdue = dues_rows(members=[member], month=today)[0]
    return MemberYear(
        member=member, standard=standard_at(mine, today) or (mine[-1] if mine else None), months=months,
        payments=payments, row=overdue,
    )  # fmt: skip


@dataclass(frozen=True)
class YearChart:
    """Due and paid per month of a year (fen, January first), and per branch."""

    organisation: Organisation
    year: int
    months: list[dt.date]
    due: list[int]
    paid: list[int]
    branches: list[BranchTotalOut]


def dues_year_chart(*, actor: Actor, organisation_id: int, year: int) -> YearChart:
    """Due and paid per month of ``year`` for an organisation's subtree (a branch, or a
    committee's whole subtree), and per branch below it: totals only, no person."""
    require_member(actor)
    org = organisation_get(organisation_id)
    if not can(actor, Action.MANAGE_DUES, org):
        raise Forbidden()
    members = list(subtree_members(org))
    months = dues_rules.months_between(dt.date(year, 1, 1), dt.date(year, 12, 1))
    standards = standards_of([m.pk for m in members])
    due = [0] * 12
    branch_due: dict[int, int] = defaultdict(int)
    member_branch = {m.pk: branch_of_cached(m.organisation) for m in members}
    for m in members:
        for i, month in enumerate(months):
            s = standard_at(standards.get(m.pk, []), month)
            if s is not None:
                due[i] += s.monthly_fen
                branch_due[member_branch[m.pk]] += s.monthly_fen
    paid = [0] * 12
    branch_paid: dict[int, int] = defaultdict(int)
    rows = (
        DuesMonth.objects.filter(member__in=[m.pk for m in members], month__year=year, confirmed=True)
        .values("month", "member_id")
        .annotate(fen=Sum("amount_fen"))
    )
    for r in rows:
        paid[r["month"].month - 1] += r["fen"]
        branch_paid[member_branch[r["member_id"]]] += r["fen"]
    names = dict(Organisation.objects.filter(pk__in=set(member_branch.values())).values_list("pk", "name"))
    branches = [
        BranchTotalOut(id=pk, name=names[pk], due_fen=branch_due[pk], paid_fen=branch_paid[pk])
        for pk in sorted(names, key=lambda pk: names[pk])
    ]
    return YearChart(organisation=org, year=year, months=months, due=due, paid=paid, branches=branches)


def branch_of_cached(organisation: Organisation) -> int:
    """The id of the branch an organisation belongs to (itself above branch level), read off the
    path without a query when the organisation is a branch or a group."""
    ids = organisation.ancestor_ids
    if organisation.kind == OrgKind.BRANCH:
        return organisation.pk
    if organisation.kind == OrgKind.GROUP and len(ids) >= 2:
        return ids[-2]
    return organisation.pk


def payments_pending(*, actor: Actor, organisation_id: int) -> list[DuesPayment]:
    branch = dues_branch_for(actor=actor, organisation_id=organisation_id)
    return list(DuesPayment.objects.filter(branch=branch, status=PaymentStatus.DECLARED).select_related("member"))


def payment_for_officer(*, actor: Actor, payment_id: int) -> DuesPayment:
    payment = DuesPayment.objects.select_related("member__organisation").filter(pk=payment_id).first()
    if payment is None:
        raise NotFound(_("No such payment."))
    dues_branch_for(actor=actor, organisation_id=payment.branch_id)
    return payment


# --- Notices ---------------------------------------------------------------------------------------


def can_publish_notices(actor: Actor, organisation: Organisation) -> bool:
    return can(actor, Action.POST_ANNOUNCEMENT, organisation)


def notice_get_for(*, actor: Actor, notice_id: int) -> Notice:
    """A notice for one of its recipients, its publisher, or whoever may publish at its
    organisation; others are told it does not exist."""
    require_member(actor)
    notice = Notice.objects.select_related("organisation", "publisher").filter(pk=notice_id).first()
    if notice is None or not (
        notice.publisher_id == actor.member_id
        or can_publish_notices(actor, notice.organisation)
        or NoticeReceipt.objects.filter(notice=notice, member_id=me(actor)).exists()
    ):
        raise NotFound(_("No such notice."))
    return notice


def notice_manage_for(*, actor: Actor, notice_id: int) -> Notice:
    """A notice whose read status ``actor`` follows: its publisher, or a publisher there."""
    notice = notice_get_for(actor=actor, notice_id=notice_id)
    if notice.publisher_id != actor.member_id and not can_publish_notices(actor, notice.organisation):
        raise Forbidden(_("Only the publisher sees who has read a notice."))
    return notice


def notice_receipt(*, actor: Actor, notice: Notice) -> NoticeReceipt | None:
    return NoticeReceipt.objects.filter(notice=notice, member_id=me(actor)).first()


def notices_for(*, actor: Actor, limit: int = 50) -> list[NoticeReceipt]:
    """My notices: unread first, then the newest."""
    require_member(actor)
    return list(
        NoticeReceipt.objects.filter(member_id=actor.mid)
        .select_related("notice__organisation", "notice__publisher")
        .order_by(ExpressionWrapper(Q(read_at__isnull=False), BooleanField()), "-notice__created", "-notice_id")[:limit]
    )


def unread_notice_count(*, member_id: int) -> int:
    return NoticeReceipt.objects.filter(member_id=member_id, read_at__isnull=True).count()


def notices_published_for(*, actor: Actor, limit: int = 50) -> list[Notice]:
    """Notices ``actor`` published or may follow (published at organisations where they publish)."""
    require_member(actor)
    paths = organisations_where(actor, Action.POST_ANNOUNCEMENT)
    q = Q(publisher_id=actor.mid) | subtree_q(paths)
    return list(
        Notice.objects.filter(q)
        .select_related("organisation")
        .annotate(
            total=Count("receipts"),
            read=Count("receipts", filter=Q(receipts__read_at__isnull=False)),
            confirmed=Count("receipts", filter=Q(receipts__confirmed_at__isnull=False)),
        )[:limit]
    )


def receipt_counts(notice: Notice, organisation_id: int | None = None) -> dict[str, int]:
    qs = NoticeReceipt.objects.filter(notice=notice)
    if organisation_id is not None:
        qs = qs.filter(organisation_id=organisation_id)
    return qs.aggregate(
        total=Count("pk"),
        read=Count("pk", filter=Q(read_at__isnull=False)),
        confirmed=Count("pk", filter=Q(confirmed_at__isnull=False)),
    )


@dataclass
class ReceiptGroup:
    """One organisation's recipients of a notice, and how many have read and confirmed it."""

    organisation: Organisation
    receipts: list[NoticeReceipt] = field(default_factory=list)
    total: int = 0
    read: int = 0
    confirmed: int = 0


def notice_receipts_by_organisation(*, actor: Actor, notice_id: int) -> tuple[Notice, list[ReceiptGroup]]:
    """The publisher's view: per organisation, its recipients and their read and confirm times."""
    notice = notice_manage_for(actor=actor, notice_id=notice_id)
    groups: dict[int, ReceiptGroup] = {}
    receipts = NoticeReceipt.objects.filter(notice=notice).select_related("member", "organisation")
    for r in receipts.order_by("organisation__path", "member__real_name"):
        g = groups.setdefault(r.organisation_id, ReceiptGroup(organisation=r.organisation))
        g.receipts.append(r)
        g.total += 1
        g.read += r.read_at is not None
        g.confirmed += r.confirmed_at is not None
    return notice, list(groups.values())


def notice_file_for(*, actor: Actor, notice_id: int, file_id: int) -> NoticeFile:
    notice = notice_get_for(actor=actor, notice_id=notice_id)
    item = NoticeFile.objects.filter(notice=notice, pk=file_id).first()
    if item is None:
        raise NotFound()
    return item


# --- The democratic appraisal ----------------------------------------------------------------------


def appraisal_get_for(*, actor: Actor, appraisal_id: int) -> Appraisal:
    """An appraisal for its participants, whoever runs appraisals at its organisation or above
    (the committee above reads the summary)."""
    require_member(actor)
    appraisal = Appraisal.objects.select_related("organisation", "meeting").filter(pk=appraisal_id).first()
    if appraisal is None or not (
        can(actor, Action.RUN_APPRAISAL, appraisal.organisation)
        or Participant.objects.filter(appraisal=appraisal, member_id=me(actor)).exists()
    ):
        raise NotFound(_("No such appraisal."))
    return appraisal


def runs_appraisal(actor: Actor, appraisal: Appraisal) -> bool:
    """Whoever runs appraisals at the appraisal's own organisation; a role above it reads the
    summary only."""
    return can_here(actor, Action.RUN_APPRAISAL, appraisal.organisation)


def appraisal_run_for(*, actor: Actor, appraisal_id: int) -> Appraisal:
    appraisal = appraisal_get_for(actor=actor, appraisal_id=appraisal_id)
    if not runs_appraisal(actor, appraisal):
        raise Forbidden(_("Only the secretary of this organisation runs its appraisal."))
    return appraisal


@dataclass(frozen=True)
class AppraisalView:
    """What one person may see of an appraisal: their own part; the raters' number and everyone's
    conclusion for those who run it, the counts once rating has closed; the summary once it is
    announced, for whoever runs appraisals there or above (``None`` where they may not)."""

    appraisal: Appraisal
    phase: str
    runs: bool
    announced: bool
    mine: Participant | None
    has_rated: bool
    participants: list[Participant]
    raters: int | None
    tallies: dict[int, dict[str, int]] | None
    summary: dict[str, int] | None


def appraisal_view_for(*, actor: Actor, appraisal: Appraisal) -> AppraisalView:
    now = timezone.now()
    runs = runs_appraisal(actor, appraisal)
    announced = appraisal.announced_at is not None
    return AppraisalView(
        appraisal=appraisal,
        phase=appraisal.phase(now),
        runs=runs,
        announced=announced,
        mine=participant_of(appraisal=appraisal, member_id=actor.member_id),
        has_rated=has_rated(appraisal=appraisal, member_id=actor.member_id),
        participants=participants(appraisal),
        raters=raters_count(appraisal) if runs else None,
        tallies=tallies_for(actor=actor, appraisal=appraisal) if runs and now >= appraisal.rating_ends else None,
        summary=appraisal_summary(appraisal)
        if announced and can(actor, Action.RUN_APPRAISAL, appraisal.organisation)
        else None,
    )


def appraisals_for(*, actor: Actor) -> list[Appraisal]:
    require_member(actor)
    paths = organisations_where(actor, Action.RUN_APPRAISAL)
    mine = Participant.objects.filter(member_id=actor.mid).values("appraisal_id")
    return list(Appraisal.objects.filter(Q(pk__in=mine) | subtree_q(paths)).select_related("organisation"))


def participant_of(*, appraisal: Appraisal, member_id: int | None) -> Participant | None:
    if member_id is None:
        return None
    return Participant.objects.filter(appraisal=appraisal, member_id=member_id).first()


def participants(appraisal: Appraisal) -> list[Participant]:
    return list(Participant.objects.filter(appraisal=appraisal).select_related("member__organisation"))


def has_rated(*, appraisal: Appraisal, member_id: int | None) -> bool:
    return RatingCast.objects.filter(appraisal=appraisal, rater_id=member_id).exists()


def raters_count(appraisal: Appraisal) -> int:
    return RatingCast.objects.filter(appraisal=appraisal).count()


def tallies_for(*, actor: Actor, appraisal: Appraisal, at: dt.datetime | None = None) -> dict[int, dict[str, int]]:
    """Counts per participant and grade, for those who run the appraisal, once rating has closed
    (earlier counts, watched as they change, would tell who gave what)."""
    if not runs_appraisal(actor, appraisal):
        raise Forbidden(_("Only the secretary of this organisation runs its appraisal."))
    if (at or timezone.now()) < appraisal.rating_ends:
        raise Forbidden(_("The counts are shown when the rating period has closed."))
    out: dict[int, dict[str, int]] = defaultdict(dict)
    for t in RatingTally.objects.filter(appraisal=appraisal):
        out[t.member_id][t.grade] = t.count
    return dict(out)


def appraisal_summary(appraisal: Appraisal) -> dict[str, int]:
    """Conclusions per grade (what the committee above is told)."""
    counts = dict(
        Participant.objects.filter(appraisal=appraisal)
        .exclude(conclusion="")
        .values_list("conclusion")
        .annotate(n=Count("pk"))
    )
    return {g: counts.get(g, 0) for g in Grade.values}


def appraisals_for_meeting(meeting_id: int) -> list[Appraisal]:
    """Appraisals held in an organisational-life meeting (its page and minutes show them)."""
    return list(Appraisal.objects.filter(meeting_id=meeting_id).select_related("organisation"))
