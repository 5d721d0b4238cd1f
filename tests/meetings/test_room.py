"""The live room's services (meetings/room.py): the rules, and the events each one stores."""

from __future__ import annotations

from typing import Any

import pytest

from kernel.errors import Conflict, Forbidden, Invalid
from meetings import breakouts, chat, hands, lifecycle, lobby, relay, room, selectors, services, signalling, votes
from meetings import mode as meeting_mode
from meetings.models import ChatMessage, MotionKind, Seat, Stay
from meetings.room_state import room_state
from members.access import SYSTEM
from moderation.models import QueueItem
from moderation.pipeline import ContentBlocked
from moderation.services import queue_approve, word_entries_set, word_list_create
from realtime.models import StreamEvent
from realtime.streams import user_stream
from tests.meetings.conftest import Branch, enter_and_join

pytestmark = pytest.mark.django_db


def events(stream: str, after: int = 0) -> list[dict[str, Any]]:
    return [e.payload for e in StreamEvent.objects.filter(stream=stream, seq__gt=after).order_by("seq")]


def head(stream: str) -> int:
    last = StreamEvent.objects.filter(stream=stream).order_by("-seq").first()
    return last.seq if last else 0


@pytest.fixture
def live(actor_of, branch_meeting: Branch) -> Branch:
    """The secretary and the four full members are in the room."""
    for member in [branch_meeting.secretary, *branch_meeting.full]:
        assert enter_and_join(actor_of(member), branch_meeting.meeting) == "admitted"
    return branch_meeting


def test_a_non_invitee_waits_in_the_lobby_and_hears_on_their_own_stream(org_tree, member_factory, actor_of, live):
    meeting, host = live.meeting, actor_of(live.secretary)
    stream = room.room_stream(meeting.pk)
    guest = member_factory(org_tree.branch_a)
    assert lobby.room_enter(by=actor_of(guest), meeting=meeting) == "waiting"
    waiting = [{"member": guest.pk, "name": guest.real_name}]
    assert events(stream)[-1] == {"type": "meetings.lobby.changed", "waiting": waiting}
    with pytest.raises(Forbidden):
        room.room_get_for(actor=actor_of(guest), meeting_id=meeting.pk)
    with pytest.raises(Forbidden):
        lobby.room_admit(by=actor_of(live.full[0]), meeting=meeting, member_id=guest.pk)

    lobby.room_admit(by=host, meeting=meeting, member_id=guest.pk)
    assert events(user_stream(guest.pk))[-1] == {"type": "meetings.lobby.admitted", "meeting": meeting.pk}
    assert events(stream)[-1] == {"type": "meetings.lobby.changed", "waiting": []}
    assert room.room_get_for(actor=actor_of(guest), meeting_id=meeting.pk) == meeting


def test_hand_queue_keeps_raising_order_and_hosts_lower_or_give_the_floor(actor_of, live):
    meeting, host = live.meeting, actor_of(live.secretary)
    a, b, c = (actor_of(m) for m in live.full[:3])
    for actor in (b, a, c, b):  # b's second raise keeps b's place
        hands.hand_raise(by=actor, meeting=meeting)
    assert [h["member"] for h in hands.hand_queue(meeting)] == [b.mid, a.mid, c.mid]

    with pytest.raises(Forbidden):
        hands.hand_lower(by=a, meeting=meeting, member_id=c.mid)
    hands.hand_lower(by=a, meeting=meeting, member_id=a.mid)
    hands.floor_give(by=host, meeting=meeting, member_id=b.mid)
    last = events(room.room_stream(meeting.pk))[-1]
    assert last["type"] == "meetings.hands.changed"
    assert [h["member"] for h in last["queue"]] == [c.mid] and last["floor"] == b.mid
    with pytest.raises(Forbidden):
        hands.floor_give(by=a, meeting=meeting, member_id=a.mid)


