"""Every read of party records, the pipeline board, transfers and migrant members.

Who sees a record: the member themselves, and the secretaries and organisers of their
organisation or of one above it; nobody else (not their branch's other members, not a committee
beside theirs, not the receiving side of a transfer before it accepts). Phone and ID numbers are
masked in lists and shown in full on the record page to those allowed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kernel.errors import NotFound
from meetings.models import Meeting, Stay
from members.access import Action, Actor, can, organisations_where, require, require_member, subtree_q
from members.models import Member, MemberStatus, Organisation
from membership.due import PIPELINE_STAGES, Due, next_due, since
from membership.models import (
    HistoryEntry,
    MemberRecord,
    MigrantRegistration,
    Proposal,
    ProposalStatus,
    Transfer,
)
from membership.services import record_for, today

S = MemberStatus


def mask_phone(phone: str) -> str:
    digits = phone.strip()
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


def mask_id_number(value: str) -> str:
    if not value:
        return ""
    return f"{value[:3]}{'*' * (len(value) - 7)}{value[-4:]}"


def member_get_for(*, actor: Actor, member_id: int) -> Member:
    """The member whose record ``actor`` may read; NotFound otherwise (the same answer as for an
    id that does not exist)."""
    require_member(actor)
    member = Member.objects.select_related("organisation", "user").filter(pk=member_id).first()
    if member is None or not (actor.member_id == member.pk or can(actor, Action.MANAGE_MEMBERS, member.organisation)):
        raise NotFound(_("No such member record."))
    return member


@dataclass(frozen=True)
class BoardRow:
    member: Member
    record: MemberRecord
    since: dt.date | None
    due: Due | None
    proposal: Proposal | None


def organisation_get_for(*, actor: Actor, org_id: int) -> Organisation:
    org = Organisation.objects.filter(pk=org_id).first()
    if org is None or not can(actor, Action.MANAGE_MEMBERS, org):
        raise NotFound(_("No such organisation."))
    return org


def pipeline_board(*, actor: Actor, organisation: Organisation) -> dict[str, list[BoardRow]]:
    """Who is at which stage in ``organisation``'s subtree, since when, and what is due next."""
    require(actor, Action.MANAGE_MEMBERS, organisation)
    people = (
        Member.objects.filter(subtree_q([organisation.path]), status__in=PIPELINE_STAGES)
        .select_related("organisation")
        .order_by("real_name")
    )
    records = {r.member_id: r for r in MemberRecord.objects.filter(member__in=people)}
    pending = {p.member_id: p for p in Proposal.objects.filter(member__in=people, status=ProposalStatus.PENDING)}
    board: dict[str, list[BoardRow]] = {stage: [] for stage in PIPELINE_STAGES}
    for member in people:
        record = records.get(member.pk) or MemberRecord(member=member)
        proposal = pending.get(member.pk)
        board[member.status].append(
            BoardRow(member, record, since(member, record), next_due(member, record, proposal), proposal)
        )
    return board


def members_of(*, actor: Actor, organisation: Organisation) -> QuerySet[Member]:
    require(actor, Action.MANAGE_MEMBERS, organisation)
    return Member.objects.filter(subtree_q([organisation.path])).select_related("organisation", "record")


def record_page(*, actor: Actor, member_id: int) -> tuple[Member, MemberRecord, list[HistoryEntry], list[Proposal]]:
    member = member_get_for(actor=actor, member_id=member_id)
    record = record_for(member)
    history = list(HistoryEntry.objects.filter(member=member).select_related("by"))
    proposals = list(Proposal.objects.filter(member=member).select_related("motion__meeting", "decided_by"))
    return member, record, history, proposals


def proposals_to_approve(*, actor: Actor) -> QuerySet[Proposal]:
    """Pending resolutions of branches below an organisation where ``actor`` approves."""
    paths = [g.path for g in actor.roles if g.kind in ("secretary", "organiser")]
    if not paths:
        return Proposal.objects.none()
    q = subtree_q(paths, field_name="member__organisation")
    return (
        Proposal.objects.filter(q, status=ProposalStatus.PENDING)
        .exclude(member__organisation__path__in=paths)
        .select_related("member__organisation", "motion__meeting")
    )


def proposal_get_for(*, actor: Actor, proposal_id: int) -> Proposal:
    proposal = Proposal.objects.select_related("member__organisation").filter(pk=proposal_id).first()
    if proposal is None or not can(actor, Action.MANAGE_MEMBERS, proposal.member.organisation):
        raise NotFound(_("No such resolution."))
    return proposal


