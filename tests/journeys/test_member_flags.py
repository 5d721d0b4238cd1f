"""A member flags what others wrote, on a phone: a chat line in a party lesson from the room's
page (one dialog, a reason and a note; told the flag was received; a second flag counts once) and
a forum post. Once enough members have flagged them, the author reads on each, without
reloading, that it was hidden after members' flags, while the other member no longer sees the
chat line and sees "此内容已被隐藏" where the hidden post was, and where their reply quotes it."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.utils import timezone

from forum import services as forum_services
from lessons import questions
from lessons.services import lecturer_set
from meetings import lifecycle, services
from meetings.models import ChatMessage, MeetingKind
from members.access import SYSTEM, actor_from_member
from members.models import RoleKind
from moderation import services as moderation_services
from moderation.models import QueueItem
from tests.journeys.social import fits, log_in, phone, shot, small_targets
from tests.meetings.conftest import enter_and_join

WAIT = 30_000  # ms, an upper bound for each step, never a speed claim
HIDDEN_WORDS = "因党员举报而隐藏，等待审核员处理。"


def _enter(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("#room:not([hidden])", timeout=WAIT)


def _flag_in_dialog(page: Any, reason: str, note: str = "") -> Any:
    dialog = page.locator("#flag-dialog")
    dialog.wait_for(state="visible")
    dialog.get_by_label(reason).check()
    if note:
        dialog.locator("textarea[name=note]").fill(note)
    return dialog


def test_a_member_flags_a_lesson_chat_line_and_a_post_and_the_author_reads_why(  # type: ignore[no-untyped-def]
    live_server_url, new_page, org_tree, member_factory
):
    u = uuid.uuid4().hex[:6]
    branch = org_tree.branch_a
    secretary = member_factory(branch, real_name="王书记", roles=[(RoleKind.SECRETARY, branch)])
    lecturer = member_factory(branch, real_name="赵老师", roles=[(RoleKind.LECTURER, branch)])
    author = member_factory(branch, username=f"a{u}", real_name="张发言")
    flagger = member_factory(branch, username=f"f{u}", real_name="李认真")
    third = member_factory(org_tree.group_a1, real_name="周同志")
    moderation_services.policy_set(by=SYSTEM, organisation=branch, flag_threshold=2)
    start = timezone.now()
    meeting = services.meeting_schedule(
        by=actor_from_member(secretary), organisation=branch, kind=MeetingKind.LESSON, title="学习党章党课",
        starts_at=start, ends_at=start + dt.timedelta(hours=1),
    )  # fmt: skip
    lecturer_set(by=actor_from_member(secretary), meeting=meeting, member=lecturer)
    lifecycle.meeting_start(by=actor_from_member(secretary), meeting=meeting)
    room_url = f"{live_server_url}/meetings/{meeting.pk}/room/"

    writer = phone(new_page)
    log_in(writer, live_server_url, f"a{u}")
    _enter(writer, room_url)
    member = phone(new_page)
    log_in(member, live_server_url, f"f{u}")
    _enter(member, room_url)

    # The author writes in the lesson's chat and asks a question; both reach the other phone.
    writer.locator("#chat-form input[name=text]").fill("散会后一起去钓鱼吧")
    writer.locator("#chat-form").get_by_role("button", name="发送").click()
    line = member.locator("#chat-lines li", has_text="散会后一起去钓鱼吧")
    line.wait_for(timeout=WAIT)
    asked = questions.question_ask(by=actor_from_member(author), meeting=meeting, text="党费怎么交？")
    member.locator(f"#questions li[data-question='{asked.id}'] .flag-btn").wait_for(timeout=WAIT)
    writer.locator(f"#questions li[data-question='{asked.id}']").wait_for(timeout=WAIT)
    assert writer.locator("#chat-lines .flag-btn, #questions .flag-btn").count() == 0  # not on one's own

    # The member flags the chat line: one dialog, showing the line, a reason and a note.
    line.get_by_role("button", name="举报", exact=True).click()
    dialog = _flag_in_dialog(member, "偏离主题", "与党课无关")
    assert "散会后一起去钓鱼吧" in dialog.locator(".flag-item").inner_text()
    fits(member)
    assert small_targets(member, "#flag-dialog button, #flag-dialog label.choice") == []
    shot(member, "flag-1-dialog")
    dialog.get_by_role("button", name="提交举报").click()
    dialog.locator(".flag-result", has_text="举报已收到").wait_for(timeout=WAIT)
    shot(member, "flag-2-received")
    dialog.get_by_role("button", name="关闭").click()
    line.locator(".flag-done", has_text="已举报").wait_for()
    assert small_targets(member, "#chat-lines button, #questions button") == []

    # After a reload the member flags it again: told it counts once, and it does.
    _enter(member, room_url)
    line.get_by_role("button", name="举报", exact=True).click()
    dialog = _flag_in_dialog(member, "垃圾信息")
    dialog.get_by_role("button", name="提交举报").click()
    dialog.locator(".flag-result", has_text="只计一次").wait_for(timeout=WAIT)
    dialog.get_by_role("button", name="关闭").click()
    message = ChatMessage.objects.get(meeting=meeting, text="散会后一起去钓鱼吧")
    assert QueueItem.objects.get(object_id=message.pk, content_type__model="chatmessage").details["flags"] == 1

    # A second member in the room flags it too, which hides it: gone from the member's page, kept
    # with the words on the author's.
    assert enter_and_join(actor_from_member(third), meeting) == "admitted"
    moderation_services.flag_create(
        by=actor_from_member(third), ref=f"meetings.chatmessage:{message.pk}", reason="off_topic"
    )
    mine = writer.locator(f"#chat-lines li[data-chat='{message.pk}']")
    mine.locator(".moderation-note", has_text=HIDDEN_WORDS).wait_for(timeout=WAIT)
    line.wait_for(state="detached", timeout=WAIT)
    fits(writer)
    mine.scroll_into_view_if_needed()
    shot(writer, "flag-3-author-reads-hidden-chat")

    # The forum: the author's post, quoted in the member's reply, flagged from the thread page.
    opening = forum_services.thread_create(
        by=actor_from_member(third), board_id=branch.boards.get(name="党员论坛").pk, title="学习心得", source="欢迎交流"
    )
    post = forum_services.post_create(by=actor_from_member(author), thread_id=opening.thread_id, source="学习要讲方法")
    reply = forum_services.post_create(
        by=actor_from_member(flagger), thread_id=opening.thread_id, source="说得不对", quote_id=post.pk
    )
    thread_url = f"{live_server_url}/forum/t/{opening.thread_id}/"
    writer.goto(thread_url)
    member.goto(thread_url)
    assert small_targets(member, f"#p{post.pk} .flag-control summary") == []
    member.locator(f"#p{post.pk} .flag-control summary").click()
    dialog = _flag_in_dialog(member, "辱骂攻击")
    dialog.get_by_role("button", name="提交举报").click()
    dialog.locator(".flag-result", has_text="举报已收到").wait_for(timeout=WAIT)
    dialog.get_by_role("button", name="关闭").click()
    member.locator(f"#p{post.pk} .flag-done", has_text="已举报").wait_for()

    member.wait_for_selector("#conn-state[data-state=open]", timeout=WAIT)
    writer.wait_for_selector("#conn-state[data-state=open]", timeout=WAIT)
    moderation_services.flag_create(by=actor_from_member(third), ref=f"forum.post:{post.pk}", reason="abuse")
    writer.locator(f"#p{post.pk} .notice", has_text=HIDDEN_WORDS).wait_for(timeout=WAIT)
    assert "学习要讲方法" in writer.locator(f"#p{post.pk}").inner_text()
    assert writer.locator(f"#p{post.pk} .quote-btn").count() == 0  # nobody quotes a hidden post
    member.locator(f"#p{post.pk}.placeholder", has_text="此内容已被隐藏").wait_for(timeout=WAIT)
    member.locator(f"#p{reply.pk} blockquote", has_text="此内容已被隐藏").wait_for(timeout=WAIT)
    assert "学习要讲方法" not in member.locator("#posts").inner_text()
    fits(member)
    fits(writer)
    member.locator(f"#p{reply.pk}").scroll_into_view_if_needed()
    shot(member, "flag-4-others-see-the-placeholder")
    writer.locator(f"#p{post.pk}").scroll_into_view_if_needed()
    shot(writer, "flag-5-author-reads-hidden-post")
