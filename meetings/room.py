"""The live room of a meeting (stream ``meeting:<id>``): who is in it, and how its events are
stored. Each concept of the room is a module of its own beside this one: ``lobby``,
``lifecycle`` (start, end, joining and leaving), ``mode`` (mesh or relay), ``hands`` (hands,
the floor, mutes, audio only), ``breakouts``, ``chat``, ``votes``, ``signalling`` and
``room_state`` (what a joining page draws); each imports this one and none imports ``room_state``.

Every write takes ``by: Actor``, checks permission (``meetings.rules.is_host`` for host powers,
admission for participants), changes the database in a transaction and stores the room's event
on ``meeting:<id>`` with :func:`realtime.services.event_append`, which publishes it after commit.
Room events are durable on purpose, hand queue and mute requests included: a phone that drops
and resumes with ``since`` must see the same queue and obey the same mute as everyone else.
Notices for one person (admitted, denied, removed) go to that member's ``user:<id>`` stream,
the only stream a lobby waiter can read. WebRTC signals are the exception: they are ephemeral,
relayed to one member with :func:`realtime.services.ephemeral_send`.

Breakout rooms stay inside the meeting's one stream: each participant's ``Seat`` names their
breakout; chat events carry ``breakout`` (an id, or null for the main room) and clients show the
lines of their own room. Signals are relayed only between members of the same room or breakout,
so video splits with the rooms while attendance (one stream, one stay) simply continues.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext as _

from kernel.errors import Conflict, Forbidden
from meetings import selectors
from meetings.models import AdmissionStatus, LiveRoom, Meeting, MeetingStatus, Seat, Stay
from members.access import Actor
from members.models import Member
from realtime.events import Event
from realtime.services import event_append
from realtime.streams import user_stream


def room_stream(meeting_id: int) -> str:
    return f"meeting:{meeting_id}"


def append(meeting: Meeting, payload: Event, *, author: int | None = None) -> int:
    return event_append(stream=room_stream(meeting.pk), payload=payload, author=author).seq


def notify(member_id: int, payload: Event) -> None:
    event_append(stream=user_stream(member_id), payload=payload)


def names(ids: Sequence[int]) -> dict[int, str]:
    return dict(Member.objects.filter(pk__in=list(ids)).values_list("pk", "real_name"))


def require_open(meeting: Meeting) -> None:
    if meeting.status in (MeetingStatus.ENDED, MeetingStatus.CANCELLED):
        raise Conflict(_("This meeting is over."))


def is_participant(meeting: Meeting, member_id: int | None) -> bool:
    """Hosts, and members a host (or their invitation) let in."""
    if member_id is None:
        return False
    if member_id == meeting.host_id or meeting.cohosts.filter(pk=member_id).exists():
        return True
    return meeting.admissions.filter(member_id=member_id, status=AdmissionStatus.ADMITTED).exists()


def room_get_for(*, actor: Actor, meeting_id: int) -> Meeting:
    """The meeting if ``actor`` is one of its participants; lobby waiters are refused."""
    meeting = selectors.meeting_get_for(actor=actor, meeting_id=meeting_id)
    require_open(meeting)
    if not is_participant(meeting, actor.member_id):
        raise Forbidden(_("Wait in the lobby until a host lets you in."))
    return meeting


def seat(meeting: Meeting, member_id: int) -> Seat:
    seat, _created = Seat.objects.get_or_create(meeting=meeting, member_id=member_id)
    return seat


def live_room(meeting: Meeting) -> LiveRoom:
    room, _created = LiveRoom.objects.get_or_create(meeting=meeting)
    return room


def present_ids(meeting: Meeting) -> list[int]:
    return sorted(set(Stay.objects.filter(meeting=meeting, left_at__isnull=True).values_list("member_id", flat=True)))
