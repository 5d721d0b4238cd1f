"""The branch's JSON API, mounted at /api/branch/. Thin: parse, call one service or selector."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils import timezone
from ninja import File, Form, Router
from ninja.files import UploadedFile
from ninja.responses import Status

from branch import selectors, services
from branch.models import Appraisal
from branch.schemas import (
    AppraisalIn,
    AppraisalOut,
    BranchMonthOut,
    ConclusionIn,
    CountOut,
    CourseIn,
    CourseLessonIn,
    CourseOut,
    DuesRowOut,
    MeetingLinkIn,
    MemberYearOut,
    NoticeIn,
    NoticeListItemOut,
    NoticeOut,
    OrganisationProgressOut,
    PaymentDecisionIn,
    PaymentIn,
    PaymentOut,
    RatingsIn,
    ReceiptsOut,
    RemindersOut,
    RequirementIn,
    StandardIn,
    StandardOut,
    TextIn,
    YearChartOut,
)
from kernel.ids import Id, Year
from lessons import courses
from lessons.models import Course
from lessons.schemas import StudyProgressOut
from members.access import Actor, actor_for
from realtime.services import stream_head

router = Router(tags=["branch"])


def _actor(request: HttpRequest) -> Actor:
    return actor_for(request.user)


def _this_year() -> int:
    return timezone.localdate().year


# --- Dues ------------------------------------------------------------------------------------------


def _member_year(actor: Actor, member_id: int, year: int | None) -> MemberYearOut:
    return MemberYearOut.of(selectors.dues_member_year(actor=actor, member_id=member_id, year=year or _this_year()))


@router.get("/dues/me", response=MemberYearOut)
def dues_me(request: HttpRequest, year: Year | None = None) -> MemberYearOut:
    """My dues: the standard, each month of the year, arrears, my payments."""
    actor = _actor(request)
    return _member_year(actor, actor.mid, year)


@router.get("/dues/members/{member_id}", response=MemberYearOut)
def dues_member(request: HttpRequest, member_id: Id, year: Year | None = None) -> MemberYearOut:
    """A member's dues (the member and their branch's secretary and organiser)."""
    return _member_year(_actor(request), member_id, year)


@router.put("/dues/members/{member_id}/standard", response=StandardOut)
def dues_standard_set(request: HttpRequest, member_id: Id, payload: StandardIn) -> StandardOut | None:
    """Set the member's yearly standard from the declared monthly income base (fen)."""
    standard = services.dues_standard_set(by=_actor(request), member_id=member_id, **payload.dict())
    return StandardOut.of(standard) if standard else None


@router.post("/dues/members/{member_id}/payments", response={201: PaymentOut})
def dues_payment_record(request: HttpRequest, member_id: Id, payload: PaymentIn) -> Status[PaymentOut]:
    """The branch records a payment it received (confirmed at once)."""
    payment = services.dues_payment_record(by=_actor(request), member_id=member_id, **payload.dict())
    return Status(201, PaymentOut.of(payment))


@router.post("/dues/payments", response={201: PaymentOut})
def dues_payment_declare(request: HttpRequest, payload: PaymentIn) -> Status[PaymentOut]:
    """Declare a payment of my own dues; the branch confirms it."""
    payment = services.dues_payment_declare(by=_actor(request), **payload.dict())
    return Status(201, PaymentOut.of(payment))


@router.post("/dues/payments/{payment_id}/decision", response=PaymentOut)
def dues_payment_decide(request: HttpRequest, payment_id: Id, payload: PaymentDecisionIn) -> PaymentOut:
    return PaymentOut.of(
        services.dues_payment_decide(by=_actor(request), payment_id=payment_id, confirm=payload.confirm)
    )


@router.get("/dues/branches/{organisation_id}/month", response=BranchMonthOut)
def dues_branch_month(request: HttpRequest, organisation_id: Id, month: dt.date | None = None) -> BranchMonthOut:
    """The branch's month: paid, due, arrears and months overdue per member."""
    when = month or timezone.localdate()
    branch, rows = selectors.dues_branch_month(actor=_actor(request), organisation_id=organisation_id, month=when)
    return BranchMonthOut(organisation=branch.pk, month=when.replace(day=1), rows=[DuesRowOut.of(r) for r in rows])


@router.post("/dues/branches/{organisation_id}/reminders", response=RemindersOut)
def dues_reminders(request: HttpRequest, organisation_id: Id) -> dict[str, list[int]]:
    """Remind members three months behind; warn the secretary of those six behind (report only)."""
    return services.dues_reminders_send(by=_actor(request), organisation_id=organisation_id)


@router.get("/dues/organisations/{organisation_id}/year/{year}", response=YearChartOut)
def dues_year(request: HttpRequest, organisation_id: Id, year: Year) -> YearChartOut:
    """Due and paid per month for an organisation's subtree, and per branch below it."""
    return YearChartOut.of(selectors.dues_year_chart(actor=_actor(request), organisation_id=organisation_id, year=year))


