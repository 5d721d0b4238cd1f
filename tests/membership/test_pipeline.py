"""The development pipeline (发展党员): each step's rules, who may take it, and that nothing is
half-applied when a step is refused."""

from __future__ import annotations

import datetime as dt

import pytest

from kernel.errors import Forbidden, Invalid
from members.models import Member, MemberStatus
from membership import errors, rules, services
from membership.models import HistoryEntry, MemberRecord, Proposal, ProposalStatus
from moderation.models import ArchiveRecord
from realtime.models import StreamEvent

pytestmark = pytest.mark.django_db
S = MemberStatus
TODAY = dt.date(2026, 12, 3)


def status_of(member: Member) -> str:
    return Member.objects.get(pk=member.pk).status


def to_activist(branch, actor_of, *, applied: dt.date, talked: dt.date, admitted: dt.date) -> None:
    sec = actor_of(branch.secretary)
    services.application_record(by=sec, member=branch.applicant, on=applied)
    services.talk_record(by=sec, member=branch.applicant, on=talked, note="谈入党动机")
    services.activist_admit(by=sec, member=branch.applicant, on=admitted, contacts=branch.full[:2])


def to_candidate(branch, actor_of, on_day) -> None:
    on_day(TODAY)
    to_activist(
        branch, actor_of, applied=dt.date(2024, 3, 1), talked=dt.date(2024, 3, 20), admitted=dt.date(2024, 6, 1)
    )
    services.candidate_admit(
        by=actor_of(branch.secretary), member=branch.applicant, on=dt.date(2025, 6, 2),
        political_review_on=dt.date(2025, 5, 1), training_on=dt.date(2025, 5, 20),
    )  # fmt: skip


def test_rules_count_years_and_months_on_the_calendar():
    assert rules.add_years(dt.date(2024, 2, 29), 1) == dt.date(2025, 2, 28)
    assert rules.add_months(dt.date(2025, 1, 31), 1) == dt.date(2025, 2, 28)
    assert rules.add_months(dt.date(2025, 11, 15), 3) == dt.date(2026, 2, 15)
    assert rules.age_on(dt.date(2008, 12, 4), dt.date(2026, 12, 3)) == 17
    assert rules.age_on(dt.date(2008, 12, 3), dt.date(2026, 12, 3)) == 18


def test_an_applicant_becomes_an_activist_after_application_and_talk(branch, actor_of, on_day):
    on_day(TODAY)
    to_activist(
        branch, actor_of, applied=dt.date(2026, 9, 1), talked=dt.date(2026, 9, 10), admitted=dt.date(2026, 11, 1)
    )
    assert status_of(branch.applicant) == S.ACTIVIST
    record = MemberRecord.objects.get(member=branch.applicant)
    assert record.activist_on == dt.date(2026, 11, 1)
    assert set(record.contacts.all()) == set(branch.full[:2])
    stages = list(HistoryEntry.objects.filter(member=branch.applicant, kind="stage").values_list("after", flat=True))
    assert stages == [S.APPLICANT, S.ACTIVIST]
    kinds = set(
        ArchiveRecord.objects.filter(content_ref=f"membership.member:{branch.applicant.pk}").values_list(
            "kind", flat=True
        )
    )
    assert {"membership.stage", "membership.talk", "membership.contacts"} <= kinds
    # The member and the branch's board hear of it.
    assert StreamEvent.objects.filter(
        stream=f"user:{branch.applicant.pk}", payload__type="membership.stage.changed"
    ).exists()
    assert StreamEvent.objects.filter(stream=f"membership.pipeline:{branch.org.pk}").exists()


def test_steps_out_of_order_are_refused_and_change_nothing(branch, actor_of, on_day):
    on_day(TODAY)
    sec = actor_of(branch.secretary)
    with pytest.raises(errors.StepOutOfOrder):  # no application recorded yet
        services.talk_record(by=sec, member=branch.applicant, on=TODAY, note="谈话")
    services.application_record(by=sec, member=branch.applicant, on=dt.date(2026, 10, 1))
    with pytest.raises(errors.StepOutOfOrder):  # the talk comes first
        services.activist_admit(by=sec, member=branch.applicant, on=TODAY, contacts=branch.full[:2])
    with pytest.raises(errors.StepOutOfOrder):  # an applicant is no candidate yet
        services.candidate_admit(
            by=sec, member=branch.applicant, on=TODAY, political_review_on=TODAY, training_on=TODAY
        )
    with pytest.raises(errors.StepOutOfOrder):  # twice
        services.application_record(by=sec, member=branch.applicant, on=dt.date(2026, 10, 2))
    assert status_of(branch.applicant) == S.APPLICANT
    assert MemberRecord.objects.get(member=branch.applicant).activist_on is None


