"""Mentions and notifications, read state, search, and bounded query counts on a long thread."""

from __future__ import annotations

import pytest
from django.db import connection

from forum import selectors, services
from forum.models import Notification, Post, PostStatus, SearchTerm, Thread
from forum.services import _index
from tests.forum.conftest import events


def test_mention_notifies_members_who_may_see_the_thread_only(forum, actors, thread_of):
    post = thread_of()
    text = f"请 @{forum.bob.user.username} 和 @{forum.carol.user.username} 看看"
    services.post_create(by=actors["alice"], thread_id=post.thread_id, source=text)
    bob_events = events(f"user:{forum.bob.pk}")
    assert bob_events[-1]["type"] == "forum.notification.created"
    assert bob_events[-1]["notification"]["payload"]["thread_id"] == post.thread_id
    assert bob_events[-1]["unread"] == 1
    assert selectors.notifications_unread_count(actor=actors["bob"]) == 1
    # Carol is outside branch A: no notification, no event.
    assert not Notification.objects.filter(member=forum.carol).exists()
    assert events(f"user:{forum.carol.pk}") == []
    assert services.notifications_mark_read(by=actors["bob"]) == 0
    assert events(f"user:{forum.bob.pk}")[-1] == {"type": "forum.notifications.read", "unread": 0}


def test_held_post_notifies_mentions_only_when_approved(forum, actors, thread_of, words):
    from moderation import services as moderation_services
    from moderation.models import QueueItem

    post = thread_of()
    words(("待审词", "hold"))
    held = services.post_create(
        by=actors["alice"], thread_id=post.thread_id, source=f"@{forum.bob.user.username} 待审词"
    )
    assert not Notification.objects.filter(member=forum.bob).exists()
    item = QueueItem.objects.get(object_id=held.pk)
    moderation_services.queue_approve(by=actors["moderator"], item_id=item.pk)
    assert Notification.objects.filter(member=forum.bob, kind="mention").count() == 1


def test_read_state_unread_counts_and_first_unread(forum, actors, thread_of):
    first = thread_of()
    replies = [services.post_create(by=actors["alice"], thread_id=first.thread_id, source=f"第{i}楼") for i in range(4)]
    thread = selectors.thread_get_for(actor=actors["bob"], thread_id=first.thread_id)
    boards = {b.pk: b for b in selectors.board_list_for(actor=actors["bob"])}
    assert boards[forum.board.pk].unread_threads == 1
    services.thread_mark_read(by=actors["bob"], thread_id=thread.pk, post_id=replies[1].pk)
    page = selectors.board_threads(actor=actors["bob"], board=forum.board)
    assert page.threads[0].unread == 2
    unread = selectors.thread_posts(actor=actors["bob"], thread=thread, unread=True)
    assert unread.first_unread_id == replies[2].pk and unread.posts[0].pk == replies[2].pk
    # The position never moves back.
    assert services.thread_mark_read(by=actors["bob"], thread_id=thread.pk, post_id=first.pk) == replies[1].pk
    services.thread_mark_read(by=actors["bob"], thread_id=thread.pk, post_id=replies[3].pk)
    boards = {b.pk: b for b in selectors.board_list_for(actor=actors["bob"])}
    assert boards[forum.board.pk].unread_threads == 0
    assert selectors.thread_posts(actor=actors["bob"], thread=thread, unread=True).first_unread_id is None


def test_chinese_search_finds_two_characters_inside_longer_text_ranked_and_highlighted(forum, actors, thread_of):
    a = thread_of("学习心得", "认真学习党的二十大精神，深入领会")
    b = thread_of("社区活动", "组织党员参加社区志愿服务")
    c = thread_of("精神文明", "精神文明建设 精神面貌 精神")
    hits = selectors.posts_search(actor=actors["bob"], query="精神")
    assert [h.post.pk for h in hits] == [c.pk, a.pk]  # title hit and more occurrences rank first
    assert "<mark>精神</mark>" in hits[1].snippet_html
    assert [h.post.pk for h in selectors.posts_search(actor=actors["bob"], query="志愿")] == [b.pk]
    assert selectors.posts_search(actor=actors["bob"], query="二十大精神")[0].post.pk == a.pk
    # All the query's bigrams present but not adjacent is not a match.
    assert selectors.posts_search(actor=actors["bob"], query="学领") == []
    # One character falls back to a substring scan.
    assert {h.post.pk for h in selectors.posts_search(actor=actors["bob"], query="志")} == {b.pk}