def test_hosts_mute_and_only_the_member_unmutes(actor_of, live):
    meeting, host = live.meeting, actor_of(live.secretary)
    a, b = actor_of(live.full[0]), actor_of(live.full[1])
    hands.mute_set(by=host, meeting=meeting, member_id=a.mid, mic=True)
    assert events(room.room_stream(meeting.pk))[-1] == {
        "type": "meetings.mute.changed", "member": a.mid, "mic_muted": True, "video_muted": False, "by": host.mid,
    }  # fmt: skip
    with pytest.raises(Forbidden):
        hands.mute_set(by=host, meeting=meeting, member_id=a.mid, mic=False)
    with pytest.raises(Forbidden):
        hands.mute_set(by=b, meeting=meeting, member_id=a.mid, video=True)
    hands.mute_set(by=a, meeting=meeting, member_id=a.mid, mic=False, video=True)
    seat = Seat.objects.get(meeting=meeting, member_id=a.mid)
    assert (seat.mic_muted, seat.video_muted) == (False, True)
    state = room_state(actor=b, meeting=meeting)
    assert {p.member: (p.mic_muted, p.video_muted) for p in state.participants}[a.mid] == (False, True)


def test_room_state_lists_present_participants_with_roles(actor_of, live):
    meeting = live.meeting
    services.attendance_leave(meeting=meeting, member_id=live.full[3].pk)
    state = room_state(actor=actor_of(live.full[0]), meeting=meeting)
    roles = {p.member: p.role for p in state.participants}
    assert roles == {live.secretary.pk: "host", **{m.pk: "participant" for m in live.full[:3]}}
    assert state.me.model_dump() == {"member": live.full[0].pk, "role": "participant", "is_host": False}
    assert state.lobby == []  # only hosts see the lobby


def test_removed_participant_is_told_and_cannot_come_back(actor_of, live):
    meeting, host, a = live.meeting, actor_of(live.secretary), actor_of(live.full[0])
    hands.hand_raise(by=a, meeting=meeting)
    lobby.room_remove(by=host, meeting=meeting, member_id=a.mid)
    assert events(user_stream(a.mid))[-1] == {"type": "meetings.room.removed", "meeting": meeting.pk}
    assert {"type": "meetings.participant.removed", "member": a.mid} in events(room.room_stream(meeting.pk))
    assert hands.hand_queue(meeting) == []
    with pytest.raises(Forbidden):
        room.room_get_for(actor=a, meeting_id=meeting.pk)


def test_votes_publish_turnout_while_open_and_the_result_on_close(actor_of, live):
    meeting, host = live.meeting, actor_of(live.secretary)
    stream = room.room_stream(meeting.pk)
    motion = votes.motion_open(
        by=host, meeting=meeting, title="选举", kind=MotionKind.ELECTION, options=["甲", "乙"], secret=True,
        max_choices=1,
    )  # fmt: skip
    mark = head(stream)
    for member, choice in zip(live.full[:3], ["甲", "甲", "乙"], strict=True):
        votes.ballot_cast(by=actor_of(member), motion=motion, choices=[choice])
    turnout = events(stream, mark)
    assert [e["turnout"] for e in turnout] == [1, 2, 3]
    assert all(set(e) == {"type", "motion", "turnout"} for e in turnout)  # nothing about choices
    closed = selectors.motion_dict(votes.motion_close(by=host, motion=motion))
    last = events(stream)[-1]
    assert last == {"type": "meetings.vote.closed", "motion": closed}
    assert (closed["result"]["eligible"], closed["result"]["turnout"]) == (5, 3)
    assert closed["result"]["quorum_met"] and closed["result"]["elected"] == ["甲"]


