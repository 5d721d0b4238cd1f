"""What a moderator and a member see of moderation on the site's pages, in Chinese first."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from members.access import Actor
from members.models import Member, RoleKind
from moderation.models import QueueItem
from moderation.services import word_entries_set, word_list_create
from tests.conftest import MemberFactory, OrgTree
from tests.moderation.conftest import PostChat


def test_the_site_menu_leads_moderators_and_only_them_to_the_review_queue(
    org_tree: OrgTree, member_factory: MemberFactory, client_for: Callable[[Member], Client]
) -> None:
    mod = member_factory(org_tree.branch_a, roles=[(RoleKind.MODERATOR, org_tree.branch_a)])
    member = member_factory(org_tree.group_a1)
    menu_link = '<a href="/moderation/">审核</a>'
    assert menu_link in client_for(mod).get("/").content.decode()
    assert menu_link in client_for(mod).get("/forum/").content.decode()
    assert "/moderation/" not in client_for(member).get("/").content.decode()


def test_moderation_pages_speak_chinese_to_the_refused_and_to_moderators(
    org_tree: OrgTree,
    member_factory: MemberFactory,
    actor_of: Callable[[Member], Actor],
    client_for: Callable[[Member], Client],
    post_chat: PostChat,
) -> None:
    refused = client_for(member_factory(org_tree.group_a1)).get("/moderation/")
    assert refused.status_code == 403
    assert "只有审核员可以进行此操作。" in refused.content.decode()

    mod = member_factory(org_tree.branch_a, roles=[(RoleKind.MODERATOR, org_tree.branch_a)])
    client = client_for(mod)
    queue = client.get("/moderation/").content.decode()
    assert "<label>状态" in queue and "身份" not in queue  # the queue's status, not a member's standing

    words = word_list_create(by=actor_of(mod), organisation=org_tree.branch_a, name="支部词表")
    word_entries_set(by=actor_of(mod), word_list=words, entries=[("代开发票", "hold")])
    author = member_factory(org_tree.group_a1)
    post_chat(author, actor_of(author), "代开发票")
    item = QueueItem.objects.get()
    page = client.post(f"/moderation/queue/{item.pk}/reject/", {"reason": ""}, follow=True).content.decode()
    assert "请填写驳回原因，作者会看到。" in page and "Say why" not in page