# --- transfers ----------------------------------------------------------------------------------


def transfers_for(*, actor: Actor) -> dict[str, list[Transfer]]:
    """The actor's own transfers, those out of organisations they manage and those into them."""
    require_member(actor)
    paths = organisations_where(actor, Action.MANAGE_MEMBERS)
    related = Transfer.objects.select_related("member", "from_org", "to_org")
    return {
        "mine": list(related.filter(member_id=actor.mid)),
        "outgoing": list(related.filter(subtree_q(paths, field_name="from_org"))) if paths else [],
        "incoming": list(
            related.filter(subtree_q(paths, field_name="to_org")).exclude(subtree_q(paths, field_name="from_org"))
        )
        if paths
        else [],
    }


def transfer_get_for(*, actor: Actor, transfer_id: int) -> Transfer:
    require_member(actor)
    transfer = Transfer.objects.select_related("member", "from_org", "to_org").filter(pk=transfer_id).first()
    if transfer is None or not (
        transfer.member_id == actor.member_id
        or can(actor, Action.MANAGE_MEMBERS, transfer.from_org)
        or (transfer.to_org is not None and can(actor, Action.MANAGE_MEMBERS, transfer.to_org))
    ):
        raise NotFound(_("No such transfer."))
    return transfer


def may_read_record(actor: Actor, member: Member) -> bool:
    return actor.member_id == member.pk or can(actor, Action.MANAGE_MEMBERS, member.organisation)


@dataclass(frozen=True)
class LetterCheck:
    valid: bool
    name: str
    from_org: str
    destination: str
    valid_until: dt.date | None
    status: str


def letter_verify(code: str) -> LetterCheck | None:
    """What a receiving organisation (perhaps outside this installation) may check of a letter
    of introduction by its code: that it is genuine, whom it names (masked) and until when."""
    code = code.strip().upper()
    if not (6 <= len(code) <= 12 and code.isalnum()):
        return None
    transfer = Transfer.objects.select_related("member", "from_org").filter(code=code).first()
    if transfer is None:
        return None
    name = transfer.member.real_name
    masked = name[0] + "*" * (len(name) - 1) if name else ""
    valid = transfer.status in ("approved", "letter", "accepted") and bool(
        transfer.valid_until and transfer.valid_until >= today()
    )
    return LetterCheck(
        valid, masked, transfer.from_org.name, transfer.destination, transfer.valid_until, transfer.status
    )


# --- migrant members ----------------------------------------------------------------------------


def registration_current(member: Member) -> MigrantRegistration | None:
    return (
        MigrantRegistration.objects.filter(member=member, ended_on__isnull=True).select_related("destination").first()
    )


@dataclass(frozen=True)
class GuestAttendance:
    member: Member
    registration: MigrantRegistration
    meetings: list[tuple[Meeting, bool]]  # each meeting of the destination they were invited to: attended?


def migrants_of(*, actor: Actor, organisation: Organisation) -> list[GuestAttendance]:
    """The home organisation's migrant members, and their attendance as guests at the meetings
    of the organisations that took them in (reported back home)."""
    require(actor, Action.MANAGE_MEMBERS, organisation)
    registrations = MigrantRegistration.objects.filter(
        subtree_q([organisation.path], field_name="member__organisation"), ended_on__isnull=True
    ).select_related("member", "destination")
    rows = []
    for registration in registrations:
        meetings = []
        if registration.destination is not None:
            invited = Meeting.objects.filter(
                invitations__member=registration.member,
                organisation__path__startswith=registration.destination.path,
            ).order_by("starts_at")
            attended = set(
                Stay.objects.filter(member=registration.member, meeting__in=invited).values_list(
                    "meeting_id", flat=True
                )
            )
            meetings = [(m, m.pk in attended) for m in invited]
        rows.append(GuestAttendance(registration.member, registration, meetings))
    return rows


def guests_of(*, actor: Actor, organisation: Organisation) -> QuerySet[MigrantRegistration]:
    """Migrant members registered with ``organisation`` (the destination's view: name and where
    from; their record stays with their home branch)."""
    require(actor, Action.MANAGE_MEMBERS, organisation)
    return MigrantRegistration.objects.filter(
        subtree_q([organisation.path], field_name="destination"), ended_on__isnull=True
    ).select_related("member__organisation")
