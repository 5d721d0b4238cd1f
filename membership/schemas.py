"""The shapes of party records on the JSON API: requests, and responses built from the models."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from kernel.ids import Id
from members.models import Member
from membership.models import HistoryEntry, MemberRecord, Proposal, Transfer
from membership.selectors import BoardRow, Due, LetterCheck, mask_id_number, mask_phone


class DueOut(Schema):
    what: str
    on: dt.date
    overdue: bool

    @staticmethod
    def of(due: Due | None) -> DueOut | None:
        return DueOut(what=due.what, on=due.on, overdue=due.overdue) if due else None


class PersonOut(Schema):
    id: int
    real_name: str


class HistoryOut(Schema):
    kind: str
    on: dt.date
    before: str
    after: str
    note: str


class ProposalOut(Schema):
    id: int
    member: PersonOut
    kind: str
    kind_label: str
    status: str
    resolved_on: dt.date
    motion_id: int | None
    reason: str
    decided_on: dt.date | None
    decision_note: str

    @staticmethod
    def of(p: Proposal) -> ProposalOut:
        return ProposalOut(
            id=p.pk, member=PersonOut(id=p.member.pk, real_name=p.member.real_name), kind=p.kind,
            kind_label=str(p.get_kind_display()), status=p.status, resolved_on=p.resolved_on, motion_id=p.motion_id,
            reason=p.reason, decided_on=p.decided_on, decision_note=p.decision_note,
        )  # fmt: skip


class RecordOut(Schema):
    member: PersonOut
    status: str
    status_label: str
    organisation_id: int
    organisation: str
    phone: str
    id_number: str
    birth_date: dt.date | None
    applied_on: dt.date | None
    talked_on: dt.date | None
    activist_on: dt.date | None
    candidate_on: dt.date | None
    political_review_on: dt.date | None
    training_on: dt.date | None
    probationary_on: dt.date | None
    probation_ends_on: dt.date | None
    full_on: dt.date | None
    transferred_in_on: dt.date | None
    transferred_out_on: dt.date | None
    contacts: list[PersonOut]
    introducers: list[PersonOut]
    history: list[HistoryOut]
    proposals: list[ProposalOut]

    @staticmethod
    def of(member: Member, record: MemberRecord, history: list[HistoryEntry], proposals: list[Proposal]) -> RecordOut:
        return RecordOut(
            member=PersonOut(id=member.pk, real_name=member.real_name), status=member.status,
            status_label=str(member.get_status_display()), organisation_id=member.organisation_id,
            organisation=member.organisation.name, phone=member.phone, id_number=record.id_number,
            birth_date=record.birth_date, applied_on=record.applied_on, talked_on=record.talked_on,
            activist_on=record.activist_on, candidate_on=record.candidate_on,
            political_review_on=record.political_review_on, training_on=record.training_on,
            probationary_on=record.probationary_on, probation_ends_on=record.probation_ends_on,
            full_on=record.full_on, transferred_in_on=record.transferred_in_on,
            transferred_out_on=record.transferred_out_on,
            contacts=[PersonOut(id=p.pk, real_name=p.real_name) for p in record.contacts.all()],
            introducers=[PersonOut(id=p.pk, real_name=p.real_name) for p in record.introducers.all()],
            history=[HistoryOut(kind=h.kind, on=h.on, before=h.before, after=h.after, note=h.note) for h in history],
            proposals=[ProposalOut.of(p) for p in proposals],
        )  # fmt: skip


class BoardMemberOut(Schema):
    id: int
    real_name: str
    organisation: str
    status: str
    since: dt.date | None
    due: DueOut | None
    phone: str  # masked

    @staticmethod
    def of(row: BoardRow) -> BoardMemberOut:
        m = row.member
        return BoardMemberOut(
            id=m.pk, real_name=m.real_name, organisation=m.organisation.name, status=m.status, since=row.since,
            due=DueOut.of(row.due), phone=mask_phone(m.phone),
        )  # fmt: skip


class PipelineBoardOut(Schema):
    organisation_id: int
    stages: dict[str, list[BoardMemberOut]]


class MemberListOut(Schema):
    id: int
    real_name: str
    status: str
    organisation: str
    phone: str
    id_number: str

    @staticmethod
    def of(m: Member) -> MemberListOut:
        record = getattr(m, "record", None)
        return MemberListOut(
            id=m.pk, real_name=m.real_name, status=m.status, organisation=m.organisation.name,
            phone=mask_phone(m.phone), id_number=mask_id_number(record.id_number if record else ""),
        )  # fmt: skip


class StepIn(Schema):
    """One step's input; each step reads the fields it needs (docs/architecture.md lists them)."""

    on: dt.date | None = None
    note: str = Field(default="", max_length=4000)
    contact_ids: list[Id] = Field(default=[], max_length=2)
    introducer_ids: list[Id] = Field(default=[], max_length=2)
    political_review_on: dt.date | None = None
    training_on: dt.date | None = None
    motion_id: Id | None = None
    applied_on: dt.date | None = None
    months: int | None = Field(default=None, ge=1, le=12)
    reason: str = Field(default="", max_length=4000)


class PersonalIn(Schema):
    birth_date: dt.date | None = None
    id_number: str | None = Field(default=None, max_length=18)
    phone: str | None = Field(default=None, max_length=30)


class ProposalDecisionIn(Schema):
    approve: bool
    on: dt.date
    note: str = Field(default="", max_length=4000)


class TransferIn(Schema):
    member_id: Id | None = None
    to_org_id: Id | None = None
    destination: str = Field(default="", max_length=200)
    reason: str = Field(default="", max_length=2000)


class RefuseIn(Schema):
    reason: str = Field(min_length=1, max_length=2000)


class TransferOut(Schema):
    id: int
    member: PersonOut
    from_org_id: int
    from_org: str
    to_org_id: int | None
    destination: str
    status: str
    status_label: str
    requested_on: dt.date
    code: str
    valid_until: dt.date | None
    refusal_reason: str

    @staticmethod
    def of(t: Transfer) -> TransferOut:
        return TransferOut(
            id=t.pk, member=PersonOut(id=t.member.pk, real_name=t.member.real_name), from_org_id=t.from_org_id,
            from_org=t.from_org.name, to_org_id=t.to_org_id, destination=t.destination, status=t.status,
            status_label=str(t.get_status_display()), requested_on=t.requested_on, code=t.code,
            valid_until=t.valid_until, refusal_reason=t.refusal_reason,
        )  # fmt: skip


class TransfersOut(Schema):
    mine: list[TransferOut]
    outgoing: list[TransferOut]
    incoming: list[TransferOut]


class LetterOut(Schema):
    valid: bool
    name: str
    from_org: str
    destination: str
    valid_until: dt.date | None
    status: str

    @staticmethod
    def of(check: LetterCheck) -> LetterOut:
        return LetterOut(
            valid=check.valid, name=check.name, from_org=check.from_org, destination=check.destination,
            valid_until=check.valid_until, status=check.status,
        )  # fmt: skip


class MigrantIn(Schema):
    location: str = Field(min_length=1, max_length=120)
    since: dt.date
    destination_id: Id | None = None
    member_id: Id | None = None


class MigrantOut(Schema):
    location: str
    since: dt.date
    destination_id: int | None
