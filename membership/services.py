"""Every write to a member's party record: the steps of the development pipeline, transfers of
organisational relationship and migrant members' registrations.

A member's status changes only here. Each step checks who may take it, that it follows from the
member's current stage, and the rule's dates (membership/rules.py); it writes the record, appends
a history entry, archives the step, and tells the member and the organisation's pipeline board
after commit. ``on`` is the day the step happened; it may be in the past, never in the future.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kernel.errors import Forbidden, Invalid
from meetings.models import Meeting, MeetingKind, Motion, MotionStatus
from meetings.rules import COMMITTEE_ROLES
from meetings.services import meeting_invitees_set
from members.access import SYSTEM, Action, Actor, branch_of, branch_path, has_role, require, require_member
from members.models import Member, MemberStatus, Organisation, Role, RoleKind
from membership import errors, events, rules
from membership.due import PIPELINE_STAGES, next_due, today
from membership.models import (
    OPEN_TRANSFER_STATUSES,
    HistoryEntry,
    HistoryKind,
    MemberRecord,
    MigrantRegistration,
    Proposal,
    ProposalKind,
    ProposalStatus,
    ReminderSent,
    Transfer,
    TransferStatus,
)
from moderation.archive import archive_append
from moderation.pipeline import guard_texts
from realtime.events import Event
from realtime.services import event_append
from realtime.streams import user_stream

S = MemberStatus
APPROVER_ROLES = (RoleKind.SECRETARY, RoleKind.ORGANISER)
LETTER_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed


def pipeline_stream(organisation_id: int) -> str:
    return f"membership.pipeline:{organisation_id}"


# --- checks -----------------------------------------------------------------------------------


def _not_future(on: dt.date) -> None:
    if on > today():
        raise errors.DateInFuture()


def _not_before(on: dt.date, earlier: dt.date | None) -> None:
    if earlier is not None and on < earlier:
        raise errors.DateBeforeEarlierStep()


def _stage(member: Member, *expected: str) -> None:
    if member.status not in expected:
        raise errors.StepOutOfOrder()


def _require_self_or_manager(by: Actor, member: Member) -> None:
    """The member themselves, or a secretary or organiser over them."""
    if by.is_system:
        return
    require_member(by)
    if by.member_id != member.pk:
        require(by, Action.MANAGE_MEMBERS, member.organisation)


def require_committee(by: Actor, member: Member) -> None:
    """A member of the branch committee (支委会) or of a committee above it."""
    if not by.is_system and not has_role(by, COMMITTEE_ROLES, member.organisation):
        raise Forbidden(_("Only the branch committee may take this step."))


def require_approver_above(by: Actor, member: Member) -> None:
    """The secretary or organiser of an organisation above the member's branch (上级党组织)."""
    if by.is_system:
        return
    branch = branch_path(member.organisation) or member.organisation.path
    if not any(g.kind in APPROVER_ROLES and branch.startswith(g.path) and branch != g.path for g in by.roles):
        raise Forbidden(_("Only the organisation above the branch may approve this."))


def _two_full_members(
    member: Member, people: Sequence[Member], error: type[Exception], *, within: str | None = None
) -> list[Member]:
    """Two different full members other than ``member`` (in the subtree at path ``within``)."""
    ids = {p.pk for p in people}
    if len(people) != 2 or len(ids) != 2 or member.pk in ids:
        raise error()
    found = Member.objects.filter(pk__in=ids, status=S.FULL)
    if within is not None:
        found = found.filter(organisation__path__startswith=within)
    if found.count() != 2:
        raise error()
    return list(found)


def _branch_resolution(member: Member, motion: Motion) -> dt.date:
    """The day the member's branch general meeting adopted ``motion``; refuses any other vote."""
    meeting: Meeting = motion.meeting
    branch = branch_path(member.organisation)
    if (
        motion.status != MotionStatus.CLOSED
        or motion.closed_at is None
        or meeting.kind != MeetingKind.BRANCH_GENERAL
        or branch is None
        or meeting.organisation.path != branch
        or Proposal.objects.filter(motion=motion).exists()
    ):
        raise errors.VoteInvalid()
    if (motion.result or {}).get("outcome") != "adopted":
        raise errors.VoteNotAdopted()
    return timezone.localtime(motion.closed_at).date()


