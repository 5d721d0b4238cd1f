"""The installable app: a manifest with the Chinese name and icons, and a service worker that
opens the pages a member saw when the network is gone, and never shows them to the next person
on the same browser."""

from __future__ import annotations

import uuid
from typing import Any

from forum import services as forum_services
from mailboxes import services as mailbox_services
from members.access import actor_from_member
from tests.browser.test_forum_live import log_in
from tests.journeys.test_weak_links import member_and_secretary

CONTROLLED = "() => navigator.serviceWorker.controller !== null"  # the worker took the page over
KEPT_PAGES = "() => caches.keys().then((names) => names.filter((n) => n.startsWith('epa-pages-')))"


def test_the_manifest_names_the_app_in_chinese_with_icons(live_server_url: str, new_page: Any) -> None:
    page = new_page(locale="zh-CN")
    page.goto(live_server_url + "/login/")
    href = page.get_attribute("link[rel=manifest]", "href")
    response = page.request.get(live_server_url + href)
    assert response.headers["content-type"].startswith("application/manifest+json")
    manifest = response.json()
    assert manifest["name"] == "智慧党建" and manifest["lang"] == "zh-CN"
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone"
    sizes = {icon["sizes"] for icon in manifest["icons"] if icon["type"] == "image/png"}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        assert page.request.get(live_server_url + icon["src"]).ok


def test_seen_pages_open_offline_and_leave_with_the_member(
    live_server_url: str, new_page: Any, org_tree: Any, member_factory: Any
) -> None:
    u = uuid.uuid4().hex[:6]
    member, _, conversation = member_and_secretary(org_tree, member_factory, u)
    member_factory(org_tree.group_a1, username=f"n{u}", real_name="下一位党员")
    by = actor_from_member(member)
    board = org_tree.branch_a.boards.get(name="党员论坛")
    thread = forum_services.thread_create(by=by, board_id=board.pk, title="离线也能看", source="帖子正文").thread_id
    mailbox_services.message_send(by=by, conversation_id=conversation.pk, text="只给书记看的话")
    thread_url = f"{live_server_url}/forum/t/{thread}/"
    conversation_url = f"{live_server_url}/mailbox/c/{conversation.pk}/"

    page = new_page(width=360, height=740, locale="zh-CN")
    log_in(page, live_server_url, f"m{u}")
    page.wait_for_function(CONTROLLED)
    for url in (thread_url, conversation_url):  # seen once with the worker in charge: kept
        page.goto(url)
        page.wait_for_selector("#conn-state[data-state=open]")

    page.context.set_offline(True)
    page.goto(thread_url)
    assert page.locator("#thread-title").inner_text() == "离线也能看"
    page.wait_for_selector("#conn-state[data-state=offline]")
    # A plain form offline is not posted (the browser's error page would take the page away): the
    # person is told, and the page stays.
    page.click("label.nav-toggle-label")
    page.select_option("select[name=language]", "en")
    assert page.locator(".offline-form-note").inner_text().startswith("当前离线，未发送")
    assert page.locator("#thread-title").inner_text() == "离线也能看"
    page.goto(conversation_url)
    assert "只给书记看的话" in page.locator("#messages").inner_text()
    page.goto(f"{live_server_url}/forum/b/{board.pk}/")  # never seen: the offline page says so
    assert page.locator("h1").inner_text() == "当前离线"

    page.context.set_offline(False)
    page.goto(live_server_url + "/")
    assert page.evaluate(KEPT_PAGES)  # the member's pages are kept...
    page.click("label.nav-toggle-label")  # the phone's menu
    page.locator("form[data-logout] button").click()
    page.wait_for_url("**/login/")
    assert page.evaluate(KEPT_PAGES) == []  # ...and go with the logout

    # The next person on this browser, offline, never sees the first member's pages.
    log_in(page, live_server_url, f"n{u}")
    page.context.set_offline(True)
    for url in (conversation_url, thread_url):
        page.goto(url)
        assert page.locator("h1").inner_text() == "当前离线"
        assert "只给书记看的话" not in page.content()
