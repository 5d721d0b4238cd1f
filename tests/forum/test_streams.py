"""The forum's streams on the real ASGI application: subscribe, live posts, commands, resume, privacy."""

from __future__ import annotations

import json
import uuid

import pytest
from channels.db import database_sync_to_async
from django.test import Client

from forum import services
from forum.models import Post
from members.access import actor_from_member
from moderation import services as moderation_services
from tests.realtime.conftest import connect, recv, request  # noqa: F401  (fixture)


def session_of(member) -> str:
    client = Client()
    client.force_login(member.user)
    return client.cookies["sessionid"].value


@pytest.fixture
def live(transactional_db, forum, actors):
    first = services.thread_create(by=actors["alice"], board_id=forum.board.pk, title="直播帖", source="开帖")
    return forum, actors, first


async def test_two_members_see_each_others_posts_live_and_outsider_is_refused(live, connect):  # noqa: F811
    forum, actors, first = live
    stream = f"forum.thread:{first.thread_id}"
    alice = await connect(await database_sync_to_async(session_of)(forum.alice))
    bob = await connect(await database_sync_to_async(session_of)(forum.bob))
    carol = await connect(await database_sync_to_async(session_of)(forum.carol))
    for comm in (alice, bob):
        assert (await request(comm, {"type": "subscribe", "stream": stream}))["type"] == "subscribed"
    refused = await request(carol, {"type": "subscribe", "stream": stream})
    assert refused["type"] == "error" and refused["code"] == "forbidden"
    board_refused = await request(carol, {"type": "subscribe", "stream": f"forum.board:{forum.board.pk}"})
    assert board_refused["code"] == "forbidden"

    result = await request(
        bob, {"type": "forum.thread.post", "stream": stream, "text": "实时回复", "cid": "b1", "ref": 1}
    )
    assert result["type"] in ("result", "event")
    frames = [result] + [await recv(bob)]
    reply = next(f for f in frames if f["type"] == "result")
    assert reply["data"]["post"]["html"] == "<p>实时回复</p>"
    event = await recv(alice)
    assert event["type"] == "event" and event["event"]["type"] == "forum.post.created"
    assert event["event"]["post"]["id"] == reply["data"]["post"]["id"]
    assert await carol.receive_nothing(timeout=0.3)


async def test_resume_gets_missed_posts_once(live, connect):  # noqa: F811
    forum, actors, first = live
    stream = f"forum.thread:{first.thread_id}"
    bob = await connect(await database_sync_to_async(session_of)(forum.bob))
    subscribed = await request(bob, {"type": "subscribe", "stream": stream})
    seen = subscribed["seq"]
    await bob.disconnect()
    for text in ("离线时一", "离线时二"):
        await database_sync_to_async(services.post_create)(by=actors["alice"], thread_id=first.thread_id, source=text)
    bob = await connect(await database_sync_to_async(session_of)(forum.bob))
    await bob.send_json_to({"type": "subscribe", "stream": stream, "since": seen})
    frames = [await recv(bob) for _ in range(3)]
    assert frames[0]["type"] == "subscribed"
    htmls = [f["event"]["post"]["html"] for f in frames[1:]]
    assert htmls == ["<p>离线时一</p>", "<p>离线时二</p>"]
    assert await bob.receive_nothing(timeout=0.3)


async def test_board_stream_announces_new_threads(live, connect):  # noqa: F811
    forum, actors, _ = live
    bob = await connect(await database_sync_to_async(session_of)(forum.bob))
    await request(bob, {"type": "subscribe", "stream": f"forum.board:{forum.board.pk}"})
    await database_sync_to_async(services.thread_create)(
        by=actors["alice"], board_id=forum.board.pk, title="新主题", source="内容"
    )
    event = await recv(bob)
    assert event["event"]["type"] == "forum.thread.created" and event["event"]["thread"]["title"] == "新主题"