# --- writing ------------------------------------------------------------------------------------


def record_for(member: Member) -> MemberRecord:
    record, _created = MemberRecord.objects.get_or_create(member=member)
    return record


def _history(
    *, member: Member, by: Actor, kind: str, on: dt.date, before: str = "", after: str = "", note: str = ""
) -> HistoryEntry:
    entry = HistoryEntry.objects.create(
        member=member, kind=kind, on=on, before=before, after=after, note=note, by_id=by.member_id
    )
    archive_append(
        kind=f"membership.{kind}",
        content_ref=f"membership.member:{member.pk}",
        actor_id=by.member_id,
        payload={"on": on.isoformat(), "before": before, "after": after, "note": note},
    )
    return entry


def _announce(member: Member, event: Event) -> None:
    """Tell the member and everyone watching a pipeline board above them (stored now, published
    after commit)."""
    event_append(stream=user_stream(member.pk), payload=event)
    for org_id in member.organisation.ancestor_ids:
        event_append(stream=pipeline_stream(org_id), payload=event)


def _set_status(*, member: Member, by: Actor, status: str, on: dt.date, note: str = "") -> None:
    before = member.status
    member.status = status
    member.save(update_fields=["status"])
    _history(member=member, by=by, kind=HistoryKind.STAGE, on=on, before=before, after=status, note=note)
    _announce(member, events.StageChanged(member=member.pk, status=status, before=before))


def _locked(member: Member) -> tuple[Member, MemberRecord]:
    """The member and their record, locked for the step (two secretaries clicking at once take
    the step once)."""
    member = Member.objects.select_for_update().select_related("organisation").get(pk=member.pk)
    record_for(member)
    record = MemberRecord.objects.select_for_update().get(member=member)
    return member, record


def record_update(
    *, by: Actor, member: Member, birth_date: dt.date | None = None, id_number: str | None = None,
    phone: str | None = None,
) -> MemberRecord:  # fmt: skip
    """Personal data on the record: the member's secretaries and organisers keep it."""
    require(by, Action.MANAGE_MEMBERS, member.organisation)
    with transaction.atomic():
        member, record = _locked(member)
        changed = []
        if birth_date is not None:
            _not_future(birth_date)
            record.birth_date = birth_date
            changed.append("birth_date")
        if id_number is not None:
            value = id_number.strip().upper()
            if value and not (len(value) == 18 and value[:17].isdigit() and (value[17].isdigit() or value[17] == "X")):
                raise Invalid(_("An ID number has 18 characters: 17 digits and a digit or X."), field="id_number")
            record.id_number = value
            changed.append("id_number")
        if changed:
            record.save(update_fields=changed)
        if phone is not None:
            member.phone = phone.strip()[:30]
            member.save(update_fields=["phone"])
            changed.append("phone")
        if changed:
            archive_append(
                kind="membership.record",
                content_ref=f"membership.member:{member.pk}",
                actor_id=by.member_id,
                payload={"fields": changed},
            )
    return record


BACKFILL_FIELDS: dict[str, tuple[str, ...]] = {
    S.APPLICANT: ("applied_on", "talked_on"),
    S.ACTIVIST: ("applied_on", "talked_on", "activist_on"),
    S.CANDIDATE: ("applied_on", "talked_on", "activist_on", "candidate_on", "political_review_on", "training_on"),
    S.PROBATIONARY: ("applied_on", "activist_on", "candidate_on", "probationary_on"),
    S.FULL: ("applied_on", "activist_on", "candidate_on", "probationary_on", "full_on"),
}


