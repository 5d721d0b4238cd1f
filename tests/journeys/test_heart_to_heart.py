"""Journey 2, heart-to-heart and a thought report, on phones: a member writes to her branch's
secretary, who is on the mailbox page and sees the message arrive live; the member sees the
read receipt; a message begun and reloaded is still there. Then she writes and submits her
quarter's thought report; the secretary is told live, reviews it with a comment, and the member
is told live that it was reviewed."""

from __future__ import annotations

import re
import uuid

from members.models import RoleKind
from tests.journeys.social import fits, log_in, menu, phone, shot, small_targets


def test_heart_to_heart_and_thought_report(live_server_url, new_page, org_tree, member_factory):
    u = uuid.uuid4().hex[:6]
    her = member_factory(org_tree.group_a1, username=f"zhao{u}", real_name="赵春梅")
    secretary = member_factory(
        org_tree.branch_a, username=f"sec{u}", real_name="陈书记", roles=[(RoleKind.SECRETARY, org_tree.branch_a)]
    )

    # She starts a conversation with her secretary from the mailbox.
    mine = phone(new_page)
    log_in(mine, live_server_url, her.user.username)
    menu(mine, "信箱")
    mine.get_by_label("发起谈心：").select_option(label="陈书记 · 第一党支部")
    mine.get_by_role("button", name="开始").click()
    mine.wait_for_url(re.compile(r"/mailbox/c/\d+/$"))
    mine.wait_for_selector("#conn-state[data-state=open]")
    conversation_url = mine.url

    # The secretary opens the same conversation from his mailbox (he waits there).
    his = phone(new_page)
    log_in(his, live_server_url, secretary.user.username)
    his.goto(conversation_url)
    his.wait_for_selector("#conn-state[data-state=open]")

    # A message begun, the page reloaded: the draft is still there; then sent.
    box = mine.get_by_role("textbox", name="消息")
    box.fill("陈书记您好，最近工作上有些困惑，")
    mine.reload()
    mine.wait_for_selector("#conn-state[data-state=open]")
    box = mine.get_by_role("textbox", name="消息")
    assert box.input_value() == "陈书记您好，最近工作上有些困惑，"
    box.press("End")
    box.press_sequentially("想找您谈谈。")
    mine.get_by_role("button", name="发送").click()
    mine.locator("li.message.mine", has_text="想找您谈谈").wait_for()
    assert box.input_value() == ""

    # He sees it arrive live, in the site's clock; she sees it read.
    arrived = his.locator("li.message.theirs", has_text="想找您谈谈")
    arrived.wait_for()
    assert re.fullmatch(r"\d\d:\d\d", arrived.locator(".meta time").inner_text())
    receipt = mine.locator("li.message.mine", has_text="想找您谈谈").locator(".receipt")
    receipt.wait_for(state="visible")
    assert receipt.inner_text() == "已读"
    his.get_by_role("textbox", name="消息").fill("好的，明天下午来支部办公室。")
    his.get_by_role("button", name="发送").click()
    mine.locator("li.message.theirs", has_text="明天下午").wait_for()
    shot(mine, "mailbox-conversation")
    mine.reload()
    assert mine.get_by_role("textbox", name="消息").input_value() == ""  # sent, so no draft comes back
    fits(mine)

    # Her thought report for the quarter, submitted to the branch; he waits on his reports page.
    his.goto(live_server_url + "/mailbox/writings/")
    his.get_by_role("link", name="本支部的汇报").click()
    his.wait_for_function("() => window.epaMailboxConnection && window.epaMailboxConnection.state === 'open'")
    mine.get_by_role("navigation", name="信箱").get_by_role("link", name="思想汇报").click()
    mine.get_by_label("标题").fill("第四季度思想汇报")
    mine.get_by_label("正文").fill("本季度认真学习了党的理论，在工作中发挥了党员先锋模范作用。")
    submit_now = mine.get_by_label("保存后立即提交给支部")
    assert small_targets(mine, "input[type=checkbox]") == []
    submit_now.check()
    mine.get_by_role("button", name="保存").click()
    mine.wait_for_url(re.compile(r"/mailbox/writings/\d+/$"))
    mine.wait_for_function("() => window.epaMailboxConnection && window.epaMailboxConnection.state === 'open'")
    writing_url = mine.url

    # He is told live, opens it, comments and marks it reviewed.
    notice = his.locator(".live-notice", has_text="第四季度思想汇报")
    notice.wait_for()
    assert "有材料提交给你审阅" in notice.inner_text()
    notice.get_by_role("link", name="第四季度思想汇报").click()
    assert his.url == writing_url
    his.get_by_label("评论").fill("汇报认真，继续保持。")
    his.get_by_role("button", name="标记为已审阅").click()

    # She is told live, and the page shows the comment.
    mine.locator(".live-notice[data-event='mailbox.writing.comment']", has_text="第四季度思想汇报").wait_for()
    told = mine.locator(".live-notice[data-event='mailbox.writing.reviewed']", has_text="第四季度思想汇报")
    told.wait_for()
    assert "你的材料已审阅" in told.inner_text()
    shot(mine, "thought-report-reviewed")
    mine.reload()
    assert "汇报认真，继续保持。" in mine.locator("#comments").inner_text()
    fits(mine)
