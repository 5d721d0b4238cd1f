"""Writes for meetings: scheduling, invitations, co-hosts, leave, attendance, minutes.

The live room's writers are in the room's modules (lobby, lifecycle, votes …; meetings/room.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from kernel.errors import Conflict, Forbidden, Invalid
from meetings import events, room
from meetings.models import (
    Invitation,
    LeaveRequest,
    LeaveStatus,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Minutes,
    Stay,
)
from meetings.rules import default_invitees, is_host, minute_taker
from members.access import Action, Actor, actor_from_member, can_see, require, require_member
from members.models import Member, Organisation, Visibility
from moderation.pipeline import guard_texts
from realtime.services import event_append
from realtime.streams import user_stream


def member_of(actor: Actor) -> Member:
    require_member(actor)
    return Member.objects.select_related("organisation").get(pk=actor.mid)


def notify_invitees(meeting: Meeting, what: str, member_ids: Iterable[int] | None = None) -> None:
    """Tell invitees on their ``user:me`` stream (stored now, published after commit)."""
    ids = list(member_ids) if member_ids is not None else list(meeting.invitations.values_list("member_id", flat=True))
    about = events.MeetingRef(
        id=meeting.pk,
        title=meeting.title,
        kind=meeting.kind,
        status=meeting.status,
        starts_at=meeting.starts_at.isoformat(),
        ends_at=meeting.ends_at.isoformat(),
    )
    payload = events.MeetingNotice.model_validate({"type": f"meetings.meeting.{what}", "meeting": about})
    for member_id in ids:
        event_append(stream=user_stream(member_id), payload=payload)


def require_host(actor: Actor, meeting: Meeting) -> None:
    if not is_host(actor, meeting):
        raise Forbidden(_("Only the meeting's hosts may do this."))


def host_ids(meeting: Meeting) -> list[int]:
    return [meeting.host_id, *meeting.cohosts.values_list("pk", flat=True)]


def _require_not_over(meeting: Meeting) -> None:
    if meeting.status in (MeetingStatus.ENDED, MeetingStatus.CANCELLED):
        raise Conflict(_("This meeting is over; its records no longer change."))


def _valid_cohosts(organisation: Organisation, cohosts: Iterable[Member]) -> list[Member]:
    """Co-hosts run the room with the host, so they must belong to the meeting's organisation
    (its subtree, or a leader holding a role at it or above)."""
    people = list({m.pk: m for m in cohosts}.values())
    for member in people:
        if not can_see(actor_from_member(member), visibility=Visibility.SUBTREE, organisation=organisation):
            raise Invalid(_("%(name)s is not a member of this organisation.") % {"name": member.real_name})
    return people


# --- Scheduling -------------------------------------------------------------------------------


def meeting_schedule(
    *,
    by: Actor,
    organisation: Organisation,
    kind: str,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    agenda: Sequence[str] = (),
    cohosts: Iterable[Member] = (),
    invitees: Iterable[Member] | None = None,
    quorum_ratio: Decimal | float = Decimal("0.5"),
) -> Meeting:
    action = Action.TEACH if kind == MeetingKind.LESSON else Action.HOST_MEETING
    require(by, action, organisation)
    if kind not in MeetingKind.values:
        raise Invalid(_("Unknown meeting type."))
    if ends_at <= starts_at:
        raise Invalid(_("The meeting must end after it starts."))
    if not Decimal("0") < Decimal(str(quorum_ratio)) < Decimal("1"):
        raise Invalid(_("The quorum must be a share between 0 and 1."))
    guard_texts(texts=[title, *agenda], author=by, organisation=organisation)
    host = member_of(by)
    cohost_list = [m for m in _valid_cohosts(organisation, cohosts) if m.pk != host.pk]
    with transaction.atomic():
        meeting = Meeting.objects.create(
            organisation=organisation,
            kind=kind,
            title=title.strip(),
            host=host,
            starts_at=starts_at,
            ends_at=ends_at,
            agenda=[item.strip() for item in agenda if item.strip()],
            quorum_ratio=Decimal(str(quorum_ratio)),
        )
        meeting.cohosts.set(cohost_list)
        people = list(invitees) if invitees is not None else list(default_invitees(meeting))
        Invitation.objects.bulk_create(
            [Invitation(meeting=meeting, member=m) for m in {p.pk: p for p in [*people, *cohost_list, host]}.values()]
        )
        notify_invitees(meeting, "invited")
    return meeting


def meeting_update(
    *,
    by: Actor,
    meeting: Meeting,
    title: str | None = None,
    starts_at: dt.datetime | None = None,
    ends_at: dt.datetime | None = None,
    agenda: Sequence[str] | None = None,
) -> Meeting:
    require_host(by, meeting)
    if meeting.status != MeetingStatus.SCHEDULED:
        raise Conflict(_("Only a meeting that has not started can be changed."))
    guard_texts(texts=[title or "", *(agenda or ())], author=by, organisation=meeting.organisation)
    if title is not None:
        meeting.title = title.strip()
    if starts_at is not None:
        meeting.starts_at = starts_at
    if ends_at is not None:
        meeting.ends_at = ends_at
    if agenda is not None:
        meeting.agenda = [item.strip() for item in agenda if item.strip()]
    if meeting.ends_at <= meeting.starts_at:
        raise Invalid(_("The meeting must end after it starts."))
    with transaction.atomic():
        meeting.save()
        notify_invitees(meeting, "changed")
    return meeting


def meeting_cancel(*, by: Actor, meeting: Meeting) -> Meeting:
    require_host(by, meeting)
    if meeting.status != MeetingStatus.SCHEDULED:
        raise Conflict(_("Only a meeting that has not started can be cancelled."))
    with transaction.atomic():
        meeting.status = MeetingStatus.CANCELLED
        meeting.save(update_fields=["status"])
        notify_invitees(meeting, "cancelled")
    return meeting


def meeting_invitees_set(*, by: Actor, meeting: Meeting, members: Iterable[Member]) -> None:
    """Replace the invitation list (the hosts stay invited); newly invited members are told."""
    require_host(by, meeting)
    _require_not_over(meeting)
    wanted = {m.pk for m in members} | set(host_ids(meeting))
    with transaction.atomic():
        meeting.invitations.exclude(member_id__in=wanted).delete()
        have = set(meeting.invitations.values_list("member_id", flat=True))
        Invitation.objects.bulk_create([Invitation(meeting=meeting, member_id=pk) for pk in wanted - have])
        notify_invitees(meeting, "invited", wanted - have)


def meeting_cohosts_set(*, by: Actor, meeting: Meeting, members: Iterable[Member]) -> list[int]:
    """Choose the co-hosts (before or during the meeting). They are invited, and told so."""
    require_host(by, meeting)
    _require_not_over(meeting)
    chosen = [m for m in _valid_cohosts(meeting.organisation, members) if m.pk != meeting.host_id]
    with transaction.atomic():
        meeting.cohosts.set(chosen)
        have = set(meeting.invitations.values_list("member_id", flat=True))
        new = [m.pk for m in chosen if m.pk not in have]
        Invitation.objects.bulk_create([Invitation(meeting=meeting, member_id=pk) for pk in new])
        notify_invitees(meeting, "invited", new)
        # A page in the room redraws everyone's role (also before the meeting: nobody is there).
        room.append(meeting, events.RolesChanged(cohosts=sorted(m.pk for m in chosen)))
    return sorted(m.pk for m in chosen)


# --- Leave -------------------------------------------------------------------------------------


def _leave_payload(what: str, request: LeaveRequest, member: Member) -> events.LeaveNotice:
    return events.LeaveNotice.model_validate(
        {
            "type": f"meetings.leave.{what}",
            "meeting": events.MeetingTitle(id=request.meeting.pk, title=request.meeting.title),
            "request": request.pk,
            "member": events.MemberName(id=member.pk, name=member.real_name),
            "reason": request.reason,
            "status": request.status,
        }
    )


def leave_request_create(*, by: Actor, meeting: Meeting, reason: str) -> LeaveRequest:
    """请假: an invitee asks the hosts, who hear of it at once on their ``user:`` streams."""
    member = member_of(by)
    if not meeting.invitations.filter(member=member).exists():
        raise Forbidden(_("Only invitees can ask for leave."))
    _require_not_over(meeting)
    if not reason.strip():
        raise Invalid(_("Please give a reason."))
    guard_texts(texts=[reason], author=by, organisation=meeting.organisation)
    with transaction.atomic():
        request, _created = LeaveRequest.objects.update_or_create(
            meeting=meeting,
            member=member,
            defaults={"reason": reason.strip(), "status": LeaveStatus.PENDING, "decided_by": None},
        )
        for host_id in host_ids(meeting):
            if host_id != member.pk:
                event_append(stream=user_stream(host_id), payload=_leave_payload("requested", request, member))
    return request


def leave_request_decide(*, by: Actor, request: LeaveRequest, approve: bool) -> LeaveRequest:
    """The host approves (the absence is then excused) or declines; the member is told."""
    require_host(by, request.meeting)
    with transaction.atomic():
        request.status = LeaveStatus.APPROVED if approve else LeaveStatus.DECLINED
        request.decided_by_id = by.member_id
        request.save(update_fields=["status", "decided_by"])
        event_append(stream=user_stream(request.member_id), payload=_leave_payload("decided", request, request.member))
    return request


# --- Attendance ----------------------------------------------------------------------------------


def reconnect_grace() -> dt.timedelta:
    return dt.timedelta(seconds=getattr(settings, "MEETING_RECONNECT_GRACE", 90))


def attendance_join(*, meeting: Meeting, member_id: int, at: dt.datetime | None = None) -> Stay:
    """A connection opened: continue the last stay if it ended within the grace period."""
    at = at or timezone.now()
    with transaction.atomic():
        stay = (
            Stay.objects.select_for_update().filter(meeting=meeting, member_id=member_id).order_by("-joined_at").first()
        )
        if stay is not None and (stay.left_at is None or at - stay.left_at <= reconnect_grace()):
            stay.left_at = None
            stay.connections = F("connections") + 1
            stay.save(update_fields=["left_at", "connections"])
            stay.refresh_from_db()
            return stay
        return Stay.objects.create(meeting=meeting, member_id=member_id, joined_at=at, connections=1)


def attendance_leave(*, meeting: Meeting, member_id: int, at: dt.datetime | None = None) -> Stay | None:
    """A connection closed; the stay ends when the member's last connection does."""
    at = at or timezone.now()
    with transaction.atomic():
        stay = (
            Stay.objects.select_for_update()
            .filter(meeting=meeting, member_id=member_id, left_at__isnull=True)
            .order_by("-joined_at")
            .first()
        )
        if stay is None:
            return None
        stay.connections = max(0, stay.connections - 1)
        if stay.connections == 0:
            stay.left_at = at
        stay.save(update_fields=["connections", "left_at"])
        return stay


