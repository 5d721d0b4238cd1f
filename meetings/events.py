"""The meetings app's durable events (docs/protocol.md, "Meetings"): one model per type.

Room events go to ``meeting:<id>``; notices for one person (invitations, leave, the lobby's
decision, a removal, a refused chat line) to ``user:<id>``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from realtime.events import Event


class Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Motion(Part):
    id: int
    title: str
    kind: str
    options: list[str]
    secret: bool
    max_choices: int
    status: str
    result: dict[str, Any] | None


class Waiter(Part):
    member: int
    name: str


class Hand(Part):
    member: int
    name: str
    raised_at: str


class Breakout(Part):
    id: int
    name: str
    ends_at: str
    members: list[int]


class MeetingRef(Part):
    id: int
    title: str
    kind: str
    status: str
    starts_at: str
    ends_at: str


class MeetingTitle(Part):
    id: int
    title: str


class MemberName(Part):
    id: int
    name: str


# --- The room (meeting:<id>) ---------------------------------------------------------------------


class LobbyChanged(Event):
    type: Literal["meetings.lobby.changed"] = "meetings.lobby.changed"
    waiting: list[Waiter]


class RoomLocked(Event):
    type: Literal["meetings.room.locked"] = "meetings.room.locked"
    locked: bool


class RoomStarted(Event):
    type: Literal["meetings.room.started"] = "meetings.room.started"
    started_at: str | None


class ParticipantRemoved(Event):
    type: Literal["meetings.participant.removed"] = "meetings.participant.removed"
    member: int


class MeetingEnded(Event):
    type: Literal["meetings.meeting.ended"] = "meetings.meeting.ended"
    closed_votes: list[Motion]


class ModeChanged(Event):
    type: Literal["meetings.mode.changed"] = "meetings.mode.changed"
    mode: str


class HandsChanged(Event):
    type: Literal["meetings.hands.changed"] = "meetings.hands.changed"
    queue: list[Hand]
    floor: int | None


class MuteChanged(Event):
    type: Literal["meetings.mute.changed"] = "meetings.mute.changed"
    member: int
    mic_muted: bool
    video_muted: bool
    by: int | None


class AudioOnlyChanged(Event):
    type: Literal["meetings.audio_only.changed"] = "meetings.audio_only.changed"
    member: int
    audio_only: bool


class RolesChanged(Event):
    type: Literal["meetings.roles.changed"] = "meetings.roles.changed"
    cohosts: list[int]


class BreakoutStarted(Event):
    type: Literal["meetings.breakout.started"] = "meetings.breakout.started"
    breakouts: list[Breakout]


class BreakoutEnded(Event):
    type: Literal["meetings.breakout.ended"] = "meetings.breakout.ended"


class ChatPosted(Event):
    type: Literal["meetings.chat.posted"] = "meetings.chat.posted"
    id: int
    author: int
    name: str
    text: str
    breakout: int | None
    at: str


class ChatHidden(Event):
    type: Literal["meetings.chat.hidden"] = "meetings.chat.hidden"
    id: int


class VoteOpened(Event):
    type: Literal["meetings.vote.opened"] = "meetings.vote.opened"
    motion: Motion


class VoteTurnout(Event):
    type: Literal["meetings.vote.turnout"] = "meetings.vote.turnout"
    motion: int
    turnout: int


class VoteClosed(Event):
    type: Literal["meetings.vote.closed"] = "meetings.vote.closed"
    motion: Motion


class MediaRecording(Event):
    type: Literal["meetings.media.recording"] = "meetings.media.recording"
    on: bool


# --- One person (user:<id>) ----------------------------------------------------------------------


class MeetingNotice(Event):
    """An invitee is told: invited, the meeting changed, cancelled or started."""

    type: Literal[
        "meetings.meeting.invited", "meetings.meeting.changed", "meetings.meeting.cancelled", "meetings.meeting.started"
    ]
    meeting: MeetingRef


class LeaveNotice(Event):
    """请假: the hosts hear of a request, the member of the decision."""

    type: Literal["meetings.leave.requested", "meetings.leave.decided"]
    meeting: MeetingTitle
    request: int
    member: MemberName
    reason: str
    status: str


class LobbyDecided(Event):
    type: Literal["meetings.lobby.admitted", "meetings.lobby.denied"]
    meeting: int


class RoomRemoved(Event):
    type: Literal["meetings.room.removed"] = "meetings.room.removed"
    meeting: int


class ChatRejected(Event):
    type: Literal["meetings.chat.rejected"] = "meetings.chat.rejected"
    meeting: int
    id: int
    reason: str
