"""The room as a (re)joining page draws it; later changes arrive as the stream's events."""

from __future__ import annotations

from meetings import breakouts, chat, events, hands, lobby, mode, relay, room
from meetings.models import (
    LiveRoom,
    Meeting,
    MotionStatus,
    RoomMode,
    Seat,
    VoteRecord,
)
from meetings.rules import is_host
from meetings.schemas import RoomMeetingOut, RoomMeOut, RoomParticipantOut, RoomRole, RoomStateOut, RoomVoteOut
from members.access import Actor
from members.models import Member


def room_state(*, actor: Actor, meeting: Meeting) -> RoomStateOut:
    """Everything a (re)joining page draws: participants with roles, hands, mutes, lobby,
    breakouts, the vote in progress. Later changes arrive as the stream's events."""
    present = room.present_ids(meeting)
    cohosts = set(meeting.cohosts.values_list("pk", flat=True))
    seats = {s.member_id: s for s in Seat.objects.filter(meeting=meeting)}
    names = room.names(present)
    statuses = dict(Member.objects.filter(pk__in=present).values_list("pk", "status"))

    def role(pk: int) -> RoomRole:
        return "host" if pk == meeting.host_id else "cohost" if pk in cohosts else "participant"

    live = LiveRoom.objects.filter(meeting=meeting).first()
    open_motions = meeting.motions.filter(status=MotionStatus.OPEN).order_by("pk")
    mine = VoteRecord.objects.filter(motion__in=open_motions, member_id=actor.member_id)
    voted = set(mine.values_list("motion_id", flat=True))
    return RoomStateOut(
        meeting=RoomMeetingOut.of(meeting),
        me=RoomMeOut(member=actor.member_id, role=role(actor.mid), is_host=is_host(actor, meeting)),
        mode=live.mode if live else RoomMode.MESH,
        mesh_video_senders=mode.MESH_VIDEO_SENDERS,
        participants=[
            RoomParticipantOut.of(
                pk, name=names.get(pk, ""), role=role(pk), status=statuses.get(pk), seat=seats.get(pk)
            )
            for pk in present
        ],
        hands=[events.Hand(**h) for h in hands.hand_queue(meeting)],
        floor=live.floor_id if live else None,
        lobby=[events.Waiter(**w) for w in lobby.waiting(meeting)] if is_host(actor, meeting) else [],
        breakouts=[events.Breakout(**b) for b in breakouts.breakout_dicts(meeting)],
        votes=[RoomVoteOut.of(m, voted=m.pk in voted, turnout=m.voters.count()) for m in open_motions],
        chat=chat.chat_lines(meeting, member_id=actor.member_id),
        recording=relay.recording_on(meeting),
    )
