from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.utils import timezone

from kernel import clock as kernel_clock
from meetings import lifecycle, lobby, votes
from meetings import services as meeting_services
from meetings.models import MeetingKind, Motion
from members.access import SYSTEM, Actor
from members.models import Member, MemberStatus, Organisation, RoleKind
from membership import services


@dataclass
class Branch:
    org: Organisation
    secretary: Member
    committee_secretary: Member
    full: list[Member]
    applicant: Member


@pytest.fixture
def branch(org_tree, member_factory) -> Branch:
    """第一党支部 with its secretary, four full members and an applicant born in 2000; the
    committee above has its own secretary (who approves)."""
    secretary = member_factory(org_tree.branch_a, roles=[(RoleKind.SECRETARY, org_tree.branch_a)])
    committee_secretary = member_factory(org_tree.committee, roles=[(RoleKind.SECRETARY, org_tree.committee)])
    full = [member_factory(org_tree.branch_a) for _ in range(3)] + [member_factory(org_tree.group_a1)]
    applicant = member_factory(org_tree.group_a1, status=MemberStatus.APPLICANT, real_name="赵申请")
    services.record_update(by=SYSTEM, member=applicant,
                           birth_date=dt.date(2000, 5, 1))  # fmt: skip
    return Branch(org_tree.branch_a, secretary, committee_secretary, full, applicant)


@pytest.fixture
def on_day(clock) -> Callable[[dt.date], None]:
    """Move the site's clock to noon of ``day`` (the pipeline's rules count days and years)."""

    def set_today(day: dt.date) -> None:
        noon = timezone.make_aware(dt.datetime.combine(day, dt.time(12)))
        clock.advance((noon - clock.now()).total_seconds())

    return set_today


VoteFactory = Callable[..., Motion]


@pytest.fixture
def branch_vote(actor_of) -> VoteFactory:
    """A branch general meeting of ``org`` that votes on a motion: ``in_favour`` of ``voters`` vote
    for, the rest against; closed, optionally ``days_ago`` (the day of the resolution)."""

    def vote(org: Organisation, host: Member, voters: list[Member], *, in_favour: int, days_ago: int = 0,
             kind: str = MeetingKind.BRANCH_GENERAL) -> Motion:  # fmt: skip
        host_actor: Actor = actor_of(host)
        start = timezone.now()
        meeting = meeting_services.meeting_schedule(
            by=host_actor, organisation=org, kind=kind, title="支部党员大会", starts_at=start,
            ends_at=start + dt.timedelta(hours=1),
        )  # fmt: skip
        lifecycle.meeting_start(by=host_actor, meeting=meeting)
        motion = votes.motion_open(by=host_actor, meeting=meeting, title="关于接收预备党员的决议", secret=True)
        for number, voter in enumerate(voters):
            actor = actor_of(voter)
            lobby.room_enter(by=actor, meeting=meeting)
            meeting_services.attendance_join(meeting=meeting, member_id=voter.pk)
            votes.ballot_cast(by=actor, motion=motion, choices=["for" if number < in_favour else "against"])
        motion = votes.motion_close(by=host_actor, motion=motion)
        # Closed on the site's day as the test set it (on_day), not the machine's: the day of a
        # resolution is the site's local date, which from 16:00 UTC is already the next one.
        closed = kernel_clock.now() - dt.timedelta(days=days_ago)
        Motion.objects.filter(pk=motion.pk).update(closed_at=closed)
        motion.refresh_from_db()
        return motion

    return vote