# --- Notices ---------------------------------------------------------------------------------------


@router.get("/notices", response=list[NoticeListItemOut])
def notices(request: HttpRequest) -> list[NoticeListItemOut]:
    """My notices, unread first."""
    return [NoticeListItemOut.of(r) for r in selectors.notices_for(actor=_actor(request))]


@router.post("/notices", response={201: NoticeOut})
def notice_publish(
    request: HttpRequest, payload: Form[NoticeIn], files: File[list[UploadedFile] | None] = None
) -> Status[NoticeOut]:
    """Publish a notice (multipart form; ``files`` are checked like every upload)."""
    actor = _actor(request)
    notice = services.notice_publish(
        by=actor, organisation_id=payload.organisation, title=payload.title, body=payload.body,
        requires_confirmation=payload.requires_confirmation, member_ids=payload.members,
        uploads=[(f.name or "file", f) for f in files or []],
    )  # fmt: skip
    return Status(201, NoticeOut.of(notice, None))


@router.get("/notices/{notice_id}", response=NoticeOut)
def notice_get(request: HttpRequest, notice_id: Id) -> NoticeOut:
    """A notice (reading it does not mark it read: POST …/read does, as opening the page does)."""
    actor = _actor(request)
    notice = selectors.notice_get_for(actor=actor, notice_id=notice_id)
    return NoticeOut.of(notice, selectors.notice_receipt(actor=actor, notice=notice))


@router.post("/notices/{notice_id}/read", response=NoticeOut)
def notice_read(request: HttpRequest, notice_id: Id) -> NoticeOut:
    actor = _actor(request)
    receipt = services.notice_read(by=actor, notice_id=notice_id)
    return NoticeOut.of(selectors.notice_get_for(actor=actor, notice_id=notice_id), receipt)


@router.post("/notices/{notice_id}/confirm", response=NoticeOut)
def notice_confirm(request: HttpRequest, notice_id: Id) -> NoticeOut:
    actor = _actor(request)
    receipt = services.notice_confirm(by=actor, notice_id=notice_id)
    return NoticeOut.of(selectors.notice_get_for(actor=actor, notice_id=notice_id), receipt)


@router.get("/notices/{notice_id}/receipts", response=ReceiptsOut)
def notice_receipts(request: HttpRequest, notice_id: Id) -> ReceiptsOut:
    """Who has read and confirmed, per organisation (the publisher); follow ``stream`` from ``seq``."""
    notice, groups = selectors.notice_receipts_by_organisation(actor=_actor(request), notice_id=notice_id)
    return ReceiptsOut.of(notice, groups, seq=stream_head(stream=notice.stream))


@router.post("/notices/{notice_id}/remind", response=CountOut)
def notice_remind(request: HttpRequest, notice_id: Id) -> CountOut:
    """Remind those who have not read it (or not confirmed it); how many were reminded."""
    return CountOut(count=services.notice_remind(by=_actor(request), notice_id=notice_id))


# --- Appraisal ---------------------------------------------------------------------------------------


def _appraisal_out(actor: Actor, appraisal: Appraisal) -> AppraisalOut:
    return AppraisalOut.of(selectors.appraisal_view_for(actor=actor, appraisal=appraisal))


@router.post("/appraisals", response={201: AppraisalOut})
def appraisal_open(request: HttpRequest, payload: AppraisalIn) -> Status[AppraisalOut]:
    actor = _actor(request)
    appraisal = services.appraisal_open(
        by=actor, organisation_id=payload.organisation, year=payload.year, rating_starts=payload.rating_starts,
        rating_ends=payload.rating_ends, meeting_id=payload.meeting,
    )  # fmt: skip
    return Status(201, _appraisal_out(actor, appraisal))


@router.get("/appraisals/{appraisal_id}", response=AppraisalOut)
def appraisal_get(request: HttpRequest, appraisal_id: Id) -> AppraisalOut:
    actor = _actor(request)
    return _appraisal_out(actor, selectors.appraisal_get_for(actor=actor, appraisal_id=appraisal_id))


@router.put("/appraisals/{appraisal_id}/meeting", response=AppraisalOut)
def appraisal_meeting(request: HttpRequest, appraisal_id: Id, payload: MeetingLinkIn) -> AppraisalOut:
    actor = _actor(request)
    appraisal = services.appraisal_link_meeting(by=actor, appraisal_id=appraisal_id, meeting_id=payload.meeting)
    return _appraisal_out(actor, appraisal)


