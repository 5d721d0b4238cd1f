"""A migrant member on a weak link (slow 3G, then no network at all, then back): nothing written
is lost or doubled, what others wrote meanwhile arrives once and in order, and the connection
badge tells the truth. Chromium's network emulation through a CDP session; it holds an open
WebSocket through an outage rather than closing it, so the last journey also closes the socket
for real, after the server stored a message but before its answer reached the page."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

from forum import services as forum_services
from forum.models import Post
from mailboxes import services as mailbox_services
from meetings import chat
from meetings.models import ChatMessage
from members.access import actor_from_member
from members.models import RoleKind
from realtime.models import StreamEvent
from tests.browser.test_forum_live import log_in
from tests.meetings.conftest import branch_meeting, enter_and_join  # noqa: F401 - a fixture

SHOTS = Path(__file__).resolve().parents[2] / "var" / "journeys"
# Chromium's "Slow 3G": 400 ms latency, 400 kbit/s each way (CDP takes bytes per second).
SLOW_3G = {"offline": False, "latency": 400, "downloadThroughput": 400_000 / 8, "uploadThroughput": 400_000 / 8}
NO_NETWORK = {"offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0}


class Link:
    """One page's network, emulated by Chromium (Network.emulateNetworkConditions)."""

    def __init__(self, page: Any) -> None:
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("Network.enable")

    def slow_3g(self) -> None:
        self.cdp.send("Network.emulateNetworkConditions", SLOW_3G)

    def cut(self) -> None:
        self.cdp.send("Network.emulateNetworkConditions", NO_NETWORK)


def phone(new_page: Any, base: str, username: str) -> tuple[Any, Link]:
    page = new_page(width=360, height=740, locale="zh-CN")
    link = Link(page)
    link.slow_3g()
    log_in(page, base, username)
    return page, link


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def texts(page: Any, selector: str) -> list[str]:
    return [t.strip() for t in page.locator(selector).all_inner_texts()]


def test_a_forum_reply_written_offline_is_posted_once_and_the_missed_replies_arrive(
    live_server_url: str, new_page: Any, org_tree: Any, member_factory: Any
) -> None:
    u = uuid.uuid4().hex[:6]
    member_factory(org_tree.group_a1, username=f"m{u}", real_name="流动党员")
    other = actor_from_member(member_factory(org_tree.group_a1, username=f"o{u}", real_name="李四"))
    board = org_tree.branch_a.boards.get(name="党员论坛")
    opening = forum_services.thread_create(by=other, board_id=board.pk, title="在火车上也能学习", source="开帖")
    thread = opening.thread_id

    page, link = phone(new_page, live_server_url, f"m{u}")
    url = f"{live_server_url}/forum/t/{thread}/"
    page.goto(url)
    page.wait_for_selector("#conn-state[data-state=open]")
    forum_services.post_create(by=other, thread_id=thread, source="第一条回复")
    page.locator(".post", has_text="第一条回复").wait_for()

    link.cut()  # the train enters a tunnel
    page.wait_for_selector("#conn-state[data-state=offline]")
    assert page.locator("#conn-state").inner_text() == "离线"
    page.fill("#reply-text", "隧道里写的回复")
    page.click("#reply-submit")
    waiting = page.locator("#reply-outbox .outbox-item")
    waiting.wait_for()
    assert "待发送" in waiting.inner_text() and "隧道里写的回复" in waiting.inner_text()
    assert page.locator("#reply-outbox-note").is_visible()
    assert page.url == url and page.locator("#thread-title").inner_text() == "在火车上也能学习"  # no error page
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shot(page, "weak-link-forum-offline")
    for text in ("第二条回复", "第三条回复"):  # others go on meanwhile
        forum_services.post_create(by=other, thread_id=thread, source=text)

    link.slow_3g()  # out of the tunnel
    page.wait_for_selector("#conn-state[data-state=open]")
    waiting.wait_for(state="detached")
    page.locator(".post", has_text="隧道里写的回复").wait_for()
    page.locator(".post", has_text="第三条回复").wait_for()
    shot(page, "weak-link-forum-back")

    stored = list(Post.objects.filter(thread_id=thread).order_by("pk").values_list("source", flat=True))
    assert stored == ["开帖", "第一条回复", "第二条回复", "第三条回复", "隧道里写的回复"]
    on_page = [t for t in texts(page, "#posts .post-body") if t]
    assert on_page == stored  # each once, in the order they were stored


