"""The site administration for organisations, members and roles, as a superuser uses it."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client, RequestFactory

from members.models import Member, Organisation, OrgKind, Role, RoleKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_() -> Client:
    user = get_user_model().objects.create_superuser(username="root", password="root-pass-2024")
    client = Client()
    client.force_login(user)
    return client


def test_every_members_page_of_the_admin_opens(admin_client_, org_tree, member_factory):
    member = member_factory(org_tree.group_a1, real_name="管理页党员", roles=[(RoleKind.SECRETARY, org_tree.branch_a)])
    role = Role.objects.get(member=member)
    pages = [
        "/admin/",
        "/admin/members/",
        "/admin/members/organisation/",
        "/admin/members/organisation/add/",
        f"/admin/members/organisation/{org_tree.group_a1.pk}/change/",
        "/admin/members/member/",
        "/admin/members/member/add/",
        f"/admin/members/member/{member.pk}/change/",
        "/admin/members/role/",
        "/admin/members/role/add/",
        f"/admin/members/role/{role.pk}/change/",
        "/admin/members/organisation/?q=第一",
        "/admin/members/member/?status__exact=full",
    ]
    for url in pages:
        response = admin_client_.get(url)
        assert response.status_code == 200, url
    changelist = admin_client_.get("/admin/members/member/").content.decode()
    assert "管理页党员" in changelist
    # The organisation list shows the tree by indentation, in path order.
    organisations = admin_client_.get("/admin/members/organisation/").content.decode()
    assert organisations.index("测试党委") < organisations.index("— 第一党支部") < organisations.index("— — 第一党小组")


def test_autocomplete_finds_organisations_and_members(admin_client_, org_tree, member_factory):
    member_factory(org_tree.branch_b, real_name="自动补全")
    found = admin_client_.get(
        "/admin/autocomplete/",
        {"term": "第二", "app_label": "members", "model_name": "member", "field_name": "organisation"},
    ).json()
    assert {r["text"] for r in found["results"]} == {"第二党支部", "第二党小组"}
    found = admin_client_.get(
        "/admin/autocomplete/",
        {"term": "自动", "app_label": "members", "model_name": "role", "field_name": "member"},
    ).json()
    assert [r["text"] for r in found["results"]] == ["自动补全"]


def test_organisations_added_and_moved_in_the_admin_keep_their_paths(admin_client_, org_tree):
    response = admin_client_.post(
        "/admin/members/organisation/add/",
        {"name": "第三党小组", "code": "ADMIN-G3", "kind": OrgKind.GROUP, "parent": org_tree.branch_a.pk},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    group = Organisation.objects.get(code="ADMIN-G3")
    assert group.path == f"{org_tree.branch_a.path}{group.pk}/"
    assert group.depth == 2

    # Moving branch A under branch B rewrites the paths of its whole subtree.
    response = admin_client_.post(
        f"/admin/members/organisation/{org_tree.branch_a.pk}/change/",
        {"name": "第一党支部", "code": org_tree.branch_a.code, "kind": OrgKind.BRANCH, "parent": org_tree.branch_b.pk},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    group.refresh_from_db()
    org_tree.group_a1.refresh_from_db()
    assert group.path.startswith(org_tree.branch_b.path)
    assert org_tree.group_a1.path.startswith(org_tree.branch_b.path)
    assert org_tree.group_a1.depth == 3


def test_member_change_form_saves_profile_and_roles(admin_client_, org_tree, member_factory):
    member = member_factory(org_tree.group_a1, real_name="旧名字")
    url = f"/admin/members/member/{member.pk}/change/"
    response = admin_client_.post(
        url,
        {
            "user": member.user_id,
            "real_name": "新名字",
            "status": "probationary",
            "organisation": org_tree.group_a1.pk,
            "is_migrant": "on",
            "current_location": "广东省深圳市",
            "phone": "13800000000",
            "roles-TOTAL_FORMS": "1",
            "roles-INITIAL_FORMS": "0",
            "roles-MIN_NUM_FORMS": "0",
            "roles-MAX_NUM_FORMS": "1000",
            "roles-0-organisation": org_tree.group_a1.pk,
            "roles-0-kind": RoleKind.ORGANISER,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    member = Member.objects.get(pk=member.pk)
    assert (member.real_name, member.status, member.is_migrant) == ("新名字", "probationary", True)
    assert list(member.roles.values_list("kind", flat=True)) == [RoleKind.ORGANISER]


def test_the_admin_is_closed_to_members_without_staff_status(org_tree, member_factory, client_for):
    client = client_for(member_factory(org_tree.branch_a, roles=[(RoleKind.SECRETARY, org_tree.committee)]))
    response = client.get("/admin/members/member/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_the_admin_shows_no_members_content(admin_client_, org_tree, member_factory):
    """Site staff run the site; they do not read members' posts, nor the content snapshots in
    the archive (members/access.py): a superuser finds neither in the admin."""
    from forum.services import thread_create
    from members.access import actor_from_member
    from moderation.archive import archive_append

    author = member_factory(org_tree.group_a1)
    board = org_tree.branch_a.boards.get(name="党员论坛")
    post = thread_create(
        by=actor_from_member(author), board_id=board.pk, title="支部内部讨论", source="只给本支部看的话"
    )
    record = archive_append(kind="test.snapshot", payload={"text": "存档里的原文"}, content_ref=f"forum.post:{post.pk}")
    for url in ("/admin/forum/post/", f"/admin/forum/post/{post.pk}/change/", "/admin/forum/thread/"):
        assert admin_client_.get(url).status_code == 404, url
    assert "只给本支部看的话" not in admin_client_.get("/admin/").content.decode()
    page = admin_client_.get(f"/admin/moderation/archiverecord/{record.pk}/change/")
    assert page.status_code == 200 and f"forum.post:{post.pk}" in page.content.decode()
    assert "存档里的原文" not in page.content.decode()


def test_no_admin_page_shows_members_content(admin_client_, org_tree, member_factory):
    """Walk every page of the admin — each model's list, its add page, and the change and history
    pages of every row — with a held post in the review queue, a flag with its note, a reported
    mailbox message and archived snapshots seeded: none of their words appears."""
    from django.contrib import admin
    from django.urls import reverse

    from forum.services import post_create, thread_create
    from mailboxes.services import conversation_open, message_report, message_send
    from members.access import SYSTEM, actor_from_member
    from moderation.services import flag_create, word_entries_set, word_list_create

    words = word_list_create(by=SYSTEM, organisation=None, name="词表")
    word_entries_set(by=SYSTEM, word_list=words, entries=[("代开发票", "hold")])
    author, flagger = member_factory(org_tree.group_a1), member_factory(org_tree.group_a1)
    board = org_tree.branch_a.boards.get(name="党员论坛")
    opening = thread_create(by=actor_from_member(author), board_id=board.pk, title="学习体会", source="支部里的悄悄话")
    post_create(by=actor_from_member(author), thread_id=opening.thread_id, source="代开发票找我，价格优惠")
    flag_create(by=actor_from_member(flagger), ref=f"forum.post:{opening.pk}", reason="other", note="举报人的说明文字")
    conversation = conversation_open(by=actor_from_member(author), other_id=flagger.pk)
    seq = message_send(by=actor_from_member(author), conversation_id=conversation.pk, text="私信里骂人的话")
    message_report(by=actor_from_member(flagger), conversation_id=conversation.pk, seq=seq, reason="他骂我",
                   consent=True)  # fmt: skip
    secrets = ["支部里的悄悄话", "价格优惠", "举报人的说明文字", "私信里骂人的话", "他骂我"]
    request = RequestFactory().get("/admin/")
    request.user = get_user_model().objects.get(username="root")
    visited = 0
    for model, model_admin in admin.site._registry.items():
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        pages = [reverse(f"{name}_changelist")]
        if model_admin.has_add_permission(request):
            pages.append(reverse(f"{name}_add"))
        for pk in model._default_manager.values_list("pk", flat=True):
            pages += [reverse(f"{name}_change", args=[pk]), reverse(f"{name}_history", args=[pk])]
        for url in pages:
            response = admin_client_.get(url)
            assert response.status_code == 200, url
            html = response.content.decode()
            for secret in secrets:
                assert secret not in html, (url, secret)
            visited += 1
    assert visited > 60
