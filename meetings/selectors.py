"""Reads for meetings, each filtered by the access policy."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from kernel.errors import Forbidden, NotFound
from meetings.models import LeaveRequest, LeaveStatus, Meeting, MeetingKind, MeetingStatus, Minutes, Motion
from meetings.rules import is_host, minute_taker
from meetings.schemas import (
    AttendanceRow,
    DocumentAttachment,
    DocumentAttendance,
    DocumentMeeting,
    KindHeld,
    MeetingStatsOut,
    MemberAttendance,
    MinutesDocument,
    MinutesOut,
    MotionOut,
    QuarterMeeting,
)
from meetings.sections import sections_for
from members.access import Action, Actor, can_see, require, require_member, require_see
from members.models import Member, Organisation, Visibility


def meeting_get_for(*, actor: Actor, meeting_id: int) -> Meeting:
    """The meeting if the actor may see it: invitees, hosts, and the organisation's subtree."""
    require_member(actor)
    meeting = Meeting.objects.select_related("organisation", "host").filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound()
    invited = meeting.invitations.filter(member_id=actor.mid).exists()
    if not (invited or is_host(actor, meeting)):
        require_see(actor, visibility=Visibility.SUBTREE, organisation=meeting.organisation)
    return meeting


def meetings_upcoming_for(*, actor: Actor, limit: int = 20) -> QuerySet[Meeting]:
    require_member(actor)
    return (
        Meeting.objects.filter(
            invitations__member_id=actor.mid,
            status__in=[MeetingStatus.SCHEDULED, MeetingStatus.LIVE],
            ends_at__gte=timezone.now(),
        )
        .select_related("organisation")
        .order_by("starts_at")[:limit]
    )


def meetings_in_range_for(*, actor: Actor, start: dt.date, end: dt.date) -> QuerySet[Meeting]:
    """Meetings the actor is invited to or hosts, starting in [start, end)."""
    require_member(actor)
    tz = timezone.get_current_timezone()
    return (
        Meeting.objects.filter(
            Q(invitations__member_id=actor.mid) | Q(host_id=actor.mid),
            starts_at__gte=dt.datetime.combine(start, dt.time.min, tzinfo=tz),
            starts_at__lt=dt.datetime.combine(end, dt.time.min, tzinfo=tz),
        )
        .distinct()
        .select_related("organisation")
        .order_by("starts_at")
    )


def on_time_allowance() -> dt.timedelta:
    return dt.timedelta(minutes=getattr(settings, "MEETING_ON_TIME_MINUTES", 5))


def attendance_report(*, actor: Actor, meeting: Meeting) -> list[AttendanceRow]:
    """Every invitee and every attendee: present / excused / absent, minutes, on-time sign-in."""
    if not (
        is_host(actor, meeting) or can_see(actor, visibility=Visibility.SUBTREE, organisation=meeting.organisation)
    ):
        raise Forbidden()
    return attendance_rows(meeting)


def attendance_rows(meeting: Meeting) -> list[AttendanceRow]:
    end = meeting.ended_at or timezone.now()
    stays: dict[int, list[tuple[dt.datetime, dt.datetime]]] = {}
    for stay in meeting.stays.all():
        stays.setdefault(stay.member_id, []).append((stay.joined_at, stay.left_at or end))
    excused = set(meeting.leave_requests.filter(status=LeaveStatus.APPROVED).values_list("member_id", flat=True))
    invited = set(meeting.invitations.values_list("member_id", flat=True))
    people = Member.objects.filter(pk__in=invited | set(stays)).order_by("real_name")
    rows = []
    for member in people:
        spans = stays.get(member.pk, [])
        seconds = sum((b - a).total_seconds() for a, b in spans)
        first = min((a for a, _ in spans), default=None)
        status = "present" if spans else ("excused" if member.pk in excused else "absent")
        rows.append(
            AttendanceRow(
                member_id=member.pk,
                real_name=member.real_name,
                invited=member.pk in invited,
                status=status,
                minutes=round(seconds / 60, 1),
                first_joined=first.isoformat() if first else None,
                on_time=bool(first and first <= meeting.starts_at + on_time_allowance()),
                stays=len(spans),
            )
        )
    return rows


def motion_dict(motion: Motion) -> dict[str, Any]:
    """A motion as events and the room's state carry it."""
    return MotionOut.of(motion).data()


def minutes_document(*, meeting: Meeting, text: str) -> MinutesDocument:
    """The minutes as kept: the secretary's text with agenda, attendance, votes and the names of
    the meeting's attachments filled in."""
    rows = attendance_rows(meeting)
    return MinutesDocument(
        meeting=DocumentMeeting(
            id=meeting.pk,
            title=meeting.title,
            kind=meeting.kind,
            organisation=meeting.organisation.name,
            host=meeting.host.real_name,
            starts_at=meeting.starts_at.isoformat(),
            started_at=meeting.started_at.isoformat() if meeting.started_at else None,
            ended_at=meeting.ended_at.isoformat() if meeting.ended_at else None,
        ),
        agenda=list(meeting.agenda),
        attendance=DocumentAttendance(
            **{status: [r.real_name for r in rows if r.status == status] for status in ("present", "excused", "absent")}
        ),
        votes=[MotionOut.of(m) for m in meeting.motions.order_by("opened_at", "pk")],
        attachments=[
            DocumentAttachment(id=a.pk, filename=a.filename, content_type=a.content_type, size=a.size)
            for a in meeting.attachments.order_by("pk")
        ],
        sections=sections_for(meeting),  # type: ignore[arg-type]  # plain JSON from other apps, validated here
        text=text,
    )