def record_backfill(*, by: Actor, member: Member, **dates: dt.date) -> MemberRecord:
    """Dates from the paper record of someone who joined before the site (a roster import, the
    demo): only the stages the member has passed, only empty fields, in order, none in the future.
    A probation's end follows from its start. The member's status does not change."""
    require(by, Action.MANAGE_MEMBERS, member.organisation)
    allowed = BACKFILL_FIELDS.get(member.status, ())
    if set(dates) - set(allowed):
        raise errors.StepOutOfOrder(_("These dates do not belong to the member's stage."))
    with transaction.atomic():
        member, record = _locked(member)
        previous: dt.date | None = None
        for field in allowed:
            day = dates.get(field) or getattr(record, field)
            if day is None:
                continue
            _not_future(day)
            if field in ("applied_on", "activist_on", "candidate_on", "probationary_on", "full_on"):
                _not_before(day, previous)
                previous = day
        changed = [f for f, day in dates.items() if getattr(record, f) is None]
        for field in changed:
            setattr(record, field, dates[field])
        if record.probationary_on and record.probation_ends_on is None:
            record.probation_ends_on = rules.probation_end(record.probationary_on)
            changed.append("probation_ends_on")
        record.save(update_fields=changed)
        archive_append(
            kind="membership.record",
            content_ref=f"membership.member:{member.pk}",
            actor_id=by.member_id,
            payload={"backfilled": {f: getattr(record, f).isoformat() for f in changed}},
        )
    return record


def application_record(*, by: Actor, member: Member, on: dt.date) -> MemberRecord:
    """The branch received the person's application (入党申请书): the pipeline starts."""
    require(by, Action.MANAGE_MEMBERS, member.organisation)
    _not_future(on)
    with transaction.atomic():
        member, record = _locked(member)
        _stage(member, S.APPLICANT)
        if record.applied_on is not None:
            raise errors.StepOutOfOrder()
        record.applied_on = on
        record.save(update_fields=["applied_on"])
        _history(member=member, by=by, kind=HistoryKind.STAGE, on=on, after=S.APPLICANT, note=_("Application received"))
        _announce(member, events.StageChanged(member=member.pk, status=member.status, before=S.APPLICANT))
    return record


def talk_record(*, by: Actor, member: Member, on: dt.date, note: str) -> MemberRecord:
    """The branch talked with the applicant (谈话), as the rules ask within a month of applying."""
    require_committee(by, member)
    _not_future(on)
    note = note.strip()
    if not note:
        raise errors.ReasonRequired(_("Write down what the talk covered."))
    guard_texts(texts=[note], author=by, organisation=member.organisation)
    with transaction.atomic():
        member, record = _locked(member)
        _stage(member, S.APPLICANT)
        if record.applied_on is None:
            raise errors.StepOutOfOrder()
        _not_before(on, record.applied_on)
        record.talked_on = on
        record.save(update_fields=["talked_on"])
        _history(member=member, by=by, kind=HistoryKind.TALK, on=on, note=note)
        _announce(member, events.RecordChanged(member=member.pk, status=member.status))
    return record


def activist_admit(*, by: Actor, member: Member, on: dt.date, contacts: Sequence[Member]) -> MemberRecord:
    """The branch committee makes the applicant an activist (入党积极分子) and assigns two contact
    members (培养联系人)."""
    require_committee(by, member)
    _not_future(on)
    with transaction.atomic():
        member, record = _locked(member)
        _stage(member, S.APPLICANT)
        if record.applied_on is None or record.talked_on is None:
            raise errors.StepOutOfOrder(_("The application and the talk come first."))
        _not_before(on, record.talked_on)
        if record.birth_date is None:
            raise Invalid(_("Record the date of birth first."), field="birth_date")
        if rules.age_on(record.birth_date, on) < rules.ADULT_AGE:
            raise errors.TooYoung()
        branch = branch_path(member.organisation) or member.organisation.path
        people = _two_full_members(member, contacts, errors.ContactsInvalid, within=branch)
        record.activist_on = on
        record.save(update_fields=["activist_on"])
        record.contacts.set(people)
        _history(member=member, by=by, kind=HistoryKind.CONTACTS, on=on, after="、".join(p.real_name for p in people))
        _set_status(member=member, by=by, status=S.ACTIVIST, on=on)
    return record


