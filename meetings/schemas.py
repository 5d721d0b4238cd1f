"""The meetings' shapes: the room's command arguments, validated at the socket's edge
(docs/protocol.md, "Meetings"), the room's state that ``meeting.state`` answers, and the JSON
API's request and response models.

Their own module, so that the room's stream handlers (meetings/streams.py), the media commands
(meetings/media_streams.py), the selectors and the API share them without importing each other.
Output is shaped here and nowhere else.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.urls import reverse
from ninja import Schema
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from kernel.ids import Id
from kernel.times import Moment
from meetings import events
from meetings.models import Meeting, MeetingAttachment, Motion, Seat
from meetings.rules import BREAKOUT_MINUTES_MAX


class In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NoArgs(In):
    pass


class MemberIn(In):
    member: Id


class AdmitIn(In):
    member: Id
    admit: bool = True


class LockIn(In):
    locked: bool


class ModeIn(In):
    mode: Literal["mesh", "relay"]


class FloorIn(In):
    member: Id | None


class LowerIn(In):
    member: Id | None = None  # default: one's own hand


class MuteIn(In):
    member: Id
    mic: bool | None = None
    video: bool | None = None


class AudioOnlyIn(In):
    on: bool


class CohostsIn(In):
    members: list[Id] = Field(max_length=50)


class RoomIn(In):
    name: str = Field(min_length=1, max_length=120)
    members: list[Id] = Field(min_length=1, max_length=500)


class BreakoutIn(In):
    minutes: int = Field(ge=1, le=BREAKOUT_MINUTES_MAX)
    by_group: bool = True
    rooms: list[RoomIn] = Field(default_factory=list, max_length=50)


class ChatIn(In):
    text: str = Field(min_length=1, max_length=2000)


VoteOption = Annotated[str, StringConstraints(max_length=200)]


class VoteOpenIn(In):
    title: str = Field(min_length=1, max_length=300)
    kind: Literal["motion", "election"] = "motion"
    options: list[VoteOption] = Field(default_factory=list, max_length=100)
    secret: bool = False
    max_choices: int = Field(default=1, ge=1, le=100)


class VoteCastIn(In):
    motion: Id
    choices: list[VoteOption] = Field(min_length=1, max_length=100)


class VoteCloseIn(In):
    motion: Id


class Description(In):
    type: Literal["offer", "answer", "pranswer", "rollback"]
    sdp: str = Field(default="", max_length=60_000)


class Candidate(In):
    candidate: str = Field(max_length=1000)
    sdpMid: str | None = Field(default=None, max_length=64)  # noqa: N815 - the browser's own names
    sdpMLineIndex: int | None = Field(default=None, ge=0, le=64)  # noqa: N815
    usernameFragment: str | None = Field(default=None, max_length=256)  # noqa: N815


class SignalIn(In):
    """One WebRTC signal to one peer: a session description, a batch of ICE candidates (a
    batch, because the command rate limit would otherwise drop a fast trickle), an ICE
    restart request, or hang-up. ``session`` names the sending page: a member who reloads
    comes back as a new session, and the peer starts a fresh connection for it;
    ``peer_session`` names the page the sender's connection was made for, so a page drops what
    a connection to its earlier incarnation still sends."""

    to: Id
    kind: Literal["description", "candidates", "restart", "hangup"]
    description: Description | None = None
    candidates: list[Candidate] = Field(default_factory=list, max_length=50)
    session: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{1,64}$")
    peer_session: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{1,64}$")

    @model_validator(mode="after")
    def _complete(self) -> SignalIn:
        if self.kind == "description" and self.description is None:
            raise ValueError("a description signal needs a description")
        if self.kind == "candidates" and not self.candidates:
            raise ValueError("a candidates signal needs candidates")
        return self


# --- The JSON API -------------------------------------------------------------------------------


AgendaItem = Annotated[str, Field(max_length=500)]


class MeetingIn(Schema):
    organisation_id: Id
    kind: str = Field(max_length=20)
    title: str = Field(min_length=1, max_length=200)
    starts_at: Moment
    ends_at: Moment
    agenda: list[AgendaItem] = Field(default=[], max_length=100)
    cohost_ids: list[Id] = Field(default=[], max_length=50)
    invitee_ids: list[Id] | None = Field(default=None, max_length=5000)
    quorum_ratio: Decimal = Field(default=Decimal("0.5"), max_digits=4, decimal_places=3)


class MeetingPatch(Schema):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    starts_at: Moment | None = None
    ends_at: Moment | None = None
    agenda: list[AgendaItem] | None = Field(default=None, max_length=100)


class MeetingOut(Schema):
    id: int
    organisation_id: int
    organisation: str
    kind: str
    kind_label: str
    title: str
    host_id: int
    host: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    agenda: list[str]
    cohost_ids: list[int]
    status: str
    locked: bool
    quorum_ratio: Decimal

    @classmethod
    def of(cls, meeting: Meeting) -> MeetingOut:
        return cls(
            id=meeting.pk,
            organisation_id=meeting.organisation_id,
            organisation=meeting.organisation.name,
            kind=meeting.kind,
            kind_label=str(meeting.get_kind_display()),
            title=meeting.title,
            host_id=meeting.host_id,
            host=meeting.host.real_name,
            starts_at=meeting.starts_at,
            ends_at=meeting.ends_at,
            agenda=meeting.agenda,
            cohost_ids=sorted(meeting.cohosts.values_list("pk", flat=True)),
            status=meeting.status,
            locked=meeting.locked,
            quorum_ratio=meeting.quorum_ratio,
        )


class InviteesIn(Schema):
    member_ids: list[Id] = Field(max_length=5000)


class CohostsOut(Schema):
    cohost_ids: list[int]


class LeaveIn(Schema):
    reason: str = Field(min_length=1, max_length=500)


class LeaveOut(Schema):
    id: int
    member_id: int
    reason: str
    status: str


class LeaveDecisionIn(Schema):
    approve: bool


class AttendanceRow(Schema):
    """One invitee's or attendee's attendance: present / excused / absent, minutes, on-time sign-in."""

    member_id: int
    real_name: str
    invited: bool
    status: str
    minutes: float
    first_joined: str | None
    on_time: bool
    stays: int


class MotionIn(Schema):
    title: str = Field(min_length=1, max_length=300)
    kind: str = Field(default="motion", max_length=20)
    options: list[VoteOption] = Field(default=[], max_length=100)
    secret: bool = False
    max_choices: int = Field(default=1, ge=1, le=100)


class MotionResult(Schema):
    """A closed vote's result (meetings.rules.tally_result); ``elected`` and ``tied`` for
    elections only."""

    eligible: int
    turnout: int
    quorum_needed: int
    quorum_met: bool
    counts: dict[str, int]
    votes_needed: int
    outcome: Literal["adopted", "rejected", "no_quorum", "elected"]
    elected: list[str] | None = None
    tied: list[str] | None = None


class MotionOut(Schema):
    id: int
    title: str
    kind: str
    options: list[str]
    secret: bool
    max_choices: int
    status: str
    result: MotionResult | None

    @classmethod
    def of(cls, motion: Motion) -> MotionOut:
        return cls(
            id=motion.pk,
            title=motion.title,
            kind=motion.kind,
            options=motion.options,
            secret=motion.secret,
            max_choices=motion.max_choices,
            status=motion.status,
            result=motion.result,  # type: ignore[arg-type]  # the stored JSON, validated here
        )

    def data(self) -> dict[str, Any]:
        """As stored in events and minutes: the result's fields as the tally wrote them."""
        return self.model_dump(mode="json", exclude_unset=True)


