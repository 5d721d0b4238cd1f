"""Study time (学时): seconds of lessons members really watched, live and from replays.

Only real watching counts, never the opening of a page:

* **Live**: the media worker calls :func:`study_credit` periodically (every 15–30 s) for each
  viewer that is connected *and* receiving media. A call credits at most the wall time since the
  member's previous credit for that lesson (so a retried or duplicated call credits nothing
  more, and concurrent calls serialise on the member's row), and a member's live total never
  exceeds the lesson's actual live duration (``started_at`` to ``ended_at``, or to now).
* **Replay**: the replay page sends position heartbeats (:func:`replay_heartbeat`). The time
  between two heartbeats counts only when the earlier one said "playing" and the position moved
  forward consistently with the wall time (at most ``REPLAY_MAX_RATE`` times it, so a seek
  credits nothing), and then no more than the wall time; a member's credit for one recording
  never exceeds its duration.

Credits are kept per lesson, member, source and calendar year of the watching; the yearly
reports add them up per member and per branch.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kernel.errors import Invalid, NotFound
from kernel.ratelimit import check as rate_check
from lessons.models import Recording, ReplayWatch, StudySource, StudyTime
from lessons.schemas import (
    BranchStudyOut,
    HeartbeatOut,
    LessonStudyOut,
    MemberStudyOut,
    MemberStudyRow,
    OrganisationStudyOut,
)
from meetings.models import Meeting, MeetingKind
from members.access import Action, Actor, require, require_member, subtree_q
from members.models import Member, Organisation, OrgKind

# A replay heartbeat may show the position moving up to this many times the wall time
# (playback at 2×) plus a little jitter; more is a seek.
REPLAY_MAX_RATE = 2.0
REPLAY_SLACK_SECONDS = 2.0
# Heartbeats further apart than this (a suspended tab, a lost network) credit nothing.
REPLAY_MAX_GAP_SECONDS = 120.0
# Replay heartbeats per member: one every 15 s plus play, pause and seek events.
HEARTBEAT_RATE = (1.0, 20)


def _year(at: dt.datetime) -> int:
    return timezone.localtime(at).year


def _credit(*, meeting: Meeting, member_id: int, source: str, at: dt.datetime, seconds: float, cap: float) -> float:
    """Add up to ``seconds`` (never past ``cap`` in total, never more than the wall time since
    this member's last credit of this source for this lesson). Runs inside a transaction."""
    row, _created = StudyTime.objects.get_or_create(meeting=meeting, member_id=member_id, source=source, year=_year(at))
    row = StudyTime.objects.select_for_update().get(pk=row.pk)  # concurrent credits of one member serialise here
    totals = StudyTime.objects.filter(meeting=meeting, member_id=member_id, source=source).aggregate(
        total=Sum("seconds"), last=Max("last_credit_at")
    )
    last = totals["last"]
    if last is not None:
        if at <= last:
            return 0.0  # a duplicate or out-of-date call
        seconds = min(seconds, (at - last).total_seconds())
    credit = max(0.0, min(seconds, cap - (totals["total"] or 0.0)))
    row.seconds += credit
    row.last_credit_at = at
    row.save(update_fields=["seconds", "last_credit_at"])
    return credit


def live_duration(meeting: Meeting, at: dt.datetime) -> float:
    """Seconds the lesson has been live by ``at`` (0 before it started)."""
    if meeting.started_at is None:
        return 0.0
    end = min(at, meeting.ended_at) if meeting.ended_at else at
    return max(0.0, (end - meeting.started_at).total_seconds())


def study_credit(
    *, meeting_id: int, member_id: int, seconds: float, source: str, at: dt.datetime | None = None
) -> None:
    """Credit a member ``seconds`` of a lesson watched (``source`` ``live`` or ``replay``).

    Called by the media worker for each viewer connected and receiving media; safe to call
    concurrently and to repeat. Meetings that are not lessons earn no study time and are
    ignored, so the relay can call this for any room it serves.
    """
    if source not in StudySource.values:
        raise Invalid(_("Unknown study source."))
    if not math.isfinite(seconds) or seconds < 0:
        raise Invalid(_("Seconds must be a number of at least zero."))
    meeting = Meeting.objects.filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound(_("No such meeting."))
    if meeting.kind != MeetingKind.LESSON or seconds == 0:
        return
    if not Member.objects.filter(pk=member_id).exists():
        raise NotFound(_("No such member."))
    at = at or timezone.now()
    if source == StudySource.LIVE:
        cap = live_duration(meeting, at)
    else:
        cap = float(Recording.objects.filter(meeting=meeting).aggregate(total=Sum("duration"))["total"] or 0.0)
    if cap <= 0:
        return  # not live yet, or nothing recorded to replay
    with transaction.atomic():
        _credit(meeting=meeting, member_id=member_id, source=source, at=at, seconds=seconds, cap=cap)


def replay_heartbeat(
    *, by: Actor, meeting: Meeting, recording_id: int, position: float, playing: bool, at: dt.datetime | None = None
) -> HeartbeatOut:
    """A replay page reports its position; credit the interval since the last heartbeat if it
    was real playback. The caller has read ``meeting`` through the access policy."""
    require_member(by)
    rate, burst = HEARTBEAT_RATE
    rate_check(f"meetings.replay:{by.mid}", rate=rate, burst=burst)
    recording = Recording.objects.filter(pk=recording_id, meeting=meeting).first()
    if recording is None:
        raise NotFound(_("No such recording of this lesson."))
    if not math.isfinite(position) or not 0 <= position <= recording.duration + REPLAY_SLACK_SECONDS:
        raise Invalid(_("The position is outside the recording."))
    at = at or timezone.now()
    with transaction.atomic():
        watch, _created = ReplayWatch.objects.get_or_create(recording=recording, member_id=by.mid)
        watch = ReplayWatch.objects.select_for_update().get(pk=watch.pk)
        credit = 0.0
        if watch.heartbeat_at is not None and watch.playing and at > watch.heartbeat_at:
            wall = (at - watch.heartbeat_at).total_seconds()
            advance = position - watch.position
            if wall <= REPLAY_MAX_GAP_SECONDS and 0 < advance <= wall * REPLAY_MAX_RATE + REPLAY_SLACK_SECONDS:
                credit = max(0.0, min(advance, wall, recording.duration - watch.credited))
        if credit > 0:
            credit = _credit(
                meeting=meeting, member_id=by.mid, source=StudySource.REPLAY, at=at, seconds=credit,
                cap=float(Recording.objects.filter(meeting=meeting).aggregate(total=Sum("duration"))["total"] or 0),
            )  # fmt: skip
        watch.credited += credit
        watch.position = position
        watch.playing = playing
        watch.heartbeat_at = at
        watch.save(update_fields=["credited", "position", "playing", "heartbeat_at"])
    return HeartbeatOut(credited=round(credit, 3), total=round(watch.credited, 3))


# --- Reports --------------------------------------------------------------------------------------


def hours(seconds: float) -> float:
    return round(seconds / 3600, 2)


def member_year(*, member_id: int, year: int) -> MemberStudyOut:
    """One member's study time in a year: totals and per lesson."""
    rows = (
        StudyTime.objects.filter(member_id=member_id, year=year)
        .values("meeting_id", "meeting__title", "meeting__starts_at", "source")
        .annotate(seconds=Sum("seconds"))
        .order_by("meeting__starts_at", "meeting_id")
    )
    lessons: dict[int, dict[str, Any]] = {}
    for row in rows:
        lesson = lessons.setdefault(
            row["meeting_id"],
            {"id": row["meeting_id"], "title": row["meeting__title"], "starts_at": row["meeting__starts_at"],
             "live": 0.0, "replay": 0.0},
        )  # fmt: skip
        lesson[row["source"]] += row["seconds"] or 0.0
    live = sum(lesson["live"] for lesson in lessons.values())
    replay = sum(lesson["replay"] for lesson in lessons.values())
    top = max((hours(lesson["live"] + lesson["replay"]) for lesson in lessons.values()), default=0.0)
    shaped = []
    for lesson in lessons.values():
        total = hours(lesson["live"] + lesson["replay"])
        shaped.append(
            LessonStudyOut(
                **lesson,
                live_hours=hours(lesson["live"]),
                replay_hours=hours(lesson["replay"]),
                hours=total,
                percent=round(100 * total / top) if top else 0,
            )
        )
    return MemberStudyOut(
        year=year, live_hours=hours(live), replay_hours=hours(replay), hours=hours(live + replay), lessons=shaped
    )


def my_study_year(*, actor: Actor, year: int) -> MemberStudyOut:
    require_member(actor)
    return member_year(member_id=actor.mid, year=year)


def study_hours_this_year(*, actor: Actor) -> float | None:
    """For the home page: the member's study hours so far this year (None for non-members)."""
    if not actor.is_member:
        return None
    total = StudyTime.objects.filter(member_id=actor.mid, year=timezone.localdate().year).aggregate(s=Sum("seconds"))
    return hours(total["s"] or 0.0)


def organisation_study_report(*, actor: Actor, organisation: Organisation, year: int) -> OrganisationStudyOut:
    """Study hours in a year for every member of an organisation's subtree and every branch in
    it; for the secretaries and organisers of that organisation (or above)."""
    require(actor, Action.HOST_MEETING, organisation)
    if not 2000 <= year <= 2100:
        raise Invalid(_("Choose a year between 2000 and 2100."))
    members = list(
        Member.objects.filter(subtree_q([organisation.path]))
        .select_related("organisation")
        .order_by("organisation__path", "real_name")
    )
    per_member: dict[int, dict[str, float]] = {m.pk: {"live": 0.0, "replay": 0.0} for m in members}
    for member_id, source, seconds in (
        StudyTime.objects.filter(year=year, member_id__in=list(per_member))
        .values("member_id", "source")
        .annotate(seconds=Sum("seconds"))
        .values_list("member_id", "source", "seconds")
    ):
        per_member[member_id][source] += seconds or 0.0
    member_rows: list[dict[str, Any]] = [
        {
            "member_id": m.pk,
            "real_name": m.real_name,
            "organisation": m.organisation.name,
            "path": m.organisation.path,
            "live_hours": hours(per_member[m.pk]["live"]),
            "replay_hours": hours(per_member[m.pk]["replay"]),
            "hours": hours(per_member[m.pk]["live"] + per_member[m.pk]["replay"]),
        }
        for m in members
    ]
    branches = list(
        Organisation.objects.filter(path__startswith=organisation.path, kind=OrgKind.BRANCH).order_by("path")
    )
    if not branches:
        branches = [organisation]  # a branch's own report, or a party group's
    branch_rows: list[dict[str, Any]] = []
    for branch in branches:
        inside = [r for r in member_rows if r["path"].startswith(branch.path)]
        total = sum(per_member[r["member_id"]]["live"] + per_member[r["member_id"]]["replay"] for r in inside)
        branch_rows.append(
            {
                "organisation_id": branch.pk,
                "name": branch.name,
                "members": len(inside),
                "hours": hours(total),
                "average_hours": hours(total / len(inside)) if inside else 0.0,
            }
        )
    for rows in (member_rows, branch_rows):  # each chart on its own scale
        top = max((r["hours"] for r in rows), default=0.0)
        for row in rows:
            row["percent"] = round(100 * row["hours"] / top) if top else 0
    return OrganisationStudyOut(
        year=year,
        organisation=organisation.name,
        branches=[BranchStudyOut(**row) for row in branch_rows],
        members=[MemberStudyRow(**{k: v for k, v in row.items() if k != "path"}) for row in member_rows],
    )
