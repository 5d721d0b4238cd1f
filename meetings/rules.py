"""The rules of party meetings: who is invited by default, who may vote, how a vote is counted.

Counting follows the usual rules for party organisations:

* **Quorum**: more than ``quorum_ratio`` (by default half) of the members entitled to vote must
  take part (应到会有表决权的党员超过半数).
* **Motions** (决议): adopted when the quorum is met and more than half of the members entitled
  to vote are in favour (not merely half of those voting).
* **Elections** (选举): a candidate is elected when the quorum is met and they receive the votes
  of more than half of the members who voted (超过实到会有选举权人数的一半). When more candidates
  pass than there are seats, the seats go to the highest counts; a tie across the last seat is
  reported as such and needs a further round.

Members entitled to vote are the full members (正式党员) whose home organisation lies in the
meeting organisation's subtree; probationary members (预备党员) and activists have no vote.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from math import floor
from typing import Any

from django.db.models import QuerySet

from meetings.models import Meeting, MeetingKind, MotionKind
from members.access import Action, Actor, can, can_see, subtree_q
from members.models import PARTY_MEMBER_STATUSES, Member, MemberStatus, Role, RoleKind, Visibility

BREAKOUT_MINUTES_MAX = 240  # the longest discussion in breakout rooms

COMMITTEE_ROLES = [RoleKind.SECRETARY, RoleKind.ORGANISER, RoleKind.PUBLICITY, RoleKind.INSPECTOR]


def is_host(actor: Actor, meeting: Meeting) -> bool:
    if actor.is_system:
        return True
    if actor.member_id is None:
        return False
    return actor.member_id == meeting.host_id or meeting.cohosts.filter(pk=actor.member_id).exists()


def may_run(actor: Actor, meeting: Meeting) -> bool:
    """Who starts and ends a meeting: its hosts, and a lesson's lecturer, who runs his own lesson."""
    if is_host(actor, meeting):
        return True
    lecturer = meeting.kind == MeetingKind.LESSON and meeting.lecturer_id is not None
    return lecturer and actor.member_id == meeting.lecturer_id


def lecturer_id(meeting: Meeting) -> int:
    """A lesson's lecturer (授课人): the one chosen, else the host."""
    return meeting.lecturer_id or meeting.host_id


def is_lecturer(actor: Actor, meeting: Meeting) -> bool:
    return actor.member_id is not None and actor.member_id == lecturer_id(meeting)


def can_present(actor: Actor, meeting: Meeting) -> bool:
    """Slides, questions and the lesson's programme on the relay: the lecturer and the hosts."""
    return is_lecturer(actor, meeting) or is_host(actor, meeting)


def may_knock(actor: Actor, meeting: Meeting) -> bool:
    """Who may come to the room's door at all. Hosts and invitees (guests from elsewhere, such as
    migrant members, included); a branch committee meeting (支委会) is for the committee, so
    nobody else; other meetings also members of the organisation's subtree and those holding a
    role above it, who knock and wait for a host (an activist at a general meeting, 列席)."""
    if is_host(actor, meeting):
        return True
    if actor.member_id is not None and meeting.invitations.filter(member_id=actor.member_id).exists():
        return True
    if meeting.kind == MeetingKind.BRANCH_COMMITTEE:
        return False
    return can_see(actor, visibility=Visibility.SUBTREE, organisation=meeting.organisation)


def minute_taker(actor: Actor, meeting: Meeting) -> bool:
    """The meeting's hosts and the organisation's secretaries and organisers write the minutes."""
    return is_host(actor, meeting) or can(actor, Action.HOST_MEETING, meeting.organisation)


def default_invitees(meeting: Meeting) -> QuerySet[Member]:
    """Who a meeting of this type invites unless the host edits the list."""
    org = meeting.organisation
    if meeting.kind == MeetingKind.BRANCH_COMMITTEE:
        holders = Role.objects.filter(organisation=org, kind__in=COMMITTEE_ROLES).values("member_id")
        return Member.objects.filter(pk__in=holders)
    members = Member.objects.filter(subtree_q([org.path]))
    if meeting.kind in (MeetingKind.LESSON, MeetingKind.OTHER):
        return members.exclude(status=MemberStatus.FORMER)  # applicants and activists are welcome at lessons
    return members.filter(status__in=PARTY_MEMBER_STATUSES)


def eligible_voters(meeting: Meeting) -> QuerySet[Member]:
    return Member.objects.filter(subtree_q([meeting.organisation.path]), status=MemberStatus.FULL)


def more_than(share: Decimal | float, of: int) -> int:
    """The smallest whole number strictly greater than ``share × of``."""
    return floor(Decimal(str(share)) * of) + 1


def tally_result(
    *,
    kind: str,
    options: Sequence[str],
    counts: Mapping[str, int],
    eligible: int,
    turnout: int,
    quorum_ratio: Decimal | float,
    seats: int = 1,
) -> dict[str, Any]:
    """The result of a closed vote. ``seats``: how many candidates an election fills."""
    needed = more_than(quorum_ratio, eligible)
    quorum_met = eligible > 0 and turnout >= needed
    result: dict[str, Any] = {
        "eligible": eligible,
        "turnout": turnout,
        "quorum_needed": needed,
        "quorum_met": quorum_met,
        "counts": {option: int(counts.get(option, 0)) for option in options},
    }
    if kind == MotionKind.MOTION:
        in_favour = int(counts.get("for", 0))
        result["votes_needed"] = more_than(Decimal("0.5"), eligible)
        if not quorum_met:
            result["outcome"] = "no_quorum"
        elif in_favour >= result["votes_needed"]:
            result["outcome"] = "adopted"
        else:
            result["outcome"] = "rejected"
        return result

    needed_votes = more_than(Decimal("0.5"), turnout)
    result["votes_needed"] = needed_votes
    passing = sorted(
        (o for o in options if int(counts.get(o, 0)) >= needed_votes),
        key=lambda o: -int(counts.get(o, 0)),
    )
    result["outcome"] = "elected" if quorum_met else "no_quorum"
    result["elected"], result["tied"] = [], []
    if quorum_met:
        elected, tied = fill_seats(passing, counts, seats)
        result["elected"], result["tied"] = elected, tied
    return result


def fill_seats(passing: list[str], counts: Mapping[str, int], seats: int) -> tuple[list[str], list[str]]:
    if len(passing) <= seats:
        return passing, []
    boundary = int(counts.get(passing[seats - 1], 0))
    above = [o for o in passing if int(counts.get(o, 0)) > boundary]
    at_boundary = [o for o in passing if int(counts.get(o, 0)) == boundary]
    if len(above) + len(at_boundary) <= seats:
        return above + at_boundary, []
    return above, at_boundary