@router.put("/appraisals/{appraisal_id}/self-assessment", response=AppraisalOut)
def self_assessment(request: HttpRequest, appraisal_id: Id, payload: TextIn) -> AppraisalOut:
    actor = _actor(request)
    services.self_assessment_save(by=actor, appraisal_id=appraisal_id, text=payload.text)
    return _appraisal_out(actor, selectors.appraisal_get_for(actor=actor, appraisal_id=appraisal_id))


@router.post("/appraisals/{appraisal_id}/ratings", response={201: CountOut})
def ratings(request: HttpRequest, appraisal_id: Id, payload: RatingsIn) -> Status[CountOut]:
    """Rate peers, once, during the rating period; a member twice in the list is refused."""
    pairs = [(r.member, r.grade) for r in payload.ratings]
    count = services.ratings_cast(by=_actor(request), appraisal_id=appraisal_id, ratings=pairs)
    return Status(201, CountOut(count=count))


@router.post("/appraisals/{appraisal_id}/conclusions", response=AppraisalOut)
def conclusion(request: HttpRequest, appraisal_id: Id, payload: ConclusionIn) -> AppraisalOut:
    actor = _actor(request)
    services.conclusion_record(by=actor, appraisal_id=appraisal_id, member_id=payload.member, grade=payload.grade,
                               reasons=payload.reasons)  # fmt: skip
    return _appraisal_out(actor, selectors.appraisal_get_for(actor=actor, appraisal_id=appraisal_id))


@router.post("/appraisals/{appraisal_id}/announce", response=AppraisalOut)
def announce(request: HttpRequest, appraisal_id: Id) -> AppraisalOut:
    actor = _actor(request)
    return _appraisal_out(actor, services.appraisal_announce(by=actor, appraisal_id=appraisal_id))


# --- The online party school -------------------------------------------------------------------------


def _course_out(actor: Actor, course: Course) -> CourseOut:
    return CourseOut.of(courses.course_progress(actor=actor, course=course))


@router.get("/courses", response=list[CourseOut])
def course_list(request: HttpRequest) -> list[CourseOut]:
    """The party school's catalogue with my progress through each course."""
    actor = _actor(request)
    return [CourseOut.of(progress) for progress in courses.courses_for(actor=actor)]


@router.post("/courses", response={201: CourseOut})
def course_create(request: HttpRequest, payload: CourseIn) -> Status[CourseOut]:
    actor = _actor(request)
    course = courses.course_create(by=actor, organisation_id=payload.organisation, title=payload.title,
                                   description=payload.description)  # fmt: skip
    return Status(201, _course_out(actor, course))


@router.get("/courses/{course_id}", response=CourseOut)
def course_get(request: HttpRequest, course_id: Id) -> CourseOut:
    actor = _actor(request)
    return _course_out(actor, courses.course_get_for(actor=actor, course_id=course_id))


@router.post("/courses/{course_id}/lessons", response={201: CourseOut})
def course_add_lesson(request: HttpRequest, course_id: Id, payload: CourseLessonIn) -> Status[CourseOut]:
    actor = _actor(request)
    courses.course_add_lesson(by=actor, course_id=course_id, meeting_id=payload.meeting)
    return Status(201, _course_out(actor, courses.course_get_for(actor=actor, course_id=course_id)))


@router.post("/courses/{course_id}/documents", response={201: CourseOut})
def course_add_document(
    request: HttpRequest, course_id: Id, file: File[UploadedFile], title: Form[str] = ""
) -> Status[CourseOut]:
    """Add a PDF (multipart ``file``, optional ``title``)."""
    actor = _actor(request)
    courses.course_add_document(by=actor, course_id=course_id, title=title[:200], name=file.name or "", stream=file)
    return Status(201, _course_out(actor, courses.course_get_for(actor=actor, course_id=course_id)))


@router.get("/study/me", response=StudyProgressOut)
def study_me(request: HttpRequest, year: Year | None = None) -> StudyProgressOut:
    """My study hours this year (live and replays of lessons) against what is required of me."""
    return courses.my_progress(actor=_actor(request), year=year or _this_year())


@router.get("/study/organisations/{organisation_id}", response=OrganisationProgressOut)
def study_organisation(request: HttpRequest, organisation_id: Id, year: Year | None = None) -> OrganisationProgressOut:
    report = courses.organisation_progress(actor=_actor(request), organisation_id=organisation_id,
                                           year=year or _this_year())  # fmt: skip
    return OrganisationProgressOut.of(report)


@router.put("/study/organisations/{organisation_id}/requirements", response=StudyProgressOut)
def study_requirement(request: HttpRequest, organisation_id: Id, payload: RequirementIn) -> StudyProgressOut:
    """Set the hours members of one status must study in a year (secretaries and organisers)."""
    actor = _actor(request)
    courses.requirement_set(by=actor, organisation_id=organisation_id, year=payload.year, status=payload.status,
                            hours_required=payload.hours)  # fmt: skip
    return courses.my_progress(actor=actor, year=payload.year)
