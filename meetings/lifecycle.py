"""A meeting's life in its room: starting, ending, and each socket joining and leaving (attendance)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kernel.errors import Conflict, Forbidden
from meetings import events, mode, relay, room, selectors, services, votes
from meetings.models import (
    Breakout,
    Meeting,
    MeetingStatus,
    Motion,
    MotionStatus,
)
from meetings.rules import may_run
from meetings.services import notify_invitees
from members.access import Actor


def meeting_start(*, by: Actor, meeting: Meeting) -> Meeting:
    """Start: invitees are told on ``user:<id>``, pages in the room by ``meetings.room.started``."""
    with transaction.atomic():
        _start(by=by, meeting=meeting)
        started_at = meeting.started_at.isoformat() if meeting.started_at else None
        room.append(meeting, events.RoomStarted(started_at=started_at))
    return meeting


def meeting_end(*, by: Actor, meeting: Meeting) -> Meeting:
    """End for all: stays, open votes and breakouts close; the votes' results go out with it."""
    with transaction.atomic():
        relay.relay_end(meeting)
        open_ids = list(meeting.motions.filter(status=MotionStatus.OPEN).values_list("pk", flat=True))
        _end(by=by, meeting=meeting)
        Breakout.objects.filter(meeting=meeting, closed_at__isnull=True).update(closed_at=meeting.ended_at)
        closed = [selectors.motion_dict(m) for m in Motion.objects.filter(pk__in=open_ids).order_by("pk")]
        room.append(meeting, events.MeetingEnded(closed_votes=[events.Motion(**m) for m in closed]))
    return meeting


def room_joined(*, actor: Actor, meeting: Meeting) -> None:
    """One socket subscribed to the room: attendance continues (or starts) a stay."""
    with transaction.atomic():
        room.seat(meeting, actor.mid)
        services.attendance_join(meeting=meeting, member_id=actor.mid)
    mode.mesh_limit_check(meeting)


def room_left(*, actor: Actor, meeting: Meeting) -> None:
    """One socket left; the stay ends with the member's last socket (the grace period joins
    a reconnect to it), and so do the member's relay connections."""
    with transaction.atomic():
        stay = services.attendance_leave(meeting=meeting, member_id=actor.mid)
        if stay is not None and stay.left_at is not None:
            relay.relay_member_gone(meeting, actor.mid)


def _require_runner(by: Actor, meeting: Meeting) -> None:
    if not may_run(by, meeting):
        raise Forbidden(_("Only the meeting's hosts (and a lesson's lecturer) may start and end it."))


def _start(*, by: Actor, meeting: Meeting) -> Meeting:
    _require_runner(by, meeting)
    if meeting.status != MeetingStatus.SCHEDULED:
        raise Conflict(_("The meeting has already started or ended."))
    with transaction.atomic():
        meeting.status = MeetingStatus.LIVE
        meeting.started_at = timezone.now()
        meeting.save(update_fields=["status", "started_at"])
        notify_invitees(meeting, "started")
    return meeting


def _end(*, by: Actor, meeting: Meeting) -> Meeting:
    _require_runner(by, meeting)
    if meeting.status != MeetingStatus.LIVE:
        raise Conflict(_("The meeting is not in progress."))
    now = timezone.now()
    with transaction.atomic():
        meeting.status = MeetingStatus.ENDED
        meeting.ended_at = now
        meeting.save(update_fields=["status", "ended_at"])
        meeting.stays.filter(left_at__isnull=True).update(left_at=now, connections=0)
        for motion in meeting.motions.filter(status=MotionStatus.OPEN):
            votes.close_motion(motion, now)
    return meeting
