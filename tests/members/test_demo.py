from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from members.models import Member, Organisation, RoleKind

pytestmark = pytest.mark.django_db


def test_demo_loads_once_with_every_demo_login():
    call_command("load_demo")
    call_command("load_demo")
    usernames = set(Member.objects.values_list("user__username", flat=True))
    expected = {"secretary", "organiser", "lecturer", "moderator", "inspector", "migrant1", "activist1"}
    expected |= {f"member{i}" for i in range(1, 13)} | {"applicant1", "candidate1"}
    assert usernames == expected
    assert Organisation.objects.filter(kind="branch").count() == 2
    assert authenticate(username="member1", password="demo-pass-2024") is not None
    secretary = Member.objects.get(user__username="secretary")
    assert secretary.roles.get().kind == RoleKind.SECRETARY
    assert Member.objects.get(user__username="migrant1").is_migrant


def test_demo_has_content_that_loading_again_does_not_repeat(client):
    from forum.models import Post
    from meetings.models import Meeting

    call_command("load_demo")
    call_command("load_demo")
    assert Post.objects.filter(thread__title="本月学习心得交流").count() == 2
    assert Meeting.objects.filter(organisation__code="DEMO-1").count() == 3  # with the organisational-life meeting
    lesson = Meeting.objects.get(organisation__code="DEMO-1", kind="lesson")
    assert lesson.lecturer is not None and lesson.lecturer.user.username == "lecturer"
    client.login(username="member1", password="demo-pass-2024")
    home = client.get("/").content.decode()
    assert "第四季度支部党员大会" in home and "党课：学习党章" in home
    # member5 belongs to the first branch too and has not read the welcome notice yet.
    client.login(username="member5", password="demo-pass-2024")
    assert "通知公告" in client.get("/").content.decode()


def test_demo_shows_the_pipeline_at_every_stage_and_a_transfer_waiting():
    from membership.models import MemberRecord, MigrantRegistration, Transfer

    call_command("load_demo")
    call_command("load_demo")
    status = dict(Member.objects.values_list("user__username", "status"))
    assert [status[u] for u in ("applicant1", "activist1", "candidate1", "member11")] == [
        "applicant", "activist", "candidate", "probationary",
    ]  # fmt: skip
    assert MemberRecord.objects.get(member__user__username="member11").probation_ends_on is not None
    transfer = Transfer.objects.get(member__user__username="member3")
    assert transfer.status == "approved" and transfer.to_org.code == "DEMO-1"
    registered = MigrantRegistration.objects.filter(member__user__username="migrant1", destination__code="DEMO-2")
    assert registered.count() == 1


def test_the_demo_organisation_has_a_starter_word_list_that_holds_and_protects(client):
    from moderation.decision import evaluate
    from moderation.lists import compiled_for

    call_command("load_demo")
    call_command("load_demo")
    org = Organisation.objects.get(code="DEMO-1")
    lists = compiled_for(org)
    assert evaluate(text="找我代kai发票", kind="plain", matcher=lists).action == "block"
    assert evaluate(text="你这个sha bi", kind="plain", matcher=lists).action == "censor"
    assert evaluate(text="加我微信，稳赚不赔", kind="plain", matcher=lists).action == "hold"
    assert evaluate(text="他兼任支部书记，电脑中了病毒", kind="plain", matcher=lists).action == "allow"
