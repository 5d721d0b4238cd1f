"""The online party school on a phone: a member follows a course and sees the year's hours."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from pathlib import Path

from django.utils import timezone

from lessons import courses
from lessons.study import study_credit
from meetings import services as meeting_services
from meetings.models import Meeting, MeetingKind, MeetingStatus
from members.access import actor_from_member
from members.models import RoleKind
from tests.browser.test_forum_live import log_in

SHOTS = Path(__file__).resolve().parents[2] / "var" / "journeys"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_a_member_follows_a_course(live_server_url, new_page, org_tree, member_factory, settings, tmp_path):  # type: ignore[no-untyped-def]
    u = uuid.uuid4().hex[:6]
    a = org_tree.branch_a
    member = member_factory(org_tree.group_a1, username=f"m{u}", real_name="张三")
    secretary = member_factory(a, real_name="王书记", roles=[(RoleKind.SECRETARY, a)])
    sec = actor_from_member(secretary)
    now = timezone.now()
    lesson = meeting_services.meeting_schedule(by=sec, organisation=a, kind=MeetingKind.LESSON, title="党课：学习党章",
                                               starts_at=now - dt.timedelta(hours=3),
                                               ends_at=now - dt.timedelta(hours=2))  # fmt: skip
    Meeting.objects.filter(pk=lesson.pk).update(status=MeetingStatus.ENDED, started_at=now - dt.timedelta(hours=3),
                                                ended_at=now - dt.timedelta(hours=1))  # fmt: skip
    course = courses.course_create(by=sec, organisation_id=a.pk, title="学习党章专题课程", description="三讲一文")
    courses.course_add_lesson(by=sec, course_id=course.pk, meeting_id=lesson.pk)
    courses.course_add_document(by=sec, course_id=course.pk, title="中国共产党章程", name="党章.pdf",
                                stream=io.BytesIO(PDF))  # fmt: skip
    courses.requirement_set(by=sec, organisation_id=a.pk, year=now.year, status="full", hours_required=4)
    # The member watched the lesson live for an hour: the existing study time counts.
    study_credit(meeting_id=lesson.pk, member_id=member.pk, seconds=3600, source="live", at=now - dt.timedelta(hours=2))

    page = new_page(width=360, height=740, locale="zh-CN")
    log_in(page, live_server_url, f"m{u}")
    page.goto(live_server_url + "/branch/courses/")
    progress = page.locator("#my-progress")
    assert "1.0" in progress.inner_text() and "4" in progress.inner_text()
    assert progress.locator("progress").get_attribute("value") == "25"
    page.get_by_role("link", name="学习党章专题课程").click()
    assert "1/2" in page.locator("#course-progress").inner_text()
    assert page.locator(".course-item.done").count() == 1  # the lesson, through its study time
    with page.context.expect_page() as opened:
        page.get_by_role("link", name="中国共产党章程").click()
    opened.value.close()
    page.reload()
    assert "2/2" in page.locator("#course-progress").inner_text()
    assert page.locator(".course-item.done").count() == 2
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "course-followed.png"), full_page=True)
