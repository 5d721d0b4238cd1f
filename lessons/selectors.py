"""Reading a lesson through the access policy."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kernel.errors import NotFound
from meetings import selectors
from meetings.models import Meeting, MeetingKind
from members.access import Actor


def lesson_get_for(*, actor: Actor, meeting_id: int) -> Meeting:
    """The lesson if the actor may see it (the meeting's access rule); NotFound for other kinds."""
    meeting = selectors.meeting_get_for(actor=actor, meeting_id=meeting_id)
    if meeting.kind != MeetingKind.LESSON:
        raise NotFound(_("This is not a lesson."))
    return meeting