def member_and_secretary(org_tree: Any, member_factory: Any, u: str) -> tuple[Any, Any, Any]:
    """A migrant member (username m<u>), their branch secretary (s<u>) and their conversation."""
    branch = org_tree.branch_a
    member = member_factory(org_tree.group_a1, username=f"m{u}", real_name="流动党员")
    secretary = member_factory(branch, username=f"s{u}", real_name="王书记", roles=[(RoleKind.SECRETARY, branch)])
    return member, secretary, mailbox_services.conversation_open(by=actor_from_member(member), other_id=secretary.pk)


def test_a_message_written_offline_is_sent_once_and_the_missed_messages_arrive_in_order(
    live_server_url: str, new_page: Any, org_tree: Any, member_factory: Any
) -> None:
    u = uuid.uuid4().hex[:6]
    member, secretary, conversation = member_and_secretary(org_tree, member_factory, u)
    by_secretary = actor_from_member(secretary)

    page, link = phone(new_page, live_server_url, f"m{u}")
    page.goto(f"{live_server_url}/mailbox/c/{conversation.pk}/")
    page.wait_for_selector("#conn-state[data-state=open]")

    link.cut()
    page.wait_for_selector("#conn-state[data-state=offline]")
    page.fill("#send-text", "书记好，我在地下室，信号不好")
    page.click("#send-submit")
    page.locator("#send-outbox .outbox-item", has_text="信号不好").wait_for()
    assert page.input_value("#send-text") == ""  # it waits in the outbox, not in the box
    for n in range(3):
        mailbox_services.message_send(by=by_secretary, conversation_id=conversation.pk, text=f"书记的第{n + 1}条")
    shot(page, "weak-link-mailbox-offline")

    link.slow_3g()
    page.wait_for_selector("#conn-state[data-state=open]")
    page.locator("#send-outbox .outbox-item").wait_for(state="detached")
    page.locator("li.message.mine", has_text="信号不好").wait_for()
    page.locator("li.message", has_text="书记的第3条").wait_for()
    shot(page, "weak-link-mailbox-back")

    events = StreamEvent.objects.filter(stream=conversation.stream, payload__type="mailbox.message.sent").order_by(
        "seq"
    )
    stored = [e.payload["text"] for e in events]
    assert stored == ["书记的第1条", "书记的第2条", "书记的第3条", "书记好，我在地下室，信号不好"]
    assert texts(page, "li.message .bubble") == stored


class AckLoser:
    """The page's socket, proxied: the first answer to a message is lost and the socket closed
    (as when the link drops just after the server stored it); later sockets pass untouched."""

    def __init__(self, page: Any) -> None:
        self.sockets = 0
        self.lost: list[str] = []
        self.armed = False
        page.route_web_socket(re.compile(r"/ws/(\?batch=1)?$"), self._route)

    def _route(self, ws: Any) -> None:
        self.sockets += 1
        server = ws.connect_to_server()

        def to_page(message: str | bytes) -> None:
            frame = json.loads(message)
            # The page's socket asks for batches (``?batch=1``): their frames pass one by one.
            for one in frame["frames"] if frame.get("type") == "batch" else [frame]:
                if self.armed and one.get("type") == "ack":
                    self.armed = False
                    self.lost.append(json.dumps(one))
                    ws.close(code=4000, reason="link lost")
                    server.close()
                    return
                ws.send(json.dumps(one))

        server.on_message(to_page)
        ws.on_message(lambda message: server.send(message))


