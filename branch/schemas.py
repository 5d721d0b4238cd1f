"""Request and response models of the branch's API (pydantic v2, via ninja), and the one place
its output is shaped: each response model makes itself from what the selectors and services
return (``of``). Its events are in ``branch/events.py``."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Literal

from django.urls import reverse
from ninja import Schema
from pydantic import ConfigDict, Field

from branch.models import DuesCategory, DuesPayment, DuesStandard, Grade, Notice, NoticeReceipt, PaymentMethod
from kernel.ids import Id, Year
from kernel.times import Moment
from lessons.schemas import CourseHead, CourseProgress, OrganisationProgress

if TYPE_CHECKING:
    from branch.selectors import AppraisalView, DuesRow, MemberYear, ReceiptGroup, YearChart

Fen = Annotated[int, Field(ge=0, le=10_000_000_00)]
Months = Annotated[int, Field(ge=1, le=24)]
CategoryName = Literal["employed", "retired", "student", "unemployed", "rural"]
MethodName = Literal["cash", "transfer", "mobile"]  # "provider" only through the provider seam
GradeName = Literal["excellent", "qualified", "basic", "unqualified"]
assert set(CategoryName.__args__) == set(DuesCategory.values)  # type: ignore[attr-defined]
assert set(GradeName.__args__) == set(Grade.values)  # type: ignore[attr-defined]
assert set(MethodName.__args__) < set(PaymentMethod.values)  # type: ignore[attr-defined]


class In(Schema):
    model_config = ConfigDict(extra="forbid")


# --- Dues ------------------------------------------------------------------------------------------


class StandardIn(In):
    category: CategoryName
    income_fen: int = Field(
        ge=-(10**12), le=10_000_000_00, description="Monthly income base in fen; negative is refused."
    )
    year: Year | None = None
    effective_from: dt.date | None = None


class StandardOut(Schema):
    member: int
    year: int
    effective_from: dt.date
    category: str
    income_fen: int
    monthly_fen: int

    @classmethod
    def of(cls, s: DuesStandard) -> StandardOut:
        return cls(member=s.member_id, year=s.year, effective_from=s.effective_from, category=s.category,
                   income_fen=s.income_fen, monthly_fen=s.monthly_fen)  # fmt: skip


class PaymentIn(In):
    first_month: dt.date = Field(description="Any day of the first month covered.")
    months: Months
    amount_fen: int = Field(
        ge=-(10**12), le=10_000_000_00, description="Must equal the standard for the months covered."
    )
    method: MethodName
    paid_on: dt.date
    reference: str = Field(default="", max_length=80)


class PaymentOut(Schema):
    id: int
    member: int
    first_month: dt.date
    months: int
    amount_fen: int
    method: str
    paid_on: dt.date
    status: str

    @classmethod
    def of(cls, p: DuesPayment) -> PaymentOut:
        return cls(id=p.pk, member=p.member_id, first_month=p.first_month, months=p.months,
                   amount_fen=p.amount_fen, method=p.method, paid_on=p.paid_on, status=p.status)  # fmt: skip


class PaymentDecisionIn(In):
    confirm: bool


MonthStatus = Literal["paid", "declared", "overdue", "due", "future", "none"]


class MonthOut(Schema):
    month: dt.date
    status: MonthStatus
    fen: int


class MemberYearOut(Schema):
    member: int
    name: str
    standard: StandardOut | None
    months: list[MonthOut]
    months_overdue: int
    arrears_fen: int
    payments: list[PaymentOut]

    @classmethod
    def of(cls, data: MemberYear) -> MemberYearOut:
        return cls(
            member=data.member.pk,
            name=data.member.real_name,
            standard=StandardOut.of(data.standard) if data.standard else None,
            months=data.months,
            months_overdue=data.row.months_overdue,
            arrears_fen=data.row.arrears_fen,
            payments=[PaymentOut.of(p) for p in data.payments],
        )


class DuesRowOut(Schema):
    member: int
    name: str
    organisation: str
    monthly_fen: int | None
    paid_this_month: bool
    declared_this_month: bool
    months_overdue: int
    arrears_fen: int
    review_due: bool

    @classmethod
    def of(cls, r: DuesRow) -> DuesRowOut:
        return cls(
            member=r.member.pk, name=r.member.real_name, organisation=r.member.organisation.name,
            monthly_fen=r.standard.monthly_fen if r.standard else None, paid_this_month=r.paid_this_month,
            declared_this_month=r.declared_this_month, months_overdue=r.months_overdue, arrears_fen=r.arrears_fen,
            review_due=r.review_due,
        )  # fmt: skip


class BranchMonthOut(Schema):
    organisation: int
    month: dt.date
    rows: list[DuesRowOut]


class RemindersOut(Schema):
    reminded: list[int]
    warned: list[int]


class BranchTotalOut(Schema):
    id: int
    name: str
    due_fen: int
    paid_fen: int


class YearChartOut(Schema):
    organisation: int
    year: int
    due_fen: list[int]
    paid_fen: list[int]
    branches: list[BranchTotalOut]

    @classmethod
    def of(cls, chart: YearChart) -> YearChartOut:
        return cls(organisation=chart.organisation.pk, year=chart.year, due_fen=chart.due, paid_fen=chart.paid,
                   branches=chart.branches)  # fmt: skip


# --- Notices ---------------------------------------------------------------------------------------


class NoticeIn(In):
    organisation: Id
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=20_000)
    requires_confirmation: bool = False
    members: list[Id] | None = Field(default=None, max_length=2000, description="Named members; all when absent.")


class NoticeFileOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int
    url: str


class NoticeOut(Schema):
    id: int
    organisation: str
    publisher: str
    title: str
    body: str
    requires_confirmation: bool
    created: dt.datetime
    files: list[NoticeFileOut]
    read_at: dt.datetime | None = None
    confirmed_at: dt.datetime | None = None

    @classmethod
    def of(cls, notice: Notice, receipt: NoticeReceipt | None) -> NoticeOut:
        """The notice, and ``receipt``'s reader's read and confirm times."""
        return cls(
            id=notice.pk,
            organisation=notice.organisation.name,
            publisher=notice.publisher.real_name,
            title=notice.title,
            body=notice.body,
            requires_confirmation=notice.requires_confirmation,
            created=notice.created,
            files=[
                NoticeFileOut(
                    id=f.pk,
                    filename=f.filename,
                    content_type=f.content_type,
                    size=f.size,
                    url=reverse("branch:notice_file", args=[notice.pk, f.pk]),
                )  # fmt: skip
                for f in notice.files.order_by("pk")
            ],
            read_at=receipt.read_at if receipt else None,
            confirmed_at=receipt.confirmed_at if receipt else None,
        )


class NoticeListItemOut(Schema):
    id: int
    title: str
    organisation: str
    created: dt.datetime
    requires_confirmation: bool
    read_at: dt.datetime | None
    confirmed_at: dt.datetime | None

    @classmethod
    def of(cls, r: NoticeReceipt) -> NoticeListItemOut:
        """A notice in its reader's list, from their receipt."""
        return cls(
            id=r.notice_id, title=r.notice.title, organisation=r.notice.organisation.name, created=r.notice.created,
            requires_confirmation=r.notice.requires_confirmation, read_at=r.read_at, confirmed_at=r.confirmed_at,
        )  # fmt: skip


