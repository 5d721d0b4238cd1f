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


def test_a_reply_too_long_for_the_socket_is_refused_with_a_reason_and_kept(
    live_server_url,
    new_page,
    org_tree,
    member_factory,
):
    u = uuid.uuid4().hex[:6]
    alice = member_factory(org_tree.group_a1, username=f"alice{u}", real_name="张三")
    board = org_tree.branch_a.boards.get(name="党员论坛")
    post = services.thread_create(by=actor_from_member(alice), board_id=board.pk, title="长文", source="开帖")
    page = new_page()
    log_in(page, live_server_url, f"alice{u}")
    page.goto(f"{live_server_url}/forum/t/{post.thread_id}/")
    page.wait_for_selector("#conn-state[data-state=open]")
    pasted = "长" * 30_000  # 90 KB: more than one socket frame carries
    page.fill("#reply-text", pasted)
    page.click("#reply-submit")
    page.locator(".messages", has_text="帖子太长。").wait_for(timeout=10_000)
    assert page.locator("#reply-text").input_value() == pasted  # nothing typed is lost
    assert page.locator("#reply-submit").is_enabled()


def wide_png(width: int = 900, height: int = 60) -> bytes:
    """A real PNG wider than a phone (a grey bar), made with the standard library."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def test_every_forum_page_fits_a_360px_phone(transactional_db, tmp_path, new_page, org_tree, member_factory):
    """Board list, board, thread (long words, code, a wide image, a quote, reactions), compose,
    search, notifications, history and edit, each on a 360 × 740 screen: nothing wider than the
    screen. Screenshots of each page are left in the test's temporary folder."""
    import io

    from tests.live import start_daphne

    media = tmp_path / "media"
    server = start_daphne({"MEDIA_ROOT": str(media)})
    try:
        from django.test import override_settings

        u = uuid.uuid4().hex[:6]
        alice = member_factory(org_tree.group_a1, username=f"alice{u}", real_name="张三")
        bob = member_factory(org_tree.group_a1, username=f"bob{u}", real_name="李四")
        board = org_tree.branch_a.boards.get(name="党员论坛")
        author, reader = actor_from_member(alice), actor_from_member(bob)
        with override_settings(MEDIA_ROOT=str(media)):
            image = services.attachment_upload(by=author, name="合影.png", stream=io.BytesIO(wide_png()))
        long_word = "https://example.org/" + "很长的没有空格的链接文字" * 12
        first = services.thread_create(
            by=author, board_id=board.pk, title="学习二十大精神的体会与收获" * 3,
            source=f"**认真学习** @bob{u}\n\n```\n{'x' * 200}\n```\n\n{long_word}", attachment_ids=[image.pk],
        )  # fmt: skip
        reply = services.post_create(by=reader, thread_id=first.thread_id, source="同意！" * 40, quote_id=first.pk)
        services.post_edit(by=reader, post_id=reply.pk, source="同意，补充一句。" * 30)
        services.reaction_set(by=reader, post_id=first.pk, kind="like", on=True)
        for i in range(3):
            services.thread_create(by=author, board_id=board.pk, title=f"第{i}个主题", source="内容")
        page = new_page()
        log_in(page, server.url, f"bob{u}")
        targets = {
            "boards": "/forum/",
            "board": f"/forum/b/{board.pk}/",
            "thread": f"/forum/t/{first.thread_id}/",
            "compose": f"/forum/b/{board.pk}/new/",
            "search": "/forum/search/?q=学习",
            "notifications": "/forum/notifications/",
            "history": f"/forum/p/{reply.pk}/history/",
            "edit": f"/forum/p/{reply.pk}/edit/",
        }
        widths = {}
        for name, path in targets.items():
            page.goto(server.url + path)
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(tmp_path / f"forum-{name}.png"), full_page=True)
            widths[name] = page.evaluate("document.documentElement.scrollWidth")
        assert {name: width for name, width in widths.items() if width > 360} == {}
        page.goto(server.url + f"/forum/t/{first.thread_id}/")
        shown = page.locator(".attachments img").evaluate("img => img.getBoundingClientRect().width")
        assert 0 < shown <= 360
    finally:
        server.stop()
