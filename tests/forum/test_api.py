from __future__ import annotations

import json

from forum.models import Post, PostStatus, Thread


def post_json(client, url, body, method="post"):
    return getattr(client, method)(url, data=json.dumps(body), content_type="application/json")


def test_thread_and_reply_through_the_api(forum, client_for):
    alice = client_for(forum.alice)
    response = post_json(alice, f"/api/forum/boards/{forum.board.pk}/threads", {"title": "API 标题", "text": "正文"})
    assert response.status_code == 201, response.content
    body = response.json()
    thread_id = body["thread"]["id"]
    assert body["post"]["status"] == "published" and body["post"]["html"] == "<p>正文</p>"
    bob = client_for(forum.bob)
    reply = post_json(bob, f"/api/forum/threads/{thread_id}/posts", {"text": "回复", "quote": body["post"]["id"]})
    assert reply.status_code == 201 and reply.json()["quote"]["id"] == body["post"]["id"]
    page = bob.get(f"/api/forum/threads/{thread_id}/posts").json()
    assert [p["html"] for p in page["posts"]] == ["<p>正文</p>", "<p>回复</p>"]
    assert page["has_before"] is False and page["has_after"] is False
    boards = alice.get("/api/forum/boards").json()
    assert forum.board.pk in [b["id"] for b in boards]


def test_api_errors_are_json_with_codes(forum, client_for, thread_of, actors):
    post = thread_of()
    carol = client_for(forum.carol)
    response = carol.get(f"/api/forum/threads/{post.thread_id}/posts")
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert carol.get("/api/forum/threads/999999").json()["code"] == "not_found"
    bob = client_for(forum.bob)
    assert post_json(bob, f"/api/forum/threads/{post.thread_id}/posts", {"text": ""}).json()["code"] == "bad_request"
    post_json(client_for(forum.secretary), f"/api/forum/threads/{post.thread_id}/lock", {"locked": True})
    locked = post_json(bob, f"/api/forum/threads/{post.thread_id}/posts", {"text": "还能回吗"})
    assert locked.status_code == 409 and locked.json()["code"] == "thread_locked"
    anonymous = post_json(type(bob)(), f"/api/forum/threads/{post.thread_id}/posts", {"text": "x"})
    assert anonymous.status_code == 401


def test_api_blocked_held_and_censored(forum, client_for, thread_of, words):
    post = thread_of()
    words(("违禁词", "block"), ("待审词", "hold"), ("坏话", "censor"))
    bob = client_for(forum.bob)
    url = f"/api/forum/threads/{post.thread_id}/posts"
    blocked = post_json(bob, url, {"text": "违禁词"})
    assert blocked.status_code == 422 and blocked.json()["code"] == "content_blocked"
    assert blocked.json()["reasons"][0]["code"] == "word_block"
    held = post_json(bob, url, {"text": "有待审词"}).json()
    assert held["status"] == "held" and held["status_reason"]
    censored = post_json(bob, url, {"text": "坏话连篇"}).json()
    assert censored["censored"] is True and "坏话" not in censored["html"]
    assert Post.objects.filter(thread_id=post.thread_id).count() == 3


def test_api_edit_history_delete_react_pin_move_read(forum, client_for, thread_of):
    post = thread_of()
    alice, bob, sec = client_for(forum.alice), client_for(forum.bob), client_for(forum.secretary)
    edited = post_json(alice, f"/api/forum/posts/{post.pk}", {"text": "改过"}, method="patch").json()
    assert edited["edited"] is True
    assert len(bob.get(f"/api/forum/posts/{post.pk}/revisions").json()) == 2
    assert post_json(bob, f"/api/forum/posts/{post.pk}", {"text": "x"}, method="patch").status_code == 403
    react = post_json(bob, f"/api/forum/posts/{post.pk}/reactions", {"kind": "like"}).json()
    assert react == {"reactions": {"like": 1}}
    assert post_json(sec, f"/api/forum/threads/{post.thread_id}/pin", {"pinned": True}).json()["pinned"] is True
    read = post_json(bob, f"/api/forum/threads/{post.thread_id}/read", {"post_id": post.pk}).json()
    assert read == {"read_upto": post.pk}
    reply = post_json(bob, f"/api/forum/threads/{post.thread_id}/posts", {"text": "要删"}).json()
    assert bob.delete(f"/api/forum/posts/{reply['id']}").json()["deleted"] is True
    assert Thread.objects.get(pk=post.thread_id).post_count == 1
    assert Post.objects.get(pk=reply["id"]).status == PostStatus.PUBLISHED


def test_openapi_schema_lists_the_forum(client_for, forum):
    schema = client_for(forum.alice).get("/api/openapi.json").json()
    assert "/api/forum/threads/{thread_id}/posts" in schema["paths"]
    assert "/api/forum/search" in schema["paths"]


def test_every_page_operation_is_in_the_openapi_schema(client_for, forum):
    paths = client_for(forum.alice).get("/api/openapi.json").json()["paths"]
    expected = {
        "/api/forum/boards": {"get"},
        "/api/forum/boards/{board_id}": {"get"},
        "/api/forum/boards/{board_id}/threads": {"get", "post"},
        "/api/forum/threads/{thread_id}": {"get"},
        "/api/forum/threads/{thread_id}/posts": {"get", "post"},
        "/api/forum/threads/{thread_id}/pin": {"post"},
        "/api/forum/threads/{thread_id}/lock": {"post"},
        "/api/forum/threads/{thread_id}/move": {"post"},
        "/api/forum/threads/{thread_id}/read": {"post"},
        "/api/forum/posts/{post_id}": {"patch", "delete"},
        "/api/forum/posts/{post_id}/revisions": {"get"},
        "/api/forum/posts/{post_id}/reactions": {"post"},
        "/api/forum/search": {"get"},
        "/api/forum/notifications": {"get"},
        "/api/forum/notifications/read": {"post"},
        "/api/forum/attachments": {"post"},
    }
    assert {path: set(paths.get(path, {})) & methods for path, methods in expected.items()} == expected


def test_api_move_search_and_notifications(forum, client_for, thread_of):
    from forum.models import Board

    post = thread_of("接口搜索测试", f"学习强国的学习体会 @{forum.bob.user.username}")
    bob, sec, carol = client_for(forum.bob), client_for(forum.secretary), client_for(forum.carol)
    hits = bob.get("/api/forum/search", {"q": "学习"}).json()
    assert [h["post_id"] for h in hits] == [post.pk] and "<mark>学习</mark>" in hits[0]["snippet_html"]
    assert carol.get("/api/forum/search", {"q": "学习"}).json() == []
    study = Board.objects.get(organisation=forum.tree.branch_a, name="学习园地")
    assert post_json(bob, f"/api/forum/threads/{post.thread_id}/move", {"board_id": study.pk}).status_code == 403
    moved = post_json(sec, f"/api/forum/threads/{post.thread_id}/move", {"board_id": study.pk})
    assert moved.status_code == 200 and moved.json()["board_id"] == study.pk
    [notification] = bob.get("/api/forum/notifications").json()
    assert notification["kind"] == "mention" and notification["read"] is False
    assert post_json(bob, "/api/forum/notifications/read", {"ids": [notification["id"]]}).json() == {"unread": 0}
    assert bob.get("/api/forum/notifications").json()[0]["read"] is True