def test_dates_in_the_future_or_before_the_previous_step_are_refused(branch, actor_of, on_day):
    on_day(TODAY)
    sec = actor_of(branch.secretary)
    with pytest.raises(errors.DateInFuture):
        services.application_record(by=sec, member=branch.applicant, on=TODAY + dt.timedelta(days=1))
    services.application_record(by=sec, member=branch.applicant, on=dt.date(2026, 10, 1))
    with pytest.raises(errors.DateBeforeEarlierStep):
        services.talk_record(by=sec, member=branch.applicant, on=dt.date(2026, 9, 30), note="谈话")


def test_an_activist_is_at_least_eighteen(branch, actor_of, on_day, member_factory):
    on_day(TODAY)
    sec = actor_of(branch.secretary)
    young = member_factory(branch.org, status=S.APPLICANT)
    services.record_update(by=sec, member=young, birth_date=dt.date(2008, 12, 4))
    services.application_record(by=sec, member=young, on=dt.date(2026, 9, 1))
    services.talk_record(by=sec, member=young, on=dt.date(2026, 9, 2), note="谈话")
    with pytest.raises(errors.TooYoung):
        services.activist_admit(by=sec, member=young, on=TODAY, contacts=branch.full[:2])
    on_day(dt.date(2026, 12, 4))  # the eighteenth birthday
    services.activist_admit(by=sec, member=young, on=dt.date(2026, 12, 4), contacts=branch.full[:2])
    assert status_of(young) == S.ACTIVIST


def test_contact_members_are_two_full_members_of_the_branch(branch, actor_of, on_day, member_factory, org_tree):
    on_day(TODAY)
    sec = actor_of(branch.secretary)
    services.application_record(by=sec, member=branch.applicant, on=dt.date(2026, 9, 1))
    services.talk_record(by=sec, member=branch.applicant, on=dt.date(2026, 9, 2), note="谈话")
    probationary = member_factory(branch.org, status=S.PROBATIONARY)
    elsewhere = member_factory(org_tree.branch_b)
    for people in ([branch.full[0]], [branch.full[0], branch.full[0]], [branch.full[0], probationary],
                   [branch.full[0], elsewhere], [branch.full[0], branch.applicant]):  # fmt: skip
        with pytest.raises(errors.ContactsInvalid):
            services.activist_admit(by=sec, member=branch.applicant, on=TODAY, contacts=people)
    assert status_of(branch.applicant) == S.APPLICANT


def test_only_the_branch_committee_takes_steps(branch, actor_of, on_day):
    on_day(TODAY)
    with pytest.raises(Forbidden):
        services.application_record(by=actor_of(branch.full[0]), member=branch.applicant, on=TODAY)
    services.application_record(by=actor_of(branch.secretary), member=branch.applicant, on=TODAY)
    with pytest.raises(Forbidden):
        services.talk_record(by=actor_of(branch.full[0]), member=branch.applicant, on=TODAY, note="x")


def test_a_candidate_after_a_year_as_activist_with_review_and_training(branch, actor_of, on_day):
    on_day(TODAY)
    to_activist(
        branch, actor_of, applied=dt.date(2025, 9, 1), talked=dt.date(2025, 9, 2), admitted=dt.date(2025, 12, 4)
    )
    sec = actor_of(branch.secretary)
    with pytest.raises(errors.TooSoon):  # a year less a day
        services.candidate_admit(
            by=sec, member=branch.applicant, on=TODAY, political_review_on=TODAY, training_on=TODAY
        )
    on_day(dt.date(2026, 12, 5))
    with pytest.raises(errors.StepOutOfOrder):  # the review must come before the step
        services.candidate_admit(
            by=sec, member=branch.applicant, on=dt.date(2026, 12, 4), political_review_on=dt.date(2026, 12, 5),
            training_on=dt.date(2026, 11, 1),
        )  # fmt: skip
    services.candidate_admit(
        by=sec, member=branch.applicant, on=dt.date(2026, 12, 4), political_review_on=dt.date(2026, 11, 20),
        training_on=dt.date(2026, 11, 1),
    )  # fmt: skip
    assert status_of(branch.applicant) == S.CANDIDATE


