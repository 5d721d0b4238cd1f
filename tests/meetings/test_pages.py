from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from meetings import lifecycle, services, votes
from meetings.models import LeaveStatus, Meeting, Minutes
from members.models import RoleKind
from tests.meetings.conftest import enter_and_join

pytestmark = pytest.mark.django_db


def test_secretary_schedules_from_the_form_and_members_see_it_on_home_and_calendar(
    org_tree, member_factory, client_for
):
    secretary = member_factory(org_tree.branch_a, roles=[(RoleKind.SECRETARY, org_tree.branch_a)])
    member = member_factory(org_tree.group_a1)
    client = client_for(secretary)
    form = client.get("/meetings/new/").content.decode()
    assert "第一党支部" in form and "第二党支部" not in form  # only where the secretary may host
    start = timezone.localtime() + dt.timedelta(days=2)
    response = client.post(
        "/meetings/new/",
        {
            "organisation": org_tree.branch_a.pk,
            "kind": "branch_general",
            "title": "十一月支部党员大会",
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "agenda": "学习文件\n组织生活",
        },
    )
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/meetings/{meeting.pk}/"
    assert meeting.agenda == ["学习文件", "组织生活"]
    member_client = client_for(member)
    assert "十一月支部党员大会" in member_client.get("/").content.decode()
    calendar = member_client.get(f"/meetings/?year={start.year}&month={start.month}").content.decode()
    assert calendar.count("十一月支部党员大会") == 2  # upcoming list and the month
    assert "安排会议" not in calendar  # members cannot schedule

    refused = member_client.post("/meetings/new/", {"organisation": org_tree.branch_a.pk})
    assert Meeting.objects.count() == 1 and refused.status_code == 200


def test_calendar_dates_read_the_site_clock_in_chinese_and_in_english(org_tree, member_factory, actor_of, client_for):
    secretary = member_factory(org_tree.branch_a, roles=[(RoleKind.SECRETARY, org_tree.branch_a)])
    start = timezone.localtime().replace(hour=19, minute=30) + dt.timedelta(days=3)
    services.meeting_schedule(
        by=actor_of(secretary), organisation=org_tree.branch_a, kind="branch_general", title="大会",
        starts_at=start, ends_at=start + dt.timedelta(hours=1),
    )  # fmt: skip
    client = client_for(secretary)
    url = f"/meetings/?year={start.year}&month={start.month}"
    chinese = client.get(url).content.decode()
    assert f"{start:%Y-%m-%d} 19:30" in chinese and f"{start.year}年{start.month}月" in chinese
    client.cookies["django_language"] = "en"
    english = client.get(url).content.decode()
    assert "月" not in english and "日" not in english
    assert start.strftime("%B %Y") in english and f"{start:%Y-%m-%d} 19:30" in english


def test_leave_request_from_the_meeting_page(org_tree, member_factory, actor_of, client_for):
    secretary = member_factory(org_tree.branch_a, roles=[(RoleKind.SECRETARY, org_tree.branch_a)])
    member = member_factory(org_tree.branch_a)
    start = timezone.now() + dt.timedelta(days=1)
    meeting = services.meeting_schedule(
        by=actor_of(secretary), organisation=org_tree.branch_a, kind="branch_general", title="大会",
        starts_at=start, ends_at=start + dt.timedelta(hours=1),
    )  # fmt: skip
    client_for(member).post(f"/meetings/{meeting.pk}/", {"action": "leave", "reason": "在外地务工"})
    request = meeting.leave_requests.get()
    host_page = client_for(secretary).get(f"/meetings/{meeting.pk}/").content.decode()
    assert "在外地务工" in host_page
    assert "待审批" in host_page and ">批准</button>" in host_page  # leave words, not the moderators' 待审核/通过
    client_for(secretary).post(f"/meetings/{meeting.pk}/", {"action": "approve", "request": request.pk})
    request.refresh_from_db()
    assert request.status == LeaveStatus.APPROVED
    # Another member cannot decide on it.
    other = member_factory(org_tree.branch_a)
    client_for(other).post(f"/meetings/{meeting.pk}/", {"action": "decline", "request": request.pk})
    request.refresh_from_db()
    assert request.status == LeaveStatus.APPROVED