def test_a_message_whose_answer_was_lost_with_the_socket_is_stored_once(
    live_server_url: str, new_page: Any, org_tree: Any, member_factory: Any
) -> None:
    u = uuid.uuid4().hex[:6]
    member, secretary, conversation = member_and_secretary(org_tree, member_factory, u)

    page = new_page(width=360, height=740, locale="zh-CN")
    proxy = AckLoser(page)
    log_in(page, live_server_url, f"m{u}")
    page.goto(f"{live_server_url}/mailbox/c/{conversation.pk}/")
    page.wait_for_selector("#conn-state[data-state=open]")
    states: list[str] = []
    page.expose_function("noteState", lambda state: states.append(state))
    page.evaluate(
        "() => window.epaMailboxConnection.onFrame((f) => { if (f.type === 'state') window.noteState(f.state); })"
    )

    proxy.armed = True
    page.fill("#send-text", "这条发出去了，但回执丢了")
    page.click("#send-submit")
    # The socket closes for real: the page reconnects, resumes the conversation and sends the
    # message again with its client id; the server answers with the first one's seq.
    page.locator("li.message.mine", has_text="回执丢了").wait_for()
    page.locator("#send-outbox .outbox-item").wait_for(state="detached")
    page.wait_for_selector("#conn-state[data-state=open]")
    assert proxy.lost and proxy.sockets >= 2
    assert "reconnecting" in states and states[-1] == "open"
    mailbox_services.message_send(by=actor_from_member(secretary), conversation_id=conversation.pk, text="收到")
    page.locator("li.message.theirs", has_text="收到").wait_for()

    events = StreamEvent.objects.filter(stream=conversation.stream, payload__type="mailbox.message.sent").order_by(
        "seq"
    )
    assert [e.payload["text"] for e in events] == ["这条发出去了，但回执丢了", "收到"]
    assert texts(page, "li.message .bubble") == ["这条发出去了，但回执丢了", "收到"]


def test_a_chat_line_written_offline_in_the_meeting_is_sent_once(
    live_server_url: str,
    new_page: Any,
    branch_meeting: Any,  # noqa: F811
) -> None:
    meeting = branch_meeting.meeting
    member, other = branch_meeting.full[0], branch_meeting.full[1]
    page = new_page(width=360, height=740, locale="zh-CN")
    link = Link(page)
    link.slow_3g()
    log_in(page, live_server_url, member.user.username)
    page.goto(f"{live_server_url}/meetings/{meeting.pk}/room/")
    page.wait_for_selector("#room:not([hidden])", timeout=60_000)
    page.wait_for_selector("#rt-state[data-state=open]")

    link.cut()
    page.wait_for_selector("#rt-state[data-state=offline]")
    page.fill("#chat-form input[name=text]", "我在车上，信号断了")
    page.click("#chat-form button[type=submit]")
    page.locator("#chat-outbox .outbox-item", has_text="信号断了").wait_for()
    enter_and_join(actor_from_member(other), meeting)
    chat.chat_post(by=actor_from_member(other), meeting=meeting, text="大家先学习文件")

    link.slow_3g()
    page.wait_for_selector("#rt-state[data-state=open]")
    page.locator("#chat-outbox .outbox-item").wait_for(state="detached")
    page.locator("#chat-lines li", has_text="信号断了").wait_for()
    page.locator("#chat-lines li", has_text="大家先学习文件").wait_for()
    lines = list(ChatMessage.objects.filter(meeting=meeting).order_by("pk").values_list("text", flat=True))
    assert lines == ["大家先学习文件", "我在车上，信号断了"]
    assert [t.count("信号断了") for t in texts(page, "#chat-lines li") if "信号断了" in t] == [1]


def test_a_new_thread_written_offline_is_started_once_when_the_link_returns(
    live_server_url: str, new_page: Any, org_tree: Any, member_factory: Any
) -> None:
    u = uuid.uuid4().hex[:6]
    member_factory(org_tree.group_a1, username=f"m{u}", real_name="流动党员")
    board = org_tree.branch_a.boards.get(name="党员论坛")
    page, link = phone(new_page, live_server_url, f"m{u}")
    page.goto(f"{live_server_url}/forum/b/{board.pk}/new/")

    link.cut()
    page.wait_for_function("() => !navigator.onLine")
    page.fill("#compose input[name=title]", "地下室里写的新帖")
    page.fill("#compose textarea[name=text]", "联网后自动发出")
    page.click("#compose button[type=submit]")
    page.locator("#compose-outbox .outbox-item", has_text="地下室里写的新帖").wait_for()
    assert page.url.endswith(f"/forum/b/{board.pk}/new/")  # no error page

    link.slow_3g()
    page.wait_for_url(re.compile(r"/forum/t/\d+/$"), timeout=60_000)  # started, and opened
    assert page.locator("#thread-title").inner_text() == "地下室里写的新帖"
    assert Post.objects.filter(thread__board=board, thread__title="地下室里写的新帖").count() == 1
