"""Journey 3, the report mailbox, on phones: a member finds the report form from the login page
without knowing a URL, files anonymously with a photo, copies the receipt code with a button,
logs out and follows up with the code; an inspector waiting on his list is alerted live and
answers; the reporter reads the answer logged out. A secretary and a moderator see no trace of
the report anywhere they look, and members who are not inspectors see no inspectors' menu."""

from __future__ import annotations

import re
import uuid

from members.models import RoleKind
from tests.journeys.social import fits, log_in, phone, shot, small_targets

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c63f8cfc0f01f00050001ff89993d1d0000000049454e44ae426082"
)
SUBJECT = "反映某科长收受购物卡"


def test_report_mailbox(live_server_url, new_page, org_tree, member_factory):
    u = uuid.uuid4().hex[:6]
    reporter = member_factory(org_tree.group_a1, username=f"sun{u}", real_name="孙丽")
    inspector = member_factory(
        org_tree.committee, username=f"ji{u}", real_name="纪检周", roles=[(RoleKind.INSPECTOR, org_tree.committee)]
    )
    secretary = member_factory(
        org_tree.branch_a, username=f"sec{u}", real_name="陈书记", roles=[(RoleKind.SECRETARY, org_tree.branch_a)]
    )
    moderator = member_factory(
        org_tree.committee, username=f"mod{u}", real_name="审核吴", roles=[(RoleKind.MODERATOR, org_tree.committee)]
    )

    # The inspector waits on his list of reports: nothing new yet.
    his = phone(new_page)
    log_in(his, live_server_url, inspector.user.username)
    his.locator(".nav-toggle-label").click()
    his.locator(".nav").get_by_role("link", name="纪检受理").click()
    his.wait_for_url(live_server_url + "/mailbox/tips/")
    his.wait_for_function("() => document.querySelector('#tips-live') !== null")
    assert his.locator(".subnav .tips-badge").is_hidden()

    # The reporter starts at the login page and finds the report mailbox there.
    mine = phone(new_page)
    mine.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server_url)
    mine.goto(live_server_url + "/login/")
    assert small_targets(mine, "#report-mailbox a, .site-footer a") == []
    mine.locator("#report-mailbox").get_by_role("link", name="我要举报").click()
    # Filing needs a member's login; the form follows it.
    mine.get_by_label("用户名").fill(reporter.user.username)
    mine.get_by_label("密码").fill("test-pass-2024")
    mine.get_by_role("button", name="登录").click()
    mine.wait_for_url(live_server_url + "/mailbox/tips/new/")
    assert mine.locator(".nav").get_by_role("link", name="纪检受理").count() == 0  # not an inspector
    mine.get_by_label("提交给以下组织的纪检委员").select_option(label=org_tree.committee.name)
    mine.get_by_label("主题").fill(SUBJECT)
    mine.get_by_label("反映的问题").fill("今年春节前后多次收受下属单位购物卡。")
    photo = {"name": "收据.png", "mimeType": "image/png", "buffer": PNG}
    mine.get_by_label("图片或 PDF").set_input_files(files=[photo])
    assert not mine.get_by_label("实名举报（纪检委员能看到我的姓名）").is_checked()  # anonymous unless chosen
    mine.get_by_role("button", name="提交举报").click()

    # The receipt code, copied with the button.
    code = mine.locator("#receipt-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{4}(-[A-Z0-9]{4}){4}", code)
    mine.get_by_role("button", name="复制回执码").click()
    mine.get_by_text("已复制").wait_for()
    assert mine.evaluate("navigator.clipboard.readText()") == code
    shot(mine, "report-receipt")
    fits(mine)

    # The inspector is alerted live, without reloading: a notice and the count of new reports.
    his.locator("#tips-live").wait_for(state="visible")
    assert his.locator(".subnav .tips-badge").inner_text() == "1"
    his.locator("#tips-live").get_by_role("link", name="刷新列表").click()
    his.get_by_role("link", name=SUBJECT).click()
    assert "匿名" in his.locator("#tip").inner_text() and "孙丽" not in his.content()
    his.get_by_label("回复举报人").fill("已收到，正在核查，请保持联系。")
    his.get_by_label("状态").select_option(label="核查中")
    his.get_by_role("button", name="保存").click()
    his.locator("#entries", has_text="正在核查").wait_for()

    # The reporter logs out and follows up with the code, from the login page again.
    mine.locator(".nav-toggle-label").click()
    with mine.expect_navigation():
        mine.get_by_role("button", name="退出").click()
    mine.goto(live_server_url + "/login/")
    assert mine.locator("#nav-toggle").count() == 1 and mine.locator(".nav a", has_text="首页").count() == 0
    mine.locator(".site-footer").get_by_role("link", name="查看举报进展").click()
    mine.get_by_label("回执码").fill(mine.evaluate("navigator.clipboard.readText()"))
    mine.get_by_role("button", name="查看").click()
    assert mine.locator("#tip h2").inner_text() == SUBJECT
    assert mine.locator("#tip-status").inner_text() == "核查中"
    assert "已收到，正在核查" in mine.locator("#entries").inner_text()
    # A visitor's page: the report mailbox's own menu, nothing of a member's mailboxes.
    menu_text = mine.locator(".subnav").inner_text()
    assert "谈心" not in menu_text and "思想汇报" not in menu_text and "纪检受理" not in menu_text
    mine.locator(".nav-toggle-label").click()
    assert mine.locator(".nav a").all_inner_texts() == ["登录"]
    shot(mine, "report-follow-up")
    fits(mine)

    # A secretary and a moderator: no menu, no list, no search hit, no page of it.
    for person in (secretary, moderator):
        page = phone(new_page)
        log_in(page, live_server_url, person.user.username)
        page.locator(".nav-toggle-label").click()
        assert page.locator(".nav").get_by_role("link", name="纪检受理").count() == 0
        for path in ("/", "/mailbox/", "/mailbox/tips/", f"/search/?q={SUBJECT}", "/moderation/", "/forum/"):
            page.goto(live_server_url + path)
            shown = page.locator("body").inner_text()  # what they read (a search box keeps its query)
            assert "购物卡" not in shown and "收受" not in shown, (person.real_name, path)
        page.close()
