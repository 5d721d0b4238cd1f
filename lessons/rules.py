"""What a lesson's presenter commands require: a lesson, not over, and the lecturer or a host
(who teaches is decided in meetings/rules.py, which the relay reads too)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kernel.errors import Conflict, Forbidden, Invalid
from meetings.models import Meeting, MeetingKind, MeetingStatus
from meetings.rules import can_present
from members.access import Actor

QUESTION_MAX_CHARS = 500


def require_presenter(actor: Actor, meeting: Meeting) -> None:
    if not can_present(actor, meeting):
        raise Forbidden(_("Only the lecturer and the hosts may do this."))


def require_lesson(meeting: Meeting) -> None:
    if meeting.kind != MeetingKind.LESSON:
        raise Invalid(_("This is not a lesson."))


def require_not_over(meeting: Meeting) -> None:
    if meeting.status in (MeetingStatus.ENDED, MeetingStatus.CANCELLED):
        raise Conflict(_("This lesson is over."))