class ReceiptOut(Schema):
    member: int
    name: str
    read_at: dt.datetime | None
    confirmed_at: dt.datetime | None


class OrganisationReceiptsOut(Schema):
    organisation: int
    name: str
    total: int
    read: int
    confirmed: int
    receipts: list[ReceiptOut]

    @classmethod
    def of(cls, g: ReceiptGroup) -> OrganisationReceiptsOut:
        return cls(
            organisation=g.organisation.pk, name=g.organisation.name, total=g.total, read=g.read,
            confirmed=g.confirmed,
            receipts=[
                ReceiptOut(member=r.member_id, name=r.member.real_name, read_at=r.read_at, confirmed_at=r.confirmed_at)
                for r in g.receipts
            ],
        )  # fmt: skip


class ReceiptsOut(Schema):
    notice: int
    stream: str
    seq: int
    organisations: list[OrganisationReceiptsOut]

    @classmethod
    def of(cls, notice: Notice, groups: list[ReceiptGroup], *, seq: int) -> ReceiptsOut:
        """Who has read and confirmed, per organisation; ``seq``: the notice's stream's head."""
        return cls(notice=notice.pk, stream=notice.stream, seq=seq,
                   organisations=[OrganisationReceiptsOut.of(g) for g in groups])  # fmt: skip