def candidate_admit(
    *, by: Actor, member: Member, on: dt.date, political_review_on: dt.date, training_on: dt.date
) -> MemberRecord:
    """After at least a year as an activist, a political review (政治审查) and training, the branch
    committee makes the activist a development candidate (发展对象)."""
    require_committee(by, member)
    _not_future(on)
    with transaction.atomic():
        member, record = _locked(member)
        _stage(member, S.ACTIVIST)
        assert record.activist_on is not None
        if on < rules.activist_may_become_candidate(record.activist_on):
            raise errors.TooSoon(
                _("An activist becomes a development candidate after a year, from %(day)s.")
                % {"day": rules.activist_may_become_candidate(record.activist_on).isoformat()}
            )
        for day in (political_review_on, training_on):
            _not_future(day)
            _not_before(day, record.activist_on)
            if day > on:
                raise errors.StepOutOfOrder(_("The review and the training come before this step."))
        record.candidate_on = on
        record.political_review_on = political_review_on
        record.training_on = training_on
        record.save(update_fields=["candidate_on", "political_review_on", "training_on"])
        _set_status(member=member, by=by, status=S.CANDIDATE, on=on)
    return record


def _propose(
    *, by: Actor, member: Member, kind: str, motion: Motion, reason: str = "", extend_months: int | None = None
) -> Proposal:
    resolved_on = _branch_resolution(member, motion)
    if Proposal.objects.filter(member=member, status=ProposalStatus.PENDING).exists():
        raise errors.StepOutOfOrder(_("A resolution on this member already awaits approval."))
    proposal = Proposal.objects.create(
        member=member, kind=kind, motion=motion, resolved_on=resolved_on, reason=reason,
        extend_months=extend_months, proposed_by_id=by.member_id,
    )  # fmt: skip
    archive_append(
        kind="membership.proposal",
        content_ref=f"membership.member:{member.pk}",
        actor_id=by.member_id,
        payload={"proposal": proposal.pk, "kind": kind, "motion": motion.pk, "resolved_on": resolved_on.isoformat(),
                 "reason": reason, "extend_months": extend_months},
    )  # fmt: skip
    _announce(member, events.ProposalCreated(member=member.pk, status=member.status, proposal=proposal.pk, kind=kind))
    return proposal


def probation_propose(*, by: Actor, member: Member, introducers: Sequence[Member], motion: Motion) -> Proposal:
    """The branch general meeting adopted the candidate's admission; two full members introduce
    them (入党介绍人). The organisation above approves (``proposal_decide``)."""
    require_committee(by, member)
    with transaction.atomic():
        member, record = _locked(member)
        _stage(member, S.CANDIDATE)
        people = _two_full_members(member, introducers, errors.IntroducersInvalid)
        proposal = _propose(by=by, member=member, kind=ProposalKind.PROBATION, motion=motion)
        _not_before(proposal.resolved_on, record.candidate_on)
        record.introducers.set(people)
    return proposal


def full_propose(*, by: Actor, member: Member, applied_on: dt.date, motion: Motion) -> Proposal:
    """At the end of probation the member applied to become a full member (转正申请) and the branch
    general meeting adopted it."""
    require_committee(by, member)
    _not_future(applied_on)
    with transaction.atomic():
        member, record = _locked(member)
        _stage(member, S.PROBATIONARY)
        proposal = _propose(by=by, member=member, kind=ProposalKind.FULL, motion=motion)
        assert record.probation_ends_on is not None
        if proposal.resolved_on < record.probation_ends_on:
            raise errors.TooSoon(
                _("The probation ends on %(day)s; the branch decides on full membership then.")
                % {"day": record.probation_ends_on.isoformat()}
            )
        _not_before(applied_on, record.probationary_on)
        proposal.reason = _("Applied on %(day)s") % {"day": applied_on.isoformat()}
        proposal.save(update_fields=["reason"])
    return proposal


def extension_propose(*, by: Actor, member: Member, months: int, reason: str, motion: Motion) -> Proposal:
    """The branch resolved to extend the probation (延长预备期), once, by at most a year."""
    require_committee(by, member)
    if not reason.strip():
        raise errors.ReasonRequired()
    if not 1 <= months <= rules.MAX_EXTENSION_MONTHS:
        raise Invalid(_("A probation is extended by one to twelve months."), field="months")
    guard_texts(texts=[reason], author=by, organisation=member.organisation)
    with transaction.atomic():
        member, record = _locked(member)
        _stage(member, S.PROBATIONARY)
        if record.probation_extended:
            raise errors.StepOutOfOrder(_("A probation is extended once at most."))
        return _propose(
            by=by, member=member, kind=ProposalKind.EXTEND, motion=motion, reason=reason.strip(), extend_months=months
        )


