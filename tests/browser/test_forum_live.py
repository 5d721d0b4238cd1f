"""Two members in two browser contexts on one thread: one posts, the other sees it appear live."""

from __future__ import annotations

import uuid

from forum import services
from members.access import actor_from_member
from tests.conftest import PASSWORD


def log_in(page, base: str, username: str) -> None:
    page.goto(base + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")


def test_a_reply_appears_live_in_the_other_members_browser(
    live_server_url,
    new_page,
    org_tree,
    member_factory,
):
    u = uuid.uuid4().hex[:6]
    alice = member_factory(org_tree.group_a1, username=f"alice{u}", real_name="张三")
    member_factory(org_tree.group_a1, username=f"bob{u}", real_name="李四")
    board = org_tree.branch_a.boards.get(name="党员论坛")
    post = services.thread_create(by=actor_from_member(alice), board_id=board.pk, title="实时讨论", source="开帖")
    url = f"{live_server_url}/forum/t/{post.thread_id}/"

    pages = {}
    for name in (f"alice{u}", f"bob{u}"):
        page = new_page()
        log_in(page, live_server_url, name)
        page.goto(url)
        page.wait_for_selector("#conn-state[data-state=open]")
        pages[name] = page
    alice_page, bob_page = pages[f"alice{u}"], pages[f"bob{u}"]
    assert alice_page.locator("h1").inner_text() == "实时讨论"

    bob_page.fill("#reply-text", "我看到了，**同意**")
    alice_page.wait_for_selector("#typing:not(:empty)")  # typing travels live too
    bob_page.click("#reply-submit")
    appeared = alice_page.locator(".post", has_text="我看到了")
    appeared.wait_for()
    assert appeared.locator(".post-body strong").inner_text() == "同意"
    assert appeared.locator(".author").inner_text() == "李四"
    # Bob's own page shows his post once, and nobody reloaded.
    bob_page.locator(".post", has_text="我看到了").wait_for()
    assert bob_page.locator(".post", has_text="我看到了").count() == 1
    assert alice_page.url == url and bob_page.url == url
    assert alice_page.evaluate("document.documentElement.scrollWidth") <= 360


def test_a_browser_that_was_offline_gets_what_it_missed_once(
    live_server_url,
    new_page,
    org_tree,
    member_factory,
):
    u = uuid.uuid4().hex[:6]
    alice = member_factory(org_tree.group_a1, username=f"alice{u}", real_name="张三")
    member_factory(org_tree.group_a1, username=f"bob{u}", real_name="李四")
    board = org_tree.branch_a.boards.get(name="党员论坛")
    author = actor_from_member(alice)
    post = services.thread_create(by=author, board_id=board.pk, title="断线重连", source="开帖")
    page = new_page()
    log_in(page, live_server_url, f"bob{u}")
    page.goto(f"{live_server_url}/forum/t/{post.thread_id}/")
    page.wait_for_selector("#conn-state[data-state=open]")
    # The socket drops and stays down while two replies are posted.
    page.evaluate("() => { const rt = window.epaForumConnection; rt.stopped = true; rt.socket.close(); }")
    page.wait_for_function("() => window.epaForumConnection.socket === null")
    for text in ("离线时第一条", "离线时第二条"):
        services.post_create(by=author, thread_id=post.thread_id, source=text)
    assert page.locator(".post", has_text="离线时").count() == 0
    page.evaluate("() => { const rt = window.epaForumConnection; rt.stopped = false; rt.reconnectNow(); }")
    page.locator(".post", has_text="离线时第二条").wait_for()
    page.wait_for_timeout(500)  # give a duplicate, if any, the time to arrive
    assert page.locator(".post", has_text="离线时第一条").count() == 1
    assert page.locator(".post", has_text="离线时第二条").count() == 1
    texts = page.locator(".post .post-body").all_inner_texts()
    assert texts == ["开帖", "离线时第一条", "离线时第二条"]


def test_a_new_thread_appears_live_on_the_board_page(
    live_server_url,
    new_page,
    org_tree,
    member_factory,
):
    u = uuid.uuid4().hex[:6]
    alice = member_factory(org_tree.group_a1, username=f"alice{u}", real_name="张三")
    member_factory(org_tree.group_a1, username=f"bob{u}", real_name="李四")
    board = org_tree.branch_a.boards.get(name="党员论坛")
    page = new_page()
    log_in(page, live_server_url, f"bob{u}")
    page.goto(f"{live_server_url}/forum/b/{board.pk}/")
    page.wait_for_function("() => window.epaForumConnection && window.epaForumConnection.state === 'open'")
    # No race with the subscription: the page subscribes from the seq it was rendered at.
    post = services.thread_create(by=actor_from_member(alice), board_id=board.pk, title="新鲜出炉", source="内容")
    row = page.locator(f"#t{post.thread_id}")
    row.wait_for()
    assert row.locator("a").first.inner_text() == "新鲜出炉"
