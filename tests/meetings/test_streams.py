# ruff: noqa: F811 - test arguments name the fixtures imported from the gateway's conftest
"""The live room at the socket: WebsocketCommunicator on the real ASGI application.

Routing, session authentication, the gateway's authorise/command path and the room's
join/leave hooks all run for real.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.test import Client
from django.utils import timezone

from meetings import lifecycle, services
from meetings.models import MeetingKind, Stay
from members.models import Member, RoleKind
from moderation.services import word_entries_set, word_list_create
from realtime.protocol import server_frame_adapter
from tests.meetings.conftest import Branch
from tests.realtime.conftest import Connect, connect, realtime_isolation, recv  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db(transaction=True)

db = database_sync_to_async


def session_of(member: Member) -> str:
    client = Client()
    client.force_login(member.user)
    return client.cookies["sessionid"].value


def valid(frame: dict[str, Any]) -> dict[str, Any]:
    server_frame_adapter.validate_python(frame)
    return frame


async def ask(comm: Any, frame: dict[str, Any]) -> dict[str, Any]:
    """Send a frame and return the reply carrying its ref (events and signals in between are
    not replies; they are kept for :func:`next_of`)."""
    ref = f"r{id(frame)}"
    await comm.send_json_to({**frame, "ref": ref})
    while True:
        reply = valid(await recv(comm))
        if reply.get("ref") == ref:
            return reply
        comm.held = [*getattr(comm, "held", []), reply]


async def command(comm: Any, type_: str, stream: str, **arguments: Any) -> Any:
    reply = await ask(comm, {"type": type_, "stream": stream, **arguments})
    assert reply["type"] == "result", reply
    return reply["data"]


async def refused(comm: Any, type_: str, stream: str, code: str, **arguments: Any) -> dict[str, Any]:
    reply = await ask(comm, {"type": type_, "stream": stream, **arguments})
    assert reply["type"] == "error" and reply["code"] == code, reply
    return reply


async def next_of(comm: Any, wanted: str) -> dict[str, Any]:
    """The next frame whose event type (or frame type) is ``wanted``, skipping others."""
    while True:
        held = getattr(comm, "held", [])
        frame = held.pop(0) if held else valid(await recv(comm))
        kind = frame["event"]["type"] if frame["type"] == "event" else frame["type"]
        if kind == wanted:
            return frame


async def quiet(comm: Any) -> None:
    """Nothing but presence frames arrives for a moment (a bounded wait, not a timing claim)."""
    assert not getattr(comm, "held", [])
    while not await comm.receive_nothing(timeout=0.3):
        frame = await comm.receive_json_from()
        assert frame["type"] == "presence", frame


async def join(connect: Connect, member: Member, meeting_id: int) -> Any:
    """A member's page: knock, then subscribe to the room."""
    comm = await connect(await db(session_of)(member))
    status = await command(comm, "meeting.lobby.enter", f"meeting.lobby:{meeting_id}")
    assert status == {"status": "admitted"}
    reply = await ask(comm, {"type": "subscribe", "stream": f"meeting:{meeting_id}"})
    assert reply["type"] == "subscribed", reply
    return comm


async def test_a_non_invitee_waits_in_the_lobby_until_a_host_admits(
    connect: Connect, org_tree, member_factory, branch_meeting: Branch
) -> None:
    meeting = branch_meeting.meeting
    room, lobby = f"meeting:{meeting.pk}", f"meeting.lobby:{meeting.pk}"
    host = await join(connect, branch_meeting.secretary, meeting.pk)
    guest_member = await db(member_factory)(org_tree.branch_a)
    guest = await connect(await db(session_of)(guest_member))
    assert (await ask(guest, {"type": "subscribe", "stream": "user:me"}))["type"] == "subscribed"

    assert await command(guest, "meeting.lobby.enter", lobby) == {"status": "waiting"}
    await refused(guest, "subscribe", room, "forbidden")
    await refused(guest, "meeting.hand.raise", room, "forbidden")
    waiting = await next_of(host, "meetings.lobby.changed")
    assert waiting["event"]["waiting"] == [{"member": guest_member.pk, "name": guest_member.real_name}]

    await command(host, "meeting.room.admit", room, member=guest_member.pk)
    admitted = await next_of(guest, "meetings.lobby.admitted")
    assert admitted["stream"] == "user:me"
    assert admitted["event"] == {"type": "meetings.lobby.admitted", "meeting": meeting.pk}
    assert (await ask(guest, {"type": "subscribe", "stream": room}))["type"] == "subscribed"
    outsider = await connect(await db(session_of)(branch_meeting.outsider))
    await refused(outsider, "meeting.lobby.enter", lobby, "forbidden")