class BallotIn(Schema):
    choices: list[VoteOption] = Field(max_length=100)


class MinutesIn(Schema):
    text: str = Field(max_length=100_000)


class DocumentMeeting(Schema):
    id: int
    title: str
    kind: str
    organisation: str
    host: str
    starts_at: str
    started_at: str | None
    ended_at: str | None


class DocumentAttendance(Schema):
    """Names per status."""

    present: list[str]
    excused: list[str]
    absent: list[str]


class DocumentAttachment(Schema):
    id: int
    filename: str
    content_type: str
    size: int


class SectionOut(Schema):
    """What another app adds to a meeting's page and minutes (meetings.sections)."""

    title: str
    lines: list[str]
    url: str | None = None


class MinutesDocument(Schema):
    """The minutes as kept: the secretary's text with agenda, attendance, votes and the names of
    the meeting's attachments filled in. Minutes finalised before attachments and sections were
    kept have none."""

    meeting: DocumentMeeting
    agenda: list[str]
    attendance: DocumentAttendance
    votes: list[MotionOut]
    attachments: list[DocumentAttachment] = []
    sections: list[SectionOut] = []
    text: str

    def data(self) -> dict[str, Any]:
        """As archived (JSON)."""
        return self.model_dump(mode="json", exclude_unset=True)


