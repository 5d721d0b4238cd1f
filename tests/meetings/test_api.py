from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import time

import pytest
from django.utils import timezone

from meetings import lifecycle, services, votes
from meetings.models import Meeting, MeetingKind
from members.models import RoleKind
from moderation.archive import archive_verify
from moderation.models import ArchiveRecord
from realtime.models import StreamEvent
from tests.meetings.conftest import enter_and_join

pytestmark = pytest.mark.django_db


def post(client, url, body=None):
    return client.post(url, data=json.dumps(body or {}), content_type="application/json")


def test_secretary_schedules_through_the_api_and_invitees_are_notified(org_tree, member_factory, client_for):
    secretary = member_factory(org_tree.branch_a, roles=[(RoleKind.SECRETARY, org_tree.branch_a)])
    member = member_factory(org_tree.group_a1)
    start = timezone.now() + dt.timedelta(days=1)
    response = post(
        client_for(secretary),
        "/api/meetings",
        {
            "organisation_id": org_tree.branch_a.pk,
            "kind": "branch_general",
            "title": "支部党员大会",
            "starts_at": start.isoformat(),
            "ends_at": (start + dt.timedelta(hours=2)).isoformat(),
            "agenda": ["传达学习", "民主评议"],
        },
    )
    assert response.status_code == 201, response.content
    meeting_id = response.json()["id"]
    assert StreamEvent.objects.filter(stream=f"user:{member.pk}", payload__type="meetings.meeting.invited").exists()
    upcoming = client_for(member).get("/api/meetings").json()
    assert [m["id"] for m in upcoming] == [meeting_id]
    assert upcoming[0]["kind_label"] == "支部党员大会"

    plain = post(client_for(member), "/api/meetings", {**response.json(), "organisation_id": org_tree.branch_a.pk})
    assert plain.status_code in (400, 403)
    outsider = client_for(member_factory(org_tree.branch_b))
    assert outsider.get(f"/api/meetings/{meeting_id}").json()["code"] == "forbidden"


def test_a_start_written_with_any_offset_is_the_same_moment(org_tree, member_factory, client_for):
    """Python reads offsets up to ±23:59, PostgreSQL refuses more than ±15:59: the moment is
    taken to UTC where it arrives, so any offset a client writes schedules the same instant."""
    secretary = member_factory(org_tree.branch_a, roles=[(RoleKind.SECRETARY, org_tree.branch_a)])
    start = (timezone.now() + dt.timedelta(days=1)).replace(microsecond=0)
    far_east = dt.timezone(dt.timedelta(hours=19, minutes=53))
    response = post(
        client_for(secretary),
        "/api/meetings",
        {
            "organisation_id": org_tree.branch_a.pk, "kind": "branch_general", "title": "支部党员大会",
            "starts_at": start.astimezone(far_east).isoformat(),
            "ends_at": (start + dt.timedelta(hours=2)).astimezone(far_east).isoformat(),
        },
    )  # fmt: skip
    assert response.status_code == 201, response.content
    assert Meeting.objects.get(pk=response.json()["id"]).starts_at == start


def test_ice_servers_hand_out_coturn_rest_credentials(org_tree, member_factory, client_for, settings, actor_of):
    settings.STUN_URLS = ["stun:turn.example.org:3478"]
    settings.TURN_URLS = ["turn:turn.example.org:3478?transport=udp"]
    settings.TURN_SECRET = "s3cret"
    settings.TURN_CREDENTIAL_TTL = 600
    secretary = member_factory(org_tree.branch_a, roles=[(RoleKind.SECRETARY, org_tree.branch_a)])
    start = timezone.now()
    meeting = services.meeting_schedule(
        by=actor_of(secretary), organisation=org_tree.branch_a, kind=MeetingKind.GROUP, title="小组会",
        starts_at=start, ends_at=start + dt.timedelta(hours=1),
    )  # fmt: skip
    body = client_for(secretary).get(f"/api/meetings/{meeting.pk}/ice-servers").json()
    stun, turn = body["ice_servers"]
    assert stun == {"urls": ["stun:turn.example.org:3478"]}
    expiry, user_id = turn["username"].split(":")
    assert int(user_id) == secretary.user_id
    assert 0 < int(expiry) - time.time() <= 600
    expected = base64.b64encode(hmac.new(b"s3cret", turn["username"].encode(), hashlib.sha1).digest()).decode()
    assert turn["credential"] == expected
    stranger = client_for(member_factory(org_tree.branch_b))
    assert stranger.get(f"/api/meetings/{meeting.pk}/ice-servers").status_code == 403


