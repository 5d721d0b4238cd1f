from __future__ import annotations

import datetime as dt

import pytest
from asgiref.sync import async_to_sync
from django.apps import apps
from django.db import connection
from django.utils import timezone

from kernel.errors import Conflict, Forbidden
from meetings import lifecycle, lobby, selectors, services, votes
from meetings.models import LeaveStatus, MeetingKind, MotionKind, OpenBallot, Tally, VoteRecord
from members.models import Member, RoleKind
from realtime import revocation
from tests.meetings.conftest import enter_and_join

pytestmark = pytest.mark.django_db


def test_scheduling_needs_a_host_role_and_invites_by_type(org_tree, member_factory, actor_of, branch_meeting):
    plain = actor_of(branch_meeting.full[0])
    start = timezone.now()
    with pytest.raises(Forbidden):
        services.meeting_schedule(
            by=plain,
            organisation=org_tree.branch_a,
            kind=MeetingKind.GROUP,
            title="x",
            starts_at=start,
            ends_at=start + dt.timedelta(hours=1),
        )
    invited = set(branch_meeting.meeting.invitations.values_list("member_id", flat=True))
    expected = {m.pk for m in branch_meeting.full} | {branch_meeting.secretary.pk, branch_meeting.probationary.pk}
    assert invited == expected  # activists are not invited to a general meeting; other branches never

    organiser = member_factory(org_tree.branch_a, roles=[(RoleKind.ORGANISER, org_tree.branch_a)])
    committee = services.meeting_schedule(
        by=actor_of(branch_meeting.secretary),
        organisation=org_tree.branch_a,
        kind=MeetingKind.BRANCH_COMMITTEE,
        title="支委会",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
    )
    assert set(committee.invitations.values_list("member_id", flat=True)) == {
        branch_meeting.secretary.pk,
        organiser.pk,
    }


def test_non_invitee_waits_in_the_lobby_until_a_host_admits(org_tree, member_factory, actor_of, branch_meeting):
    meeting = branch_meeting.meeting
    host = actor_of(branch_meeting.secretary)
    guest = member_factory(org_tree.branch_a)  # joined the branch after the invitations went out
    assert lobby.room_enter(by=actor_of(branch_meeting.full[0]), meeting=meeting) == "admitted"
    assert lobby.room_enter(by=actor_of(guest), meeting=meeting) == "waiting"
    assert lobby.room_enter(by=actor_of(guest), meeting=meeting) == "waiting"
    lobby.room_admit(by=host, meeting=meeting, member_id=guest.pk)
    assert lobby.room_enter(by=actor_of(guest), meeting=meeting) == "admitted"
    with pytest.raises(Forbidden):
        lobby.room_enter(by=actor_of(branch_meeting.outsider), meeting=meeting)


def test_who_may_knock_depends_on_the_meeting_type(org_tree, member_factory, actor_of, branch_meeting):
    """A branch committee meeting is for the committee: a branch member who was not invited
    cannot even wait in its lobby, while at a general meeting they may knock. A guest invited
    from another organisation (a migrant member) enters either."""
    secretary = actor_of(branch_meeting.secretary)
    member = branch_meeting.full[0]
    guest = member_factory(org_tree.branch_b)
    start = timezone.now()
    committee = services.meeting_schedule(
        by=secretary, organisation=org_tree.branch_a, kind=MeetingKind.BRANCH_COMMITTEE, title="支委会",
        starts_at=start, ends_at=start + dt.timedelta(hours=1),
    )  # fmt: skip
    lifecycle.meeting_start(by=secretary, meeting=committee)
    with pytest.raises(Forbidden, match="支部委员会"):
        lobby.room_enter(by=actor_of(member), meeting=committee)
    assert not committee.admissions.filter(member=member).exists()  # nobody saw them knock
    with pytest.raises(Forbidden):
        lobby.room_enter(by=actor_of(branch_meeting.activist), meeting=committee)
    assert lobby.room_enter(by=secretary, meeting=committee) == "admitted"
    # Invited by the host (as a guest), the same member enters.
    invitees = [*committee.invitations.values_list("member_id", flat=True), member.pk, guest.pk]
    services.meeting_invitees_set(by=secretary, meeting=committee, members=Member.objects.filter(pk__in=invitees))
    assert lobby.room_enter(by=actor_of(member), meeting=committee) == "admitted"
    assert lobby.room_enter(by=actor_of(guest), meeting=committee) == "admitted"
    # At the general meeting an activist (not invited) knocks and waits; an outsider may not.
    assert lobby.room_enter(by=actor_of(branch_meeting.activist), meeting=branch_meeting.meeting) == "waiting"
    with pytest.raises(Forbidden):
        lobby.room_enter(by=actor_of(branch_meeting.outsider), meeting=branch_meeting.meeting)


