"""Pages of the live room. (Scheduling pages are in meetings/schedule_views.py.)"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from meetings import room as live_room
from meetings import selectors
from meetings.models import Meeting, MeetingKind, MotionChoice
from meetings.rules import can_present, is_host
from members.access import Actor, actor_for

RoomExtra = Callable[[Actor, Meeting], dict[str, Any]]
# What other apps add to the room page (the lessons app: its panel, script and words), so that
# meetings imports none of them: lessons/apps.py registers its own.
ROOM_EXTRAS: list[RoomExtra] = []


def room_extra(extra: RoomExtra) -> RoomExtra:
    if extra not in ROOM_EXTRAS:
        ROOM_EXTRAS.append(extra)
    return extra


# The page script's words, translated here so that quotes in a translation cannot break them.
ROOM_TEXT = {
    "host": _("host"),
    "cohost": _("co-host"),
    "participant": _("participant"),
    "admit": _("Admit"),
    "deny": _("Deny"),
    "remove": _("Remove"),
    "muteMic": _("Mute microphone"),
    "unmuteMic": _("Unmute microphone"),
    "stopVideo": _("Stop camera"),
    "startVideo": _("Start camera"),
    "muteOther": pgettext_lazy("microphone", "Mute"),
    "stopOther": _("Stop video"),
    "raise": _("Raise hand"),
    "lower": _("Lower hand"),
    "giveFloor": _("Give the floor"),
    "floor": _("Has the floor:"),
    "audioOnly": _("Audio only"),
    "audioOnlyMark": _("audio only"),
    "makeCohost": _("Make co-host"),
    "dropCohost": _("No longer co-host"),
    "roomName": _("Room"),
    "video": _("Video"),
    "lock": _("Lock the room"),
    "unlock": _("Unlock the room"),
    "mutedByHost": _("A host muted your microphone."),
    "videoStoppedByHost": _("A host stopped your camera."),
    "removed": _("A host removed you from the meeting."),
    "denied": _("A host did not let you in."),
    "ended": _("The meeting has ended."),
    "left": _("You left the meeting. You can rejoin while it goes on."),
    "linkQuality": _("Connection: "),
    "link_good": pgettext_lazy("connection quality", "good"),
    "link_weak": pgettext_lazy("connection quality", "weak"),
    "link_bad": pgettext_lazy("connection quality", "poor"),
    "rejected": _("A moderator rejected your message."),
    "voteCast": _("Cast my vote"),
    "voted": _("You have voted."),
    "closeVote": _("Close the vote"),
    "secret": _("secret ballot"),
    "open": _("open ballot"),
    "turnout": _("Voted:"),
    "eligible": _("Eligible"),
    "quorum": _("Quorum met"),
    "outcome_adopted": _("Adopted"),
    "outcome_rejected": pgettext_lazy("motion outcome", "Rejected"),
    "outcome_no_quorum": _("No quorum"),
    "outcome_elected": _("Elected:"),
    "tied": _("Tied for the last seat:"),
    **{choice.value: choice.label for choice in MotionChoice},
    "breakout": _("Group discussion in"),
    "breakoutUntil": _("until"),
    "meshLimit": _("More than four cameras: to keep the call smooth, switch to audio only."),
    "noMedia": _("No camera or microphone: you can still follow, chat and vote."),
    "main": _("Main room"),
    "error": _("That did not work:"),
    "shareScreen": _("Share screen"),
    "stopSharing": _("Stop sharing"),
    "record": pgettext_lazy("video", "Record"),
    "stopRecording": _("Stop recording"),
    "waiting": _("Waiting for the lecturer's video…"),
    "playSound": _("Tap to hear the lesson"),
}


@login_required
def room(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """The room page; the lobby knock and everything live happen over the socket (room.js)."""
    actor = actor_for(request.user)
    meeting = selectors.meeting_get_for(actor=actor, meeting_id=meeting_id)
    context: dict[str, Any] = {"lesson": None}
    for extra in ROOM_EXTRAS:
        context.update(extra(actor, meeting))
    context |= {
        "meeting": meeting,
        "is_host": is_host(actor, meeting),
        "room_text": {key: str(text) for key, text in ROOM_TEXT.items()},
        "room_config": {
            "meeting": meeting.pk,
            "me": actor.member_id,
            "lesson": meeting.kind == MeetingKind.LESSON,
            "presenter": meeting.kind == MeetingKind.LESSON and can_present(actor, meeting),
            "room": live_room.room_stream(meeting.pk),
            "lobby": f"meeting.lobby:{meeting.pk}",
            "ice_url": reverse("api:ice_servers", kwargs={"meeting_id": meeting.pk}),
            # When the page suggests audio only (meetings/static/meetings/room/link.js, assessLink).
            "weak_link": {
                "rtt_ms": settings.MEETING_WEAK_LINK_RTT_MS,
                "loss": settings.MEETING_WEAK_LINK_LOSS,
                "min_kbps": settings.MEETING_WEAK_LINK_MIN_KBPS,
            },
        },
    }
    return render(request, "meetings/room.html", context)
