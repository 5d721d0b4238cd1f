"""Scheduling: invitees by type, co-hosts, the editable invitation list, live notices, leave."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from kernel.errors import Conflict, Forbidden, Invalid
from meetings import hands, lifecycle, lobby, room, selectors, services, votes
from meetings.models import Invitation, LeaveStatus, Meeting, MeetingKind
from meetings.room_state import room_state
from members.models import Member, MemberStatus, RoleKind
from realtime.models import StreamEvent
from realtime.streams import user_stream
from tests.meetings.conftest import Branch, enter_and_join

pytestmark = pytest.mark.django_db


def events(stream: str, kind: str | None = None) -> list[dict[str, Any]]:
    rows = StreamEvent.objects.filter(stream=stream).order_by("seq")
    return [e.payload for e in rows if kind is None or e.payload["type"] == kind]


def invited(meeting: Meeting) -> set[int]:
    return set(meeting.invitations.values_list("member_id", flat=True))


def schedule(actor: Any, organisation: Any, kind: str, **extra: Any) -> Meeting:
    start = timezone.now() + dt.timedelta(days=1)
    return services.meeting_schedule(
        by=actor, organisation=organisation, kind=kind, title=f"{kind} 会议", starts_at=start,
        ends_at=start + dt.timedelta(hours=1), **extra,
    )  # fmt: skip


def test_each_type_invites_the_members_it_implies(org_tree, member_factory, actor_of):
    secretary = member_factory(org_tree.branch_a, roles=[(RoleKind.SECRETARY, org_tree.branch_a)])
    in_branch = member_factory(org_tree.branch_a)
    in_group = member_factory(org_tree.group_a1)
    probationary = member_factory(org_tree.group_a1, status=MemberStatus.PROBATIONARY)
    activist = member_factory(org_tree.branch_a, status=MemberStatus.ACTIVIST)
    member_factory(org_tree.branch_b)  # another branch is never invited
    host = actor_of(secretary)
    members = {secretary.pk, in_branch.pk, in_group.pk, probationary.pk}

    assert invited(schedule(host, org_tree.branch_a, MeetingKind.BRANCH_GENERAL)) == members
    assert invited(schedule(host, org_tree.branch_a, MeetingKind.ORG_LIFE)) == members
    # A lesson (and "other") welcomes activists too.
    assert invited(schedule(host, org_tree.branch_a, MeetingKind.LESSON)) == members | {activist.pk}
    assert invited(schedule(host, org_tree.branch_a, MeetingKind.OTHER)) == members | {activist.pk}
    # A party group meeting: the group's members, and the host who called it.
    assert invited(schedule(host, org_tree.group_a1, MeetingKind.GROUP)) == {in_group.pk, probationary.pk, secretary.pk}
    # An explicit list replaces the default.
    assert invited(schedule(host, org_tree.branch_a, MeetingKind.BRANCH_GENERAL, invitees=[in_group])) == {
        in_group.pk,
        secretary.pk,
    }


def test_cohosts_are_invited_hold_host_powers_and_must_belong_to_the_organisation(
    org_tree, member_factory, actor_of, branch_meeting: Branch
):
    secretary = actor_of(branch_meeting.secretary)
    cohost = member_factory(org_tree.group_a1)
    with pytest.raises(Invalid):  # a member of another branch cannot run this branch's meeting
        schedule(secretary, org_tree.branch_a, MeetingKind.GROUP, cohosts=[branch_meeting.outsider])
    meeting = schedule(secretary, org_tree.branch_a, MeetingKind.BRANCH_COMMITTEE, cohosts=[cohost])
    assert cohost.pk in invited(meeting)  # a committee meeting would not have invited a plain member
    assert list(meeting.cohosts.all()) == [cohost]
    services.meeting_update(by=actor_of(cohost), meeting=meeting, title="支委会（改期）")

    # During a live meeting the host names a co-host, who may then mute and admit.
    live = branch_meeting.meeting
    helper = branch_meeting.full[0]
    with pytest.raises(Forbidden):
        services.meeting_cohosts_set(by=actor_of(helper), meeting=live, members=[helper])
    assert services.meeting_cohosts_set(by=secretary, meeting=live, members=[helper]) == [helper.pk]
    roles = events(room.room_stream(live.pk), "meetings.roles.changed")
    assert roles[-1] == {"type": "meetings.roles.changed", "cohosts": [helper.pk]}
    for member in branch_meeting.full[:2]:
        enter_and_join(actor_of(member), live)
    hands.mute_set(by=actor_of(helper), meeting=live, member_id=branch_meeting.full[1].pk, mic=True)
    state = room_state(actor=actor_of(helper), meeting=live)
    assert state.me.model_dump() == {"member": helper.pk, "role": "cohost", "is_host": True}
    guest = member_factory(org_tree.branch_a)
    assert lobby.room_enter(by=actor_of(guest), meeting=live) == "waiting"
    assert lobby.room_admit(by=actor_of(helper), meeting=live, member_id=guest.pk) == "admitted"
    with pytest.raises(Invalid):
        services.meeting_cohosts_set(by=secretary, meeting=live, members=[branch_meeting.outsider])

    # Dropping the co-host takes the powers away again.
    services.meeting_cohosts_set(by=secretary, meeting=live, members=[])
    with pytest.raises(Forbidden):
        hands.mute_set(by=actor_of(helper), meeting=live, member_id=branch_meeting.full[1].pk, video=True)


def test_invitees_are_editable_and_newly_invited_members_are_told(org_tree, member_factory, actor_of):
    secretary = member_factory(org_tree.branch_a, roles=[(RoleKind.SECRETARY, org_tree.branch_a)])
    cohost, kept, dropped = (member_factory(org_tree.branch_a) for _ in range(3))
    newcomer = member_factory(org_tree.group_a1)
    host = actor_of(secretary)
    meeting = schedule(
        host, org_tree.branch_a, MeetingKind.BRANCH_COMMITTEE, invitees=[kept, dropped], cohosts=[cohost]
    )
    with pytest.raises(Forbidden):
        services.meeting_invitees_set(by=actor_of(kept), meeting=meeting, members=[kept])

    services.meeting_invitees_set(by=host, meeting=meeting, members=[kept, newcomer])
    # The host and the co-host stay invited whatever the list says.
    assert invited(meeting) == {secretary.pk, cohost.pk, kept.pk, newcomer.pk}
    assert [e["meeting"]["id"] for e in events(user_stream(newcomer.pk), "meetings.meeting.invited")] == [meeting.pk]
    assert len(events(user_stream(kept.pk), "meetings.meeting.invited")) == 1  # told once, when first invited
    assert [m.pk for m in selectors.meetings_upcoming_for(actor=actor_of(newcomer))] == [meeting.pk]
    assert list(selectors.meetings_upcoming_for(actor=actor_of(dropped))) == []

    services.meeting_cancel(by=host, meeting=meeting)
    with pytest.raises(Conflict):  # the record of a meeting that is over stays as it was
        services.meeting_invitees_set(by=host, meeting=meeting, members=[dropped])
    assert Invitation.objects.filter(meeting=meeting, member=dropped).exists() is False


def test_invitees_hear_when_the_meeting_changes_starts_or_is_cancelled(org_tree, member_factory, actor_of):
    secretary = member_factory(org_tree.branch_a, roles=[(RoleKind.SECRETARY, org_tree.branch_a)])
    member = member_factory(org_tree.branch_a)
    host = actor_of(secretary)
    meeting = schedule(host, org_tree.branch_a, MeetingKind.BRANCH_GENERAL)
    later = meeting.starts_at + dt.timedelta(hours=2)
    services.meeting_update(by=host, meeting=meeting, starts_at=later, ends_at=later + dt.timedelta(hours=1))
    lifecycle.meeting_start(by=host, meeting=meeting)
    kinds = [e["type"] for e in events(user_stream(member.pk)) if e["type"].startswith("meetings.meeting.")]
    assert kinds == ["meetings.meeting.invited", "meetings.meeting.changed", "meetings.meeting.started"]
    changed = events(user_stream(member.pk), "meetings.meeting.changed")[0]["meeting"]
    assert changed["starts_at"] == later.isoformat() and changed["title"] == meeting.title
    # The room hears the start too, so a host waiting inside sees it.
    assert events(room.room_stream(meeting.pk), "meetings.room.started")

    other = schedule(host, org_tree.branch_a, MeetingKind.ORG_LIFE)
    services.meeting_cancel(by=host, meeting=other)
    assert events(user_stream(member.pk), "meetings.meeting.cancelled")[0]["meeting"]["id"] == other.pk
    with pytest.raises(Conflict):
        services.meeting_update(by=host, meeting=other, title="改")


def test_leave_requests_reach_the_hosts_and_the_decision_reaches_the_member(
    org_tree, member_factory, actor_of, branch_meeting: Branch
):
    meeting = branch_meeting.meeting
    host = actor_of(branch_meeting.secretary)
    cohost = branch_meeting.full[3]
    services.meeting_cohosts_set(by=host, meeting=meeting, members=Member.objects.filter(pk__in=[cohost.pk]))
    approved_member, declined_member = branch_meeting.full[0], branch_meeting.full[1]
    approved = services.leave_request_create(by=actor_of(approved_member), meeting=meeting, reason="在外地务工")
    declined = services.leave_request_create(by=actor_of(declined_member), meeting=meeting, reason="不想来")
    for host_id in (branch_meeting.secretary.pk, cohost.pk):
        notices = events(user_stream(host_id), "meetings.leave.requested")
        assert [(n["member"]["id"], n["reason"]) for n in notices] == [
            (approved_member.pk, "在外地务工"),
            (declined_member.pk, "不想来"),
        ]
    with pytest.raises(Forbidden):
        services.leave_request_create(by=actor_of(branch_meeting.outsider), meeting=meeting, reason="x")
    with pytest.raises(Forbidden):  # members do not decide on each other's leave
        services.leave_request_decide(by=actor_of(declined_member), request=approved, approve=True)

    services.leave_request_decide(by=actor_of(cohost), request=approved, approve=True)
    services.leave_request_decide(by=host, request=declined, approve=False)
    [decision] = events(user_stream(approved_member.pk), "meetings.leave.decided")
    assert (decision["status"], decision["meeting"]["id"]) == (LeaveStatus.APPROVED, meeting.pk)
    assert events(user_stream(declined_member.pk), "meetings.leave.decided")[0]["status"] == LeaveStatus.DECLINED

    lifecycle.meeting_end(by=host, meeting=meeting)
    status = {r.member_id: r.status for r in selectors.attendance_rows(meeting)}
    assert status[approved_member.pk] == "excused"  # approved leave: excused absence
    assert status[declined_member.pk] == "absent"  # declined leave: still absent
    with pytest.raises(Conflict):  # a meeting that is over takes no more requests
        services.leave_request_create(by=actor_of(branch_meeting.full[2]), meeting=meeting, reason="补假")


def test_quorum_share_is_set_per_meeting(org_tree, actor_of, client_for, branch_meeting: Branch):
    host = actor_of(branch_meeting.secretary)
    start = timezone.now()
    meeting = services.meeting_schedule(
        by=host, organisation=org_tree.branch_a, kind=MeetingKind.BRANCH_GENERAL, title="换届选举大会",
        starts_at=start, ends_at=start + dt.timedelta(hours=1), quorum_ratio=Decimal("0.8"),
    )  # fmt: skip
    lifecycle.meeting_start(by=host, meeting=meeting)
    motion = votes.motion_open(by=host, meeting=meeting, title="表决")
    for member in [branch_meeting.secretary, *branch_meeting.full]:
        enter_and_join(actor_of(member), meeting)
    for member in branch_meeting.full:  # 4 of the 5 eligible: more than half, but not more than 80 %
        votes.ballot_cast(by=actor_of(member), motion=motion, choices=["for"])
    result = votes.motion_close(by=host, motion=motion).result
    assert (result["eligible"], result["turnout"], result["quorum_needed"]) == (5, 4, 5)
    assert result["outcome"] == "no_quorum"

    bad = client_for(branch_meeting.secretary).post(
        "/api/meetings",
        data=json.dumps({
            "organisation_id": org_tree.branch_a.pk, "kind": "branch_general", "title": "x",
            "starts_at": start.isoformat(), "ends_at": (start + dt.timedelta(hours=1)).isoformat(),
            "quorum_ratio": "1.5",
        }),
        content_type="application/json",
    )  # fmt: skip
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"


def test_a_marked_leave_reason_or_minutes_are_refused_and_nothing_is_stored(actor_of, branch_meeting: Branch):
    from meetings.models import LeaveRequest, Minutes
    from moderation.models import ArchiveRecord
    from moderation.pipeline import ContentBlocked

    meeting, host = branch_meeting.meeting, actor_of(branch_meeting.secretary)
    with pytest.raises(ContentBlocked):
        services.leave_request_create(by=actor_of(branch_meeting.full[0]), meeting=meeting, reason="机密★1年")
    assert not LeaveRequest.objects.filter(meeting=meeting).exists()
    with pytest.raises(ContentBlocked):
        services.minutes_save(by=host, meeting=meeting, text="会议传达了机密★1年文件")
    assert not Minutes.objects.filter(meeting=meeting, text__contains="机密").exists()
    assert ArchiveRecord.objects.filter(kind="content.classified_blocked").count() == 2
