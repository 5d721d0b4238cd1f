"""The relay's commands on ``meeting:<id>`` (docs/protocol.md, "Media relay"), merged into the
room's commands by meetings/streams.py. Each handler re-reads the room through
``room.room_get_for`` (participants only) and calls one function of :mod:`meetings.relay`;
the worker answers with ``signal`` frames (``media.offer``, ``media.layout``, ``media.closed``,
``media.viewers``) addressed to the member."""

from __future__ import annotations

from typing import Any, Literal

from django.utils.translation import gettext as _
from pydantic import BaseModel, ConfigDict, Field

from kernel.ids import require_id
from meetings import relay, room
from meetings.models import Meeting
from meetings.schemas import Candidate
from members.access import Actor
from realtime.registry import Command

SessionId = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")


class In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class JoinIn(In):
    session: str = SessionId
    publish: list[Literal["mic", "cam", "screen"]] = Field(default_factory=list, max_length=3)
    video: bool = True


class AnswerIn(In):
    session: str = SessionId
    sdp: str = Field(min_length=1, max_length=60_000)


class CandidatesIn(In):
    session: str = SessionId
    candidates: list[Candidate] = Field(min_length=1, max_length=50)


class ReceiveIn(In):
    session: str = SessionId
    video: bool


class LeaveIn(In):
    session: str = SessionId


class RecordIn(In):
    on: bool


def _room(actor: Actor, stream_id: str) -> Meeting:
    return room.room_get_for(actor=actor, meeting_id=require_id(stream_id, message=_("Unknown stream.")))


def join(actor: Actor, stream_id: str, args: JoinIn) -> dict[str, Any]:
    meeting = _room(actor, stream_id)
    return relay.media_join(by=actor, meeting=meeting, session=args.session, publish=args.publish, video=args.video)


def receive(actor: Actor, stream_id: str, args: ReceiveIn) -> dict[str, Any]:
    relay.media_receive(by=actor, meeting=_room(actor, stream_id), session=args.session, video=args.video)
    return {"session": args.session, "video": args.video}


def answer(actor: Actor, stream_id: str, args: AnswerIn) -> dict[str, Any]:
    relay.media_answer(by=actor, meeting=_room(actor, stream_id), session=args.session, sdp=args.sdp)
    return {"session": args.session}


def candidates(actor: Actor, stream_id: str, args: CandidatesIn) -> dict[str, Any]:
    found = [c.model_dump(exclude_none=True) for c in args.candidates]
    relay.media_candidates(by=actor, meeting=_room(actor, stream_id), session=args.session, candidates=found)
    return {"session": args.session}


def leave(actor: Actor, stream_id: str, args: LeaveIn) -> dict[str, Any]:
    relay.media_leave(by=actor, meeting=_room(actor, stream_id), session=args.session)
    return {"session": args.session}


def record(actor: Actor, stream_id: str, args: RecordIn) -> dict[str, Any]:
    relay.media_record(by=actor, meeting=_room(actor, stream_id), on=args.on)
    return {"on": args.on}


MEDIA_COMMANDS = {
    "media.join": Command(JoinIn, join, writes=False),
    "media.answer": Command(AnswerIn, answer, writes=False),
    "media.candidates": Command(CandidatesIn, candidates, writes=False),
    "media.receive": Command(ReceiveIn, receive, writes=False),
    "media.leave": Command(LeaveIn, leave, writes=False),
    "media.record": Command(RecordIn, record, writes=False),
}
