"""A member and the branch secretary exchange heart-to-heart messages in two browser contexts."""

from __future__ import annotations

import uuid

from mailbox import services
from members.access import actor_from_member
from members.models import RoleKind
from tests.browser.test_forum_live import log_in


def test_a_member_and_the_secretary_talk_live_with_read_receipts(live_server_url, new_page, org_tree, member_factory):
    u = uuid.uuid4().hex[:6]
    member = member_factory(org_tree.group_a1, username=f"m{u}", real_name="张三")
    member_factory(
        org_tree.branch_a, username=f"s{u}", real_name="王书记", roles=[(RoleKind.SECRETARY, org_tree.branch_a)]
    )
    secretary_id = member.__class__.objects.get(user__username=f"s{u}").pk
    conversation = services.conversation_open(by=actor_from_member(member), other_id=secretary_id)
    url = f"{live_server_url}/mailbox/c/{conversation.pk}/"

    pages = {}
    for name in (f"m{u}", f"s{u}"):
        page = new_page()
        log_in(page, live_server_url, name)
        page.goto(url)
        page.wait_for_selector("#conn-state[data-state=open]")
        pages[name] = page
    member_page, secretary_page = pages[f"m{u}"], pages[f"s{u}"]
    assert "王书记" in member_page.locator("h1").inner_text()

    member_page.fill("#send-text", "书记，我最近工作压力有点大")
    secretary_page.wait_for_selector("#typing:not(:empty)")
    member_page.click("#send-submit")
    secretary_page.locator("li.message.theirs", has_text="工作压力").wait_for()
    # The secretary's page was open and visible: the member sees "已读" under the message.
    member_page.locator("li.message.mine", has_text="工作压力").locator(".receipt:not([hidden])").wait_for()

    secretary_page.fill("#send-text", "我们找时间当面聊聊")
    secretary_page.click("#send-submit")
    member_page.locator("li.message.theirs", has_text="当面聊聊").wait_for()
    # Each page shows each message once, nobody reloaded, and the page fits a phone.
    for page in (member_page, secretary_page):
        assert page.locator("li.message", has_text="工作压力").count() == 1
        assert page.locator("li.message", has_text="当面聊聊").count() == 1
        assert page.url == url
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
