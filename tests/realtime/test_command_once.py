# ruff: noqa: F811 - test arguments name the fixtures imported from the gateway's conftest
"""Commands that store something may carry a client id: a browser's outbox sends a chat line or
a new thread again after a dropped link, and it is stored once, the second answer the first's."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async

from forum.models import Post
from meetings.models import ChatMessage
from realtime.models import CommandReceipt
from tests.meetings.conftest import Branch, branch_meeting  # noqa: F401 - a fixture
from tests.meetings.test_streams import command, db, join, next_of, refused, session_of
from tests.realtime.conftest import Connect, connect, realtime_isolation  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db(transaction=True)


async def test_a_chat_line_sent_again_with_its_cid_is_stored_once(connect: Connect, branch_meeting: Branch) -> None:
    meeting = branch_meeting.meeting
    stream = f"meeting:{meeting.pk}"
    author = await join(connect, branch_meeting.full[0], meeting.pk)
    other = await join(connect, branch_meeting.full[1], meeting.pk)

    first = await command(author, "meeting.chat", stream, text="网络断了又连上", cid="line-1")
    again = await command(author, "meeting.chat", stream, text="网络断了又连上", cid="line-1")
    assert again == first and first["status"] == "published"
    assert (await next_of(other, "meetings.chat.posted"))["event"]["text"] == "网络断了又连上"
    assert await sync_to_async(ChatMessage.objects.filter(meeting=meeting).count)() == 1
    # A new cid is a new line; without a cid every send is one.
    await command(author, "meeting.chat", stream, text="第二句", cid="line-2")
    await command(author, "meeting.chat", stream, text="第三句")
    assert await sync_to_async(ChatMessage.objects.filter(meeting=meeting).count)() == 3
    # Another member's same cid is theirs alone.
    await command(other, "meeting.chat", stream, text="我也说", cid="line-1")
    assert await sync_to_async(ChatMessage.objects.filter(meeting=meeting).count)() == 4

    # A refused line leaves no receipt: sent again (corrected) with the same cid it is stored.
    await refused(author, "meeting.chat", stream, "invalid", text="   ", cid="line-3")
    assert not await sync_to_async(CommandReceipt.objects.filter(cid="line-3").exists)()
    await refused(author, "meeting.chat", stream, "bad_frame", text="坏的", cid="")
    for socket in (author, other):
        await socket.disconnect()


async def test_a_new_thread_sent_again_with_its_cid_is_started_once(connect: Connect, org_tree, member_factory) -> None:
    member = await sync_to_async(member_factory)(org_tree.group_a1)
    board = await sync_to_async(org_tree.branch_a.boards.get)(name="党员论坛")
    socket = await connect(await db(session_of)(member))
    stream = f"forum.board:{board.pk}"
    first = await command(socket, "forum.board.thread", stream, title="离线写的帖子", text="正文", cid="t-1")
    again = await command(socket, "forum.board.thread", stream, title="离线写的帖子", text="正文", cid="t-1")
    assert again["thread"] == first["thread"] and again["post"]["id"] == first["post"]["id"]
    assert await sync_to_async(Post.objects.filter(thread__board=board, thread__title="离线写的帖子").count)() == 1
    await socket.disconnect()