def test_search_only_returns_what_the_searcher_may_see(forum, actors, thread_of, words):
    secret = thread_of("支部内部", "内部讨论的学习安排")
    public = thread_of("公开活动", "公开的学习安排", board=forum.public_board)
    words(("待审词", "hold"))
    services.post_create(by=actors["alice"], thread_id=public.thread_id, source="待审词 学习安排")
    deleted = services.post_create(by=actors["alice"], thread_id=public.thread_id, source="删掉的学习安排")
    services.post_delete(by=actors["alice"], post_id=deleted.pk)
    assert {h.post.pk for h in selectors.posts_search(actor=actors["bob"], query="学习安排")} == {secret.pk, public.pk}
    assert {h.post.pk for h in selectors.posts_search(actor=actors["carol"], query="学习安排")} == {public.pk}


def test_search_highlight_escapes_html(forum, actors, thread_of):
    thread_of("代码", "`<b>粗体</b>` 标签")
    hit = selectors.posts_search(actor=actors["bob"], query="粗体")[0]
    assert "&lt;b&gt;<mark>粗体</mark>&lt;/b&gt;" in hit.snippet_html


def test_search_uses_postgres_or_sqlite_alike(forum, actors, thread_of):
    # The same index table and query on both backends; this test runs on whichever is configured.
    post = thread_of("两会", "全国两会胜利召开")
    assert SearchTerm.objects.filter(post=post, term="两会").get().weight == 1 + 10
    assert selectors.posts_search(actor=actors["bob"], query="两会")[0].post.pk == post.pk
    assert connection.vendor in ("sqlite", "postgresql")


@pytest.fixture
def long_thread(forum, actors, thread_of):
    """A 5,000-post thread: set up through the service, then bulk-created posts."""
    first = thread_of("长帖", "第一楼")
    thread = Thread.objects.get(pk=first.thread_id)
    posts = [
        Post(thread=thread, author=forum.bob, source=f"第{i}楼", html=f"<p>第{i}楼</p>", text=f"第{i}楼",
             status=PostStatus.PUBLISHED)
        for i in range(2, 5001)
    ]  # fmt: skip
    Post.objects.bulk_create(posts, batch_size=1000)
    last = Post.objects.filter(thread=thread).order_by("-id").first()
    Thread.objects.filter(pk=thread.pk).update(post_count=5000, last_post_id=last.pk)
    thread.refresh_from_db()
    _index(last)
    middle = Post.objects.filter(thread=thread).order_by("id")[2500]
    services.thread_mark_read(by=actors["alice"], thread_id=thread.pk, post_id=middle.pk)
    return thread, middle


@pytest.mark.parametrize("where", ["first", "last", "unread", "after", "before"])
def test_a_5000_post_thread_opens_in_a_bounded_number_of_queries(
    long_thread, actors, django_assert_max_num_queries, where
):
    thread, middle = long_thread
    kwargs = {"first": {}, "last": {"last": True}, "unread": {"unread": True}, "after": {"after": middle.pk},
              "before": {"before": middle.pk}}[where]  # fmt: skip
    with django_assert_max_num_queries(8):
        t = selectors.thread_get_for(actor=actors["alice"], thread_id=thread.pk)
        page = selectors.thread_posts(actor=actors["alice"], thread=t, **kwargs)
        selectors.page_posts_out(page)
    assert len(page.posts) == selectors.PAGE_SIZE
    if where == "unread":
        assert page.posts[0].pk == page.first_unread_id and page.first_unread_id > middle.pk
    if where == "last":
        assert page.posts[-1].pk == thread.last_post_id and not page.has_after and page.has_before


def test_thread_page_view_is_bounded_too(long_thread, forum, client_for, django_assert_max_num_queries):
    thread, _ = long_thread
    client = client_for(forum.alice)
    client.get(f"/forum/t/{thread.pk}/")  # warm the session and caches
    with django_assert_max_num_queries(25):
        response = client.get(f"/forum/t/{thread.pk}/?last=1")
    assert response.status_code == 200 and "第5000楼" in response.content.decode()
    with django_assert_max_num_queries(25):
        assert client.get(f"/api/forum/threads/{thread.pk}/posts?unread=1").status_code == 200