# --- Minutes -----------------------------------------------------------------------------------


def minutes_save(*, by: Actor, meeting: Meeting, text: str) -> Minutes:
    """The secretary (or a host) writes the minutes, during or after the meeting."""
    _require_minute_taker(by, meeting)
    guard_texts(texts=[text], author=by, organisation=meeting.organisation)
    with transaction.atomic():
        minutes, _created = Minutes.objects.select_for_update().get_or_create(meeting=meeting)
        if minutes.finalised_at is not None:
            raise Conflict(_("The minutes are final and can no longer be changed."))
        minutes.text = text
        minutes.author_id = by.mid
        minutes.save()
    return minutes


def minutes_finalise(*, by: Actor, meeting: Meeting) -> Minutes:
    """Lock the minutes, with agenda, attendance and vote results, and archive the document."""
    from meetings.selectors import minutes_document
    from moderation.archive import archive_append

    _require_minute_taker(by, meeting)
    if meeting.status != MeetingStatus.ENDED:
        raise Conflict(_("Minutes are finalised after the meeting has ended."))
    with transaction.atomic():
        minutes, _created = Minutes.objects.select_for_update().get_or_create(meeting=meeting)
        if minutes.finalised_at is not None:
            raise Conflict(_("The minutes are already final."))
        minutes.finalised_at = timezone.now()
        minutes.finalised_by_id = by.mid
        minutes.document = minutes_document(meeting=meeting, text=minutes.text).data()
        record = archive_append(
            kind="meetings.minutes",
            payload=minutes.document,
            content_ref=f"meetings.meeting:{meeting.pk}",
            actor_id=by.mid,
        )
        minutes.archive_seq = record.seq
        minutes.save()
    return minutes


def _require_minute_taker(by: Actor, meeting: Meeting) -> None:
    if not minute_taker(by, meeting):
        raise Forbidden(_("Only the secretary or the meeting's hosts write the minutes."))
