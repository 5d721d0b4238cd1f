"""The online party school (网上党校): a catalogue of courses, each a sequence of lessons (live
lessons and, once they are over, their recordings) and PDF documents; the study hours each
member status must reach in a year, and everyone's progress toward them.

Study time is what lessons already record (``StudyTime``: live watching and replays), whatever
course a lesson belongs to; a course adds the order and the documents. A lesson of a course
counts as followed once the member has study time on it, a document once they have opened it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import IO, cast

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from forum.errors import AttachmentRefused, AttachmentTooLarge
from kernel import files
from kernel.errors import Invalid, NotFound
from lessons.models import Course, CourseDocumentRead, CourseItem, CourseItemKind, StudyRequirement, StudyTime
from lessons.schemas import (
    CourseItemProgress,
    CourseProgress,
    ItemKind,
    MemberProgress,
    OrganisationProgress,
    StudyProgressOut,
)
from lessons.study import hours, organisation_study_report
from meetings.models import Meeting, MeetingKind
from members.access import Action, Actor, can, can_see, require, require_member, subtree_q
from members.models import Member, MemberStatus, Organisation, Visibility
from moderation.archive import archive_append
from moderation.documents import document_guard
from moderation.pipeline import moderate

MAX_ITEMS = 60
MAX_REQUIRED_HOURS = 500


def plain(text: str, *, by: Actor, limit: int, required: bool = True) -> str:
    """Escaped, and through the confidentiality guard (no word lists: the organisation's words)."""
    text = text.strip()
    if (not text and required) or len(text) > limit:
        raise Invalid(_("Give between 1 and %(limit)s characters.") % {"limit": limit})
    return moderate(text=text, kind="plain", author=by, organisation=None, mailbox=True).text if text else ""


def _organisation(organisation_id: int) -> Organisation:
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None:
        raise NotFound(_("No such organisation."))
    return organisation


# --- The catalogue -----------------------------------------------------------------------------------


def courses_q(actor: Actor) -> Q:
    """Courses ``actor`` may follow: of their own organisation chain, or below a role they hold."""
    if actor.is_system:
        return Q()
    if not actor.is_member:
        return Q(pk__in=[])
    return Q(organisation_id__in=actor.home_ancestor_ids) | subtree_q(g.path for g in actor.roles)


def course_get_for(*, actor: Actor, course_id: int) -> Course:
    require_member(actor)
    course = Course.objects.select_related("organisation").filter(pk=course_id).first()
    if course is None or not can_see(actor, visibility=Visibility.SUBTREE, organisation=course.organisation):
        raise NotFound(_("No such course."))
    return course


def courses_for(*, actor: Actor) -> list[CourseProgress]:
    """The catalogue with the member's progress through each course."""
    require_member(actor)
    courses = list(Course.objects.filter(courses_q(actor)).select_related("organisation")[:200])
    return [course_progress(actor=actor, course=c) for c in courses]


def course_items(course: Course) -> list[CourseItem]:
    return list(CourseItem.objects.filter(course=course).select_related("meeting").order_by("position"))


def course_progress(*, actor: Actor, course: Course) -> CourseProgress:
    """Each item with whether the member has followed it, and how many they have."""
    items = course_items(course)
    meetings = [i.meeting_id for i in items if i.meeting_id]
    studied = dict(
        StudyTime.objects.filter(member_id=actor.member_id or 0, meeting_id__in=meetings)
        .values("meeting_id")
        .annotate(s=Sum("seconds"))
        .values_list("meeting_id", "s")
    )
    read = set(
        CourseDocumentRead.objects.filter(member_id=actor.member_id or 0, item__in=items).values_list(
            "item_id", flat=True
        )
    )
    rows = []
    for item in items:
        seconds = studied.get(item.meeting_id, 0.0) if item.meeting_id else 0.0
        done = (seconds or 0) > 0 if item.kind == CourseItemKind.LESSON else item.pk in read
        rows.append(
            CourseItemProgress(
                id=item.pk,
                position=item.position,
                kind=cast(ItemKind, item.kind),
                title=item.title,
                meeting=item.meeting_id,
                size=item.size,
                followed=done,
                hours=hours(seconds or 0.0),
            )  # fmt: skip
        )
    return CourseProgress(
        id=course.pk, organisation=course.organisation.name, title=course.title, description=course.description,
        followed=sum(1 for r in rows if r.followed), total=len(rows), items=rows,
    )  # fmt: skip


def course_create(*, by: Actor, organisation_id: int, title: str, description: str = "") -> Course:
    """A lecturer or secretary adds a course to the catalogue of their organisation."""
    organisation = _organisation(organisation_id)
    require(by, Action.TEACH, organisation)
    if not title.strip() or len(title.strip()) > 200:
        raise Invalid(_("The title must have between 1 and 200 characters."))
    clean_title = plain(title, by=by, limit=200)
    clean_description = plain(description, by=by, limit=5_000, required=False)
    with transaction.atomic():
        course = Course.objects.create(organisation=organisation, title=clean_title, description=clean_description,
                                       created_by_id=by.member_id)  # fmt: skip
        archive_append(
            kind="lessons.course.created",
            content_ref=f"course:{course.pk}",
            actor_id=by.member_id,
            payload={"course": course.pk, "organisation": organisation.pk, "title": clean_title},
        )
    return course


def _course_for_teacher(by: Actor, course_id: int) -> Course:
    course = course_get_for(actor=by, course_id=course_id)
    require(by, Action.TEACH, course.organisation)
    if CourseItem.objects.filter(course=course).count() >= MAX_ITEMS:
        raise Invalid(_("A course has at most %(n)s items.") % {"n": MAX_ITEMS})
    return course


def _next_position(course: Course) -> int:
    return (CourseItem.objects.filter(course=course).aggregate(p=Max("position"))["p"] or 0) + 1


def course_add_lesson(*, by: Actor, course_id: int, meeting_id: int) -> CourseItem:
    """Add a party lesson (its live session, then its recording) of the course's organisation
    or of one above or below it."""
    course = _course_for_teacher(by, course_id)
    meeting = Meeting.objects.filter(pk=meeting_id, kind=MeetingKind.LESSON).select_related("organisation").first()
    org = course.organisation
    if meeting is None or not (meeting.organisation.is_within(org) or org.is_within(meeting.organisation)):
        raise Invalid(_("Choose a party lesson of this organisation."))
    with transaction.atomic():
        item = CourseItem.objects.create(course=course, position=_next_position(course), kind=CourseItemKind.LESSON,
                                         title=meeting.title, meeting=meeting)  # fmt: skip
        archive_append(kind="lessons.course.item", content_ref=f"course:{course.pk}", actor_id=by.member_id,
                       payload={"course": course.pk, "item": item.pk, "meeting": meeting.pk})  # fmt: skip
    return item


def max_document_bytes() -> int:
    return int(getattr(settings, "LESSON_SLIDES_MAX_BYTES", 20 * 1024 * 1024))


def course_add_document(*, by: Actor, course_id: int, title: str, name: str, stream: IO[bytes]) -> CourseItem:
    """Add a PDF: typed by its bytes (a PDF and nothing else), size-limited like lesson slides,
    its title and file name through the confidentiality guard."""
    course = _course_for_teacher(by, course_id)
    upload = files.upload_read(
        stream, name=name, limit=max_document_bytes(), types={"application/pdf"}, fallback="document",
        too_large=lambda limit: AttachmentTooLarge(limit=limit),
        refused=lambda: AttachmentRefused(_("Course documents are PDF files.")),
        guard=lambda filename: plain(filename, by=by, limit=200),
    )  # fmt: skip
    document_guard(data=upload.data, content_type=upload.content_type, author=by, organisation=None, word_lists=False)
    data, filename = upload.data, upload.filename
    clean_title = plain(title or filename.rsplit(".", 1)[0], by=by, limit=200)
    with transaction.atomic():
        item = CourseItem(course=course, position=_next_position(course), kind=CourseItemKind.DOCUMENT,
                          title=clean_title, filename=filename, size=len(data))  # fmt: skip
        item.file.save(f"{uuid.uuid4().hex}.pdf", ContentFile(data), save=False)
        item.save()
        archive_append(
            kind="lessons.course.item",
            content_ref=f"course:{course.pk}",
            actor_id=by.member_id,
            payload={"course": course.pk, "item": item.pk, "document": filename, "size": len(data)},
        )
    return item


def course_item_get_for(*, actor: Actor, course_id: int, item_id: int) -> CourseItem:
    course = course_get_for(actor=actor, course_id=course_id)
    item = CourseItem.objects.filter(course=course, pk=item_id).select_related("meeting").first()
    if item is None:
        raise NotFound()
    return item


def course_document_read(*, by: Actor, course_id: int, item_id: int, at: dt.datetime | None = None) -> CourseItem:
    """A member opened a course's document: it counts as followed (the first opening is kept)."""
    item = course_item_get_for(actor=by, course_id=course_id, item_id=item_id)
    if item.kind != CourseItemKind.DOCUMENT:
        raise Invalid(_("A lesson counts through the time spent watching it."))
    if by.member_id is not None:
        try:
            with transaction.atomic():
                CourseDocumentRead.objects.get_or_create(item=item, member_id=by.member_id,
                                                         defaults={"at": at or timezone.now()})  # fmt: skip
        except IntegrityError:
            pass  # two tabs opened it at once: the first opening is kept
    return item


# --- Required hours and progress ------------------------------------------------------------------------


def requirement_set(
    *, by: Actor, organisation_id: int, year: int, status: str, hours_required: int
) -> StudyRequirement:
    """The hours members of ``status`` in the organisation's subtree must study in ``year``."""
    organisation = _organisation(organisation_id)
    require(by, Action.HOST_MEETING, organisation)
    if status not in MemberStatus.values:
        raise Invalid(_("Unknown member status."))
    if not 2000 <= year <= 2100 or not 0 <= hours_required <= MAX_REQUIRED_HOURS:
        raise Invalid(_("Give a year and between 0 and %(n)s hours.") % {"n": MAX_REQUIRED_HOURS})
    with transaction.atomic():
        requirement, _created = StudyRequirement.objects.update_or_create(
            organisation=organisation, year=year, status=status, defaults={"hours": hours_required}
        )
        archive_append(kind="lessons.study.requirement", content_ref=f"organisation:{organisation.pk}",
                       actor_id=by.member_id,
                       payload={"organisation": organisation.pk, "year": year, "status": status,
                                "hours": hours_required})  # fmt: skip
    return requirement


def required_hours(*, member: Member, year: int) -> int | None:
    """The requirement of the nearest organisation above (or at) the member's that set one."""
    chain = member.organisation.ancestor_ids
    found = {
        r.organisation_id: r.hours
        for r in StudyRequirement.objects.filter(organisation_id__in=chain, year=year, status=member.status)
    }
    for org_id in reversed(chain):
        if org_id in found:
            return found[org_id]
    return None


def _percent(done: float, required: int | None) -> int:
    if not required:
        return 100 if required == 0 else 0
    return min(100, round(100 * done / required))


def my_progress(*, actor: Actor, year: int) -> StudyProgressOut:
    """The member's study hours this year against what is required of them."""
    require_member(actor)
    member = Member.objects.select_related("organisation").get(pk=actor.mid)
    total = StudyTime.objects.filter(member=member, year=year).aggregate(s=Sum("seconds"))["s"] or 0.0
    required = required_hours(member=member, year=year)
    return StudyProgressOut(year=year, hours=hours(total), required=required, percent=_percent(hours(total), required))


def organisation_progress(*, actor: Actor, organisation_id: int, year: int) -> OrganisationProgress:
    """Each member's hours against their requirement, for the organisation's secretaries and
    organisers (the study report's rule)."""
    organisation = _organisation(organisation_id)
    report = organisation_study_report(actor=actor, organisation=organisation, year=year)
    members = {m.pk: m for m in Member.objects.filter(pk__in=[r.member_id for r in report.members])
               .select_related("organisation")}  # fmt: skip
    rows = []
    for r in report.members:
        required = required_hours(member=members[r.member_id], year=year)
        rows.append(MemberProgress(**{**r.model_dump(), "percent": _percent(r.hours, required)}, required=required,
                                   met=required is not None and r.hours >= required))  # fmt: skip
    requirements = {r.status: r.hours for r in StudyRequirement.objects.filter(organisation=organisation, year=year)}
    return OrganisationProgress(
        organisation=organisation.pk, name=organisation.name, year=year, members=rows, requirements=requirements,
        may_set=can(actor, Action.HOST_MEETING, organisation),
    )  # fmt: skip


def may_teach(actor: Actor) -> list[Organisation]:
    paths = sorted({g.path for g in actor.roles if g.kind in ("lecturer", "secretary")})
    return list(Organisation.objects.filter(path__in=paths).order_by("path")) if paths else []