def test_minutes_page_finalises_and_locks(actor_of, client_for, branch_meeting):
    meeting = branch_meeting.meeting
    enter_and_join(actor_of(branch_meeting.full[0]), meeting)
    host = actor_of(branch_meeting.secretary)
    motion = votes.motion_open(by=host, meeting=meeting, title="关于发展对象的决议")
    votes.motion_close(by=host, motion=motion)
    lifecycle.meeting_end(by=host, meeting=meeting)
    client = client_for(branch_meeting.secretary)
    client.post(f"/meetings/{meeting.pk}/minutes/", {"text": "会议决定……", "finalise": "1"})
    minutes = Minutes.objects.get(meeting=meeting)
    assert minutes.finalised_at is not None and minutes.archive_seq
    page = client_for(branch_meeting.full[1]).get(f"/meetings/{meeting.pk}/minutes/").content.decode()
    assert "会议决定……" in page and branch_meeting.full[0].real_name in page
    assert f"<h1>会议记录：{meeting.title}</h1>" in page and f"出席：{branch_meeting.full[0].real_name}" in page
    # The vote reads as words, the same as on the meeting's page (one present of five eligible:
    # no quorum, said once), with its counts, never as a stored code.
    detail = client_for(branch_meeting.full[1]).get(f"/meetings/{meeting.pk}/").content.decode()
    for shown in (page, detail):
        assert "<h3>关于发展对象的决议" in shown and "<strong>未达到法定人数</strong>" in shown
        assert shown.count("法定人数") == 1
        for option in ("赞成", "反对", "弃权"):
            assert f"<li>{option} <strong>0</strong></li>" in shown
    assert "no_quorum" not in page
    assert "<textarea" not in page


def test_statistics_page_and_csv_export(org_tree, actor_of, client_for, branch_meeting):
    meeting = branch_meeting.meeting
    enter_and_join(actor_of(branch_meeting.full[0]), meeting)
    lifecycle.meeting_end(by=actor_of(branch_meeting.secretary), meeting=meeting)
    start = timezone.localtime(meeting.starts_at)
    query = f"year={start.year}&quarter={(start.month - 1) // 3 + 1}"
    client = client_for(branch_meeting.secretary)
    page = client.get(f"/meetings/stats/{org_tree.branch_a.pk}/?{query}").content.decode()
    assert "第三季度支部党员大会" in page and "1 / 1" in page
    assert "<th>分钟</th>" in page  # minutes present, not 会议记录 (the meeting's minutes)
    # Charts beside the tables, drawn on the server: one bar per meeting and per member.
    assert page.count('<svg class="bar-chart"') == 3
    present = branch_meeting.full[0].real_name
    assert f"<title>{present}: 100%</title>" in page
    assert 'width="256.0" height="12" rx="3" class="bar-chart-fill"' in page
    assert f"<title>{branch_meeting.full[1].real_name}: 0%</title>" in page
    assert "<script" not in page.split("<main", 1)[1] and "style=" not in page
    export = client.get(f"/meetings/stats/{org_tree.branch_a.pk}/?{query}&format=csv")
    assert export["Content-Type"].startswith("text/csv")
    text = export.content.decode("utf-8-sig")
    assert "第三季度支部党员大会" in text and branch_meeting.full[0].real_name in text and ",分钟," in text
    assert client_for(branch_meeting.full[0]).get(f"/meetings/stats/{org_tree.branch_a.pk}/").status_code == 403


def test_the_room_page_carries_the_one_flag_dialog_in_chinese(client_for, branch_meeting):
    page = client_for(branch_meeting.full[0]).get(f"/meetings/{branch_meeting.meeting.pk}/room/").content.decode()
    assert page.count('<dialog id="flag-dialog"') == 1
    for reason in ("垃圾信息", "辱骂攻击", "偏离主题", "涉密内容", "其他"):
        assert reason in page, reason
    assert 'data-received="举报已收到' in page and 'data-flagged="已举报"' in page
