"""The live review queue and sanctions on the real ASGI application and through the JSON API."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from forum import services as forum_services
from members.access import SYSTEM, Actor
from members.models import Member, RoleKind
from moderation import services
from moderation.models import QueueItem
from tests.conftest import MemberFactory, OrgTree
from tests.realtime.conftest import connect, recv, request  # noqa: F401  (fixture)


def session_of(member: Member) -> str:
    client = Client()
    client.force_login(member.user)
    return client.cookies["sessionid"].value


async def command(comm: WebsocketCommunicator, frame: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Send a command; its result or error frame, and the events that arrived before it."""
    ref = uuid.uuid4().hex[:8]
    await comm.send_json_to({**frame, "ref": ref})
    before: list[dict[str, Any]] = []
    while True:
        reply = await recv(comm)
        if reply["type"] in ("result", "error") and reply.get("ref") == ref:
            return reply, before
        before.append(reply)


async def next_event(comm: WebsocketCommunicator) -> dict[str, Any]:
    frame = await recv(comm)
    assert frame["type"] == "event", frame
    return frame["event"]


async def added_event(comm: WebsocketCommunicator, item_id: int) -> dict[str, Any]:
    """The ``added`` event of an item (skipping the echoes of this moderator's own earlier actions)."""
    while True:
        event = await next_event(comm)
        if event["type"] == "moderation.queue.added":
            assert event["item"]["id"] == item_id
            return event


@pytest.fixture
def queue_setup(
    transactional_db: None, org_tree: OrgTree, member_factory: MemberFactory, actor_of: Callable[[Member], Actor]
) -> dict[str, Any]:
    u = uuid.uuid4().hex[:6]
    words = services.word_list_create(by=SYSTEM, organisation=None, name=f"词表{u}")
    services.word_entries_set(by=SYSTEM, word_list=words, entries=[("代开发票", "hold")])
    author = member_factory(org_tree.group_a1, username=f"author{u}")
    return {
        "tree": org_tree,
        "author": author,
        "author_actor": actor_of(author),
        "mod1": member_factory(org_tree.branch_a, username=f"m1{u}", roles=[(RoleKind.MODERATOR, org_tree.branch_a)]),
        "mod2": member_factory(org_tree.branch_a, username=f"m2{u}", roles=[(RoleKind.MODERATOR, org_tree.branch_a)]),
        "member": member_factory(org_tree.group_a1, username=f"plain{u}"),
        "board": org_tree.branch_a.boards.get(name="党员论坛"),
    }


def _held_thread(setup: dict[str, Any], title: str) -> int:
    post = forum_services.thread_create(
        by=setup["author_actor"], board_id=setup["board"].pk, title=title, source=f"代开发票，{title}请联系我"
    )
    return QueueItem.objects.get(object_id=post.pk).pk