class CountOut(Schema):
    count: int


# --- Appraisal ---------------------------------------------------------------------------------------


class AppraisalIn(In):
    organisation: Id
    year: Year
    rating_starts: Moment
    rating_ends: Moment
    meeting: Id | None = None


class MeetingLinkIn(In):
    meeting: Id | None


class TextIn(In):
    text: str = Field(min_length=1, max_length=20_000)


class RatingIn(In):
    member: Id
    grade: GradeName


class RatingsIn(In):
    ratings: list[RatingIn] = Field(min_length=1, max_length=500)


class ConclusionIn(In):
    member: Id
    grade: GradeName
    reasons: str = Field(default="", max_length=5_000)


class ParticipantOut(Schema):
    member: int
    name: str
    self_assessed: bool
    conclusion: str | None = None
    reasons: str | None = None


class AppraisalOut(Schema):
    id: int
    organisation: str
    year: int
    phase: str
    rating_starts: dt.datetime
    rating_ends: dt.datetime
    meeting: int | None
    has_rated: bool
    my_self_assessment: str | None
    my_conclusion: str | None
    my_reasons: str | None
    participants: list[ParticipantOut]
    raters: int | None = None
    tallies: dict[int, dict[str, int]] | None = None
    summary: dict[str, int] | None = None

    @classmethod
    def of(cls, view: AppraisalView) -> AppraisalOut:
        """One person's view of an appraisal: their own conclusion once it is announced, everyone's
        conclusion only for those who run it."""
        a, mine, runs = view.appraisal, view.mine, view.runs
        return cls(
            id=a.pk,
            organisation=a.organisation.name,
            year=a.year,
            phase=view.phase,
            rating_starts=a.rating_starts,
            rating_ends=a.rating_ends,
            meeting=a.meeting_id,
            has_rated=view.has_rated,
            my_self_assessment=mine.self_assessment if mine else None,
            my_conclusion=mine.conclusion if mine and view.announced else None,
            my_reasons=mine.reasons if mine and view.announced else None,
            participants=[
                ParticipantOut(
                    member=p.member_id,
                    name=p.member.real_name,
                    self_assessed=p.self_assessed_at is not None,
                    conclusion=p.conclusion if runs else None,
                    reasons=p.reasons if runs else None,
                )  # fmt: skip
                for p in view.participants
            ],
            raters=view.raters,
            tallies=view.tallies,
            summary=view.summary,
        )


# --- The online party school -------------------------------------------------------------------------


class CourseIn(In):
    organisation: Id
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=5_000)


class CourseLessonIn(In):
    meeting: Id


class CourseItemOut(Schema):
    id: int
    position: int
    kind: Literal["lesson", "document"]
    title: str
    meeting: int | None
    url: str
    followed: bool
    hours: float


class CourseOut(CourseHead):
    items: list[CourseItemOut]

    @classmethod
    def of(cls, progress: CourseProgress) -> CourseOut:
        """A course and the reader's progress, each item with the page it opens."""
        return cls(
            **progress.model_dump(exclude={"items"}),
            items=[
                CourseItemOut(
                    **item.model_dump(exclude={"size"}),
                    url=reverse("meetings:detail", args=[item.meeting])
                    if item.meeting
                    else reverse("branch:course_document", args=[progress.id, item.id]),
                )
                for item in progress.items
            ],
        )


class RequirementIn(In):
    year: Year
    status: Literal["full", "probationary", "activist"]
    hours: int = Field(ge=0, le=500)


class MemberProgressOut(Schema):
    member_id: int
    real_name: str
    organisation: str
    hours: float
    required: int | None
    percent: int
    met: bool


class OrganisationProgressOut(Schema):
    organisation: int
    year: int
    requirements: dict[str, int]
    members: list[MemberProgressOut]

    @classmethod
    def of(cls, report: OrganisationProgress) -> OrganisationProgressOut:
        return cls(
            organisation=report.organisation, year=report.year, requirements=report.requirements,
            members=[MemberProgressOut(**m.model_dump(include=set(MemberProgressOut.model_fields)))
                     for m in report.members],
        )  # fmt: skip
