from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from meetings import lifecycle, lobby, services
from meetings.models import Meeting, MeetingKind
from members.access import Actor
from members.models import Member, MemberStatus, RoleKind


@dataclass
class Branch:
    meeting: Meeting
    secretary: Member
    full: list[Member]
    probationary: Member
    activist: Member
    outsider: Member


@pytest.fixture
def branch_meeting(org_tree, member_factory, actor_of) -> Branch:
    """A live branch general meeting of 第一党支部: secretary + 4 full members (one in a group)."""
    secretary = member_factory(org_tree.branch_a, roles=[(RoleKind.SECRETARY, org_tree.branch_a)])
    full = [member_factory(org_tree.branch_a) for _ in range(3)] + [member_factory(org_tree.group_a1)]
    probationary = member_factory(org_tree.group_a1, status=MemberStatus.PROBATIONARY)
    activist = member_factory(org_tree.branch_a, status=MemberStatus.ACTIVIST)
    outsider = member_factory(org_tree.branch_b)
    start = timezone.now()
    meeting = services.meeting_schedule(
        by=actor_of(secretary),
        organisation=org_tree.branch_a,
        kind=MeetingKind.BRANCH_GENERAL,
        title="第三季度支部党员大会",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        agenda=["学习文件", "表决"],
    )
    lifecycle.meeting_start(by=actor_of(secretary), meeting=meeting)
    return Branch(meeting, secretary, full, probationary, activist, outsider)


def enter_and_join(actor: Actor, meeting: Meeting) -> str:
    status = lobby.room_enter(by=actor, meeting=meeting)
    if status == "admitted":
        services.attendance_join(meeting=meeting, member_id=actor.mid)
    return status