def test_locked_room_sends_invitees_to_the_lobby_but_lets_admitted_members_reconnect(actor_of, branch_meeting):
    meeting = branch_meeting.meeting
    inside = actor_of(branch_meeting.full[0])
    assert lobby.room_enter(by=inside, meeting=meeting) == "admitted"
    lobby.room_lock(by=actor_of(branch_meeting.secretary), meeting=meeting, locked=True)
    assert lobby.room_enter(by=actor_of(branch_meeting.full[1]), meeting=meeting) == "waiting"
    assert lobby.room_enter(by=inside, meeting=meeting) == "admitted"
    lobby.room_remove(by=actor_of(branch_meeting.secretary), meeting=meeting, member_id=inside.mid)
    with pytest.raises(Forbidden):
        lobby.room_enter(by=inside, meeting=meeting)


def test_only_present_full_members_vote_once(actor_of, branch_meeting):
    meeting = branch_meeting.meeting
    host = actor_of(branch_meeting.secretary)
    motion = votes.motion_open(by=host, meeting=meeting, title="通过季度工作总结")
    voter = actor_of(branch_meeting.full[0])
    with pytest.raises(Forbidden, match="到会"):
        votes.ballot_cast(by=voter, motion=motion, choices=["for"])
    enter_and_join(voter, meeting)
    votes.ballot_cast(by=voter, motion=motion, choices=["for"])
    with pytest.raises(Conflict):
        votes.ballot_cast(by=voter, motion=motion, choices=["against"])
    probationary = actor_of(branch_meeting.probationary)
    enter_and_join(probationary, meeting)
    with pytest.raises(Forbidden, match="预备党员"):
        votes.ballot_cast(by=probationary, motion=motion, choices=["for"])
    with pytest.raises(Forbidden):
        votes.motion_close(by=voter, motion=motion)
    assert VoteRecord.objects.filter(motion=motion).count() == 1


def test_secret_ballot_keeps_no_link_between_voter_and_choice(actor_of, branch_meeting):
    meeting = branch_meeting.meeting
    host = actor_of(branch_meeting.secretary)
    motion = votes.motion_open(
        by=host, meeting=meeting, title="选举支部委员", kind=MotionKind.ELECTION, options=["甲", "乙", "丙"],
        secret=True, max_choices=2,
    )  # fmt: skip
    choices = [["甲", "乙"], ["甲"], ["丙", "乙"]]
    for member, picked in zip(branch_meeting.full, choices, strict=False):
        enter_and_join(actor_of(member), meeting)
        votes.ballot_cast(by=actor_of(member), motion=motion, choices=picked)

    assert not OpenBallot.objects.filter(motion=motion).exists()
    assert dict(Tally.objects.filter(motion=motion).values_list("option", "count")) == {"甲": 2, "乙": 2, "丙": 1}
    # No row in any meetings table holds both a voter and a chosen option.
    voter_ids = {str(m.pk) for m in branch_meeting.full[:3]}
    with connection.cursor() as cursor:
        for model in apps.get_app_config("meetings").get_models():
            cursor.execute(f"SELECT * FROM {model._meta.db_table}")
            for row in cursor.fetchall():
                text = " ".join(str(v) for v in row)
                has_choice = any(c in text for c in ["甲", "乙", "丙"])
                has_voter = model is not Tally and any(
                    str(v) in voter_ids for v in row
                )  # Tally ids are counters, never member ids
                assert not (has_choice and has_voter and model.__name__ != "Motion"), (model.__name__, row)

    closed = votes.motion_close(by=host, motion=motion)
    assert closed.result["turnout"] == 3
    assert closed.result["eligible"] == 5  # the secretary and the four full members
    assert closed.result["quorum_met"]
    assert closed.result["votes_needed"] == 2
    assert closed.result["elected"] == ["甲", "乙"]


def test_open_ballot_records_who_voted_what(actor_of, branch_meeting):
    meeting = branch_meeting.meeting
    motion = votes.motion_open(by=actor_of(branch_meeting.secretary), meeting=meeting, title="公开表决")
    voter = actor_of(branch_meeting.full[0])
    enter_and_join(voter, meeting)
    votes.ballot_cast(by=voter, motion=motion, choices=["against"])
    assert OpenBallot.objects.get(motion=motion).choices == ["against"]


