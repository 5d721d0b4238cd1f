"""Votes in the room (表决, 选举): the one writer for opening, casting and closing.

Each function checks the rules, stores in a transaction and appends the room's event, which is
published after commit; pages, the JSON API and the socket all call these, so everyone in the
room hears of a vote however it was opened, cast or closed. Secret ballots keep no choice with
the voter (meetings/models.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from kernel.errors import Conflict, Forbidden, Invalid, NotFound
from meetings import events, room, selectors
from meetings.models import (
    Meeting,
    MeetingStatus,
    Motion,
    MotionChoice,
    MotionKind,
    MotionStatus,
    OpenBallot,
    Tally,
    VoteRecord,
)
from meetings.rules import eligible_voters, tally_result
from meetings.services import member_of, require_host
from members.access import Actor
from members.models import MemberStatus
from moderation.pipeline import guard_texts


def motion_in(meeting: Meeting, motion_id: int) -> Motion:
    motion = Motion.objects.select_related("meeting__organisation").filter(pk=motion_id, meeting=meeting).first()
    if motion is None:
        raise NotFound(_("No such vote in this meeting."))
    return motion


MOTION_OPTIONS = list(MotionChoice.values)


def motion_open(
    *,
    by: Actor,
    meeting: Meeting,
    title: str,
    kind: str = MotionKind.MOTION,
    options: Sequence[str] = (),
    secret: bool = False,
    max_choices: int = 1,
) -> Motion:
    """A host opens a vote; the room hears ``meetings.vote.opened``."""
    require_host(by, meeting)
    if meeting.status != MeetingStatus.LIVE:
        raise Conflict(_("Votes are held while the meeting is in progress."))
    # Before the transaction, so that a refused attempt stays archived.
    guard_texts(texts=[title, *options], author=by, organisation=meeting.organisation)
    if kind == MotionKind.MOTION:
        options = MOTION_OPTIONS
        max_choices = 1
    else:
        options = [o.strip() for o in options if o.strip()]
        if len(options) < 1 or len(set(options)) != len(options):
            raise Invalid(_("An election needs distinct candidates."))
        if not 1 <= max_choices <= len(options):
            raise Invalid(_("The number of choices must be between 1 and the number of candidates."))
    if not title.strip():
        raise Invalid(_("The motion needs a title."))
    with transaction.atomic():
        motion = Motion.objects.create(
            meeting=meeting,
            kind=kind,
            title=title.strip(),
            options=list(options),
            secret=secret,
            max_choices=max_choices,
        )
        Tally.objects.bulk_create([Tally(motion=motion, option=o) for o in options])
        room.append(meeting, events.VoteOpened(motion=events.Motion(**selectors.motion_dict(motion))))
    return motion


def ballot_cast(*, by: Actor, motion: Motion, choices: Sequence[str]) -> int:
    """Cast a ballot; returns the turnout. Everyone learns the turnout, never a choice: live
    per-option counts would let anyone watching the counts move learn a secret ballot."""
    with transaction.atomic():
        _cast(by=by, motion=motion, choices=choices)
        turnout = motion.voters.count()
        room.append(motion.meeting, events.VoteTurnout(motion=motion.pk, turnout=turnout))
    return turnout


def motion_close(*, by: Actor, motion: Motion) -> Motion:
    """A host closes a vote; the room hears ``meetings.vote.closed`` with the result."""
    with transaction.atomic():
        closed = _close_motion(by=by, motion=motion)
        room.append(closed.meeting, events.VoteClosed(motion=events.Motion(**selectors.motion_dict(closed))))
    return closed


def _cast(*, by: Actor, motion: Motion, choices: Sequence[str]) -> None:
    """Cast one vote. Only full members of the organisation who are present may vote, once."""
    member = member_of(by)
    meeting = motion.meeting
    if motion.status != MotionStatus.OPEN:
        raise Conflict(_("This vote is closed."))
    if member.status != MemberStatus.FULL:
        raise Forbidden(_("Only full members have a vote; probationary members and activists do not."))
    if not eligible_voters(meeting).filter(pk=member.pk).exists():
        raise Forbidden(_("You are not a voting member of this organisation."))
    if not meeting.stays.filter(member=member, left_at__isnull=True).exists():
        raise Forbidden(_("Only members present in the meeting may vote."))
    picked = list(dict.fromkeys(choices))
    if not picked or len(picked) > motion.max_choices or any(c not in motion.options for c in picked):
        raise Invalid(_("Choose between 1 and %(n)d of the listed options.") % {"n": motion.max_choices})
    try:
        with transaction.atomic():
            VoteRecord.objects.create(motion=motion, member=member)
            Tally.objects.filter(motion=motion, option__in=picked).update(count=F("count") + 1)
            if not motion.secret:
                OpenBallot.objects.create(motion=motion, member=member, choices=picked)
    except IntegrityError:
        raise Conflict(_("You have already voted.")) from None


def _close_motion(*, by: Actor, motion: Motion) -> Motion:
    require_host(by, motion.meeting)
    with transaction.atomic():
        motion = Motion.objects.select_for_update().get(pk=motion.pk)
        if motion.status != MotionStatus.OPEN:
            raise Conflict(_("This vote is already closed."))
        close_motion(motion, timezone.now())
    return motion


def close_motion(motion: Motion, at: dt.datetime) -> None:
    counts = dict(motion.tallies.values_list("option", "count"))
    result: dict[str, Any] = tally_result(
        kind=motion.kind,
        options=motion.options,
        counts=counts,
        eligible=eligible_voters(motion.meeting).count(),
        turnout=motion.voters.count(),
        quorum_ratio=motion.meeting.quorum_ratio,
        seats=motion.max_choices,
    )
    motion.status = MotionStatus.CLOSED
    motion.closed_at = at
    motion.result = result
    motion.save(update_fields=["status", "closed_at", "result"])
