from __future__ import annotations

from forum import services


def test_pages_render_in_chinese_for_members(forum, actors, client_for, thread_of):
    post = thread_of("页面测试", "正文 @" + forum.bob.user.username)
    bob = client_for(forum.bob)
    boards = bob.get("/forum/").content.decode()
    assert "党员论坛" in boards and "通知公告" in boards
    board = bob.get(f"/forum/b/{forum.board.pk}/").content.decode()
    assert "页面测试" in board
    thread = bob.get(f"/forum/t/{post.thread_id}/").content.decode()
    assert "正文" in thread and 'data-seq="' in thread and "forum/forum.js" in thread
    assert 'id="notification-badge" data-count="1"' in bob.get("/forum/").content.decode()
    notifications = bob.get("/forum/notifications/").content.decode()
    assert "页面测试" in notifications and 'class="card unread"' in notifications
    # Seeing the notifications marks them read: the badge is gone on the next page.
    assert 'id="notification-badge" data-count="0"' in bob.get("/forum/").content.decode()
    assert 'class="card unread"' not in bob.get("/forum/notifications/").content.decode()
    search = bob.get("/forum/search/", {"q": "正文"}).content.decode()
    assert "<mark>正文</mark>" in search


def test_outsider_gets_a_forbidden_page(forum, client_for, thread_of):
    post = thread_of()
    response = client_for(forum.carol).get(f"/forum/t/{post.thread_id}/")
    assert response.status_code == 403
    assert client_for(forum.carol).get(f"/forum/b/{forum.board.pk}/").status_code == 403
    assert "学习交流" not in client_for(forum.carol).get("/forum/search/", {"q": "大家"}).content.decode()


def test_compose_reply_and_moderation_messages(forum, client_for, words):
    words(("违禁词", "block"), ("待审词", "hold"))
    alice = client_for(forum.alice)
    response = alice.post(f"/forum/b/{forum.board.pk}/new/", {"title": "发帖", "text": "内容"})
    assert response.status_code == 302
    thread_url = response["Location"]
    blocked = alice.post(thread_url + "reply/", {"text": "违禁词"}, follow=True).content.decode()
    assert "违禁词" in blocked and 'class="error"' in blocked
    held = alice.post(thread_url + "reply/", {"text": "待审词"}, follow=True).content.decode()
    assert "等待审核" in held or "审核" in held
    bob_view = client_for(forum.bob).get(thread_url).content.decode()
    assert "待审词" not in bob_view


def test_locked_thread_page_has_no_reply_form(forum, actors, client_for, thread_of):
    post = thread_of()
    services.thread_lock(by=actors["moderator"], thread_id=post.thread_id, locked=True)
    page = client_for(forum.bob).get(f"/forum/t/{post.thread_id}/").content.decode()
    assert 'id="reply"' not in page
    response = client_for(forum.bob).post(f"/forum/t/{post.thread_id}/reply/", {"text": "hi"}, follow=True)
    assert "锁" in response.content.decode()


def test_reaction_form_without_javascript(forum, client_for, thread_of):
    from forum.models import Reaction

    post = thread_of()
    bob = client_for(forum.bob)
    assert bob.post(f"/forum/p/{post.pk}/react/", {"reaction": "like:1"}).status_code == 302
    assert Reaction.objects.filter(post=post, member=forum.bob, kind="like").exists()
    page = bob.get(f"/forum/t/{post.thread_id}/").content.decode()
    assert 'value="like:0" class="reaction mine"' in page
    bob.post(f"/forum/p/{post.pk}/react/", {"reaction": "like:0"})
    assert not Reaction.objects.filter(post=post).exists()


def test_home_page_links_the_forum_and_lists_boards_with_unread_threads(forum, client_for, thread_of):
    bob = client_for(forum.bob)
    home = bob.get("/").content.decode()
    assert 'href="/forum/"' in home and "论坛里没有未读的内容" in home
    post = thread_of("首页未读测试", "正文 @" + forum.bob.user.username)
    home = bob.get("/").content.decode()
    assert f'href="/forum/b/{forum.board.pk}/"' in home
    assert 'id="notification-badge" data-count="1"' in home
    # Opening the thread reads it: the board drops off the home page's unread list.
    bob.get(f"/forum/t/{post.thread_id}/")
    assert f'href="/forum/b/{forum.board.pk}/"' not in bob.get("/").content.decode()
    # Carol, outside branch A, is never told about branch A's threads.
    assert f'href="/forum/b/{forum.board.pk}/"' not in client_for(forum.carol).get("/").content.decode()


def test_a_refused_reply_comes_back_with_what_was_typed(forum, client_for, thread_of, words):
    post = thread_of()
    words(("违禁词", "block"))
    bob = client_for(forum.bob)
    typed = {"text": "我写了很长的一段话，里面有违禁词", "quote": post.pk}
    refused = bob.post(f"/forum/t/{post.thread_id}/reply/", typed)
    page = refused.content.decode()
    assert refused.status_code == 422 and 'class="error"' in page
    assert ">我写了很长的一段话，里面有违禁词</textarea>" in page
    assert f'id="reply-quote" value="{post.pk}"' in page


def test_the_reply_and_compose_forms_carry_a_client_id_so_a_resubmission_is_stored_once(forum, client_for, thread_of):
    import re

    from forum.models import Post

    post = thread_of()
    bob = client_for(forum.bob)
    page = bob.get(f"/forum/t/{post.thread_id}/").content.decode()
    cid = re.search(r'name="cid" value="([0-9a-f]{32})"', page).group(1)
    for _ in range(2):  # a double click, or the browser sending the form again
        assert bob.post(f"/forum/t/{post.thread_id}/reply/", {"text": "只发一次", "cid": cid}).status_code == 302
    assert Post.objects.filter(thread_id=post.thread_id, source="只发一次").count() == 1
    compose = bob.get(f"/forum/b/{forum.board.pk}/new/").content.decode()
    cid = re.search(r'name="cid" value="([0-9a-f]{32})"', compose).group(1)
    for _ in range(2):
        bob.post(f"/forum/b/{forum.board.pk}/new/", {"title": "新主题", "text": "正文", "cid": cid})
    assert Post.objects.filter(source="正文", thread__title="新主题").count() == 1