async def test_signals_reach_one_peer_of_the_same_room_and_never_another_room(
    connect: Connect, org_tree, member_factory, branch_meeting: Branch
) -> None:
    meeting = branch_meeting.meeting
    secretary_b = await db(member_factory)(org_tree.branch_b, roles=[(RoleKind.SECRETARY, org_tree.branch_b)])
    other = await db(_schedule)(secretary_b, org_tree.branch_b)
    a_member, b_member = branch_meeting.full[0], branch_meeting.full[1]
    a = await join(connect, a_member, meeting.pk)
    b = await join(connect, b_member, meeting.pk)
    c = await join(connect, secretary_b, other.pk)
    room = f"meeting:{meeting.pk}"

    offer = {"type": "offer", "sdp": "v=0\r\n"}
    await command(a, "meeting.signal", room, to=b_member.pk, kind="description", description=offer)
    signal = await next_of(b, "signal")
    assert signal == {"type": "signal", "stream": room, "sender": a_member.pk,
                      "data": {"kind": "description", "description": offer, "candidates": []}}  # fmt: skip

    # A member of another meeting: refused, and nothing reaches them.
    await refused(a, "meeting.signal", room, "forbidden", to=secretary_b.pk, kind="restart")
    # Nor through their own room's stream, which a is not a participant of.
    await refused(a, "meeting.signal", f"meeting:{other.pk}", "forbidden", to=secretary_b.pk, kind="restart")
    await refused(a, "meeting.signal", room, "bad_frame", to=b_member.pk, kind="description")
    await quiet(c)


def _schedule(host: Member, organisation: Any) -> Any:
    from members.access import actor_from_member

    actor = actor_from_member(Member.objects.select_related("organisation").get(pk=host.pk))
    start = timezone.now()
    meeting = services.meeting_schedule(
        by=actor, organisation=organisation, kind=MeetingKind.BRANCH_GENERAL, title="第二支部大会",
        starts_at=start, ends_at=start + dt.timedelta(hours=1),
    )  # fmt: skip
    lifecycle.meeting_start(by=actor, meeting=meeting)
    return meeting


async def test_hand_queue_in_order_reaches_everyone(connect: Connect, branch_meeting: Branch) -> None:
    meeting = branch_meeting.meeting
    room = f"meeting:{meeting.pk}"
    host = await join(connect, branch_meeting.secretary, meeting.pk)
    members = branch_meeting.full[:3]
    comms = [await join(connect, m, meeting.pk) for m in members]
    for comm in (comms[2], comms[0], comms[1]):
        await command(comm, "meeting.hand.raise", room)
    for _ in range(3):
        last = await next_of(host, "meetings.hands.changed")
    assert [h["member"] for h in last["event"]["queue"]] == [members[2].pk, members[0].pk, members[1].pk]

    await refused(comms[0], "meeting.hand.floor", room, "forbidden", member=members[0].pk)
    await command(host, "meeting.hand.floor", room, member=members[2].pk)
    given = await next_of(comms[1], "meetings.hands.changed")
    for _ in range(3):  # comms[1] saw the three raises before the floor
        if given["event"]["floor"] is None:
            given = await next_of(comms[1], "meetings.hands.changed")
    assert given["event"]["floor"] == members[2].pk
    assert [h["member"] for h in given["event"]["queue"]] == [members[0].pk, members[1].pk]


async def test_chat_passes_the_pipeline_and_blocked_or_held_lines_tell_only_the_author(
    connect: Connect, branch_meeting: Branch
) -> None:
    from members.access import SYSTEM

    words = await db(word_list_create)(by=SYSTEM, organisation=None, name="会议聊天词表")
    await db(word_entries_set)(by=SYSTEM, word_list=words, entries=[("代开发票", "hold"), ("翻墙软件", "block")])
    meeting = branch_meeting.meeting
    room = f"meeting:{meeting.pk}"
    author = await join(connect, branch_meeting.full[0], meeting.pk)
    reader = await join(connect, branch_meeting.full[1], meeting.pk)

    blocked = await refused(author, "meeting.chat", room, "content_blocked", text="推荐翻墙软件")
    assert blocked["details"]["reasons"]
    held = await command(author, "meeting.chat", room, text="谁要代开发票")
    assert held["status"] == "held"
    published = await command(author, "meeting.chat", room, text="同意支部的安排")
    assert published["status"] == "published"
    line = await next_of(reader, "meetings.chat.posted")
    assert line["event"]["text"] == "同意支部的安排" and line["author"] == branch_meeting.full[0].pk
    await quiet(reader)  # neither the held nor the blocked line reached anyone


