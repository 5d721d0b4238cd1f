"""Hands, the floor, mutes and audio only: each member's seat in the room."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kernel.errors import Forbidden, Invalid, NotFound
from meetings import events, mode, relay, room
from meetings.models import (
    LiveRoom,
    Meeting,
    Seat,
)
from meetings.services import require_host
from members.access import Actor, require_member


def hand_queue(meeting: Meeting) -> list[dict[str, Any]]:
    seats = list(Seat.objects.filter(meeting=meeting, hand_raised_at__isnull=False).order_by("hand_raised_at", "pk"))
    names = room.names([s.member_id for s in seats])
    return [
        {"member": s.member_id, "name": names.get(s.member_id, ""), "raised_at": s.hand_raised_at.isoformat()}
        for s in seats
        if s.hand_raised_at is not None
    ]


def hands_event(meeting: Meeting) -> None:
    floor = LiveRoom.objects.filter(meeting=meeting).values_list("floor_id", flat=True).first()
    room.append(meeting, events.HandsChanged(queue=[events.Hand(**h) for h in hand_queue(meeting)], floor=floor))


def hand_raise(*, by: Actor, meeting: Meeting) -> None:
    """Join the end of the queue; raising an already raised hand keeps its place."""
    with transaction.atomic():
        seat = Seat.objects.select_for_update().filter(meeting=meeting, member_id=by.mid).first() or room.seat(
            meeting, by.mid
        )
        if seat.hand_raised_at is not None:
            return
        seat.hand_raised_at = timezone.now()
        seat.save(update_fields=["hand_raised_at"])
        hands_event(meeting)


def hand_lower(*, by: Actor, meeting: Meeting, member_id: int) -> None:
    """A member lowers their own hand; hosts lower anyone's."""
    if member_id != by.member_id:
        require_host(by, meeting)
    with transaction.atomic():
        if Seat.objects.filter(meeting=meeting, member_id=member_id, hand_raised_at__isnull=False).update(
            hand_raised_at=None
        ):
            hands_event(meeting)


def floor_give(*, by: Actor, meeting: Meeting, member_id: int | None) -> None:
    """A host gives the floor to a participant (their hand comes down), or takes it back (None)."""
    require_host(by, meeting)
    if member_id is not None and not room.is_participant(meeting, member_id):
        raise NotFound(_("This member is not in the room."))
    with transaction.atomic():
        live = room.live_room(meeting)
        live.floor_id = member_id
        live.save(update_fields=["floor"])
        if member_id is not None:
            Seat.objects.filter(meeting=meeting, member_id=member_id).update(hand_raised_at=None)
        hands_event(meeting)


def mute_set(
    *, by: Actor, meeting: Meeting, member_id: int, mic: bool | None = None, video: bool | None = None
) -> None:
    """Record who is muted and ask that member's page to obey.

    Hosts may mute anyone; nobody may unmute someone else (a host asks; the member unmutes).
    A member sets their own state freely, so the server's state stays the truth for everyone.
    """
    own = member_id == by.member_id
    if not own:
        require_host(by, meeting)
        if mic is False or video is False:
            raise Forbidden(_("Only members themselves can switch their microphone or camera back on."))
    if mic is None and video is None:
        raise Invalid(_("Say what to mute."))
    if not room.is_participant(meeting, member_id):
        raise NotFound(_("This member is not in the room."))
    with transaction.atomic():
        seat = room.seat(meeting, member_id)
        if mic is not None:
            seat.mic_muted = mic
        if video is not None:
            seat.video_muted = video
        seat.save(update_fields=["mic_muted", "video_muted"])
        room.append(
            meeting,
            events.MuteChanged(
                member=member_id, mic_muted=seat.mic_muted, video_muted=seat.video_muted, by=by.member_id
            ),
        )
        relay.relay_mute(meeting, seat)
    if video is False:
        mode.mesh_limit_check(meeting)


def audio_only_set(*, by: Actor, meeting: Meeting, on: bool) -> None:
    """A member switches to audio only (a weak link) or back. Their page stops sending and
    receiving video; the event tells everyone else why that member's picture went away. The
    seat keeps the choice, so a page that reconnects is told it in the room's state."""
    require_member(by)
    if not room.is_participant(meeting, by.member_id):
        raise Forbidden()
    with transaction.atomic():
        Seat.objects.filter(pk=room.seat(meeting, by.mid).pk).update(audio_only=on)
        room.append(meeting, events.AudioOnlyChanged(member=by.mid, audio_only=on))
    if not on:
        mode.mesh_limit_check(meeting)


def audio_only_ids(meeting: Meeting) -> set[int]:
    """Who is on audio only now (their seats say so)."""
    return set(Seat.objects.filter(meeting=meeting, audio_only=True).values_list("member_id", flat=True))