def test_admission_needs_introducers_an_adopted_branch_vote_and_approval_above(
    branch, actor_of, on_day, branch_vote, member_factory
):
    to_candidate(branch, actor_of, on_day)
    sec = actor_of(branch.secretary)
    voters = [branch.secretary, *branch.full]
    probationary = member_factory(branch.org, status=S.PROBATIONARY)
    adopted = branch_vote(branch.org, branch.secretary, voters, in_favour=3)
    with pytest.raises(errors.IntroducersInvalid):  # an introducer must be a full member
        services.probation_propose(
            by=sec, member=branch.applicant, introducers=[branch.full[0], probationary], motion=adopted
        )
    rejected = branch_vote(branch.org, branch.secretary, voters, in_favour=2)  # 2 of 5 entitled: not more than half
    with pytest.raises(errors.VoteNotAdopted):
        services.probation_propose(by=sec, member=branch.applicant, introducers=branch.full[:2], motion=rejected)
    committee = branch_vote(branch.org, branch.secretary, [branch.secretary], in_favour=1, kind="branch_committee")
    with pytest.raises(errors.VoteInvalid):  # a committee meeting does not admit members
        services.probation_propose(by=sec, member=branch.applicant, introducers=branch.full[:2], motion=committee)
    assert not Proposal.objects.exists()

    proposal = services.probation_propose(by=sec, member=branch.applicant, introducers=branch.full[:2], motion=adopted)
    assert status_of(branch.applicant) == S.CANDIDATE  # nothing changes until the organisation above approves
    with pytest.raises(errors.VoteInvalid):  # one vote, one resolution
        services.probation_propose(by=sec, member=branch.applicant, introducers=branch.full[:2], motion=adopted)
    with pytest.raises(Forbidden):  # the branch cannot approve its own resolution
        services.proposal_decide(by=sec, proposal=proposal, approve=True, on=TODAY)
    services.proposal_decide(by=actor_of(branch.committee_secretary), proposal=proposal, approve=True, on=TODAY)
    record = MemberRecord.objects.get(member=branch.applicant)
    assert status_of(branch.applicant) == S.PROBATIONARY
    assert record.probationary_on == proposal.resolved_on  # from the day of the branch's resolution
    assert record.probation_ends_on == rules.add_years(proposal.resolved_on, 1)
    assert set(record.introducers.all()) == set(branch.full[:2])


def test_quorum_counts_the_entitled_not_those_present(branch, actor_of, on_day, branch_vote, member_factory):
    to_candidate(branch, actor_of, on_day)
    for _ in range(4):
        member_factory(branch.org)  # 9 entitled now: a quorum is 5, a resolution needs 5 in favour
    motion = branch_vote(branch.org, branch.secretary, [branch.secretary, *branch.full], in_favour=4)
    assert motion.result["outcome"] == "rejected"  # 4 of 5 present in favour, but not more than half of 9
    with pytest.raises(errors.VoteNotAdopted):
        services.probation_propose(by=actor_of(branch.secretary), member=branch.applicant, introducers=branch.full[:2],
                                   motion=motion)  # fmt: skip
    few = branch_vote(branch.org, branch.secretary, [branch.secretary, *branch.full[:3]], in_favour=4)
    assert few.result["outcome"] == "no_quorum"


def probationary_member(branch, actor_of, on_day, branch_vote, *, days_ago: int) -> Proposal:
    to_candidate(branch, actor_of, on_day)
    motion = branch_vote(branch.org, branch.secretary, [branch.secretary, *branch.full], in_favour=4, days_ago=days_ago)
    proposal = services.probation_propose(
        by=actor_of(branch.secretary), member=branch.applicant, introducers=branch.full[:2], motion=motion
    )
    return services.proposal_decide(by=actor_of(branch.committee_secretary), proposal=proposal, approve=True, on=TODAY)