def test_ending_for_all_closes_stays_and_publishes_open_votes(actor_of, live):
    meeting, host = live.meeting, actor_of(live.secretary)
    motion = votes.motion_open(by=host, meeting=meeting, title="表决", kind="motion")
    with pytest.raises(Forbidden):
        lifecycle.meeting_end(by=actor_of(live.full[0]), meeting=meeting)
    lifecycle.meeting_end(by=host, meeting=meeting)
    last = events(room.room_stream(meeting.pk))[-1]
    assert last["type"] == "meetings.meeting.ended"
    assert [v["id"] for v in last["closed_votes"]] == [motion.pk]
    assert last["closed_votes"][0]["result"]["outcome"] == "no_quorum"
    assert not Stay.objects.filter(meeting=meeting, left_at__isnull=True).exists()
    with pytest.raises(Conflict):
        room.room_get_for(actor=host, meeting_id=meeting.pk)


def test_a_host_switches_the_room_to_the_relay_and_back(
    actor_of, live, monkeypatch, django_capture_on_commit_callbacks
):
    meeting, host = live.meeting, actor_of(live.secretary)
    stream = room.room_stream(meeting.pk)
    told: list[Any] = []
    monkeypatch.setattr(relay, "worker_send", told.append)
    with pytest.raises(Forbidden):
        meeting_mode.room_mode_set(by=actor_of(live.full[0]), meeting=meeting, mode="relay")
    meeting_mode.room_mode_set(by=host, meeting=meeting, mode="relay")
    assert events(stream)[-1] == {"type": "meetings.mode.changed", "mode": "relay"}
    assert room_state(actor=host, meeting=meeting).mode == "relay"
    before = head(stream)
    meeting_mode.room_mode_set(by=host, meeting=meeting, mode="relay")
    assert head(stream) == before  # no change, no event
    with django_capture_on_commit_callbacks(execute=True):
        hands.mute_set(by=host, meeting=meeting, member_id=live.full[2].pk, video=True)
    assert [(m.type, m.member, m.video) for m in told] == [("media.mute", live.full[2].pk, True)]
    with django_capture_on_commit_callbacks(execute=True):
        meeting_mode.room_mode_set(by=host, meeting=meeting, mode="mesh")
    assert told[-1].type == "media.end"  # the relay's connections of this room are hung up
    assert events(stream)[-1] == {"type": "meetings.mode.changed", "mode": "mesh"}


def test_more_than_four_cameras_move_the_room_to_the_relay(actor_of, live, member_factory, org_tree):
    meeting = live.meeting
    stream = room.room_stream(meeting.pk)
    # Five are present; one camera is off, so four senders: the mesh carries them.
    hands.mute_set(by=actor_of(live.full[0]), meeting=meeting, member_id=live.full[0].pk, video=True)
    lifecycle.room_joined(actor=actor_of(live.secretary), meeting=meeting)
    assert room_state(actor=actor_of(live.secretary), meeting=meeting).mode == "mesh"
    # Audio only does not count either, and switching back on does.
    hands.audio_only_set(by=actor_of(live.full[1]), meeting=meeting, on=True)
    hands.mute_set(by=actor_of(live.full[0]), meeting=meeting, member_id=live.full[0].pk, video=False)
    assert room_state(actor=actor_of(live.secretary), meeting=meeting).mode == "mesh"
    hands.audio_only_set(by=actor_of(live.full[1]), meeting=meeting, on=False)
    assert room_state(actor=actor_of(live.secretary), meeting=meeting).mode == "relay"
    assert {"type": "meetings.mode.changed", "mode": "relay"} in events(stream)


