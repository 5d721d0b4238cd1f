"""A member and the branch secretary exchange heart-to-heart messages in two browser contexts."""

from __future__ import annotations

import io
import uuid

from mailboxes import services
from members.access import actor_from_member
from members.models import RoleKind
from tests.browser.test_forum_live import log_in


def test_a_member_and_the_secretary_talk_live_with_read_receipts(live_server_url, new_page, org_tree, member_factory):
    u = uuid.uuid4().hex[:6]
    member = member_factory(org_tree.group_a1, username=f"m{u}", real_name="张三")
    member_factory(
        org_tree.branch_a, username=f"s{u}", real_name="王书记", roles=[(RoleKind.SECRETARY, org_tree.branch_a)]
    )
    secretary_id = member.__class__.objects.get(user__username=f"s{u}").pk
    conversation = services.conversation_open(by=actor_from_member(member), other_id=secretary_id)
    url = f"{live_server_url}/mailbox/c/{conversation.pk}/"

    pages = {}
    for name in (f"m{u}", f"s{u}"):
        page = new_page()
        log_in(page, live_server_url, name)
        page.goto(url)
        page.wait_for_selector("#conn-state[data-state=open]")
        pages[name] = page
    member_page, secretary_page = pages[f"m{u}"], pages[f"s{u}"]
    assert "王书记" in member_page.locator("h1").inner_text()

    member_page.fill("#send-text", "书记，我最近工作压力有点大")
    secretary_page.wait_for_selector("#typing:not(:empty)")
    member_page.click("#send-submit")
    secretary_page.locator("li.message.theirs", has_text="工作压力").wait_for()
    # The secretary's page was open and visible: the member sees "已读" under the message.
    member_page.locator("li.message.mine", has_text="工作压力").locator(".receipt:not([hidden])").wait_for()

    secretary_page.fill("#send-text", "我们找时间当面聊聊")
    secretary_page.click("#send-submit")
    member_page.locator("li.message.theirs", has_text="当面聊聊").wait_for()
    # Each page shows each message once, nobody reloaded, and the page fits a phone.
    for page in (member_page, secretary_page):
        assert page.locator("li.message", has_text="工作压力").count() == 1
        assert page.locator("li.message", has_text="当面聊聊").count() == 1
        assert page.url == url
        assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_every_mailbox_page_fits_a_360px_phone(transactional_db, tmp_path, new_page, org_tree, member_factory):
    """The conversation list and a conversation, thought reports (own list, one report, the
    branch's list, the printable page), the report mailbox (filing, the receipt code, following
    up, the inspectors' list and one report), each on a 360 × 740 screen: nothing wider than the
    screen. Screenshots of each page are left in the test's temporary folder."""
    from tests.browser.test_forum_live import wide_png
    from tests.live import start_daphne

    server = start_daphne({"MEDIA_ROOT": str(tmp_path / "media")})
    try:
        from django.test import override_settings

        u = uuid.uuid4().hex[:6]
        member = member_factory(org_tree.group_a1, username=f"m{u}", real_name="张三")
        secretary = member_factory(
            org_tree.branch_a, username=f"s{u}", real_name="王书记", roles=[(RoleKind.SECRETARY, org_tree.branch_a)]
        )
        member_factory(
            org_tree.committee, username=f"i{u}", real_name="纪检员", roles=[(RoleKind.INSPECTOR, org_tree.committee)]
        )
        me, sec = actor_from_member(member), actor_from_member(secretary)
        conversation = services.conversation_open(by=me, other_id=secretary.pk)
        long_text = "书记您好，我想汇报一下最近的思想情况。" * 6 + "https://example.org/" + "x" * 120
        for by, text in ((me, long_text), (sec, "好的，我们约个时间当面谈。"), (me, "谢谢书记")):
            services.message_send(by=by, conversation_id=conversation.pk, text=text)
        with override_settings(MEDIA_ROOT=str(tmp_path / "media")):
            writing = services.writing_create(
                by=me, title="2026年第四季度思想汇报：认真学习党的二十大精神的体会" * 2, text=long_text * 3,
                submit=True, uploads=[("学习笔记.png", io.BytesIO(wide_png()))],
            )  # fmt: skip
            tip, code = services.tip_file(
                by=me, organisation_id=org_tree.committee.pk, subject="反映某单位违规发放津贴补贴问题" * 3,
                text=long_text, person_concerned="某单位负责人", uploads=[("证据.png", io.BytesIO(wide_png()))],
            )  # fmt: skip
        services.writing_comment(by=sec, writing_id=writing.pk, text="写得很认真，请继续结合工作实际。")
        services.tip_reply(by=actor_from_member(member.__class__.objects.get(user__username=f"i{u}")),
                           public_id=tip.public_id, text="已收到，正在核实。")  # fmt: skip
        widths: dict[str, int] = {}

        def visit(page, name: str, path: str) -> None:  # type: ignore[no-untyped-def]
            page.goto(server.url + path)
            page.wait_for_load_state("networkidle")
            shoot(page, name)

        def shoot(page, name: str) -> None:  # type: ignore[no-untyped-def]
            page.screenshot(path=str(tmp_path / f"mailbox-{name}.png"), full_page=True)
            widths[name] = page.evaluate("document.documentElement.scrollWidth")

        member_page = new_page()
        log_in(member_page, server.url, f"m{u}")
        visit(member_page, "index", "/mailbox/")
        visit(member_page, "conversation", f"/mailbox/c/{conversation.pk}/")
        visit(member_page, "writings", "/mailbox/writings/")
        visit(member_page, "writing", f"/mailbox/writings/{writing.pk}/")
        visit(member_page, "print", f"/mailbox/writings/{writing.pk}/print/")
        visit(member_page, "tip-new", "/mailbox/tips/new/")
        member_page.fill("input[name=subject]", "网页上的举报")
        member_page.fill("textarea[name=text]", long_text)
        member_page.click("#tip-form button[type=submit]")
        member_page.wait_for_selector("#receipt-code")
        shoot(member_page, "tip-filed")
        visitor = new_page()  # following up needs no login
        visit(visitor, "tip-follow", "/mailbox/tips/follow/")
        visitor.fill("input[name=code]", code)
        visitor.click("button[type=submit]")
        visitor.wait_for_selector("#tip")
        shoot(visitor, "tip-followed")
        secretary_page = new_page()
        log_in(secretary_page, server.url, f"s{u}")
        visit(secretary_page, "branch", "/mailbox/writings/branch/")
        inspector_page = new_page()
        log_in(inspector_page, server.url, f"i{u}")
        visit(inspector_page, "tips", "/mailbox/tips/")
        visit(inspector_page, "tip", f"/mailbox/tips/{tip.public_id}/")
        assert len(widths) == 12
        assert {name: width for name, width in widths.items() if width > 360} == {}
    finally:
        server.stop()