def test_full_membership_after_a_year_dates_from_the_end_of_probation(branch, actor_of, on_day, branch_vote):
    probation = probationary_member(branch, actor_of, on_day, branch_vote, days_ago=370)
    record = MemberRecord.objects.get(member=branch.applicant)
    sec = actor_of(branch.secretary)
    early = branch_vote(branch.org, branch.secretary, [branch.secretary, *branch.full], in_favour=4, days_ago=10)
    with pytest.raises(errors.TooSoon):  # resolved before the probation ended
        services.full_propose(by=sec, member=branch.applicant, applied_on=TODAY - dt.timedelta(days=12), motion=early)
    motion = branch_vote(branch.org, branch.secretary, [branch.secretary, *branch.full], in_favour=4)
    proposal = services.full_propose(
        by=sec, member=branch.applicant, applied_on=TODAY - dt.timedelta(days=3), motion=motion
    )
    with pytest.raises(errors.ReasonRequired):  # a refusal says why
        services.proposal_decide(by=actor_of(branch.committee_secretary), proposal=proposal, approve=False, on=TODAY)
    services.proposal_decide(by=actor_of(branch.committee_secretary), proposal=proposal, approve=True, on=TODAY)
    record.refresh_from_db()
    assert status_of(branch.applicant) == S.FULL
    assert record.full_on == record.probation_ends_on == rules.add_years(probation.resolved_on, 1)


def test_probation_is_extended_once_by_at_most_a_year_or_cancelled_with_reasons(branch, actor_of, on_day, branch_vote):
    probationary_member(branch, actor_of, on_day, branch_vote, days_ago=300)
    sec, above = actor_of(branch.secretary), actor_of(branch.committee_secretary)
    voters = [branch.secretary, *branch.full]
    record = MemberRecord.objects.get(member=branch.applicant)
    ends = record.probation_ends_on

    def vote():
        return branch_vote(branch.org, branch.secretary, voters, in_favour=4)

    with pytest.raises(Invalid):
        services.extension_propose(by=sec, member=branch.applicant, months=13, reason="学习不够",
                                   motion=vote())  # fmt: skip
    with pytest.raises(errors.ReasonRequired):
        services.extension_propose(by=sec, member=branch.applicant, months=6, reason=" ",
                                   motion=vote())  # fmt: skip
    proposal = services.extension_propose(by=sec, member=branch.applicant, months=6, reason="需要继续考察",
                                          motion=vote())  # fmt: skip
    services.proposal_decide(by=above, proposal=proposal, approve=True, on=TODAY)
    record.refresh_from_db()
    assert record.probation_ends_on == rules.add_months(ends, 6)
    assert status_of(branch.applicant) == S.PROBATIONARY
    with pytest.raises(errors.StepOutOfOrder):  # once only
        services.extension_propose(by=sec, member=branch.applicant, months=3, reason="再延长",
                                   motion=vote())  # fmt: skip
    cancel = services.cancellation_propose(by=sec, member=branch.applicant, reason="不履行党员义务",
                                           motion=vote())  # fmt: skip
    services.proposal_decide(by=above, proposal=cancel, approve=True, on=TODAY)
    assert status_of(branch.applicant) == S.FORMER


def test_a_refused_resolution_changes_nothing(branch, actor_of, on_day, branch_vote):
    to_candidate(branch, actor_of, on_day)
    motion = branch_vote(branch.org, branch.secretary, [branch.secretary, *branch.full], in_favour=4)
    proposal = services.probation_propose(
        by=actor_of(branch.secretary), member=branch.applicant, introducers=branch.full[:2], motion=motion
    )
    services.proposal_decide(by=actor_of(branch.committee_secretary), proposal=proposal, approve=False, on=TODAY,
                             note="材料不全")  # fmt: skip
    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.REFUSED
    assert status_of(branch.applicant) == S.CANDIDATE
    with pytest.raises(errors.StepOutOfOrder):
        services.proposal_decide(by=actor_of(branch.committee_secretary), proposal=proposal, approve=True, on=TODAY)


