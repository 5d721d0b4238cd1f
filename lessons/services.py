"""Lessons (党课): a meeting of kind ``lesson`` with a lecturer, slides, questions and study time.

The lesson room is the meeting room (meetings/room.py) with more on the same stream
``meeting:<id>``: slides (lessons/slides.py), questions (lessons/questions.py), and on the
media side the relay that the lecturer publishes to. This module holds who teaches (the
lecturer's rules themselves, which the relay needs too, are in meetings/rules.py):

* the **lecturer** (授课人) is ``Meeting.lecturer``: a member holding ``lesson.teach``
  (lecturer or secretary) at the lesson's organisation or above, chosen by a host; when none
  is chosen the host teaches;
* the lecturer has host powers for slides and questions (turning pages, uploading decks,
  marking questions answered), and so do the meeting's hosts; other host powers (lobby,
  votes, removing people) stay with the hosts.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from kernel.errors import Forbidden, Invalid
from lessons.rules import require_lesson, require_not_over
from meetings.models import Admission, AdmissionStatus, Invitation, Meeting
from meetings.rules import is_host
from members.access import Action, Actor, actor_from_member, can
from members.models import Member


def lecturer_set(*, by: Actor, meeting: Meeting, member: Member | None) -> Meeting:
    """A host names the lecturer (None: the host teaches). The lecturer must hold ``lesson.teach``
    at the lesson's organisation; they are invited and let into the room, also when it is locked."""
    if not is_host(by, meeting):
        raise Forbidden(_("Only the meeting's hosts may do this."))
    require_lesson(meeting)
    require_not_over(meeting)
    if member is not None and member.pk != meeting.host_id:
        teacher = actor_from_member(Member.objects.select_related("organisation").get(pk=member.pk))
        if not can(teacher, Action.TEACH, meeting.organisation):
            raise Invalid(_("The lecturer must hold the lecturer's role in this organisation."))
    with transaction.atomic():
        meeting.lecturer = member
        meeting.save(update_fields=["lecturer"])
        if member is not None:
            Invitation.objects.get_or_create(meeting=meeting, member=member)
            Admission.objects.update_or_create(
                meeting=meeting, member=member, defaults={"status": AdmissionStatus.ADMITTED}
            )
    return meeting