def test_the_writer_sees_the_review_and_new_messages_arrive_on_any_mailbox_page(
    live_server_url, new_page, org_tree, member_factory
):
    u = uuid.uuid4().hex[:6]
    member = member_factory(org_tree.group_a1, username=f"m{u}", real_name="张三")
    secretary = member_factory(
        org_tree.branch_a, username=f"s{u}", real_name="王书记", roles=[(RoleKind.SECRETARY, org_tree.branch_a)]
    )
    writing = services.writing_create(by=actor_from_member(member), title="第四季度思想汇报", text="内容", submit=True)
    conversation = services.conversation_open(by=actor_from_member(member), other_id=secretary.pk)
    member_page = new_page()
    log_in(member_page, live_server_url, f"m{u}")
    member_page.goto(live_server_url + "/mailbox/writings/")
    member_page.wait_for_function("() => window.epaMailboxConnection && window.epaMailboxConnection.state === 'open'")
    assert member_page.locator("#mailbox-badge").is_hidden()

    secretary_page = new_page()
    log_in(secretary_page, live_server_url, f"s{u}")
    secretary_page.goto(f"{live_server_url}/mailbox/writings/{writing.pk}/")
    secretary_page.fill("textarea[name=text]", "很好")
    secretary_page.click("button[value=review]")
    secretary_page.wait_for_selector("#writing-status")
    notice = member_page.locator("#mailbox-live .notice[data-event='mailbox.writing.reviewed']")
    notice.wait_for()
    assert notice.locator("a").inner_text() == "第四季度思想汇报"
    assert notice.locator("a").get_attribute("href") == f"/mailbox/writings/{writing.pk}/"

    secretary_page.goto(f"{live_server_url}/mailbox/c/{conversation.pk}/")
    secretary_page.wait_for_selector("#conn-state[data-state=open]")
    secretary_page.fill("#send-text", "收到你的汇报了")
    secretary_page.click("#send-submit")
    member_page.wait_for_selector("#mailbox-badge:not([hidden])")
    assert member_page.locator("#mailbox-badge").inner_text() == "1"
    assert member_page.url == live_server_url + "/mailbox/writings/"  # nobody reloaded


def test_a_message_of_only_spaces_is_refused_with_a_reason(live_server_url, new_page, org_tree, member_factory):
    u = uuid.uuid4().hex[:6]
    member = member_factory(org_tree.group_a1, username=f"m{u}", real_name="张三")
    secretary = member_factory(org_tree.branch_a, roles=[(RoleKind.SECRETARY, org_tree.branch_a)])
    conversation = services.conversation_open(by=actor_from_member(member), other_id=secretary.pk)
    page = new_page()
    log_in(page, live_server_url, f"m{u}")
    page.goto(f"{live_server_url}/mailbox/c/{conversation.pk}/")
    page.wait_for_selector("#conn-state[data-state=open]")
    page.fill("#send-text", "   ")
    page.click("#send-submit")
    page.wait_for_selector("#send-error:not([hidden])")
    assert page.locator("#send-error").inner_text() == "内容不能为空。"
    assert page.locator("li.message").count() == 0