def cancellation_propose(*, by: Actor, member: Member, reason: str, motion: Motion) -> Proposal:
    """The branch resolved to cancel the probationary membership (取消预备党员资格)."""
    require_committee(by, member)
    if not reason.strip():
        raise errors.ReasonRequired()
    guard_texts(texts=[reason], author=by, organisation=member.organisation)
    with transaction.atomic():
        member, _record = _locked(member)
        _stage(member, S.PROBATIONARY)
        return _propose(by=by, member=member, kind=ProposalKind.CANCEL, motion=motion, reason=reason.strip())


def proposal_decide(*, by: Actor, proposal: Proposal, approve: bool, on: dt.date, note: str = "") -> Proposal:
    """The organisation above approves or refuses the branch's resolution. Approval applies it:
    probation from the day of the branch's resolution, full membership from the day the probation
    ended, a later end of probation, or the cancellation."""
    member = proposal.member
    require_approver_above(by, member)
    _not_future(on)
    if not approve and not note.strip():
        raise errors.ReasonRequired()
    guard_texts(texts=[note], author=by, organisation=member.organisation)
    with transaction.atomic():
        proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if proposal.status != ProposalStatus.PENDING:
            raise errors.StepOutOfOrder(_("This resolution has already been decided."))
        _not_before(on, proposal.resolved_on)
        member, record = _locked(proposal.member)
        proposal.status = ProposalStatus.APPROVED if approve else ProposalStatus.REFUSED
        proposal.decided_by_id, proposal.decided_on, proposal.decision_note = by.member_id, on, note.strip()
        proposal.save(update_fields=["status", "decided_by", "decided_on", "decision_note"])
        archive_append(
            kind="membership.decision",
            content_ref=f"membership.member:{member.pk}",
            actor_id=by.member_id,
            payload={
                "proposal": proposal.pk,
                "approved": approve,
                "on": on.isoformat(),
                "note": proposal.decision_note,
            },
        )
        if approve:
            _apply(by=by, proposal=proposal, member=member, record=record)
        else:
            _announce(
                member,
                events.ProposalDecided(member=member.pk, status=member.status, proposal=proposal.pk, approved=False),
            )
    return proposal


def _apply(*, by: Actor, proposal: Proposal, member: Member, record: MemberRecord) -> None:
    kind = proposal.kind
    if kind == ProposalKind.PROBATION:
        _stage(member, S.CANDIDATE)
        record.probationary_on = proposal.resolved_on
        record.probation_ends_on = rules.probation_end(proposal.resolved_on)
        record.save(update_fields=["probationary_on", "probation_ends_on"])
        _set_status(member=member, by=by, status=S.PROBATIONARY, on=proposal.resolved_on)
    elif kind == ProposalKind.FULL:
        _stage(member, S.PROBATIONARY)
        assert record.probation_ends_on is not None
        record.full_on = record.probation_ends_on
        record.save(update_fields=["full_on"])
        _set_status(member=member, by=by, status=S.FULL, on=record.probation_ends_on)
    elif kind == ProposalKind.EXTEND:
        _stage(member, S.PROBATIONARY)
        assert record.probation_ends_on is not None and proposal.extend_months
        before = record.probation_ends_on
        record.probation_ends_on = rules.add_months(before, proposal.extend_months)
        record.probation_extended = True
        record.save(update_fields=["probation_ends_on", "probation_extended"])
        _history(
            member=member, by=by, kind=HistoryKind.PROBATION, on=proposal.decided_on or today(),
            before=before.isoformat(), after=record.probation_ends_on.isoformat(), note=proposal.reason,
        )  # fmt: skip
        _announce(member, events.RecordChanged(member=member.pk, status=member.status))
    else:
        _stage(member, S.PROBATIONARY)
        _set_status(member=member, by=by, status=S.FORMER, on=proposal.decided_on or today(), note=proposal.reason)