async def test_vote_results_appear_live_when_the_vote_closes(connect: Connect, branch_meeting: Branch) -> None:
    meeting = branch_meeting.meeting
    room = f"meeting:{meeting.pk}"
    host = await join(connect, branch_meeting.secretary, meeting.pk)
    voters = [await join(connect, m, meeting.pk) for m in branch_meeting.full[:3]]
    motion = await command(host, "meeting.vote.open", room, title="通过季度总结", secret=True)
    opened = await next_of(voters[0], "meetings.vote.opened")
    assert opened["event"]["motion"]["id"] == motion["id"]
    for comm, choice in zip(voters, ["for", "for", "against"], strict=True):
        await command(comm, "meeting.vote.cast", room, motion=motion["id"], choices=[choice])
    await refused(voters[0], "meeting.vote.cast", room, "conflict", motion=motion["id"], choices=["for"])
    await refused(voters[0], "meeting.vote.close", room, "forbidden", motion=motion["id"])
    await command(host, "meeting.vote.close", room, motion=motion["id"])
    for comm in voters:
        closed = await next_of(comm, "meetings.vote.closed")
        result = closed["event"]["motion"]["result"]
        assert (result["eligible"], result["turnout"], result["quorum_met"]) == (5, 3, True)
        assert result["outcome"] == "rejected"  # 2 in favour: not more than half of the 5 eligible
        assert result["counts"] == {"for": 2, "against": 1, "abstain": 0}


async def test_attendance_continues_across_a_reconnect_through_the_socket(
    connect: Connect, branch_meeting: Branch, settings: Any
) -> None:
    settings.MEETING_RECONNECT_GRACE = 60
    meeting = branch_meeting.meeting
    member = branch_meeting.full[0]
    stays = db(lambda: list(Stay.objects.filter(meeting=meeting, member=member).values_list("left_at", "connections")))

    first = await join(connect, member, meeting.pk)
    assert [c for _, c in await stays()] == [1]
    await first.disconnect()
    [(left_at, connections)] = await stays()
    assert left_at is not None and connections == 0

    await join(connect, member, meeting.pk)  # back within the grace period: the same stay
    assert await stays() == [(None, 1)]

    settings.MEETING_RECONNECT_GRACE = 0
    second = await join(connect, branch_meeting.full[1], meeting.pk)
    await second.disconnect()
    await join(connect, branch_meeting.full[1], meeting.pk)  # past the grace period: a new stay
    count = db(lambda: Stay.objects.filter(meeting=meeting, member=branch_meeting.full[1]).count())
    assert await count() == 2


async def test_mute_request_reaches_the_member_and_removal_ends_their_stay(
    connect: Connect, branch_meeting: Branch
) -> None:
    meeting = branch_meeting.meeting
    room = f"meeting:{meeting.pk}"
    host = await join(connect, branch_meeting.secretary, meeting.pk)
    target = branch_meeting.full[0]
    comm = await join(connect, target, meeting.pk)
    await command(host, "meeting.mute", room, member=target.pk, mic=True)
    muted = await next_of(comm, "meetings.mute.changed")
    assert muted["event"]["member"] == target.pk and muted["event"]["mic_muted"] is True
    state = await command(comm, "meeting.state", room)
    assert {p["member"]: p["mic_muted"] for p in state["participants"]}[target.pk] is True

    await command(host, "meeting.room.remove", room, member=target.pk)
    removed = await next_of(comm, "meetings.participant.removed")
    assert removed["event"]["member"] == target.pk
    await refused(comm, "meeting.hand.raise", room, "forbidden")
    await comm.disconnect()  # the page leaves on the removal event
    left = db(lambda: Stay.objects.get(meeting=meeting, member=target).left_at)
    assert await left() is not None


async def test_a_vote_opened_cast_and_closed_through_the_api_reaches_everyone_in_the_room(
    connect: Connect, branch_meeting: Branch
) -> None:
    """One writer per action: the JSON API opens, casts and closes through the same functions as
    the room's commands, so the pages in the room hear each step."""
    meeting = branch_meeting.meeting
    voter = branch_meeting.full[0]
    watcher = await join(connect, branch_meeting.full[1], meeting.pk)
    voter_page = await join(connect, voter, meeting.pk)  # present, so entitled to vote

    def api(member: Member, path: str, body: dict[str, Any]) -> Any:
        client = Client()
        client.force_login(member.user)
        return client.post(f"/api{path}", body, content_type="application/json")

    opened = await db(api)(branch_meeting.secretary, f"/meetings/{meeting.pk}/motions", {"title": "通过学习计划"})
    assert opened.status_code == 201, opened.content
    motion = opened.json()["id"]
    event = (await next_of(watcher, "meetings.vote.opened"))["event"]
    assert event["motion"]["id"] == motion and event["motion"]["title"] == "通过学习计划"

    cast = await db(api)(voter, f"/motions/{motion}/ballot", {"choices": ["for"]})
    assert cast.status_code == 200, cast.content
    assert (await next_of(watcher, "meetings.vote.turnout"))["event"] == {
        "type": "meetings.vote.turnout", "motion": motion, "turnout": 1,
    }  # fmt: skip

    closed = await db(api)(branch_meeting.secretary, f"/motions/{motion}/close", {})
    assert closed.status_code == 200, closed.content
    for page in (watcher, voter_page):
        event = (await next_of(page, "meetings.vote.closed"))["event"]
        assert event["motion"]["id"] == motion and event["motion"]["result"]["turnout"] == 1
    await watcher.disconnect()
    await voter_page.disconnect()
