"""The live room plugged into the gateway (realtime.registry); docs/protocol.md, "Meetings".

``meeting:<id>``: the room. Only participants (hosts, and members admitted through the lobby)
may subscribe; each subscription is one connection for attendance (``on_join``/``on_leave``),
and presence frames say who is here. Commands are ``meeting.<name>``; each handler validates,
calls one writer or reader of the room's modules (meetings/room.py) and returns its result.

``meeting.lobby:<id>``: the door. Anyone who may see the meeting knocks here with
``meeting.lobby.enter``; a waiter hears that a host let them in on their ``user:me`` stream and
only then subscribes to the room. It carries no events.

Only ``chat`` is a write for the gateway's send guards: a member muted by a moderator loses
the chat, not their vote, their hand or their video.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from pydantic import BaseModel

from kernel.ids import require_id
from meetings import breakouts, chat, hands, lifecycle, lobby, room, room_state, selectors, services, signalling, votes
from meetings import mode as meeting_mode
from meetings.media_streams import MEDIA_COMMANDS
from meetings.models import Meeting
from meetings.schemas import (
    AdmitIn,
    AudioOnlyIn,
    BreakoutIn,
    ChatIn,
    CohostsIn,
    FloorIn,
    LockIn,
    LowerIn,
    MemberIn,
    ModeIn,
    MuteIn,
    NoArgs,
    SignalIn,
    VoteCastIn,
    VoteCloseIn,
    VoteOpenIn,
)
from members.access import Actor, require_member
from members.models import Member
from realtime.registry import Command, StreamKind, register


def _meeting_id(stream_id: str) -> int:
    return require_id(stream_id, message=_("Unknown stream."))


def _room(actor: Actor, stream_id: str) -> Meeting:
    return room.room_get_for(actor=actor, meeting_id=_meeting_id(stream_id))


def room_authorise(actor: Actor, stream_id: str) -> None:
    require_member(actor)
    _room(actor, stream_id)


def lobby_authorise(actor: Actor, stream_id: str) -> None:
    selectors.meeting_get_for(actor=actor, meeting_id=_meeting_id(stream_id))


def on_join(actor: Actor, stream_id: str) -> None:
    lifecycle.room_joined(actor=actor, meeting=_room(actor, stream_id))


def on_leave(actor: Actor, stream_id: str) -> None:
    # Not _room(): a member just removed or a meeting just ended must still close their stay.
    meeting = Meeting.objects.filter(pk=_meeting_id(stream_id)).first()
    if meeting is not None and actor.member_id is not None:
        lifecycle.room_left(actor=actor, meeting=meeting)


# --- Handlers ---------------------------------------------------------------------------------


def lobby_enter(actor: Actor, stream_id: str, args: NoArgs) -> dict[str, Any]:
    meeting = selectors.meeting_get_for(actor=actor, meeting_id=_meeting_id(stream_id))
    return {"status": lobby.room_enter(by=actor, meeting=meeting)}


def state(actor: Actor, stream_id: str, args: NoArgs) -> dict[str, Any]:
    return room_state.room_state(actor=actor, meeting=_room(actor, stream_id)).model_dump(mode="json")


def admit(actor: Actor, stream_id: str, args: AdmitIn) -> dict[str, Any]:
    status = lobby.room_admit(by=actor, meeting=_room(actor, stream_id), member_id=args.member, admit=args.admit)
    return {"status": status}


def lock(actor: Actor, stream_id: str, args: LockIn) -> dict[str, Any]:
    lobby.room_lock(by=actor, meeting=_room(actor, stream_id), locked=args.locked)
    return {"locked": args.locked}


def start(actor: Actor, stream_id: str, args: NoArgs) -> dict[str, Any]:
    lifecycle.meeting_start(by=actor, meeting=_room(actor, stream_id))
    return {"status": "live"}


def remove(actor: Actor, stream_id: str, args: MemberIn) -> dict[str, Any]:
    lobby.room_remove(by=actor, meeting=_room(actor, stream_id), member_id=args.member)
    return {"removed": args.member}


def end(actor: Actor, stream_id: str, args: NoArgs) -> dict[str, Any]:
    lifecycle.meeting_end(by=actor, meeting=_room(actor, stream_id))
    return {"status": "ended"}


def mode(actor: Actor, stream_id: str, args: ModeIn) -> dict[str, Any]:
    meeting_mode.room_mode_set(by=actor, meeting=_room(actor, stream_id), mode=args.mode)
    return {"mode": args.mode}


def hand_raise(actor: Actor, stream_id: str, args: NoArgs) -> dict[str, Any]:
    meeting = _room(actor, stream_id)
    hands.hand_raise(by=actor, meeting=meeting)
    return {"queue": hands.hand_queue(meeting)}


def hand_lower(actor: Actor, stream_id: str, args: LowerIn) -> dict[str, Any]:
    meeting = _room(actor, stream_id)
    hands.hand_lower(by=actor, meeting=meeting, member_id=args.member or actor.mid)
    return {"queue": hands.hand_queue(meeting)}


def hand_floor(actor: Actor, stream_id: str, args: FloorIn) -> dict[str, Any]:
    hands.floor_give(by=actor, meeting=_room(actor, stream_id), member_id=args.member)
    return {"floor": args.member}


def mute(actor: Actor, stream_id: str, args: MuteIn) -> dict[str, Any]:
    hands.mute_set(by=actor, meeting=_room(actor, stream_id), member_id=args.member, mic=args.mic, video=args.video)
    return {"member": args.member}


def audio_only(actor: Actor, stream_id: str, args: AudioOnlyIn) -> dict[str, Any]:
    hands.audio_only_set(by=actor, meeting=_room(actor, stream_id), on=args.on)
    return {"audio_only": args.on}


def cohosts(actor: Actor, stream_id: str, args: CohostsIn) -> dict[str, Any]:
    members = Member.objects.select_related("organisation").filter(pk__in=args.members)
    return {"cohosts": services.meeting_cohosts_set(by=actor, meeting=_room(actor, stream_id), members=members)}


def breakout_start(actor: Actor, stream_id: str, args: BreakoutIn) -> dict[str, Any]:
    meeting = _room(actor, stream_id)
    rooms = [(r.name, r.members) for r in args.rooms]
    breakouts.breakout_start(by=actor, meeting=meeting, minutes=args.minutes, by_group=args.by_group, rooms=rooms)
    return {"breakouts": breakouts.breakout_dicts(meeting)}


def breakout_return(actor: Actor, stream_id: str, args: NoArgs) -> dict[str, Any]:
    breakouts.breakout_return(by=actor, meeting=_room(actor, stream_id))
    return {"breakouts": []}


def chat_send(actor: Actor, stream_id: str, args: ChatIn) -> dict[str, Any]:
    return chat.chat_post(by=actor, meeting=_room(actor, stream_id), text=args.text)


def vote_open(actor: Actor, stream_id: str, args: VoteOpenIn) -> dict[str, Any]:
    motion = votes.motion_open(
        by=actor, meeting=_room(actor, stream_id), title=args.title, kind=args.kind, options=args.options,
        secret=args.secret, max_choices=args.max_choices,
    )  # fmt: skip
    return selectors.motion_dict(motion)


def vote_cast(actor: Actor, stream_id: str, args: VoteCastIn) -> dict[str, Any]:
    motion = votes.motion_in(_room(actor, stream_id), args.motion)
    votes.ballot_cast(by=actor, motion=motion, choices=args.choices)
    return {"motion": motion.pk, "voted": True}


def vote_close(actor: Actor, stream_id: str, args: VoteCloseIn) -> dict[str, Any]:
    motion = votes.motion_in(_room(actor, stream_id), args.motion)
    return selectors.motion_dict(votes.motion_close(by=actor, motion=motion))


def signal(actor: Actor, stream_id: str, args: SignalIn) -> dict[str, Any]:
    data = args.model_dump(mode="json", exclude={"to"}, exclude_none=True)
    signalling.signal_relay(by=actor, meeting=_room(actor, stream_id), to_member=args.to, data=data)
    return {"to": args.to}


def _c(model: type[BaseModel], handler: Any, *, writes: bool = False, once: bool = False) -> Command:
    return Command(model, handler, writes=writes, once=once)


ROOM_COMMANDS = {
    "state": _c(NoArgs, state),
    "room.admit": _c(AdmitIn, admit),
    "room.lock": _c(LockIn, lock),
    "room.start": _c(NoArgs, start),
    "room.remove": _c(MemberIn, remove),
    "room.end": _c(NoArgs, end),
    "room.mode": _c(ModeIn, mode),
    "hand.raise": _c(NoArgs, hand_raise),
    "hand.lower": _c(LowerIn, hand_lower),
    "hand.floor": _c(FloorIn, hand_floor),
    "mute": _c(MuteIn, mute),
    "audio_only": _c(AudioOnlyIn, audio_only),
    "room.cohosts": _c(CohostsIn, cohosts),
    "breakout.start": _c(BreakoutIn, breakout_start),
    "breakout.return": _c(NoArgs, breakout_return),
    "chat": _c(ChatIn, chat_send, writes=True, once=True),
    "vote.open": _c(VoteOpenIn, vote_open),
    "vote.cast": _c(VoteCastIn, vote_cast),
    "vote.close": _c(VoteCloseIn, vote_close),
    "signal": _c(SignalIn, signal),
}


def register_streams() -> None:
    register(
        StreamKind(
            name="meeting",
            authorise=room_authorise,
            commands={**ROOM_COMMANDS, **MEDIA_COMMANDS},
            presence=True,
            on_join=on_join,
            on_leave=on_leave,
        )
    )
    register(StreamKind(name="meeting.lobby", authorise=lobby_authorise, commands={"enter": _c(NoArgs, lobby_enter)}))