async def test_two_moderators_share_the_live_queue(queue_setup: dict[str, Any], connect) -> None:  # noqa: F811
    setup = queue_setup
    stream = f"moderation.queue:{setup['tree'].branch_a.pk}"
    mod1 = await connect(await database_sync_to_async(session_of)(setup["mod1"]))
    mod2 = await connect(await database_sync_to_async(session_of)(setup["mod2"]))
    member = await connect(await database_sync_to_async(session_of)(setup["member"]))
    for comm in (mod1, mod2):
        assert (await request(comm, {"type": "subscribe", "stream": stream}))["type"] == "subscribed"
    refused = await request(member, {"type": "subscribe", "stream": stream})
    assert refused["type"] == "error" and refused["code"] == "forbidden"

    item_id = await database_sync_to_async(_held_thread)(setup, "第一条")
    for comm in (mod1, mod2):
        event = await added_event(comm, item_id)
        assert event["item"]["hidden"] and event["item"]["reason"] == "held"

    claimed, _ = await command(mod1, {"type": "moderation.queue.claim", "stream": stream, "item": item_id})
    assert claimed["type"] == "result" and claimed["data"]["claimed_by"]["id"] == setup["mod1"].pk
    assert (await next_event(mod2))["type"] == "moderation.queue.claimed"
    lost, _ = await command(mod2, {"type": "moderation.queue.claim", "stream": stream, "item": item_id})
    assert lost["type"] == "error" and lost["code"] == "conflict"
    rejected, _ = await command(
        mod1, {"type": "moderation.queue.reject", "stream": stream, "item": item_id, "reason": "广告"}
    )
    assert rejected["data"]["status"] == "rejected" and rejected["data"]["decision_reason"] == "广告"
    decided = await next_event(mod2)
    assert decided["type"] == "moderation.queue.decided" and decided["item"]["status"] == "rejected"

    second = await database_sync_to_async(_held_thread)(setup, "第二条")
    for comm in (mod1, mod2):
        await added_event(comm, second)
    edited, _ = await command(
        mod2, {"type": "moderation.queue.edit_approve", "stream": stream, "item": second, "text": "请联系我"}
    )
    assert edited["data"]["status"] == "approved"
    third = await database_sync_to_async(_held_thread)(setup, "第三条")
    for comm in (mod1, mod2):
        await added_event(comm, third)
    escalated, _ = await command(
        mod1, {"type": "moderation.queue.escalate", "stream": stream, "item": third, "note": "请党委定"}
    )
    assert escalated["data"]["level"]["id"] == setup["tree"].committee.pk and escalated["data"]["escalated"]
    assert (await next_event(mod2))["type"] == "moderation.queue.escalated"  # it leaves their level
    bad, _ = await command(mod1, {"type": "moderation.queue.claim", "stream": stream, "item": "x"})
    assert bad["type"] == "error"
    assert await member.receive_nothing(timeout=0.3)


async def test_a_muted_member_is_refused_by_the_gateway_with_the_end_time(
    queue_setup: dict[str, Any],
    connect,  # noqa: F811
) -> None:
    setup = queue_setup
    post = await database_sync_to_async(forum_services.thread_create)(
        by=setup["author_actor"], board_id=setup["board"].pk, title="讨论", source="开帖"
    )
    sanction = await database_sync_to_async(_mute)(setup)
    stream = f"forum.thread:{post.thread_id}"
    member = await connect(await database_sync_to_async(session_of)(setup["member"]))
    assert (await request(member, {"type": "subscribe", "stream": stream}))["type"] == "subscribed"
    refused, _ = await command(member, {"type": "forum.thread.post", "stream": stream, "text": "我还能说话吗"})
    assert refused["type"] == "error" and refused["code"] == "muted"
    assert refused["details"]["until"] == sanction.ends.isoformat()


def _mute(setup: dict[str, Any]) -> Any:
    from members.access import actor_from_member

    return services.sanction_apply(
        by=actor_from_member(setup["mod1"]), member_id=setup["member"].pk, kind="mute", reason="刷屏", minutes=30
    )


def test_a_muted_member_is_refused_by_the_api_with_the_end_time(
    queue_setup: dict[str, Any], client_for: Callable[[Member], Client]
) -> None:
    setup = queue_setup
    post = forum_services.thread_create(
        by=setup["author_actor"], board_id=setup["board"].pk, title="讨论", source="开帖"
    )
    mod = client_for(setup["mod1"])
    response = mod.post(
        "/api/moderation/sanctions",
        json.dumps({"member_id": setup["member"].pk, "kind": "mute", "reason": "刷屏", "minutes": 30}),
        content_type="application/json",
    )
    assert response.status_code == 201
    ends = response.json()["ends"]
    refused = client_for(setup["member"]).post(
        f"/api/forum/threads/{post.thread_id}/posts",
        json.dumps({"text": "我还能说话吗"}),
        content_type="application/json",
    )
    assert refused.status_code == 403
    body = refused.json()
    assert body["code"] == "muted" and body["until"] == ends
    assert body["message"]  # a sentence the member can read, with the end time
    lifted = mod.post(f"/api/moderation/sanctions/{response.json()['id']}/lift")
    assert lifted.status_code == 200
    allowed = client_for(setup["member"]).post(
        f"/api/forum/threads/{post.thread_id}/posts", json.dumps({"text": "谢谢"}), content_type="application/json"
    )
    assert allowed.status_code == 201
