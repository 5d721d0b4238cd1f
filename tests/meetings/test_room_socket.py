# ruff: noqa: F811 - test arguments name the fixtures imported from the gateway's conftest
"""Audio only and co-hosts at the socket (WebsocketCommunicator on the real ASGI application)."""

from __future__ import annotations

import pytest

from tests.meetings.conftest import Branch
from tests.meetings.test_streams import command, join, next_of, refused
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
