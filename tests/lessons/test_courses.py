"""The online party school: the catalogue, courses of lessons and PDFs, required hours and
progress that counts the existing study time."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone

from forum.errors import AttachmentRefused
from kernel.errors import Forbidden, NotFound
from lessons import courses
from lessons.models import CourseDocumentRead, CourseItem
from lessons.study import study_credit
from meetings import services as meeting_services
from meetings.models import Meeting, MeetingKind, MeetingStatus
from members.access import actor_from_member
from members.models import MemberStatus, RoleKind

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def school(org_tree, member_factory, settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path)
    a = org_tree.branch_a
    secretary = member_factory(a, real_name="王书记", roles=[(RoleKind.SECRETARY, a)])
    lecturer = member_factory(org_tree.committee, real_name="张讲师", roles=[(RoleKind.LECTURER, org_tree.committee)])
    member = member_factory(org_tree.group_a1, real_name="张三")
    probationary = member_factory(a, real_name="预备党员", status=MemberStatus.PROBATIONARY)
    outsider = member_factory(org_tree.branch_b, real_name="外支部")
    now = timezone.now()
    lesson = meeting_services.meeting_schedule(
        by=actor_from_member(secretary), organisation=a, kind=MeetingKind.LESSON, title="党课：学习党章",
        starts_at=now - dt.timedelta(hours=2), ends_at=now - dt.timedelta(hours=1),
    )  # fmt: skip
    Meeting.objects.filter(pk=lesson.pk).update(
        status=MeetingStatus.ENDED, started_at=now - dt.timedelta(hours=2), ended_at=now - dt.timedelta(hours=1)
    )
    return {"tree": org_tree, "secretary": secretary, "lecturer": lecturer, "member": member,
            "probationary": probationary, "outsider": outsider, "lesson": lesson, "now": now}  # fmt: skip


def _course(s):  # type: ignore[no-untyped-def]
    course = courses.course_create(by=actor_from_member(s["lecturer"]), organisation_id=s["tree"].committee.pk,
                                   title="学习党章专题课程", description="党章学习")  # fmt: skip
    courses.course_add_lesson(by=actor_from_member(s["lecturer"]), course_id=course.pk, meeting_id=s["lesson"].pk)
    doc = courses.course_add_document(by=actor_from_member(s["lecturer"]), course_id=course.pk, title="党章全文",
                                      name="党章.pdf", stream=io.BytesIO(PDF))  # fmt: skip
    return course, doc


def test_a_course_is_a_sequence_of_lessons_and_pdfs(school) -> None:  # type: ignore[no-untyped-def]
    course, doc = _course(school)
    assert [(i.position, i.kind) for i in CourseItem.objects.filter(course=course)] == [(1, "lesson"), (2, "document")]
    assert doc.filename == "党章.pdf"
    with pytest.raises(AttachmentRefused):
        courses.course_add_document(by=actor_from_member(school["lecturer"]), course_id=course.pk, title="x",
                                    name="a.pdf", stream=io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"0" * 20))  # fmt: skip
    with pytest.raises(Forbidden):
        courses.course_create(by=actor_from_member(school["member"]), organisation_id=school["tree"].branch_a.pk,
                              title="t")  # fmt: skip
    assert CourseItem.objects.filter(course=course).count() == 2


def test_the_catalogue_follows_the_organisation_tree(school) -> None:  # type: ignore[no-untyped-def]
    course, _doc = _course(school)
    branch_course = courses.course_create(by=actor_from_member(school["secretary"]),
                                          organisation_id=school["tree"].branch_a.pk, title="支部微党课")  # fmt: skip
    mine = [r.id for r in courses.courses_for(actor=actor_from_member(school["member"]))]
    assert set(mine) == {course.pk, branch_course.pk}
    theirs = [r.id for r in courses.courses_for(actor=actor_from_member(school["outsider"]))]
    assert theirs == [course.pk]
    with pytest.raises(NotFound):
        courses.course_get_for(actor=actor_from_member(school["outsider"]), course_id=branch_course.pk)


def test_following_counts_study_time_and_opened_documents(school) -> None:  # type: ignore[no-untyped-def]
    course, doc = _course(school)
    me = actor_from_member(school["member"])
    assert courses.course_progress(actor=me, course=course).followed == 0
    study_credit(meeting_id=school["lesson"].pk, member_id=school["member"].pk, seconds=600, source="live",
                 at=school["now"] - dt.timedelta(hours=1, minutes=30))  # fmt: skip
    courses.course_document_read(by=me, course_id=course.pk, item_id=doc.pk)
    courses.course_document_read(by=me, course_id=course.pk, item_id=doc.pk)
    progress = courses.course_progress(actor=me, course=course)
    assert (progress.followed, progress.total) == (2, 2)
    assert CourseDocumentRead.objects.count() == 1


def test_required_hours_per_status_nearest_organisation_wins(school) -> None:  # type: ignore[no-untyped-def]
    year = school["now"].year
    secretary = actor_from_member(school["secretary"])
    with pytest.raises(Forbidden):  # a lecturer teaches; the secretary and organiser set the hours
        courses.requirement_set(by=actor_from_member(school["lecturer"]), organisation_id=school["tree"].committee.pk,
                                year=year, status="full", hours_required=32)  # fmt: skip
    courses.requirement_set(by=secretary, organisation_id=school["tree"].branch_a.pk, year=year, status="full",
                            hours_required=2)  # fmt: skip
    courses.requirement_set(by=secretary, organisation_id=school["tree"].branch_a.pk, year=year,
                            status="probationary", hours_required=4)  # fmt: skip
    with pytest.raises(Exception) as caught:
        courses.requirement_set(by=secretary, organisation_id=school["tree"].branch_a.pk, year=year, status="full",
                                hours_required=-1)  # fmt: skip
    assert getattr(caught.value, "code", "") == "invalid"
    study_credit(meeting_id=school["lesson"].pk, member_id=school["member"].pk, seconds=3600, source="live",
                 at=school["now"] - dt.timedelta(hours=1))  # fmt: skip
    mine = courses.my_progress(actor=actor_from_member(school["member"]), year=year)
    assert (mine.hours, mine.required, mine.percent) == (1.0, 2, 50)
    report = courses.organisation_progress(actor=secretary, organisation_id=school["tree"].branch_a.pk, year=year)
    rows = {r.real_name: r for r in report.members}
    assert rows["张三"].required == 2 and rows["预备党员"].required == 4 and not rows["张三"].met
    with pytest.raises(Forbidden):
        courses.organisation_progress(actor=actor_from_member(school["member"]),
                                      organisation_id=school["tree"].branch_a.pk, year=year)  # fmt: skip


def test_course_pages(school, client_for) -> None:  # type: ignore[no-untyped-def]
    course, doc = _course(school)
    client = client_for(school["member"])
    assert "学习党章专题课程" in client.get("/branch/courses/").content.decode()
    page = client.get(f"/branch/courses/{course.pk}/").content.decode()
    assert "0/2" in page
    response = client.get(f"/branch/courses/{course.pk}/items/{doc.pk}/")
    assert response["Content-Type"] == "application/pdf" and response["X-Content-Type-Options"] == "nosniff"
    assert "1/2" in client.get(f"/branch/courses/{course.pk}/").content.decode()
    branch_course = courses.course_create(by=actor_from_member(school["secretary"]),
                                          organisation_id=school["tree"].branch_a.pk, title="支部微党课")  # fmt: skip
    assert client_for(school["outsider"]).get(f"/branch/courses/{branch_course.pk}/").status_code == 404


def test_courses_over_the_api(school, client_for) -> None:  # type: ignore[no-untyped-def]
    lecturer = client_for(school["lecturer"])
    r = lecturer.post("/api/branch/courses", {"organisation": school["tree"].committee.pk, "title": "党史专题"},
                      content_type="application/json")  # fmt: skip
    assert r.status_code == 201
    course_id = r.json()["id"]
    r = lecturer.post(f"/api/branch/courses/{course_id}/lessons", {"meeting": school["lesson"].pk},
                      content_type="application/json")  # fmt: skip
    assert r.status_code == 201 and r.json()["items"][0]["kind"] == "lesson"
    pdf = io.BytesIO(PDF)
    pdf.name = "党史.pdf"
    r = lecturer.post(f"/api/branch/courses/{course_id}/documents", {"file": pdf, "title": "党史读本"})
    assert r.status_code == 201 and [i["title"] for i in r.json()["items"]] == ["党课：学习党章", "党史读本"]
    member = client_for(school["member"])
    assert member.get(f"/api/branch/courses/{course_id}").json()["followed"] == 0
    url = f"/api/branch/study/organisations/{school['tree'].branch_a.pk}/requirements"
    r = member.put(url, {"year": school["now"].year, "status": "full", "hours": 8}, content_type="application/json")
    assert r.status_code == 403
    r = client_for(school["secretary"]).put(
        f"/api/branch/study/organisations/{school['tree'].branch_a.pk}/requirements",
        {"year": school["now"].year, "status": "full", "hours": 501},
        content_type="application/json",
    )
    assert r.status_code == 400 and r.json()["code"] == "bad_request"
    assert member.get("/api/branch/study/me").json()["hours"] == 0.0
