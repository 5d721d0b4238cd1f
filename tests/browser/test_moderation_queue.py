"""A moderator on a phone: a held post appears in the review queue live, is claimed and rejected."""

from __future__ import annotations

import uuid

from forum import services as forum_services
from forum.models import PostStatus
from members.access import SYSTEM, actor_from_member
from members.models import RoleKind
from moderation import services
from moderation.models import QueueItem
from tests.browser.test_forum_live import log_in


def test_a_held_post_appears_live_and_the_moderator_rejects_it_on_a_phone(
    live_server_url, new_page, org_tree, member_factory
):
    u = uuid.uuid4().hex[:6]
    words = services.word_list_create(by=SYSTEM, organisation=None, name=f"词表{u}")
    services.word_entries_set(by=SYSTEM, word_list=words, entries=[("代开发票", "hold")])
    author = member_factory(org_tree.group_a1, username=f"a{u}", real_name="张三")
    member_factory(
        org_tree.branch_a, username=f"mod{u}", real_name="审核员", roles=[(RoleKind.MODERATOR, org_tree.branch_a)]
    )

    page = new_page(width=360, height=740)
    log_in(page, live_server_url, f"mod{u}")
    page.goto(f"{live_server_url}/moderation/")
    page.wait_for_selector("#queue-live[data-state=open]")
    assert page.locator(".queue-item").count() == 0
    page.evaluate("() => { window.notReloaded = true; }")

    board = org_tree.branch_a.boards.get(name="党员论坛")
    post = forum_services.thread_create(
        by=actor_from_member(author), board_id=board.pk, title="发票", source="代开发票，价格优惠"
    )
    item = page.locator(".queue-item", has_text="代开发票")
    item.wait_for(timeout=20_000)
    assert page.evaluate("() => window.notReloaded === true")  # it arrived without a reload
    assert "张三" in item.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    item.locator("form[action$='/claim/'] button").click()
    page.wait_for_load_state()
    item = page.locator(".queue-item", has_text="代开发票")
    item.locator("details", has=page.locator("form[action$='/reject/']")).locator("summary").click()
    item.locator("form[action$='/reject/'] input[name=reason]").fill("广告信息不允许发布")
    item.locator("form[action$='/reject/'] button").click()
    page.wait_for_load_state()
    page.locator(".queue-item", has_text="代开发票").wait_for(state="detached")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    queued = QueueItem.objects.get(object_id=post.pk)
    assert queued.status == "rejected" and queued.decision_reason == "广告信息不允许发布"
    post.refresh_from_db()
    assert post.status == PostStatus.REJECTED and post.status_reason == "广告信息不允许发布"
    # The action log and the word lists fit the phone too (wide tables scroll inside their card).
    for path in ("/moderation/actions/", "/moderation/wordlists/", f"/moderation/wordlists/{words.pk}/"):
        page.goto(live_server_url + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
    page.goto(live_server_url + "/moderation/actions/")
    assert page.locator("tr.action-row", has_text="驳回").count() == 1  # the action in words
