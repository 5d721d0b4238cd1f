"""Lessons (党课): a meeting of kind ``lesson`` with a lecturer, slides, questions and study time.

The lesson room is the meeting room (meetings/room.py) with more on the same stream
``meeting:<id>``: slides (meetings/slides.py), questions (meetings/questions.py), and on the
media side the relay that the lecturer publishes to. This module holds who teaches:

* the **lecturer** (授课人) is ``Meeting.lecturer``: a member holding ``lesson.teach``
  (lecturer or secretary) at the lesson's organisation or above, chosen by a host; when none
  is chosen the host teaches;
* the lecturer has host powers for slides and questions (turning pages, uploading decks,
  marking questions answered), and so do the meeting's hosts; other host powers (lobby,
  votes, removing people) stay with the hosts.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from kernel.errors import Conflict, Forbidden, Invalid, NotFound
from meetings import selectors
from meetings.models import Admission, AdmissionStatus, Invitation, Meeting, MeetingKind, MeetingStatus
from meetings.rules import is_host
from members.access import Action, Actor, actor_from_member, can
from members.models import Member


def lecturer_id(meeting: Meeting) -> int:
    return meeting.lecturer_id or meeting.host_id


def is_lecturer(actor: Actor, meeting: Meeting) -> bool:
    return actor.member_id is not None and actor.member_id == lecturer_id(meeting)


def can_present(actor: Actor, meeting: Meeting) -> bool:
    """Slides and questions: the lecturer and the meeting's hosts."""
    return is_lecturer(actor, meeting) or is_host(actor, meeting)


def require_presenter(actor: Actor, meeting: Meeting) -> None:
    if not can_present(actor, meeting):
        raise Forbidden(_("Only the lecturer and the hosts may do this."))


def require_lesson(meeting: Meeting) -> None:
    if meeting.kind != MeetingKind.LESSON:
        raise Invalid(_("This is not a lesson."))


def require_not_over(meeting: Meeting) -> None:
    if meeting.status in (MeetingStatus.ENDED, MeetingStatus.CANCELLED):
        raise Conflict(_("This lesson is over."))


def lesson_get_for(*, actor: Actor, meeting_id: int) -> Meeting:
    """The lesson if the actor may see it (the meeting's access rule); NotFound for other kinds."""
    meeting = selectors.meeting_get_for(actor=actor, meeting_id=meeting_id)
    if meeting.kind != MeetingKind.LESSON:
        raise NotFound(_("This is not a lesson."))
    return meeting


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


def lesson_state(*, actor: Actor, meeting: Meeting) -> dict[str, Any]:
    """What a lesson page draws on (re)joining: who teaches, the decks, the current slide and
    the questions; later changes arrive as the stream's events."""
    from meetings import questions, slides

    teacher = lecturer_id(meeting)
    name = Member.objects.filter(pk=teacher).values_list("real_name", flat=True).first() or ""
    return {
        "lecturer": {"member": teacher, "name": name},
        "me": {"member": actor.member_id, "presenter": can_present(actor, meeting)},
        "decks": [slides.deck_dict(d) for d in slides.decks_for(meeting)],
        "slide": slides.current_slide(meeting),
        "questions": questions.question_list(meeting=meeting, actor=actor),
    }
