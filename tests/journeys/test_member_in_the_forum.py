"""Journey 1, a member in the forum, on phones: she logs in, opens a board and a thread, starts a
reply, reloads (the draft is still there), mentions a colleague chosen by his real name, sends;
he sees the reply appear live, with the mention highlighted and the same buttons as every post,
and a notification whose badge count is right and which leads to the post; he quotes her and
reacts, and she sees both live. Touch targets are at least 44 px on the way."""

from __future__ import annotations

import re
import uuid

from forum import services
from members.access import actor_from_member
from tests.journeys.social import fits, log_in, menu, phone, shot, small_targets


def test_member_in_the_forum(live_server_url, new_page, org_tree, member_factory):
    u = uuid.uuid4().hex[:6]
    her = member_factory(org_tree.group_a1, username=f"wang{u}", real_name="王秀英")
    him = member_factory(org_tree.branch_a, username=f"li{u}", real_name="李建国")
    member_factory(org_tree.group_b1, username=f"li2{u}", real_name="李明")  # another branch: not offered
    board = org_tree.branch_a.boards.get(name="党员论坛")
    # Data the journey does not cover: a thread someone started earlier.
    opening = services.thread_create(
        by=actor_from_member(him), board_id=board.pk, title="学习二十大报告心得", source="大家谈谈体会。"
    )
    thread_url = f"{live_server_url}/forum/t/{opening.thread_id}/"

    # He waits on the thread; his notification badge is hidden at zero.
    his = phone(new_page)
    log_in(his, live_server_url, him.user.username)
    his.goto(thread_url)
    his.wait_for_selector("#conn-state[data-state=open]")
    badge = his.locator("#notification-badge")
    assert badge.is_hidden()

    # She finds the thread through the menu, the board and its list.
    mine = phone(new_page)
    log_in(mine, live_server_url, her.user.username)
    menu(mine, "论坛")
    # Every level has a 党员论坛; hers is the branch's.
    mine.locator(".card", has_text="第一党支部").get_by_role("link", name="党员论坛").first.click()
    mine.get_by_role("link", name="学习二十大报告心得").click()
    mine.wait_for_selector("#conn-state[data-state=open]")
    assert mine.locator("h1").inner_text() == "学习二十大报告心得"
    fits(mine)

    # A reply begun, the page reloaded: the draft is still there.
    reply = mine.locator("#reply-text")
    reply.click()
    reply.press_sequentially("谢谢分享，")
    mine.reload()
    mine.wait_for_selector("#conn-state[data-state=open]")
    assert mine.locator("#reply-text").input_value() == "谢谢分享，"

    # The mention, chosen by real name from people who may read the thread.
    reply = mine.locator("#reply-text")
    reply.press("End")
    reply.press_sequentially("@李")
    options = mine.locator(".mention-option")
    options.first.wait_for()
    offered = [" ".join(text.split()) for text in options.all_inner_texts()]
    assert offered == [f"李建国 @{him.user.username} · 第一党支部"]  # not 李明 of branch B
    shot(mine, "forum-mention")
    options.first.click()
    reply.press_sequentially("我也有同感。")
    assert reply.input_value() == f"谢谢分享，@{him.user.username} 我也有同感。"
    mine.get_by_role("button", name="发布").click()
    sent = mine.locator(".post", has_text="我也有同感")
    sent.wait_for()
    assert mine.locator("#reply-text").input_value() == ""

    # He sees it live: drawn like every post (quote and reaction buttons, the clock), the mention
    # highlighted and linked to his profile, and his badge says 1.
    arrived = his.locator(".post", has_text="我也有同感")
    arrived.wait_for()
    mention = arrived.locator("a.mention")
    assert mention.inner_text() == "@李建国" and mention.get_attribute("href") == f"/people/{him.pk}/"
    assert arrived.locator(".quote-btn").count() == 1
    buttons = his.locator(".post").first.locator("button.reaction").count()
    assert arrived.locator("button.reaction").count() == buttons > 0
    assert re.fullmatch(r"\d\d:\d\d", arrived.locator(".post-head time").inner_text())
    assert arrived.locator(".author a").inner_text() == "王秀英"
    badge.wait_for(state="visible")
    assert badge.inner_text() == "1"
    shot(his, "forum-live-reply")

    # The draft was cleared when sent: a reload shows an empty box.
    mine.reload()
    assert mine.locator("#reply-text").input_value() == ""

    # The notification leads to the post.
    his.locator("#notifications-link").click()  # in the top bar, beside the menu
    notice = his.locator("#notifications li", has_text="王秀英")
    assert "学习二十大报告心得" in notice.inner_text()
    notice.get_by_role("link", name="查看").click()
    his.wait_for_url(re.compile(rf"/forum/t/{opening.thread_id}/.*#p{sent.get_attribute('data-post')}$"))
    his.wait_for_selector("#conn-state[data-state=open]")
    assert his.locator("#notification-badge").is_hidden()  # read, back to zero

    # He quotes her post and reacts to it; she sees both without reloading.
    hers = his.locator(".post", has_text="我也有同感")
    hers.locator(".quote-btn").click()
    assert "王秀英" in his.locator("#reply-quote-note").inner_text()
    his.locator("#reply-text").fill("说得好，一起学习。")
    his.get_by_role("button", name="发布").click()
    quoted = mine.locator(".post", has_text="说得好")
    quoted.wait_for()
    assert "王秀英" in quoted.locator("blockquote.quote").inner_text()
    like = hers.locator("button.reaction").first
    label = like.get_attribute("aria-label")
    assert label
    like.click()
    mine.locator(".post", has_text="我也有同感").get_by_label(label).locator(".count", has_text="1").wait_for()
    shot(mine, "forum-quote-react")

    # Touch targets on a phone: the menu's links, the reaction buttons, the footer's report link.
    mine.locator(".nav-toggle-label").click()
    targets = ".nav a, .nav button, #notifications-link, button.reaction, .quote-btn, .site-footer a"
    assert small_targets(mine, targets) == []
    fits(mine)
