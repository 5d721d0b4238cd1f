"""Demo data for the branch's affairs (``manage.py load_demo``): a year of dues with some arrears
and a declaration to confirm, two notices (one half read), an appraisal in its rating period held
in an organisational-life meeting. Written through the services; loading again adds nothing."""

from __future__ import annotations

import datetime as dt
import io

from django.utils import timezone

from branch import services
from branch.dues_rules import add_months, month_start
from branch.models import Appraisal, DuesStandard, Notice
from lessons import courses
from lessons.models import Course
from meetings import services as meeting_services
from meetings.models import Meeting, MeetingKind
from members.access import Actor, actor_from_member
from members.models import Member, MemberStatus, Organisation

# Months behind for a few demo members (others have paid up to last month; one prepaid).
BEHIND = {"member6": 4, "member5": 7}
INCOMES = [2_800_00, 4_500_00, 6_200_00, 12_000_00, 3_600_00, 8_800_00]


def _actor(member: Member) -> Actor:
    return actor_from_member(Member.objects.select_related("organisation").get(pk=member.pk))


def demo_branch(branch: Organisation) -> None:
    secretary = _actor(Member.objects.get(user__username="secretary"))
    members = list(Member.objects.filter(organisation__path__startswith=branch.path).order_by("pk"))
    _dues(branch, secretary, members)
    _notices(branch, secretary, members)
    _appraisal(branch, secretary, members)
    _course(branch, secretary)


def _dues(branch: Organisation, secretary: Actor, members: list[Member]) -> None:
    today = timezone.localdate()
    this = month_start(today)
    january = dt.date(today.year, 1, 1)
    for i, member in enumerate(members):
        if DuesStandard.objects.filter(member=member, year=today.year).exists():
            continue
        retired = i % 7 == 6
        services.dues_standard_set(
            by=secretary, member_id=member.pk, category="retired" if retired else "employed",
            income_fen=INCOMES[i % len(INCOMES)], year=today.year, effective_from=january,
        )  # fmt: skip
        monthly = DuesStandard.objects.get(member=member, year=today.year).monthly_fen
        username = member.user.get_username()
        paid_until = add_months(this, -1 - BEHIND.get(username, 0))  # last month, or behind
        if username == "member1":
            paid_until = add_months(this, 2)  # prepaid a quarter
        months = (paid_until.year - january.year) * 12 + paid_until.month - january.month + 1
        if months > 0:
            services.dues_payment_record(
                by=secretary, member_id=member.pk, first_month=january, months=min(months, 24),
                amount_fen=monthly * min(months, 24), method="transfer", paid_on=today,
            )  # fmt: skip
        if username == "member2":  # a declaration waiting for the branch
            services.dues_payment_declare(
                by=_actor(member), first_month=this, months=1, amount_fen=monthly, method="mobile", paid_on=today,
                reference="微信转账",
            )  # fmt: skip


NOTICES = [
    (
        "关于开展主题党日活动的通知",
        "请各位党员本月 20 日下午 3 点到党员活动室参加主题党日活动，无法参加的请向支部书记请假。",
        True,
    ),
    (
        "关于按时交纳党费的提醒",
        "请尚未交纳本季度党费的同志尽快交纳，可现金交给组织委员或转账后在“我的党费”中申报。",
        False,
    ),
]


def _notices(branch: Organisation, secretary: Actor, members: list[Member]) -> None:
    for title, body, confirm in NOTICES:
        if Notice.objects.filter(organisation=branch, title=title).exists():
            continue
        notice = services.notice_publish(by=secretary, organisation_id=branch.pk, title=title, body=body,
                                         requires_confirmation=confirm)  # fmt: skip
        for member in members[: len(members) // 2]:
            if member.pk == secretary.member_id:
                continue
            services.notice_read(by=_actor(member), notice_id=notice.pk)
            if confirm and member.pk % 2:
                services.notice_confirm(by=_actor(member), notice_id=notice.pk)


SELF_ASSESSMENT = "本年度认真学习党的理论，按时交纳党费，积极参加组织生活，不足是联系群众还不够。"


def _appraisal(branch: Organisation, secretary: Actor, members: list[Member]) -> None:
    now = timezone.now()
    if Appraisal.objects.filter(organisation=branch, year=now.year).exists():
        return
    title = f"{now.year}年度组织生活会暨民主评议党员"
    meeting = Meeting.objects.filter(organisation=branch, title=title).first()
    if meeting is None:
        starts = timezone.localtime().replace(hour=14, minute=30, second=0, microsecond=0) + dt.timedelta(days=10)
        meeting = meeting_services.meeting_schedule(
            by=secretary, organisation=branch, kind=MeetingKind.ORG_LIFE, title=title, starts_at=starts,
            ends_at=starts + dt.timedelta(hours=2), agenda=["对照检查", "批评与自我批评", "民主评议党员"],
        )  # fmt: skip
    appraisal = services.appraisal_open(
        by=secretary, organisation_id=branch.pk, year=now.year, rating_starts=now - dt.timedelta(days=1),
        rating_ends=now + dt.timedelta(days=14), meeting_id=meeting.pk,
    )  # fmt: skip
    appraised = [m for m in members if m.status in (MemberStatus.FULL, MemberStatus.PROBATIONARY)]
    for rater in appraised[:3]:
        services.self_assessment_save(by=_actor(rater), appraisal_id=appraisal.pk, text=SELF_ASSESSMENT)
        services.ratings_cast(
            by=_actor(rater), appraisal_id=appraisal.pk,
            ratings=[(m.pk, "excellent" if i % 3 == 0 else "qualified") for i, m in enumerate(appraised) if m != rater],
        )  # fmt: skip


def _course(branch: Organisation, secretary: Actor) -> None:
    """A course of the demo's party lesson and a short PDF, and the year's required hours."""
    title = "学习党章专题课程"
    if Course.objects.filter(organisation=branch, title=title).exists():
        return
    course = courses.course_create(by=secretary, organisation_id=branch.pk, title=title,
                                   description="结合支部党课学习党章，阅读党章全文。")  # fmt: skip
    lesson = Meeting.objects.filter(organisation=branch, kind=MeetingKind.LESSON).order_by("starts_at").first()
    if lesson is not None:
        courses.course_add_lesson(by=secretary, course_id=course.pk, meeting_id=lesson.pk)
    courses.course_add_document(by=secretary, course_id=course.pk, title="中国共产党章程（学习材料）",
                                name="党章学习材料.pdf", stream=io.BytesIO(DEMO_PDF))  # fmt: skip
    year = timezone.localdate().year
    for status, hours_required in ((MemberStatus.FULL, 32), (MemberStatus.PROBATIONARY, 40)):
        courses.requirement_set(by=secretary, organisation_id=branch.pk, year=year, status=status,
                                hours_required=hours_required)  # fmt: skip


# A one-page PDF with no text (the demo has no PDF library; a real course uploads real files).
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