def test_motion_result_states_eligible_turnout_quorum_and_outcome(actor_of, branch_meeting):
    meeting = branch_meeting.meeting
    host = actor_of(branch_meeting.secretary)
    motion = votes.motion_open(by=host, meeting=meeting, title="表决")
    for member in branch_meeting.full[:2]:  # 2 of 5 eligible: no quorum
        enter_and_join(actor_of(member), meeting)
        votes.ballot_cast(by=actor_of(member), motion=motion, choices=["for"])
    result = votes.motion_close(by=host, motion=motion).result
    assert (result["eligible"], result["turnout"], result["quorum_needed"]) == (5, 2, 3)
    assert result["outcome"] == "no_quorum"


def test_attendance_across_a_reconnect_and_excused_absence(actor_of, branch_meeting, settings):
    settings.MEETING_RECONNECT_GRACE = 60
    meeting = branch_meeting.meeting
    t0 = meeting.starts_at
    a, b = branch_meeting.full[0], branch_meeting.full[1]
    services.attendance_join(meeting=meeting, member_id=a.pk, at=t0)
    services.attendance_leave(meeting=meeting, member_id=a.pk, at=t0 + dt.timedelta(minutes=10))
    services.attendance_join(meeting=meeting, member_id=a.pk, at=t0 + dt.timedelta(minutes=10, seconds=30))
    services.attendance_leave(meeting=meeting, member_id=a.pk, at=t0 + dt.timedelta(minutes=30))
    # b joins late, drops for five minutes: two stays.
    services.attendance_join(meeting=meeting, member_id=b.pk, at=t0 + dt.timedelta(minutes=12))
    services.attendance_leave(meeting=meeting, member_id=b.pk, at=t0 + dt.timedelta(minutes=20))
    services.attendance_join(meeting=meeting, member_id=b.pk, at=t0 + dt.timedelta(minutes=25))
    services.attendance_leave(meeting=meeting, member_id=b.pk, at=t0 + dt.timedelta(minutes=35))

    excused = branch_meeting.full[2]
    request = services.leave_request_create(by=actor_of(excused), meeting=meeting, reason="在外地务工")
    services.leave_request_decide(by=actor_of(branch_meeting.secretary), request=request, approve=True)
    assert request.status == LeaveStatus.APPROVED

    rows = {r.member_id: r for r in selectors.attendance_report(actor=actor_of(a), meeting=meeting)}
    assert rows[a.pk].stays == 1 and rows[a.pk].minutes == 30.0 and rows[a.pk].on_time
    assert rows[b.pk].stays == 2 and rows[b.pk].minutes == 18.0 and not rows[b.pk].on_time
    assert rows[excused.pk].status == "excused"
    assert rows[branch_meeting.full[3].pk].status == "absent"
    with pytest.raises(Forbidden):
        selectors.attendance_report(actor=actor_of(branch_meeting.outsider), meeting=meeting)


def test_two_tabs_keep_one_stay_open_until_both_close(actor_of, branch_meeting):
    meeting = branch_meeting.meeting
    member = branch_meeting.full[0]
    services.attendance_join(meeting=meeting, member_id=member.pk)
    services.attendance_join(meeting=meeting, member_id=member.pk)
    assert services.attendance_leave(meeting=meeting, member_id=member.pk).left_at is None
    assert services.attendance_leave(meeting=meeting, member_id=member.pk).left_at is not None


def test_entering_the_lobby_takes_no_access_away_but_a_denial_or_removal_does(
    org_tree, member_factory, actor_of, branch_meeting, django_capture_on_commit_callbacks
):
    """Open sockets are checked again only when access can have been taken away: hundreds of
    members entering a lesson must not each have every open socket checked again."""
    meeting = branch_meeting.meeting
    host = actor_of(branch_meeting.secretary)
    guest, stranger = member_factory(org_tree.branch_a), member_factory(org_tree.branch_a)
    access_changes = async_to_sync(revocation.epoch)
    before = access_changes()
    with django_capture_on_commit_callbacks(execute=True):
        assert lobby.room_enter(by=actor_of(branch_meeting.full[0]), meeting=meeting) == "admitted"
        assert lobby.room_enter(by=actor_of(guest), meeting=meeting) == "waiting"
        assert lobby.room_enter(by=actor_of(stranger), meeting=meeting) == "waiting"
        lobby.room_admit(by=host, meeting=meeting, member_id=guest.pk)
    assert access_changes() == before
    with django_capture_on_commit_callbacks(execute=True):
        lobby.room_admit(by=host, meeting=meeting, member_id=stranger.pk, admit=False)
    assert access_changes() == before + 1
    with django_capture_on_commit_callbacks(execute=True):
        lobby.room_remove(by=host, meeting=meeting, member_id=guest.pk)
    assert access_changes() == before + 2
