"""Branch affairs' durable events (docs/protocol.md, "Branch affairs"): one model per type.

Receipts of a notice go to its publisher's ``branch.notice:<id>``; everything else to one
member's ``user:<id>``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from realtime.events import Event


class StandardSet(Event):
    """The member's monthly dues for a year were set."""

    type: Literal["branch.dues.standard"] = "branch.dues.standard"
    year: int
    monthly_fen: int


class PaymentDecided(Event):
    """To the member: a payment recorded as confirmed, or a declared one confirmed or rejected."""

    type: Literal["branch.dues.confirmed", "branch.dues.rejected"]
    payment: int
    member: int
    first_month: str
    months: int
    amount_fen: int


class PaymentDeclared(Event):
    """To the branch's officers: a member declared a payment that awaits confirmation."""

    type: Literal["branch.dues.declared"] = "branch.dues.declared"
    payment: int
    member: int
    first_month: str
    months: int
    amount_fen: int
    member_name: str


class DuesReminder(Event):
    type: Literal["branch.dues.reminder"] = "branch.dues.reminder"
    months_overdue: int
    arrears_fen: int


class Overdue(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: int
    name: str
    months: int


class DuesWarning(Event):
    """To a branch's secretaries: the members six or more months behind."""

    type: Literal["branch.dues.warning"] = "branch.dues.warning"
    organisation: int
    members: list[Overdue]


class NoticePublished(Event):
    type: Literal["branch.notice.published"] = "branch.notice.published"
    notice: int
    title: str
    organisation: str
    requires_confirmation: bool
    at: str


class ReceiptCounts(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    total: int
    read: int
    confirmed: int


class NoticeReceipt(Event):
    """On ``branch.notice:<id>``: a recipient opened or confirmed the notice."""

    type: Literal["branch.notice.receipt"] = "branch.notice.receipt"
    member: int
    organisation: int
    read_at: str | None
    confirmed_at: str | None
    counts: ReceiptCounts
    totals: ReceiptCounts


class NoticeUnread(Event):
    type: Literal["branch.notice.unread"] = "branch.notice.unread"
    notice: int
    unread: int


class NoticeReminder(Event):
    type: Literal["branch.notice.reminder"] = "branch.notice.reminder"
    notice: int
    title: str


class AppraisalOpened(Event):
    type: Literal["branch.appraisal.opened"] = "branch.appraisal.opened"
    appraisal: int
    year: int


class AppraisalResult(Event):
    """The appraisal's id only: the grade is read on its page."""

    type: Literal["branch.appraisal.result"] = "branch.appraisal.result"
    appraisal: int


class AppraisalSummary(Event):
    """To the committee above: conclusions per grade."""

    type: Literal["branch.appraisal.summary"] = "branch.appraisal.summary"
    appraisal: int
    organisation: str
    year: int
    counts: dict[str, int]