def test_minutes_include_agenda_attendance_and_votes_and_are_archived_when_final(actor_of, client_for, branch_meeting):
    meeting = branch_meeting.meeting
    host = actor_of(branch_meeting.secretary)
    secretary_client = client_for(branch_meeting.secretary)
    voter = actor_of(branch_meeting.full[0])
    enter_and_join(voter, meeting)
    motion = votes.motion_open(by=host, meeting=meeting, title="表决事项")
    votes.ballot_cast(by=voter, motion=motion, choices=["for"])
    put = secretary_client.put(
        f"/api/meetings/{meeting.pk}/minutes", data=json.dumps({"text": "会议由王书记主持。"}),
        content_type="application/json",
    )  # fmt: skip
    assert put.status_code == 200
    member_view = client_for(branch_meeting.full[1]).get(f"/api/meetings/{meeting.pk}/minutes").json()
    assert member_view["text"] == ""  # drafts are the minute taker's
    assert post(secretary_client, f"/api/meetings/{meeting.pk}/minutes/finalise").json()["code"] == "conflict"
    lifecycle.meeting_end(by=host, meeting=meeting)

    final = post(secretary_client, f"/api/meetings/{meeting.pk}/minutes/finalise").json()
    document = final["document"]
    assert document["agenda"] == ["学习文件", "表决"]
    assert branch_meeting.full[0].real_name in document["attendance"]["present"]
    assert branch_meeting.full[1].real_name in document["attendance"]["absent"]
    assert document["votes"][0]["result"]["turnout"] == 1  # closed automatically when the meeting ended
    assert document["text"] == "会议由王书记主持。"
    record = ArchiveRecord.objects.get(seq=final["archive_seq"])
    assert record.kind == "meetings.minutes" and record.payload == document
    assert archive_verify().ok

    again = secretary_client.put(
        f"/api/meetings/{meeting.pk}/minutes", data=json.dumps({"text": "改写"}), content_type="application/json"
    )
    assert again.status_code == 409
    assert client_for(branch_meeting.full[1]).get(f"/api/meetings/{meeting.pk}/minutes").json()["document"]


def test_quarterly_statistics_against_the_expected_rhythm(org_tree, actor_of, client_for, branch_meeting):
    meeting = branch_meeting.meeting
    host = actor_of(branch_meeting.secretary)
    for member in branch_meeting.full[:2]:
        enter_and_join(actor_of(member), meeting)
    leave = services.leave_request_create(by=actor_of(branch_meeting.full[2]), meeting=meeting, reason="出差")
    services.leave_request_decide(by=host, request=leave, approve=True)
    lifecycle.meeting_end(by=host, meeting=meeting)
    start = timezone.localtime(meeting.starts_at)
    quarter = (start.month - 1) // 3 + 1
    url = f"/api/organisations/{org_tree.branch_a.pk}/meeting-stats?year={start.year}&quarter={quarter}"
    stats = client_for(branch_meeting.secretary).get(url).json()
    general = next(k for k in stats["by_kind"] if k["kind"] == "branch_general")
    assert (general["held"], general["expected"]) == (1, 1)
    group = next(k for k in stats["by_kind"] if k["kind"] == "group")
    assert group["expected"] == 3  # one party group under the branch, monthly
    row = stats["meetings"][0]
    # invited: secretary, 4 full, 1 probationary = 6; one excused; present 2 → 2/5
    assert (row["invited"], row["present"], row["excused"], row["rate"]) == (6, 2, 1, 0.4)
    per_member = {m["member_id"]: m for m in stats["members"]}
    assert per_member[branch_meeting.full[0].pk]["rate"] == 1.0
    assert per_member[branch_meeting.full[2].pk]["rate"] is None  # excused from the only meeting
    assert client_for(branch_meeting.full[0]).get(url).json()["code"] == "forbidden"
    assert Meeting.objects.count() == 1