async def test_socket_post_errors_locked_blocked_muted(live, connect, words):  # noqa: F811
    forum, actors, first = live
    stream = f"forum.thread:{first.thread_id}"
    await database_sync_to_async(words)(("违禁词", "block"))
    bob = await connect(await database_sync_to_async(session_of)(forum.bob))
    await request(bob, {"type": "subscribe", "stream": stream})
    blocked = await request(bob, {"type": "forum.thread.post", "stream": stream, "text": "违禁词", "ref": 2})
    assert blocked["code"] == "content_blocked" and blocked["details"]["reasons"][0]["code"] == "word_block"
    await database_sync_to_async(moderation_services.sanction_apply)(
        by=actors["moderator"], member_id=forum.bob.pk, kind="mute", reason="刷屏", minutes=10
    )
    muted = await request(bob, {"type": "forum.thread.post", "stream": stream, "text": "你好", "ref": 3})
    assert muted["code"] == "muted"
    await database_sync_to_async(services.thread_lock)(by=actors["secretary"], thread_id=first.thread_id, locked=True)
    await recv(bob)  # the thread.updated event
    secretary = await connect(await database_sync_to_async(session_of)(forum.secretary))
    alice = await connect(await database_sync_to_async(session_of)(forum.alice))
    await request(alice, {"type": "subscribe", "stream": stream})
    locked = await request(alice, {"type": "forum.thread.post", "stream": stream, "text": "锁了吗", "ref": 4})
    assert locked["code"] == "thread_locked"
    assert await database_sync_to_async(Post.objects.filter(thread_id=first.thread_id).count)() == 1
    await secretary.disconnect()


async def test_socket_post_that_is_empty_or_too_long_is_refused_in_words_a_member_reads(live, connect):  # noqa: F811
    forum, actors, first = live
    stream = f"forum.thread:{first.thread_id}"
    bob = await connect(await database_sync_to_async(session_of)(forum.bob))
    await request(bob, {"type": "subscribe", "stream": stream})
    empty = await request(bob, {"type": "forum.thread.post", "stream": stream, "text": "", "ref": 1})
    assert empty["type"] == "error" and empty["message"] == "帖子内容为空。"
    too_long = "长" * (services.MAX_SOURCE + 1)  # 60 KB of UTF-8, as a browser sends it: still one frame
    frame = {"type": "forum.thread.post", "stream": stream, "text": too_long, "ref": 2}
    await bob.send_to(text_data=json.dumps(frame, ensure_ascii=False))
    refused = await recv(bob)
    assert refused["type"] == "error" and refused["message"] == "帖子太长。"
    assert await database_sync_to_async(Post.objects.filter(thread_id=first.thread_id).count)() == 1


async def test_socket_react_and_typing(live, connect):  # noqa: F811
    forum, actors, first = live
    stream = f"forum.thread:{first.thread_id}"
    alice = await connect(await database_sync_to_async(session_of)(forum.alice))
    bob = await connect(await database_sync_to_async(session_of)(forum.bob))
    for comm in (alice, bob):
        await request(comm, {"type": "subscribe", "stream": stream})
    await bob.send_json_to({"type": "typing", "stream": stream, "active": True})
    typing = await recv(alice, skip=("presence",))
    assert typing == {"type": "typing", "stream": stream, "member": forum.bob.pk, "active": True}
    result = await request(
        bob, {"type": "forum.thread.react", "stream": stream, "post": first.pk, "kind": "like", "ref": 5}
    )
    frames = [result, await recv(bob)]
    assert any(f["type"] == "result" and f["data"] == {"reactions": {"like": 1}} for f in frames)
    event = await recv(alice)
    assert event["event"] == {"type": "forum.post.reactions", "post_id": first.pk, "reactions": {"like": 1}}


async def test_mention_arrives_on_user_me_and_outsider_is_not_notified(live, connect):  # noqa: F811
    forum, actors, first = live
    bob = await connect(await database_sync_to_async(session_of)(forum.bob))
    carol = await connect(await database_sync_to_async(session_of)(forum.carol))
    for comm in (bob, carol):
        await request(comm, {"type": "subscribe", "stream": "user:me"})
    text = f"@{forum.bob.user.username} @{forum.carol.user.username} 看这里 {uuid.uuid4().hex[:4]}"
    await database_sync_to_async(services.post_create)(by=actors["alice"], thread_id=first.thread_id, source=text)
    event = await recv(bob)
    assert event["stream"] == "user:me" and event["event"]["type"] == "forum.notification.created"
    assert event["event"]["unread"] == 1
    assert await carol.receive_nothing(timeout=0.3)
    await database_sync_to_async(actor_from_member)(forum.bob)
