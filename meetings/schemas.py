"""The room's command arguments, validated at the socket's edge (docs/protocol.md, "Meetings").

Their own module, so that the room's stream handlers (meetings/streams.py) and the media
commands (meetings/media_streams.py) share them without importing each other.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from meetings import breakouts


class In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NoArgs(In):
    pass


class MemberIn(In):
    member: int


class AdmitIn(In):
    member: int
    admit: bool = True


class LockIn(In):
    locked: bool


class ModeIn(In):
    mode: Literal["mesh", "relay"]


class FloorIn(In):
    member: int | None


class LowerIn(In):
    member: int | None = None  # default: one's own hand


class MuteIn(In):
    member: int
    mic: bool | None = None
    video: bool | None = None


class AudioOnlyIn(In):
    on: bool


class CohostsIn(In):
    members: list[int] = Field(max_length=50)


class RoomIn(In):
    name: str = Field(min_length=1, max_length=120)
    members: list[int] = Field(min_length=1, max_length=500)


class BreakoutIn(In):
    minutes: int = Field(ge=1, le=breakouts.BREAKOUT_MINUTES_MAX)
    by_group: bool = True
    rooms: list[RoomIn] = Field(default_factory=list, max_length=50)


class ChatIn(In):
    text: str = Field(min_length=1, max_length=2000)


class VoteOpenIn(In):
    title: str = Field(min_length=1, max_length=300)
    kind: Literal["motion", "election"] = "motion"
    options: list[Annotated[str, StringConstraints(max_length=200)]] = Field(default_factory=list, max_length=100)
    secret: bool = False
    max_choices: int = Field(default=1, ge=1, le=100)


class VoteCastIn(In):
    motion: int
    choices: list[Annotated[str, StringConstraints(max_length=200)]] = Field(min_length=1, max_length=100)


class VoteCloseIn(In):
    motion: int


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

    to: int
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
