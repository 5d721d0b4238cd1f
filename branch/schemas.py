"""Request and response models of the branch's API (pydantic v2, via ninja); its events are in
``branch/events.py``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from ninja import Schema
from pydantic import ConfigDict, Field

from branch.models import DuesCategory, Grade, PaymentMethod
from kernel.ids import Id, Year
from kernel.times import Moment

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


class PaymentDecisionIn(In):
    confirm: bool


class MonthOut(Schema):
    month: dt.date
    status: Literal["paid", "declared", "overdue", "due", "future", "none"]
    fen: int


class MemberYearOut(Schema):
    member: int
    name: str
    standard: StandardOut | None
    months: list[MonthOut]
    months_overdue: int
    arrears_fen: int
    payments: list[PaymentOut]


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


class NoticeListItemOut(Schema):
    id: int
    title: str
    organisation: str
    created: dt.datetime
    requires_confirmation: bool
    read_at: dt.datetime | None
    confirmed_at: dt.datetime | None


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


class ReceiptsOut(Schema):
    notice: int
    stream: str
    seq: int
    organisations: list[OrganisationReceiptsOut]


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


class CourseOut(Schema):
    id: int
    organisation: str
    title: str
    description: str
    followed: int
    total: int
    items: list[CourseItemOut]


class RequirementIn(In):
    year: Year
    status: Literal["full", "probationary", "activist"]
    hours: int = Field(ge=0, le=500)


class StudyProgressOut(Schema):
    year: int
    hours: float
    required: int | None
    percent: int


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