# --- The secretary's quarterly view ------------------------------------------------------------

# Expected rhythm per quarter: one branch general meeting and one lesson each quarter, a
# committee meeting each month, and each party group meeting each month.
EXPECTED_PER_QUARTER = {
    MeetingKind.BRANCH_GENERAL: 1,
    MeetingKind.BRANCH_COMMITTEE: 3,
    MeetingKind.GROUP: 3,
    MeetingKind.LESSON: 1,
}


def quarter_bounds(year: int, quarter: int) -> tuple[dt.datetime, dt.datetime]:
    if not 1 <= quarter <= 4:
        raise NotFound()
    tz = timezone.get_current_timezone()
    start = dt.datetime(year, 3 * quarter - 2, 1, tzinfo=tz)
    end = dt.datetime(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1, tzinfo=tz)
    return start, end


def meeting_stats_for(*, actor: Actor, organisation: Organisation, year: int, quarter: int) -> MeetingStatsOut:
    """Meetings held in a quarter by type against the expected rhythm, and attendance rates."""
    require(actor, Action.HOST_MEETING, organisation)
    start, end = quarter_bounds(year, quarter)
    held = list(
        Meeting.objects.filter(
            organisation__in=Organisation.objects.filter(path__startswith=organisation.path),
            status=MeetingStatus.ENDED,
            starts_at__gte=start,
            starts_at__lt=end,
        )
        .select_related("organisation", "host")
        .order_by("starts_at")
    )
    groups = Organisation.objects.filter(parent=organisation, kind="group").count()
    by_kind = []
    for kind, per_quarter in EXPECTED_PER_QUARTER.items():
        expected = per_quarter * (groups if kind == MeetingKind.GROUP else 1)
        count = sum(1 for m in held if m.kind == kind)
        by_kind.append(KindHeld(kind=kind, label=str(MeetingKind(kind).label), held=count, expected=expected))
    meetings = []
    per_member: dict[int, dict[str, Any]] = {}
    for meeting in held:
        rows = attendance_rows(meeting)
        invited = [r for r in rows if r.invited]
        present = sum(1 for r in invited if r.status == "present")
        due = sum(1 for r in invited if r.status != "excused")
        meetings.append(
            QuarterMeeting(
                id=meeting.pk,
                title=meeting.title,
                kind=meeting.kind,
                label=str(MeetingKind(meeting.kind).label),
                starts_at=meeting.starts_at.isoformat(),
                invited=len(invited),
                present=present,
                excused=sum(1 for r in invited if r.status == "excused"),
                rate=round(present / due, 3) if due else None,
            )
        )
        for r in invited:
            entry = per_member.setdefault(
                r.member_id,
                {"member_id": r.member_id, "real_name": r.real_name, "invited": 0, "present": 0,
                 "excused": 0, "minutes": 0.0},
            )  # fmt: skip
            entry["invited"] += 1
            entry["present"] += r.status == "present"
            entry["excused"] += r.status == "excused"
            entry["minutes"] += r.minutes
    members = []
    for entry in sorted(per_member.values(), key=lambda e: e["real_name"]):
        due = entry["invited"] - entry["excused"]
        rate = round(entry["present"] / due, 3) if due else None
        members.append(MemberAttendance(**{**entry, "minutes": round(entry["minutes"], 1), "rate": rate}))
    return MeetingStatsOut(year=year, quarter=quarter, by_kind=by_kind, meetings=meetings, members=members)


def leave_requests_for(*, actor: Actor, meeting: Meeting) -> QuerySet[LeaveRequest]:
    """Hosts see every request; a member sees their own."""
    requests = meeting.leave_requests.order_by("created")
    return requests if is_host(actor, meeting) else requests.filter(member_id=actor.mid)


def minutes_get_for(*, actor: Actor, meeting: Meeting) -> MinutesOut:
    """The minutes of a meeting the actor may see (the caller has read it through meeting_get_for)."""
    minutes = Minutes.objects.filter(meeting=meeting).first()
    draft_hidden = minutes is not None and minutes.finalised_at is None and not minute_taker(actor, meeting)
    if minutes is None or draft_hidden:
        return MinutesOut(text="", finalised_at=None, document=None, archive_seq=None)
    return MinutesOut(
        text=minutes.text,
        finalised_at=minutes.finalised_at,
        document=minutes.document,  # type: ignore[arg-type]  # the archived JSON, validated here
        archive_seq=minutes.archive_seq,
    )


def meetings_search_for(*, actor: Actor, query: str, limit: int = 20) -> list[Meeting]:
    """The site search's part of meetings and lessons: those the actor is invited to or hosts,
    by title or minutes."""
    require_member(actor)
    query = query.strip()
    if not query:
        return []
    return list(
        Meeting.objects.filter(Q(invitations__member_id=actor.mid) | Q(host_id=actor.mid))
        .filter(Q(title__icontains=query) | Q(minutes__text__icontains=query))
        .select_related("organisation")
        .distinct()
        .order_by("-starts_at")[:limit]
    )
