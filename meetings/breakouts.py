"""Breakout rooms inside the meeting's one stream: each participant's ``Seat`` names their
breakout; chat events carry ``breakout`` and clients show the lines of their own room.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kernel.errors import Conflict, Forbidden, Invalid
from meetings import events, relay, room
from meetings.models import (
    Breakout,
    Meeting,
    Seat,
)
from meetings.rules import BREAKOUT_MINUTES_MAX, is_host
from meetings.services import require_host
from members.access import Actor
from members.models import Member, Organisation, OrgKind
from moderation.pipeline import guard_texts


def open_breakouts(meeting: Meeting) -> list[Breakout]:
    return list(Breakout.objects.filter(meeting=meeting, closed_at__isnull=True))


def breakout_dicts(meeting: Meeting) -> list[dict[str, Any]]:
    rooms = open_breakouts(meeting)
    members: dict[int, list[int]] = {breakout.pk: [] for breakout in rooms}
    for breakout_id, member_id in Seat.objects.filter(breakout__in=rooms).values_list("breakout_id", "member_id"):
        members[breakout_id].append(member_id)
    return [
        {
            "id": breakout.pk,
            "name": breakout.name,
            "ends_at": breakout.ends_at.isoformat(),
            "members": sorted(members[breakout.pk]),
        }
        for breakout in rooms
    ]


def breakout_start(
    *,
    by: Actor,
    meeting: Meeting,
    minutes: int,
    by_group: bool = True,
    rooms: Sequence[tuple[str, Sequence[int]]] = (),
) -> list[Breakout]:
    """Split the room for a timed discussion: by party group (每个党小组一室, members outside
    any group together in one more room), or into ad-hoc ``rooms`` of (name, member ids).
    Participants not placed stay in the main room."""
    require_host(by, meeting)
    room.require_open(meeting)
    if not 1 <= minutes <= BREAKOUT_MINUTES_MAX:
        raise Invalid(_("A discussion lasts between 1 and %(n)d minutes.") % {"n": BREAKOUT_MINUTES_MAX})
    if open_breakouts(meeting):
        raise Conflict(_("The room is already split; call everyone back first."))
    present = room.present_ids(meeting)
    plan = _plan_by_group(meeting, present) if by_group else _plan_ad_hoc(meeting, rooms)
    if not plan:
        raise Invalid(_("Nobody to split into rooms."))
    if not by_group:  # rooms by group carry their organisations' names
        guard_texts(texts=[name for name, _organisation, _ids in plan], author=by, organisation=meeting.organisation)
    ends_at = timezone.now() + dt.timedelta(minutes=minutes)
    with transaction.atomic():
        created = []
        for name, organisation, member_ids in plan:
            breakout = Breakout.objects.create(meeting=meeting, name=name, organisation=organisation, ends_at=ends_at)
            for member_id in member_ids:
                Seat.objects.update_or_create(meeting=meeting, member_id=member_id, defaults={"breakout": breakout})
            created.append(breakout)
        room.append(meeting, events.BreakoutStarted(breakouts=[events.Breakout(**b) for b in breakout_dicts(meeting)]))
        relay.relay_regroup(meeting)
    return created


def _plan_by_group(meeting: Meeting, present: list[int]) -> list[tuple[str, Organisation | None, list[int]]]:
    groups = list(Organisation.objects.filter(parent=meeting.organisation, kind=OrgKind.GROUP).order_by("path"))
    if not groups:
        raise Conflict(_("This organisation has no party groups; split into ad-hoc rooms instead."))
    paths = dict(Member.objects.filter(pk__in=present).values_list("pk", "organisation__path"))
    placed: dict[int, list[int]] = {g.pk: [] for g in groups}
    others: list[int] = []
    for member_id in present:
        group = next((g for g in groups if paths.get(member_id, "").startswith(g.path)), None)
        (placed[group.pk] if group else others).append(member_id)
    plan: list[tuple[str, Organisation | None, list[int]]] = [(g.name, g, placed[g.pk]) for g in groups if placed[g.pk]]
    if others:
        plan.append((_("Members outside a group"), None, others))
    return plan


def _plan_ad_hoc(
    meeting: Meeting, rooms: Sequence[tuple[str, Sequence[int]]]
) -> list[tuple[str, Organisation | None, list[int]]]:
    seen: set[int] = set()
    plan: list[tuple[str, Organisation | None, list[int]]] = []
    for name, member_ids in rooms:
        ids = list(dict.fromkeys(member_ids))
        if not name.strip() or not ids:
            raise Invalid(_("Each room needs a name and members."))
        if seen & set(ids):
            raise Invalid(_("A member can be in one room only."))
        if any(not room.is_participant(meeting, pk) for pk in ids):
            raise Invalid(_("Only participants can be placed in a room."))
        seen |= set(ids)
        plan.append((name.strip()[:120], None, ids))
    return plan


def breakout_return(*, by: Actor, meeting: Meeting) -> None:
    """Call everyone back. Hosts may at any time; once the time is up any participant's page
    may, so the room comes back together even when the host's connection is gone."""
    open_rooms = open_breakouts(meeting)
    if not open_rooms:
        raise Conflict(_("The room is not split."))
    if not is_host(by, meeting):
        if not room.is_participant(meeting, by.member_id):
            raise Forbidden()
        if min(breakout.ends_at for breakout in open_rooms) > timezone.now():
            raise Forbidden(_("Only the meeting's hosts may do this."))
    with transaction.atomic():
        Breakout.objects.filter(pk__in=[r.pk for r in open_rooms]).update(closed_at=timezone.now())
        Seat.objects.filter(meeting=meeting).update(breakout=None)
        room.append(meeting, events.BreakoutEnded())
        relay.relay_regroup(meeting)


def breakout_of(meeting: Meeting, member_id: int) -> int | None:
    return Seat.objects.filter(meeting=meeting, member_id=member_id).values_list("breakout_id", flat=True).first()
