# ruff: noqa: F811 - test arguments name the fixtures imported from the gateway's conftest
"""Audio only, co-hosts and the room's state at the socket (WebsocketCommunicator on the real ASGI
application)."""

from __future__ import annotations

from typing import Any

import pytest

from meetings import hands, lobby
from meetings.models import Breakout, ChatMessage, Seat
from members.models import Member
from tests.meetings.conftest import Branch
from tests.meetings.test_streams import command, db, join, next_of, refused
from tests.realtime.conftest import Connect, connect, realtime_isolation  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db(transaction=True)


async def test_audio_only_reaches_the_others_and_the_state(connect: Connect, branch_meeting: Branch) -> None:
    meeting = branch_meeting.meeting
    stream = f"meeting:{meeting.pk}"
    weak_member, other_member = branch_meeting.full[0], branch_meeting.full[1]
    weak = await join(connect, weak_member, meeting.pk)
    other = await join(connect, other_member, meeting.pk)

    assert await command(weak, "meeting.audio_only", stream, on=True) == {"audio_only": True}
    event = await next_of(other, "meetings.audio_only.changed")
    assert event["event"] == {"type": "meetings.audio_only.changed", "member": weak_member.pk, "audio_only": True}
    state = await command(other, "meeting.state", stream)
    assert {p["member"]: p["audio_only"] for p in state["participants"]} == {
        weak_member.pk: True,
        other_member.pk: False,
    }
    # Only one's own choice: there is no member argument, and a wrong frame is refused.
    await refused(weak, "meeting.audio_only", stream, "bad_frame", on=True, member=other_member.pk)
    await refused(weak, "meeting.audio_only", stream, "bad_frame")


async def test_only_hosts_name_cohosts_and_the_room_redraws_roles(connect: Connect, branch_meeting: Branch) -> None:
    meeting = branch_meeting.meeting
    stream = f"meeting:{meeting.pk}"
    host = await join(connect, branch_meeting.secretary, meeting.pk)
    member = await join(connect, branch_meeting.full[0], meeting.pk)
    await refused(member, "meeting.room.cohosts", stream, "forbidden", members=[branch_meeting.full[0].pk])
    await command(host, "meeting.room.cohosts", stream, members=[branch_meeting.full[0].pk])
    roles = await next_of(member, "meetings.roles.changed")
    assert roles["event"]["cohosts"] == [branch_meeting.full[0].pk]
    state = await command(member, "meeting.state", stream)
    assert state["me"]["role"] == "cohost" and state["me"]["is_host"] is True
    # Now a co-host, the member may lock the room.
    assert await command(member, "meeting.room.lock", stream, locked=True) == {"locked": True}


async def test_the_state_a_joining_page_draws_field_by_field(
    connect: Connect, org_tree, member_factory, actor_of, branch_meeting: Branch
) -> None:
    meeting = branch_meeting.meeting
    stream = f"meeting:{meeting.pk}"
    secretary, a_member, b_member = branch_meeting.secretary, branch_meeting.full[0], branch_meeting.full[1]
    host = await join(connect, secretary, meeting.pk)
    a = await join(connect, a_member, meeting.pk)
    await join(connect, b_member, meeting.pk)
    guest = await db(member_factory)(org_tree.branch_a)
    assert await db(lambda: lobby.room_enter(by=actor_of(guest), meeting=meeting))() == "waiting"
    for member in (a_member, b_member):
        await db(lambda m=member: hands.hand_raise(by=actor_of(m), meeting=meeting))()
    await command(host, "meeting.hand.floor", stream, member=a_member.pk)
    await command(host, "meeting.mute", stream, member=b_member.pk, mic=True)
    await command(a, "meeting.audio_only", stream, on=True)
    motion = (await command(host, "meeting.vote.open", stream, title="通过学习计划"))["id"]
    await command(a, "meeting.vote.cast", stream, motion=motion, choices=["for"])
    line = (await command(a, "meeting.chat", stream, text="大家好"))["id"]
    rooms = [{"name": "第一组", "members": [a_member.pk, b_member.pk]}]
    await command(host, "meeting.breakout.start", stream, minutes=30, by_group=False, rooms=rooms)
    raised, (breakout, ends_at), said = await db(
        lambda: (
            Seat.objects.get(meeting=meeting, member=b_member).hand_raised_at.isoformat(),
            *[(b.pk, b.ends_at.isoformat()) for b in Breakout.objects.filter(meeting=meeting)],
            ChatMessage.objects.get(pk=line).created.isoformat(),
        )
    )()

    def person(member: Member, role: str, *, breakout: int | None, mic: bool = False, audio: bool = False) -> Any:
        return {"member": member.pk, "name": member.real_name, "role": role, "status": "full", "mic_muted": mic,
                "video_muted": False, "audio_only": audio, "breakout": breakout}  # fmt: skip

    def state(me: Member, role: str, *, lobby: list[Any], voted: bool) -> dict[str, Any]:
        return {
            "meeting": {"id": meeting.pk, "title": "第三季度支部党员大会", "status": "live", "locked": False},
            "me": {"member": me.pk, "role": role, "is_host": role == "host"},
            "mode": "mesh",
            "mesh_video_senders": 4,
            "participants": [
                person(secretary, "host", breakout=None),
                person(a_member, "participant", breakout=breakout, audio=True),
                person(b_member, "participant", breakout=breakout, mic=True),
            ],
            "hands": [{"member": b_member.pk, "name": b_member.real_name, "raised_at": raised}],
            "floor": a_member.pk,
            "lobby": lobby,
            "breakouts": [
                {"id": breakout, "name": "第一组", "ends_at": ends_at, "members": [a_member.pk, b_member.pk]}
            ],
            "votes": [
                {
                    "id": motion,
                    "title": "通过学习计划",
                    "kind": "motion",
                    "options": ["for", "against", "abstain"],
                    "secret": False,
                    "max_choices": 1,
                    "status": "open",
                    "result": None,
                    "voted": voted,
                    "turnout": 1,
                }
            ],  # fmt: skip
            "chat": [
                {
                    "type": "meetings.chat.posted",
                    "id": line,
                    "author": a_member.pk,
                    "name": a_member.real_name,
                    "text": "大家好",
                    "breakout": None,
                    "at": said,
                    "status": "published",
                    "reason": "",
                }
            ],  # fmt: skip
            "recording": False,
        }

    def keys(answer: Any) -> Any:
        """Every object's keys in order, all the way down."""
        if isinstance(answer, dict):
            return [(k, keys(v)) for k, v in answer.items()]
        return [keys(v) for v in answer] if isinstance(answer, list) else None

    for comm, me, role, waiting, voted in (
        (host, secretary, "host", [{"member": guest.pk, "name": guest.real_name}], False),
        (a, a_member, "participant", [], True),  # only hosts see the lobby
    ):
        answer = await command(comm, "meeting.state", stream)
        expected = state(me, role, lobby=waiting, voted=voted)
        assert answer == expected and keys(answer) == keys(expected)
