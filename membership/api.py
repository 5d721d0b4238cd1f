"""JSON API for party records: records, the pipeline's steps and board, approvals above,
transfers and letters, migrant members. Every read and step goes through the same selectors and
services as the pages."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from ninja import Router, Status

from kernel.errors import NotFound
from kernel.ids import Id
from meetings.api import ERRORS
from meetings.models import Motion
from members.access import actor_for
from members.models import Member, Organisation
from membership import selectors, services, steps
from membership.schemas import (
    BoardMemberOut,
    LetterOut,
    MemberListOut,
    MigrantIn,
    MigrantOut,
    PersonalIn,
    PipelineBoardOut,
    ProposalDecisionIn,
    ProposalOut,
    RecordOut,
    RefuseIn,
    StepIn,
    TransferIn,
    TransferOut,
    TransfersOut,
)

router = Router(tags=["membership"])
StepName = Literal["application", "talk", "activist", "candidate", "probation", "full", "extend", "cancel"]


def _record(request: HttpRequest, member_id: int) -> RecordOut:
    member, record, history, proposals = selectors.record_page(actor=actor_for(request.user), member_id=member_id)
    return RecordOut.of(member, record, history, proposals)


@router.get("/membership/me", response={200: RecordOut, **ERRORS})
def record_me(request: HttpRequest) -> RecordOut:
    return _record(request, actor_for(request.user).mid)


@router.get("/membership/members/{member_id}", response={200: RecordOut, **ERRORS})
def record_get(request: HttpRequest, member_id: Id) -> RecordOut:
    return _record(request, member_id)


@router.patch("/membership/members/{member_id}", response={200: RecordOut, **ERRORS})
def record_personal(request: HttpRequest, member_id: Id, payload: PersonalIn) -> RecordOut:
    actor = actor_for(request.user)
    member = selectors.member_get_for(actor=actor, member_id=member_id)
    services.record_update(
        by=actor, member=member, birth_date=payload.birth_date, id_number=payload.id_number, phone=payload.phone
    )
    return _record(request, member_id)


def _people(ids: list[int]) -> list[Member]:
    found = {m.pk: m for m in Member.objects.filter(pk__in=ids)}
    if set(ids) - set(found):
        raise NotFound()
    return [found[i] for i in ids]


@router.post("/membership/members/{member_id}/steps/{step}", response={200: RecordOut, **ERRORS})
def step_take(request: HttpRequest, member_id: Id, step: StepName, payload: StepIn) -> RecordOut:
    """Take one step of the pipeline: ``application`` (on), ``talk`` (on, note), ``activist`` (on,
    contact_ids), ``candidate`` (on, political_review_on, training_on), ``probation``
    (introducer_ids, motion_id), ``full`` (applied_on, motion_id), ``extend`` (months, reason,
    motion_id), ``cancel`` (reason, motion_id)."""
    actor = actor_for(request.user)
    member = selectors.member_get_for(actor=actor, member_id=member_id)
    motion = None
    if payload.motion_id is not None:
        motion = Motion.objects.select_related("meeting__organisation").filter(pk=payload.motion_id).first()
        if motion is None:
            raise NotFound()
    people = payload.contact_ids if step == "activist" else payload.introducer_ids
    data = {**payload.dict(), "people": _people(people) if people else [], "motion": motion}
    steps.take(step, by=actor, member=member, data=data)
    return _record(request, member_id)


@router.get("/membership/organisations/{org_id}/board", response={200: PipelineBoardOut, **ERRORS})
def board(request: HttpRequest, org_id: Id) -> PipelineBoardOut:
    actor = actor_for(request.user)
    org = selectors.organisation_get_for(actor=actor, org_id=org_id)
    stages = selectors.pipeline_board(actor=actor, organisation=org)
    return PipelineBoardOut(
        organisation_id=org.pk, stages={k: [BoardMemberOut.of(r) for r in rows] for k, rows in stages.items()}
    )


@router.get("/membership/organisations/{org_id}/members", response={200: list[MemberListOut], **ERRORS})
def members(request: HttpRequest, org_id: Id) -> list[MemberListOut]:
    actor = actor_for(request.user)
    org = selectors.organisation_get_for(actor=actor, org_id=org_id)
    return [MemberListOut.of(m) for m in selectors.members_of(actor=actor, organisation=org)]


@router.get("/membership/proposals", response={200: list[ProposalOut], **ERRORS})
def proposals(request: HttpRequest) -> list[ProposalOut]:
    return [ProposalOut.of(p) for p in selectors.proposals_to_approve(actor=actor_for(request.user))]


@router.post("/membership/proposals/{proposal_id}/decision", response={200: ProposalOut, **ERRORS})
def proposal_decide(request: HttpRequest, proposal_id: Id, payload: ProposalDecisionIn) -> ProposalOut:
    actor = actor_for(request.user)
    proposal = selectors.proposal_get_for(actor=actor, proposal_id=proposal_id)
    decided = services.proposal_decide(
        by=actor, proposal=proposal, approve=payload.approve, on=payload.on, note=payload.note
    )
    return ProposalOut.of(decided)


@router.get("/membership/transfers", response={200: TransfersOut, **ERRORS})
def transfers(request: HttpRequest) -> TransfersOut:
    found = selectors.transfers_for(actor=actor_for(request.user))
    return TransfersOut(**{side: [TransferOut.of(t) for t in items] for side, items in found.items()})


@router.post("/membership/transfers", response={201: TransferOut, **ERRORS})
def transfer_request(request: HttpRequest, payload: TransferIn) -> Status:
    actor = actor_for(request.user)
    member_id = payload.member_id or actor.mid
    member = selectors.member_get_for(actor=actor, member_id=member_id)
    to_org = None
    if payload.to_org_id is not None:
        to_org = Organisation.objects.filter(pk=payload.to_org_id).first()
        if to_org is None:
            raise NotFound()
    transfer = services.transfer_request(
        by=actor, member=member, to_org=to_org, destination=payload.destination, reason=payload.reason
    )
    return Status(201, TransferOut.of(transfer))


@router.post("/membership/transfers/{transfer_id}/approve", response={200: TransferOut, **ERRORS})
def transfer_approve(request: HttpRequest, transfer_id: Id) -> TransferOut:
    actor = actor_for(request.user)
    transfer = selectors.transfer_get_for(actor=actor, transfer_id=transfer_id)
    return TransferOut.of(services.transfer_approve(by=actor, transfer=transfer))


@router.post("/membership/transfers/{transfer_id}/accept", response={200: TransferOut, **ERRORS})
def transfer_accept(request: HttpRequest, transfer_id: Id) -> TransferOut:
    actor = actor_for(request.user)
    transfer = selectors.transfer_get_for(actor=actor, transfer_id=transfer_id)
    return TransferOut.of(services.transfer_accept(by=actor, transfer=transfer))


@router.post("/membership/transfers/{transfer_id}/refuse", response={200: TransferOut, **ERRORS})
def transfer_refuse(request: HttpRequest, transfer_id: Id, payload: RefuseIn) -> TransferOut:
    actor = actor_for(request.user)
    transfer = selectors.transfer_get_for(actor=actor, transfer_id=transfer_id)
    return TransferOut.of(services.transfer_refuse(by=actor, transfer=transfer, reason=payload.reason))


@router.get("/membership/letters/{code}", response={200: LetterOut, **ERRORS}, auth=None)
def letter_check(request: HttpRequest, code: str) -> LetterOut:
    """Anyone holding a letter of introduction checks its code (the name comes back masked)."""
    check = selectors.letter_verify(code[:40])
    if check is None:
        raise NotFound()
    return LetterOut.of(check)


@router.post("/membership/migrant", response={201: MigrantOut, **ERRORS})
def migrant_register(request: HttpRequest, payload: MigrantIn) -> Status:
    actor = actor_for(request.user)
    member = selectors.member_get_for(actor=actor, member_id=payload.member_id or actor.mid)
    destination = None
    if payload.destination_id is not None:
        destination = Organisation.objects.filter(pk=payload.destination_id).first()
        if destination is None:
            raise NotFound()
    registration = services.migrant_register(
        by=actor, member=member, location=payload.location, since=payload.since, destination=destination
    )
    return Status(
        201,
        MigrantOut(
            location=registration.location, since=registration.since, destination_id=registration.destination_id
        ),
    )


@router.delete("/membership/migrant", response={204: None, **ERRORS})
def migrant_return(request: HttpRequest) -> Status:
    actor = actor_for(request.user)
    member = selectors.member_get_for(actor=actor, member_id=actor.mid)
    services.migrant_return(by=actor, member=member)
    return Status(204, None)
