"""mailbox:<id> on the real ASGI application: live delivery, read receipts, resume, privacy."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from mailboxes import services
from members.access import actor_from_member
from realtime.models import StreamEvent
from tests.mailboxes.conftest import session_of
from tests.realtime.conftest import connect, recv, request  # noqa: F401  (fixture)


@pytest.fixture
def talk(transactional_db, people):
    alice = actor_from_member(people.alice)
    conversation = services.conversation_open(by=alice, other_id=people.secretary.pk)
    return people, conversation


async def socket_of(connect, member):  # noqa: F811
    return await connect(await database_sync_to_async(session_of)(member))


async def test_messages_and_read_receipts_travel_live(talk, connect):  # noqa: F811
    people, c = talk
    alice, secretary = await socket_of(connect, people.alice), await socket_of(connect, people.secretary)
    for comm in (alice, secretary):
        assert (await request(comm, {"type": "subscribe", "stream": c.stream}))["type"] == "subscribed"
    await alice.send_json_to({"type": "send", "stream": c.stream, "cid": "m1", "body": {"text": "书记好"}})
    frames = [await recv(alice), await recv(alice)]
    ack = next(f for f in frames if f["type"] == "ack")
    assert ack["cid"] == "m1" and ack["seq"] == 1
    got = await recv(secretary)
    assert got["type"] == "event" and got["event"]["text"] == "书记好" and got["event"]["sender"] == people.alice.pk
    # The same cid again: acked with the same seq, delivered to nobody, stored once.
    await alice.send_json_to({"type": "send", "stream": c.stream, "cid": "m1", "body": {"text": "书记好"}})
    assert (await recv(alice)) == {**ack}
    assert await secretary.receive_nothing(timeout=0.3)
    # The secretary reads it: alice sees the receipt live.
    result = await request(secretary, {"type": "mailbox.read", "stream": c.stream, "upto": 1, "ref": 9})
    frames = [result, await recv(secretary)]
    assert any(f["type"] == "result" and f["data"] == {"upto": 1} for f in frames)
    receipt = await recv(alice)
    assert receipt["event"] == {"type": "mailbox.conversation.read", "member": people.secretary.pk, "upto": 1}
    # Typing is relayed to the other side only as an ephemeral frame.
    await alice.send_json_to({"type": "typing", "stream": c.stream, "active": True})
    typing = await recv(secretary, skip=("presence",))
    assert typing["type"] == "typing" and typing["member"] == people.alice.pk
    count = await database_sync_to_async(
        lambda: StreamEvent.objects.filter(stream=c.stream, payload__type="mailbox.message.sent").count()
    )()
    assert count == 1


async def test_resume_after_a_disconnect_delivers_every_message_once(talk, connect):  # noqa: F811
    people, c = talk
    secretary = await socket_of(connect, people.secretary)
    seen = (await request(secretary, {"type": "subscribe", "stream": c.stream}))["seq"]
    alice = await socket_of(connect, people.alice)
    await request(alice, {"type": "subscribe", "stream": c.stream})
    await alice.send_json_to({"type": "send", "stream": c.stream, "cid": "a", "body": {"text": "一"}})
    first = await recv(secretary)
    seen = first["seq"]
    await secretary.disconnect()
    for i, text in enumerate(("二", "三", "四")):
        await alice.send_json_to({"type": "send", "stream": c.stream, "cid": f"b{i}", "body": {"text": text}})
    while True:  # wait until alice has all three acks
        frame = await recv(alice)
        if frame["type"] == "ack" and frame["cid"] == "b2":
            break
    secretary = await socket_of(connect, people.secretary)
    await secretary.send_json_to({"type": "subscribe", "stream": c.stream, "since": seen})
    frames = [await recv(secretary) for _ in range(4)]
    assert frames[0]["type"] == "subscribed"
    assert [f["event"]["text"] for f in frames[1:]] == ["二", "三", "四"]
    assert [f["seq"] for f in frames[1:]] == [seen + 1, seen + 2, seen + 3]
    assert await secretary.receive_nothing(timeout=0.3)


async def test_outsiders_cannot_subscribe_send_or_mark_read(talk, connect):  # noqa: F811
    people, c = talk
    for outsider in (people.moderator, people.superuser, people.secretary_b):
        comm = await socket_of(connect, outsider)
        refused = await request(comm, {"type": "subscribe", "stream": c.stream, "ref": 1})
        assert refused["type"] == "error" and refused["code"] == "not_found"
        await comm.send_json_to({"type": "send", "stream": c.stream, "cid": "x", "body": {"text": "偷看"}})
        assert (await recv(comm))["code"] == "not_found"
        denied = await request(comm, {"type": "mailbox.read", "stream": c.stream, "upto": 1})
        assert denied["code"] == "not_found"
    assert not await database_sync_to_async(lambda: StreamEvent.objects.filter(stream=c.stream).exists())()


async def test_a_message_sent_over_the_socket_updates_the_other_sides_unread_count_live(talk, connect):  # noqa: F811
    people, c = talk
    alice, secretary = await socket_of(connect, people.alice), await socket_of(connect, people.secretary)
    await request(alice, {"type": "subscribe", "stream": c.stream})
    await request(secretary, {"type": "subscribe", "stream": "user:me"})
    for i, text in enumerate(("第一条", "第二条")):
        await alice.send_json_to({"type": "send", "stream": c.stream, "cid": f"u{i}", "body": {"text": text}})
        unread = await recv(secretary)
        assert unread["stream"] == "user:me"
        assert unread["event"] == {"type": "mailbox.unread.changed", "conversation": c.pk, "unread": i + 1}
    # Reading over the socket brings the reader's own count down, on their user:me stream too.
    await request(secretary, {"type": "subscribe", "stream": c.stream})
    await secretary.send_json_to({"type": "mailbox.read", "stream": c.stream, "upto": 2, "ref": 1})
    frames = [await recv(secretary) for _ in range(3)]
    counts = [f["event"] for f in frames if f["type"] == "event" and f["stream"] == "user:me"]
    assert counts == [{"type": "mailbox.unread.changed", "conversation": c.pk, "unread": 0}]
    # Alice, the sender, is told nothing on her user:me stream about her own messages.
    told_alice = await database_sync_to_async(
        lambda: StreamEvent.objects.filter(
            stream=f"user:{people.alice.pk}", payload__type="mailbox.unread.changed"
        ).count()
    )()
    assert told_alice == 0


async def test_a_message_of_only_spaces_gets_an_error_like_an_empty_one(talk, connect):  # noqa: F811
    people, c = talk
    alice = await socket_of(connect, people.alice)
    await request(alice, {"type": "subscribe", "stream": c.stream})
    replies = {}
    for text in ("", "  \n\u3000 "):
        await alice.send_json_to({"type": "send", "stream": c.stream, "cid": f"c{len(text)}", "body": {"text": text}})
        replies[text] = await recv(alice)
    assert replies[""]["type"] == "error" and replies[""]["code"] == "invalid"
    assert {**replies["  \n\u3000 "], "cid": "c0"} == {**replies[""], "cid": "c0"}
    stored = await database_sync_to_async(lambda: StreamEvent.objects.filter(stream=c.stream).exists())()
    assert not stored