# --- transfers ----------------------------------------------------------------------------------


def _transfer_announce(transfer: Transfer) -> None:
    payload = events.TransferChanged(transfer=transfer.pk, status=transfer.status)
    event_append(stream=user_stream(transfer.member_id), payload=payload)
    orgs = set(transfer.from_org.ancestor_ids) | set(transfer.to_org.ancestor_ids if transfer.to_org else ())
    for org_id in sorted(orgs):
        event_append(stream=pipeline_stream(org_id), payload=payload)


def transfer_request(
    *, by: Actor, member: Member, to_org: Organisation | None = None, destination: str = "", reason: str = ""
) -> Transfer:
    """The member, or a secretary or organiser over them, asks to move the member's organisational
    relationship: to an organisation of this installation, or (``destination``) elsewhere."""
    _require_self_or_manager(by, member)
    destination = destination.strip()[:200]
    if to_org is None and not destination:
        raise Invalid(_("Name the organisation the member moves to."), field="destination")
    if to_org is not None and to_org.kind not in ("branch", "group"):
        raise Invalid(_("A member moves to a branch or a party group."), field="to_org")
    if to_org is not None and to_org.pk == member.organisation_id:
        raise Invalid(_("The member already belongs to this organisation."), field="to_org")
    guard_texts(texts=[destination if to_org is None else "", reason], author=by, organisation=member.organisation)
    with transaction.atomic():
        member = Member.objects.select_for_update().get(pk=member.pk)
        if Transfer.objects.filter(member=member, status__in=OPEN_TRANSFER_STATUSES).exists():
            raise errors.StepOutOfOrder(_("A transfer of this member is already under way."))
        transfer = Transfer.objects.create(
            member=member, from_org_id=member.organisation_id, to_org=to_org,
            destination=destination if to_org is None else to_org.name, reason=reason.strip(),
            requested_by_id=by.member_id, requested_on=today(),
        )  # fmt: skip
        archive_append(
            kind="membership.transfer",
            content_ref=f"membership.member:{member.pk}",
            actor_id=by.member_id,
            payload={"transfer": transfer.pk, "step": "requested", "from": member.organisation_id,
                     "to": to_org.pk if to_org else None, "destination": transfer.destination},
        )  # fmt: skip
        _transfer_announce(transfer)
    return transfer


def _transfer_step(transfer: Transfer, *, by: Actor, step: str, **extra: Any) -> None:
    archive_append(
        kind="membership.transfer",
        content_ref=f"membership.member:{transfer.member_id}",
        actor_id=by.member_id,
        payload={"transfer": transfer.pk, "step": step, **extra},
    )
    _transfer_announce(transfer)


def _open_transfer(transfer: Transfer, *statuses: str) -> Transfer:
    transfer = (
        Transfer.objects.select_for_update(of=("self",))
        .select_related("member", "from_org", "to_org")
        .get(pk=transfer.pk)
    )
    if transfer.status not in statuses:
        raise errors.TransferClosed()
    return transfer


def _letter_code() -> str:
    return "".join(secrets.choice(LETTER_CODE_ALPHABET) for _ in range(10))


def transfer_approve(*, by: Actor, transfer: Transfer) -> Transfer:
    """The sending side approves and issues the letter of introduction (介绍信), valid for
    ``rules.LETTER_VALID_DAYS``. A transfer out of the installation ends here."""
    require(by, Action.MANAGE_MEMBERS, transfer.from_org)
    with transaction.atomic():
        transfer = _open_transfer(transfer, TransferStatus.REQUESTED)
        day = today()
        transfer.approved_by_id, transfer.approved_on = by.member_id, day
        transfer.code = _letter_code()
        transfer.valid_until = day + dt.timedelta(days=rules.LETTER_VALID_DAYS)
        transfer.status = TransferStatus.APPROVED if transfer.to_org_id else TransferStatus.LETTER
        transfer.save(update_fields=["approved_by", "approved_on", "code", "valid_until", "status"])
        if transfer.status == TransferStatus.LETTER:
            member, record = _locked(transfer.member)
            record.transferred_out_on = day
            record.save(update_fields=["transferred_out_on"])
            _history(
                member=member, by=by, kind=HistoryKind.ORGANISATION, on=day, before=transfer.from_org.name,
                after=transfer.destination, note=_("Letter of introduction %(code)s") % {"code": transfer.code},
            )  # fmt: skip
        _transfer_step(
            transfer, by=by, step="approved", code=transfer.code, valid_until=transfer.valid_until.isoformat()
        )
    return transfer