class MinutesOut(Schema):
    text: str
    finalised_at: dt.datetime | None
    document: MinutesDocument | None
    archive_seq: int | None


class Ok(Schema):
    ok: bool = True


class MeetingAttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int
    uploaded_by: int | None
    created: dt.datetime
    url: str

    @classmethod
    def of(cls, attachment: MeetingAttachment) -> MeetingAttachmentOut:
        return cls(
            id=attachment.pk,
            filename=attachment.filename,
            content_type=attachment.content_type,
            size=attachment.size,
            uploaded_by=attachment.uploaded_by_id,
            created=attachment.created,
            url=reverse(
                "meetings:attachment", kwargs={"meeting_id": attachment.meeting_id, "attachment_id": attachment.pk}
            ),
        )


class IceServer(Schema):
    urls: list[str]
    username: str | None = None
    credential: str | None = None


class IceServersOut(Schema):
    """STUN, and TURN with short-lived credentials (meetings/ice.py); ``ttl`` in seconds."""

    ice_servers: list[IceServer]
    ttl: int


class KindHeld(Schema):
    kind: str
    label: str
    held: int
    expected: int


class QuarterMeeting(Schema):
    id: int
    title: str
    kind: str
    label: str
    starts_at: str
    invited: int
    present: int
    excused: int
    rate: float | None


class MemberAttendance(Schema):
    member_id: int
    real_name: str
    invited: int
    present: int
    excused: int
    minutes: float
    rate: float | None


class MeetingStatsOut(Schema):
    """Meetings held in a quarter by type against the expected rhythm, and attendance rates."""

    year: int
    quarter: int
    by_kind: list[KindHeld]
    meetings: list[QuarterMeeting]
    members: list[MemberAttendance]


# --- The room's state: the socket's meeting.state -------------------------------------------------


RoomRole = Literal["host", "cohost", "participant"]


class Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RoomMeetingOut(Out):
    id: int
    title: str
    status: str
    locked: bool

    @classmethod
    def of(cls, meeting: Meeting) -> RoomMeetingOut:
        return cls(id=meeting.pk, title=meeting.title, status=meeting.status, locked=meeting.locked)


class RoomMeOut(Out):
    member: int | None
    role: RoomRole
    is_host: bool


class RoomParticipantOut(Out):
    """A member present in the room; ``breakout`` their breakout room, null for the main room."""

    member: int
    name: str
    role: RoomRole
    status: str | None
    mic_muted: bool
    video_muted: bool
    audio_only: bool
    breakout: int | None

    @classmethod
    def of(
        cls, member_id: int, *, name: str, role: RoomRole, status: str | None, seat: Seat | None
    ) -> RoomParticipantOut:
        """A member with no seat yet has muted nothing and is in the main room."""
        return cls(
            member=member_id, name=name, role=role, status=status, mic_muted=bool(seat and seat.mic_muted),
            video_muted=bool(seat and seat.video_muted), audio_only=bool(seat and seat.audio_only),
            breakout=seat.breakout_id if seat else None,
        )  # fmt: skip


class RoomVoteOut(events.Motion):
    """An open vote: the motion as its events carry it, whether the reader has voted, and how
    many have."""

    voted: bool
    turnout: int

    @classmethod
    def of(cls, motion: Motion, *, voted: bool, turnout: int) -> RoomVoteOut:
        return cls(**MotionOut.of(motion).data(), voted=voted, turnout=turnout)


class RoomChatLineOut(events.ChatPosted):
    """A chat line as its event carries it, and what became of it: ``published``, or for its
    author only ``held``, ``hidden`` or ``rejected`` with the moderator's ``reason``."""

    status: str
    reason: str

    @classmethod
    def of(cls, line: events.ChatPosted, *, status: str, reason: str) -> RoomChatLineOut:
        return cls(**line.model_dump(), status=status, reason=reason)


class RoomStateOut(Out):
    """What a (re)joining room page draws (docs/protocol.md, ``meeting.state``); later changes
    arrive as the room's events. ``lobby`` is empty but for hosts."""

    meeting: RoomMeetingOut
    me: RoomMeOut
    mode: str
    mesh_video_senders: int
    participants: list[RoomParticipantOut]
    hands: list[events.Hand]
    floor: int | None
    lobby: list[events.Waiter]
    breakouts: list[events.Breakout]
    votes: list[RoomVoteOut]
    chat: list[RoomChatLineOut]
    recording: bool
