"""The lobby of a meeting's room: knocking, admitting, locking, removing.

Invitees enter an unlocked room directly; others wait for a host. The hosts see the waiting list
as the room's ``meetings.lobby.changed`` event; the member hears the host's decision on ``user:<id>``,
the only stream a lobby waiter can read.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from kernel.errors import Conflict, Forbidden, Invalid, NotFound
from meetings import events, hands, relay, room
from meetings.models import (
    Admission,
    AdmissionStatus,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Seat,
)
from meetings.rules import is_host, may_knock
from meetings.services import member_of, require_host
from members.access import Actor


def waiting(meeting: Meeting) -> list[dict[str, Any]]:
    rows = meeting.admissions.filter(status=AdmissionStatus.WAITING).order_by("updated", "pk")
    ids = [row.member_id for row in rows]
    names = room.names(ids)
    return [{"member": pk, "name": names.get(pk, "")} for pk in ids]


def lobby_event(meeting: Meeting) -> None:
    room.append(meeting, events.LobbyChanged(waiting=[events.Waiter(**w) for w in waiting(meeting)]))


def room_enter(*, by: Actor, meeting: Meeting) -> str:
    """Knock: ``admitted`` (invitees of an unlocked room, hosts) or ``waiting`` for a host."""
    with transaction.atomic():
        before = meeting.admissions.filter(member_id=by.mid).values_list("status", flat=True).first()
        status = _enter(by=by, meeting=meeting)
        if status == AdmissionStatus.WAITING and before != AdmissionStatus.WAITING:
            lobby_event(meeting)
    return status


def room_admit(*, by: Actor, meeting: Meeting, member_id: int, admit: bool = True) -> str:
    with transaction.atomic():
        status = _admit(by=by, meeting=meeting, member_id=member_id, admit=admit)
        what = "admitted" if status == AdmissionStatus.ADMITTED else "denied"
        decided = events.LobbyDecided.model_validate({"type": f"meetings.lobby.{what}", "meeting": meeting.pk})
        room.notify(member_id, decided)
        lobby_event(meeting)
    return status


def room_lock(*, by: Actor, meeting: Meeting, locked: bool) -> Meeting:
    with transaction.atomic():
        _lock(by=by, meeting=meeting, locked=locked)
        room.append(meeting, events.RoomLocked(locked=locked))
    return meeting


def room_remove(*, by: Actor, meeting: Meeting, member_id: int) -> None:
    """Send a participant out; their page leaves the room (and their socket's stay ends)."""
    with transaction.atomic():
        _remove(by=by, meeting=meeting, member_id=member_id)
        Seat.objects.filter(meeting=meeting, member_id=member_id).update(hand_raised_at=None)
        room.append(meeting, events.ParticipantRemoved(member=member_id))
        room.notify(member_id, events.RoomRemoved(meeting=meeting.pk))
        hands.hands_event(meeting)
        relay.relay_member_gone(meeting, member_id)


def _enter(*, by: Actor, meeting: Meeting) -> str:
    """Knock on the room's door: ``admitted`` or ``waiting`` (for a host to admit)."""
    member = member_of(by)
    if meeting.status in (MeetingStatus.ENDED, MeetingStatus.CANCELLED):
        raise Conflict(_("This meeting is over."))
    if is_host(by, meeting):
        _admission_set(meeting, member.pk, AdmissionStatus.ADMITTED)
        return AdmissionStatus.ADMITTED
    current = meeting.admissions.filter(member=member).values_list("status", flat=True).first()
    if current != AdmissionStatus.ADMITTED and not may_knock(by, meeting):
        if meeting.kind == MeetingKind.BRANCH_COMMITTEE:
            raise Forbidden(_("A branch committee meeting is for the members it invites."))
        raise Forbidden(_("This meeting belongs to another organisation."))
    if current == AdmissionStatus.ADMITTED:
        return AdmissionStatus.ADMITTED
    if current in (AdmissionStatus.REMOVED, AdmissionStatus.DENIED):
        raise Forbidden(_("A host has not let you into this meeting."))
    invited = meeting.invitations.filter(member=member).exists()
    status = AdmissionStatus.ADMITTED if invited and not meeting.locked else AdmissionStatus.WAITING
    _admission_set(meeting, member.pk, status)
    return status


def _admit(*, by: Actor, meeting: Meeting, member_id: int, admit: bool = True) -> str:
    require_host(by, meeting)
    if not meeting.admissions.filter(member_id=member_id).exists():
        raise NotFound(_("This member is not waiting in the lobby."))
    status = AdmissionStatus.ADMITTED if admit else AdmissionStatus.DENIED
    _admission_set(meeting, member_id, status)
    return status


def _remove(*, by: Actor, meeting: Meeting, member_id: int) -> None:
    require_host(by, meeting)
    if member_id == meeting.host_id:
        raise Invalid(_("The host cannot be removed."))
    _admission_set(meeting, member_id, AdmissionStatus.REMOVED)


def _lock(*, by: Actor, meeting: Meeting, locked: bool) -> Meeting:
    require_host(by, meeting)
    meeting.locked = locked
    meeting.save(update_fields=["locked"])
    return meeting


def _admission_set(meeting: Meeting, member_id: int, status: str) -> None:
    Admission.objects.update_or_create(meeting=meeting, member_id=member_id, defaults={"status": status})
