"""What falls due next for a member on their way to full membership, and the site's date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from kernel import clock
from members.models import Member, MemberStatus
from membership import rules
from membership.models import MemberRecord, Proposal, ProposalStatus

S = MemberStatus
PIPELINE_STAGES = (S.APPLICANT, S.ACTIVIST, S.CANDIDATE, S.PROBATIONARY)


def today() -> dt.date:
    """The site's date, from the kernel's clock (tests move it through the pipeline's years)."""
    return timezone.localdate(clock.now())


@dataclass(frozen=True)
class Due:
    what: str
    on: dt.date
    key: str = ""

    @property
    def overdue(self) -> bool:
        return self.on <= today()


def next_due(member: Member, record: MemberRecord, proposal: Proposal | None = None) -> Due | None:
    """What the branch must do next for a member on their way, and from when."""
    if proposal is not None and proposal.status == ProposalStatus.PENDING:
        return Due(_("Approval by the organisation above"), proposal.resolved_on, "approval")
    if member.status == S.APPLICANT:
        if record.applied_on is None:
            return None
        if record.talked_on is None:
            return Due(
                _("Talk with the applicant"), record.applied_on + dt.timedelta(days=rules.TALK_WITHIN_DAYS), "talk"
            )
        return Due(_("Decide on activist"), record.talked_on, "activist")
    if member.status == S.ACTIVIST and record.activist_on:
        return Due(
            _("May become a development candidate"),
            rules.activist_may_become_candidate(record.activist_on),
            "candidate",
        )
    if member.status == S.CANDIDATE and record.candidate_on:
        return Due(_("Branch general meeting on admission"), record.candidate_on, "admission")
    if member.status == S.PROBATIONARY and record.probation_ends_on:
        return Due(_("Probation ends: decide on full membership"), record.probation_ends_on, "full")
    return None


def since(member: Member, record: MemberRecord) -> dt.date | None:
    return {
        S.APPLICANT: record.applied_on,
        S.ACTIVIST: record.activist_on,
        S.CANDIDATE: record.candidate_on,
        S.PROBATIONARY: record.probationary_on,
        S.FULL: record.full_on,
    }.get(member.status)  # type: ignore[call-overload]
