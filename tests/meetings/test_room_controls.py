"""The live room: audio only, the breakout timer, and starting or ending from outside the room."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.utils import timezone

from kernel.errors import Conflict, Forbidden
from meetings import breakouts, hands, lifecycle, room
from meetings.models import MeetingStatus, Stay
from meetings.room_state import room_state
from meetings.schemas import RoomStateOut
from realtime.models import StreamEvent
from tests.meetings.conftest import Branch, enter_and_join

pytestmark = pytest.mark.django_db


def room_events(meeting_id: int, kind: str) -> list[dict[str, Any]]:
    rows = StreamEvent.objects.filter(stream=room.room_stream(meeting_id)).order_by("seq")
    return [e.payload for e in rows if e.payload["type"] == kind]


@pytest.fixture
def live(actor_of, branch_meeting: Branch) -> Branch:
    for member in [branch_meeting.secretary, *branch_meeting.full]:
        assert enter_and_join(actor_of(member), branch_meeting.meeting) == "admitted"
    return branch_meeting


def audio_only_of(state: RoomStateOut) -> dict[int, bool]:
    return {p.member: p.audio_only for p in state.participants}


def test_audio_only_is_the_members_choice_kept_by_the_server(actor_of, live: Branch):
    meeting = live.meeting
    weak, other = actor_of(live.full[0]), actor_of(live.full[1])
    assert set(audio_only_of(room_state(actor=other, meeting=meeting)).values()) == {False}

    hands.audio_only_set(by=weak, meeting=meeting, on=True)
    assert room_events(meeting.pk, "meetings.audio_only.changed") == [
        {"type": "meetings.audio_only.changed", "member": weak.mid, "audio_only": True}
    ]
    seen = audio_only_of(room_state(actor=other, meeting=meeting))
    assert seen[weak.mid] is True and seen[other.mid] is False

    # A dropped phone that comes back finds its choice kept; switching back is the last word.
    lifecycle.room_left(actor=weak, meeting=meeting)
    lifecycle.room_joined(actor=weak, meeting=meeting)
    assert audio_only_of(room_state(actor=weak, meeting=meeting))[weak.mid] is True
    hands.audio_only_set(by=weak, meeting=meeting, on=False)
    assert audio_only_of(room_state(actor=other, meeting=meeting))[weak.mid] is False

    with pytest.raises(Forbidden):  # a lobby waiter or an outsider has no say in the room
        hands.audio_only_set(by=actor_of(live.outsider), meeting=meeting, on=True)


def test_once_the_discussion_time_is_up_any_participant_calls_everyone_back(actor_of, live: Branch, monkeypatch):
    meeting, host = live.meeting, actor_of(live.secretary)
    member = actor_of(live.full[0])
    rooms = breakouts.breakout_start(by=host, meeting=meeting, minutes=10, by_group=True)
    with pytest.raises(Forbidden):
        breakouts.breakout_return(by=member, meeting=meeting)
    after = rooms[0].ends_at + dt.timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: after)
    breakouts.breakout_return(by=member, meeting=meeting)  # the host's connection may be gone
    assert room_events(meeting.pk, "meetings.breakout.ended") == [{"type": "meetings.breakout.ended"}]
    assert room_state(actor=member, meeting=meeting).breakouts == []
    with pytest.raises(Conflict):
        breakouts.breakout_return(by=member, meeting=meeting)


def test_starting_and_ending_from_the_meeting_page_or_api_reach_the_room(
    org_tree, actor_of, client_for, member_factory, live: Branch
):
    meeting = live.meeting
    client = client_for(live.secretary)
    response = client.post(f"/api/meetings/{meeting.pk}/end", content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == MeetingStatus.ENDED
    [ended] = room_events(meeting.pk, "meetings.meeting.ended")
    assert ended["closed_votes"] == []
    assert not Stay.objects.filter(meeting=meeting, left_at__isnull=True).exists()

    start = timezone.now()
    other = client.post(
        "/api/meetings",
        data=json.dumps({
            "organisation_id": org_tree.branch_a.pk, "kind": "org_life", "title": "组织生活会",
            "starts_at": start.isoformat(), "ends_at": (start + dt.timedelta(hours=1)).isoformat(),
        }),
        content_type="application/json",
    ).json()  # fmt: skip
    client.post(f"/meetings/{other['id']}/", {"action": "start"})
    assert room_events(other["id"], "meetings.room.started")
    client.post(f"/meetings/{other['id']}/", {"action": "end"})
    assert room_events(other["id"], "meetings.meeting.ended")
    refused = client_for(live.full[0]).post(f"/api/meetings/{meeting.pk}/start", content_type="application/json")
    assert refused.status_code == 403


def test_cohosts_through_the_api(actor_of, client_for, live: Branch):
    meeting = live.meeting
    url = f"/api/meetings/{meeting.pk}/cohosts"
    body = json.dumps({"member_ids": [live.full[0].pk, live.full[1].pk]})
    assert client_for(live.full[2]).put(url, data=body, content_type="application/json").status_code == 403
    reply = client_for(live.secretary).put(url, data=body, content_type="application/json").json()
    assert reply == {"cohost_ids": sorted([live.full[0].pk, live.full[1].pk])}
    detail = client_for(live.full[2]).get(f"/api/meetings/{meeting.pk}").json()
    assert detail["cohost_ids"] == reply["cohost_ids"]
    outsider = json.dumps({"member_ids": [live.outsider.pk]})
    bad = client_for(live.secretary).put(url, data=outsider, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"
