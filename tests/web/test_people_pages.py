"""The pages people expect: a member's profile, an organisation's page, one site search. Every
read goes through the access policy: an outsider sees nothing of any of them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from forum import services as forum
from mailboxes import services as mailboxes
from meetings import services as meetings
from members.models import MemberStatus, RoleKind, Visibility

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(org_tree, member_factory, actor_of):
    t = org_tree
    secretary = member_factory(t.branch_a, real_name="王书记", roles=[(RoleKind.SECRETARY, t.branch_a)])
    alice = member_factory(t.group_a1, real_name="张三", status=MemberStatus.FULL)
    carol = member_factory(t.group_b1, real_name="赵六")
    board = forum.board_create(
        by=actor_of(member_factory(t.committee, roles=[(RoleKind.SECRETARY, t.committee)])),
        organisation=t.branch_a, name="支部园地", visibility=Visibility.SUBTREE,
    )  # fmt: skip
    forum.thread_create(by=actor_of(alice), board_id=board.pk, title="学习心得", source="灯塔学习笔记")
    talk = mailboxes.conversation_open(by=actor_of(alice), other_id=secretary.pk)
    mailboxes.message_send(by=actor_of(alice), conversation_id=talk.pk, text="灯塔的问题想请教")
    mailboxes.writing_create(by=actor_of(alice), title="灯塔思想汇报", text="内容", submit=True)
    start = timezone.now() + dt.timedelta(days=2)
    meeting = meetings.meeting_schedule(
        by=actor_of(secretary), organisation=t.branch_a, kind="branch_general", title="灯塔专题组织生活",
        starts_at=start, ends_at=start + dt.timedelta(hours=1),
    )  # fmt: skip
    return {"t": t, "secretary": secretary, "alice": alice, "carol": carol, "board": board, "meeting": meeting}


def test_a_profile_shows_name_organisation_and_roles_to_members(world, client_for):
    page = client_for(world["alice"]).get(f"/people/{world['secretary'].pk}/")
    html = page.content.decode()
    assert page.status_code == 200 and "王书记" in html and "第一党支部" in html and "书记" in html
    assert world["secretary"].phone not in html or not world["secretary"].phone
    # A member of another branch reads the name too (they meet in members-wide boards).
    assert client_for(world["carol"]).get(f"/people/{world['secretary'].pk}/").status_code == 200


def test_an_organisation_page_has_children_secretary_meetings_and_boards(world, client_for):
    html = client_for(world["alice"]).get(f"/organisations/{world['t'].branch_a.pk}/").content.decode()
    assert "第一党小组" in html and "王书记" in html and "支部园地" in html and "灯塔专题组织生活" in html
    # Branch B's member cannot open branch A's page; an unknown id answers the same.
    carol = client_for(world["carol"])
    assert carol.get(f"/organisations/{world['t'].branch_a.pk}/").status_code == 404
    assert carol.get("/organisations/999999/").status_code == 404


def test_the_search_finds_what_the_person_may_see_and_nothing_else(world, client_for):
    html = client_for(world["alice"]).get("/search/", {"q": "灯塔"}).content.decode()
    for found in ("学习心得", "灯塔的问题想请教", "灯塔思想汇报", "灯塔专题组织生活"):
        assert found in html, found
    html = client_for(world["carol"]).get("/search/", {"q": "灯塔"}).content.decode()
    for hidden in ("学习心得", "灯塔的问题想请教", "灯塔思想汇报", "灯塔专题组织生活"):
        assert hidden not in html, hidden
    # The secretary reviews the report and hosts the meeting, but reads no forum board outside
    # her subtree and no one else's conversation.
    html = client_for(world["secretary"]).get("/search/", {"q": "灯塔"}).content.decode()
    assert "灯塔思想汇报" in html and "灯塔专题组织生活" in html


def test_an_outsider_sees_nothing(world):
    visitor = Client()
    user = get_user_model().objects.create_user("outsider", password="x")  # an account, not a member
    account = Client()
    account.force_login(user)
    for client in (visitor, account):
        for url in (
            f"/people/{world['secretary'].pk}/",
            f"/organisations/{world['t'].branch_a.pk}/",
            "/search/?q=灯塔",
        ):
            response = client.get(url)
            html = response.content.decode()
            if not url.startswith("/search/"):
                assert response.status_code in (302, 404), url
            for hidden in (
                "王书记",
                "第一党小组",
                "支部园地",
                "学习心得",
                "灯塔的问题想请教",
                "灯塔思想汇报",
                "灯塔专题组织生活",
            ):
                assert hidden not in html, (url, hidden)
