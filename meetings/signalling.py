"""WebRTC signals between the browsers of one room (or breakout): ephemeral, relayed to one member."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from kernel.errors import Forbidden, Invalid
from meetings import breakouts, room
from meetings.models import (
    Meeting,
)
from members.access import Actor
from realtime.protocol import Signal
from realtime.services import ephemeral_send


def signal_relay(*, by: Actor, meeting: Meeting, to_member: int, data: dict[str, Any]) -> None:
    """Relay an offer, answer, ICE candidates or restart to one peer of the same room.

    Both must be participants of this meeting and, while the room is split, in the same
    breakout: a member of another meeting (or another breakout) is refused with ``forbidden``.
    """
    if to_member == by.member_id:
        raise Invalid(_("A signal goes to another participant."))
    if not (room.is_participant(meeting, by.member_id) and room.is_participant(meeting, to_member)):
        raise Forbidden(_("Signals go only between participants of the same room."))
    if breakouts.breakout_of(meeting, by.mid) != breakouts.breakout_of(meeting, to_member):
        raise Forbidden(_("Signals go only between participants of the same room."))
    ephemeral_send(frame=Signal(stream=room.room_stream(meeting.pk), sender=by.mid, data=data), to_member=to_member)
