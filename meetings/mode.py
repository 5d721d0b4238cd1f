"""How video travels in a room: browser to browser (mesh) or through the media relay."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from kernel.errors import Conflict, Invalid
from meetings import events, relay, room
from meetings.models import (
    LiveRoom,
    Meeting,
    MeetingKind,
    RoomMode,
    Seat,
)
from meetings.services import require_host
from members.access import Actor

MESH_VIDEO_SENDERS = 4


def room_mode_set(*, by: Actor, meeting: Meeting, mode: str) -> None:
    """Choose how video travels: browser to browser (mesh) or through the media relay. Pages
    switch over when the ``meetings.mode.changed`` event arrives; nobody leaves the room."""
    require_host(by, meeting)
    if mode not in RoomMode.values:
        raise Invalid(_("Unknown room mode."))
    if meeting.kind == MeetingKind.LESSON and mode == RoomMode.MESH:
        raise Conflict(_("A lesson is always streamed through the media relay."))
    _mode_switch(meeting, mode)


def _mode_switch(meeting: Meeting, mode: str) -> None:
    with transaction.atomic():
        live = LiveRoom.objects.select_for_update().filter(meeting=meeting).first() or room.live_room(meeting)
        if live.mode == mode:
            return
        if mode == RoomMode.MESH:
            relay.relay_end(meeting)  # while the room still says relay
        live.mode = mode
        live.save(update_fields=["mode"])
        room.append(meeting, events.ModeChanged(mode=mode))


def _video_senders(meeting: Meeting) -> int:
    """Participants present with their camera on: not muted, not on audio only."""
    dark = Seat.objects.filter(Q(video_muted=True) | Q(audio_only=True), meeting=meeting)
    return len(set(room.present_ids(meeting)) - set(dark.values_list("member_id", flat=True)))


def mesh_limit_check(meeting: Meeting) -> None:
    """More cameras than a mesh carries: the room moves to the relay by itself (and stays there;
    a host may move it back)."""
    if meeting.kind == MeetingKind.LESSON:
        return
    mode = LiveRoom.objects.filter(meeting=meeting).values_list("mode", flat=True).first()
    if mode != RoomMode.RELAY and _video_senders(meeting) > MESH_VIDEO_SENDERS:
        _mode_switch(meeting, RoomMode.RELAY)