def test_breakout_by_party_group_splits_signals_and_keeps_attendance(org_tree, actor_of, live):
    meeting, host = live.meeting, actor_of(live.secretary)
    in_group, outside = actor_of(live.full[3]), actor_of(live.full[0])  # full[3] is in 第一党小组
    stays_before = Stay.objects.filter(meeting=meeting).count()
    rooms = breakouts.breakout_start(by=host, meeting=meeting, minutes=10, by_group=True)
    assert [(r.name, r.organisation) for r in rooms][0] == ("第一党小组", org_tree.group_a1)
    assert len(rooms) == 2 and rooms[1].organisation is None  # members outside any group
    started = events(room.room_stream(meeting.pk))[-1]
    assert started["type"] == "meetings.breakout.started"
    assert started["breakouts"][0]["members"] == [in_group.mid]
    assert in_group.mid not in started["breakouts"][1]["members"]

    with pytest.raises(Forbidden):  # video splits with the rooms
        signalling.signal_relay(by=outside, meeting=meeting, to_member=in_group.mid, data={"kind": "restart"})
    signalling.signal_relay(by=outside, meeting=meeting, to_member=live.full[1].pk, data={"kind": "restart"})
    reply = chat.chat_post(by=in_group, meeting=meeting, text="小组讨论发言")
    assert ChatMessage.objects.get(pk=reply["id"]).breakout_id == rooms[0].pk

    with pytest.raises(Forbidden):  # the time is not up: only hosts call everyone back
        breakouts.breakout_return(by=outside, meeting=meeting)
    with pytest.raises(Conflict):
        breakouts.breakout_start(by=host, meeting=meeting, minutes=5)
    breakouts.breakout_return(by=host, meeting=meeting)
    assert events(room.room_stream(meeting.pk))[-1] == {"type": "meetings.breakout.ended"}
    signalling.signal_relay(by=outside, meeting=meeting, to_member=in_group.mid, data={"kind": "restart"})
    # Attendance went on across the split: the same stays, still open.
    assert Stay.objects.filter(meeting=meeting).count() == stays_before
    assert Stay.objects.filter(meeting=meeting, left_at__isnull=True).count() == stays_before


def test_ad_hoc_breakout_takes_named_participants_only(member_factory, org_tree, actor_of, live):
    meeting, host = live.meeting, actor_of(live.secretary)
    stranger = member_factory(org_tree.branch_b)
    with pytest.raises(Invalid):
        breakouts.breakout_start(by=host, meeting=meeting, minutes=5, by_group=False, rooms=[("一组", [stranger.pk])])
    a, b = live.full[0].pk, live.full[1].pk
    created = breakouts.breakout_start(by=host, meeting=meeting, minutes=5, by_group=False, rooms=[("一组", [a, b])])
    assert set(Seat.objects.filter(breakout=created[0]).values_list("member_id", flat=True)) == {a, b}


def test_chat_goes_through_the_moderation_pipeline(org_tree, actor_of, live):
    meeting = live.meeting
    author = actor_of(live.full[0])
    words = word_list_create(by=SYSTEM, organisation=None, name="会议测试词表")
    word_entries_set(by=SYSTEM, word_list=words, entries=[("代开发票", "hold"), ("翻墙软件", "block")])
    stream = room.room_stream(meeting.pk)

    published = chat.chat_post(by=author, meeting=meeting, text="同意这个方案")
    assert published["status"] == "published"
    assert events(stream)[-1]["type"] == "meetings.chat.posted" and events(stream)[-1]["text"] == "同意这个方案"

    mark = head(stream)
    held = chat.chat_post(by=author, meeting=meeting, text="谁要代开发票")
    assert held["status"] == "held"
    assert events(stream, mark) == []  # nobody sees it yet
    item = QueueItem.objects.get(object_id=held["id"])
    with pytest.raises(ContentBlocked):
        chat.chat_post(by=author, meeting=meeting, text="推荐翻墙软件")
    assert ChatMessage.objects.filter(meeting=meeting).count() == 2

    moderator = live.secretary
    from members.models import RoleKind
    from members.services import role_grant

    role_grant(by=SYSTEM, member=moderator, organisation=org_tree.branch_a, kind=RoleKind.MODERATOR)
    queue_approve(by=actor_of(moderator), item_id=item.pk)
    assert events(stream, mark)[-1]["id"] == held["id"]
    with pytest.raises(Forbidden):
        chat.chat_post(by=actor_of(live.outsider), meeting=meeting, text="外人")