def transfer_refuse(*, by: Actor, transfer: Transfer, reason: str) -> Transfer:
    """Either side refuses; the member stays where they were."""
    if not reason.strip():
        raise errors.ReasonRequired()
    guard_texts(texts=[reason], author=by, organisation=transfer.from_org)
    with transaction.atomic():
        transfer = _open_transfer(transfer, *OPEN_TRANSFER_STATUSES)
        sending = transfer.status == TransferStatus.REQUESTED
        require(by, Action.MANAGE_MEMBERS, transfer.from_org if sending else transfer.to_org)  # type: ignore[arg-type]
        transfer.status = TransferStatus.REFUSED
        transfer.decided_by_id, transfer.decided_on = by.member_id, today()
        transfer.refusal_reason = reason.strip()
        transfer.save(update_fields=["status", "decided_by", "decided_on", "refusal_reason"])
        _transfer_step(transfer, by=by, step="refused", reason=transfer.refusal_reason)
    return transfer


def transfer_expire_due(*, on: dt.date | None = None) -> int:
    """Close approved transfers whose letter has expired (run daily by ``membership_reminders``)."""
    day = on or today()
    count = 0
    for transfer in Transfer.objects.filter(status=TransferStatus.APPROVED, valid_until__lt=day):
        with transaction.atomic():
            transfer = _open_transfer(transfer, TransferStatus.APPROVED)
            transfer.status = TransferStatus.EXPIRED
            transfer.save(update_fields=["status"])
            _transfer_step(transfer, by=SYSTEM, step="expired")
            count += 1
    return count


def transfer_accept(*, by: Actor, transfer: Transfer) -> Transfer:
    """The receiving side accepts: the member's organisation changes, the roles they held at the
    old branch end, and their open sockets follow (the gateway rechecks access on the change)."""
    if transfer.to_org is None:
        raise errors.TransferClosed()
    require(by, Action.MANAGE_MEMBERS, transfer.to_org)
    with transaction.atomic():
        transfer = _open_transfer(transfer, TransferStatus.APPROVED)
        day = today()
        assert transfer.valid_until is not None and transfer.to_org is not None
        if day > transfer.valid_until:
            transfer.status = TransferStatus.EXPIRED
            transfer.save(update_fields=["status"])
            _transfer_step(transfer, by=by, step="expired")
            raise_after = errors.TransferExpired()
        else:
            raise_after = None
            member, record = _locked(transfer.member)
            old_branch = branch_path(member.organisation) or member.organisation.path
            Role.objects.filter(member=member, organisation__path__startswith=old_branch).delete()
            before = member.organisation.name
            member.organisation = transfer.to_org
            member.save(update_fields=["organisation"])
            record.transferred_in_on = day
            record.save(update_fields=["transferred_in_on"])
            transfer.status = TransferStatus.ACCEPTED
            transfer.decided_by_id, transfer.decided_on = by.member_id, day
            transfer.save(update_fields=["status", "decided_by", "decided_on"])
            _history(
                member=member, by=by, kind=HistoryKind.ORGANISATION, on=day, before=before, after=transfer.to_org.name
            )
            _transfer_step(transfer, by=by, step="accepted")
    if raise_after is not None:
        raise raise_after
    return transfer


# --- migrant members ----------------------------------------------------------------------------