def test_paper_records_are_backfilled_only_for_passed_stages_in_order(branch, actor_of, on_day, member_factory):
    on_day(TODAY)
    sec = actor_of(branch.secretary)
    veteran = member_factory(branch.org, status=S.PROBATIONARY)
    with pytest.raises(errors.StepOutOfOrder):  # a probationary member has no full membership date yet
        services.record_backfill(by=sec, member=veteran, full_on=dt.date(2026, 1, 1))
    with pytest.raises(errors.DateBeforeEarlierStep):
        services.record_backfill(
            by=sec, member=veteran, activist_on=dt.date(2024, 1, 1), applied_on=dt.date(2024, 6, 1)
        )
    with pytest.raises(errors.DateInFuture):
        services.record_backfill(by=sec, member=veteran, probationary_on=TODAY + dt.timedelta(days=1))
    with pytest.raises(Forbidden):
        services.record_backfill(by=actor_of(branch.full[0]), member=veteran, applied_on=dt.date(2024, 1, 1))
    record = services.record_backfill(by=sec, member=veteran, applied_on=dt.date(2024, 1, 1),
                                      probationary_on=dt.date(2026, 1, 10))  # fmt: skip
    assert record.probation_ends_on == dt.date(2027, 1, 10)
    assert status_of(veteran) == S.PROBATIONARY


def test_secretaries_are_reminded_once_of_each_step_that_fell_due(branch, actor_of, on_day):
    on_day(dt.date(2026, 10, 1))
    services.application_record(by=actor_of(branch.secretary), member=branch.applicant, on=dt.date(2026, 9, 1))
    assert services.reminders_send() == 1  # the talk was due within a month
    assert services.reminders_send() == 0  # once
    events = StreamEvent.objects.filter(stream=f"user:{branch.secretary.pk}", payload__type="membership.step.due")
    assert [e.payload["name"] for e in events] == [branch.applicant.real_name]
    assert not StreamEvent.objects.filter(stream=f"user:{branch.full[0].pk}", payload__type="membership.step.due")


MARKED = "机密★1年"


def classified_attempts() -> int:
    return ArchiveRecord.objects.filter(kind="content.classified_blocked").count()


def test_a_marked_talk_note_is_refused_and_nothing_is_stored(branch, actor_of, on_day):
    from moderation.pipeline import ContentBlocked

    on_day(TODAY)
    sec = actor_of(branch.secretary)
    services.application_record(by=sec, member=branch.applicant, on=dt.date(2026, 9, 1))
    with pytest.raises(ContentBlocked):
        services.talk_record(by=sec, member=branch.applicant, on=dt.date(2026, 9, 10), note=f"谈话 {MARKED}")
    assert MemberRecord.objects.get(member=branch.applicant).talked_on is None
    assert not HistoryEntry.objects.filter(member=branch.applicant, note__contains="机密").exists()
    assert classified_attempts() == 1


def test_marked_reasons_and_decision_notes_are_refused_and_nothing_is_stored(branch, actor_of, on_day, branch_vote):
    from moderation.pipeline import ContentBlocked

    probationary_member(branch, actor_of, on_day, branch_vote, days_ago=300)
    sec, above = actor_of(branch.secretary), actor_of(branch.committee_secretary)
    voters = [branch.secretary, *branch.full]

    def vote():
        return branch_vote(branch.org, branch.secretary, voters, in_favour=4)

    before = Proposal.objects.count()
    with pytest.raises(ContentBlocked):
        services.extension_propose(by=sec, member=branch.applicant, months=6, reason=MARKED, motion=vote())
    with pytest.raises(ContentBlocked):
        services.cancellation_propose(by=sec, member=branch.applicant, reason=MARKED, motion=vote())
    assert Proposal.objects.count() == before
    proposal = services.cancellation_propose(by=sec, member=branch.applicant, reason="不履行党员义务", motion=vote())
    with pytest.raises(ContentBlocked):
        services.proposal_decide(by=above, proposal=proposal, approve=False, on=TODAY, note=MARKED)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PENDING and proposal.decision_note == ""
    assert classified_attempts() == 3