def migrant_register(
    *, by: Actor, member: Member, location: str, since: dt.date, destination: Organisation | None = None
) -> MigrantRegistration:
    """A member away from home (外出) for more than six months registers where they are, and the
    organisation there that takes them in as a guest of its organisational life."""
    _require_self_or_manager(by, member)
    location = location.strip()[:120]
    if not location:
        raise Invalid(_("Say where you are."), field="location")
    _not_future(since)
    if destination is not None and destination.kind not in ("branch", "group"):
        raise Invalid(_("A migrant member joins a branch or a party group as a guest."), field="destination")
    if destination is not None and destination.pk == member.organisation_id:
        raise Invalid(_("That is the member's own organisation."), field="destination")
    guard_texts(texts=[location], author=by, organisation=member.organisation)
    with transaction.atomic():
        member = Member.objects.select_for_update().get(pk=member.pk)
        MigrantRegistration.objects.filter(member=member, ended_on__isnull=True).update(ended_on=today())
        registration = MigrantRegistration.objects.create(
            member=member, location=location, destination=destination, since=since
        )
        member.is_migrant = True
        member.current_location = location
        member.save(update_fields=["is_migrant", "current_location"])
        archive_append(
            kind="membership.migrant",
            content_ref=f"membership.member:{member.pk}",
            actor_id=by.member_id,
            payload={"location": location, "destination": destination.pk if destination else None,
                     "since": since.isoformat()},
        )  # fmt: skip
        _announce(member, events.RecordChanged(member=member.pk, status=member.status))
    return registration


def migrant_return(*, by: Actor, member: Member) -> None:
    """The member is back home: the registration ends."""
    _require_self_or_manager(by, member)
    with transaction.atomic():
        ended = MigrantRegistration.objects.filter(member=member, ended_on__isnull=True).update(ended_on=today())
        if not ended:
            raise errors.StepOutOfOrder(_("The member is not registered as away."))
        Member.objects.filter(pk=member.pk).update(is_migrant=False, current_location="")
        archive_append(
            kind="membership.migrant", content_ref=f"membership.member:{member.pk}", actor_id=by.member_id,
            payload={"returned": today().isoformat()},
        )  # fmt: skip


def migrants_invite(*, by: Actor, meeting: Meeting) -> list[int]:
    """The host of a meeting of the destination organisation invites the migrant members
    registered with it, as guests (they stay members of their home branch)."""
    guests = list(
        Member.objects.filter(
            migrant_registrations__ended_on__isnull=True,
            migrant_registrations__destination__path__startswith=meeting.organisation.path,
        ).distinct()
    )
    if not guests:
        return []
    current = list(Member.objects.filter(invitations__meeting=meeting))
    meeting_invitees_set(by=by, meeting=meeting, members=[*current, *(g for g in guests if g not in current)])
    return [g.pk for g in guests]


def reminders_send(*, on: dt.date | None = None) -> int:
    """Tell each branch's secretaries, once, of every step that has fallen due for its members (a
    talk not held within a month, an activist past a year, a probation ending), and close expired
    letters. Run daily (``manage.py membership_reminders``)."""
    day = on or today()
    transfer_expire_due(on=day)
    sent = 0
    people = Member.objects.filter(status__in=PIPELINE_STAGES).select_related("organisation")
    records = {r.member_id: r for r in MemberRecord.objects.filter(member__in=people)}
    pending = {p.member_id: p for p in Proposal.objects.filter(member__in=people, status=ProposalStatus.PENDING)}
    for member in people:
        record = records.get(member.pk)
        due = next_due(member, record, pending.get(member.pk)) if record else None
        if due is None or due.key in ("", "admission", "approval") or due.on > day:
            continue
        with transaction.atomic():
            reminder, created = ReminderSent.objects.get_or_create(member=member, what=due.key, due_on=due.on)
            if not created:
                continue
            branch = branch_of(member.organisation)
            secretaries = Role.objects.filter(
                organisation=branch, kind__in=[RoleKind.SECRETARY, RoleKind.ORGANISER]
            ).values_list("member_id", flat=True)
            payload = events.StepDue(
                member=member.pk, name=member.real_name, what=str(due.what), due_on=due.on.isoformat()
            )
            for secretary_id in set(secretaries):
                event_append(stream=user_stream(secretary_id), payload=payload)
            sent += 1
    return sent
