"""The Content-Security-Policy holds on the pages members use: every response carries it, and
opening each page with its scripts running reports no violation (the new_page fixture fails a
test on any securitypolicyviolation)."""

# ruff: noqa: F811 - the test arguments name the fixture imported from tests/meetings/conftest.py
from __future__ import annotations

from typing import Any

from forum import services as forum_services
from mailboxes import services as mailbox_services
from members.access import actor_from_member
from members.models import RoleKind
from tests.browser.conftest import browser  # noqa: F401 - a fixture
from tests.browser.test_forum_live import log_in
from tests.meetings.conftest import Branch, branch_meeting  # noqa: F401 - a fixture

VIOLATIONS = "() => new Promise((done) => setTimeout(() => done(window.cspViolations), 0))"
INLINE_SCRIPT = "() => document.body.append(Object.assign(document.createElement('script'), {textContent: 'ran = 1'}))"
COLLECT = """document.addEventListener("securitypolicyviolation", (e) =>
  (window.cspViolations = window.cspViolations || []).push(e.effectiveDirective + " " + e.blockedURI));"""


def test_no_page_of_a_members_day_violates_the_policy(
    live_server_url: str, browser: Any, new_page: Any, org_tree: Any, member_factory: Any, branch_meeting: Branch
) -> None:
    # The check sees a violation when there is one: an inline script is refused and reported.
    control = browser.new_context()
    try:
        control.add_init_script(COLLECT)
        page = control.new_page()
        page.goto(live_server_url + "/login/")
        page.evaluate(INLINE_SCRIPT)
        assert page.evaluate(VIOLATIONS) == ["script-src-elem inline"]
        assert page.evaluate("window.ran") is None
    finally:
        control.close()

    secretary = branch_meeting.secretary
    member = branch_meeting.full[0]
    member_factory(org_tree.branch_a, username="csp-moderator", roles=[(RoleKind.MODERATOR, org_tree.branch_a)])
    board = org_tree.branch_a.boards.get(name="党员论坛")
    by = actor_from_member(member)
    post = forum_services.thread_create(by=by, board_id=board.pk, title="学习体会", source="内容")
    conversation = mailbox_services.conversation_open(by=actor_from_member(member), other_id=secretary.pk)
    mailbox_services.message_send(by=actor_from_member(member), conversation_id=conversation.pk, text="书记好")
    writing = mailbox_services.writing_create(by=actor_from_member(member), title="思想汇报", text="汇报内容")
    meeting = branch_meeting.meeting.pk

    pages = [
        ("/", None),
        ("/forum/", None),
        (f"/forum/b/{board.pk}/", None),
        (f"/forum/t/{post.thread_id}/", "#conn-state[data-state=open]"),
        (f"/forum/b/{board.pk}/new/", None),
        ("/forum/notifications/", None),
        ("/mailbox/", None),
        (f"/mailbox/c/{conversation.pk}/", "#conn-state[data-state=open]"),
        (f"/mailbox/writings/{writing.pk}/", None),
        (f"/mailbox/writings/{writing.pk}/print/", None),
        ("/meetings/", None),
        (f"/meetings/{meeting}/", None),
        (f"/meetings/{meeting}/room/", "#rt-state[data-state=open]"),
        ("/account/", None),
    ]
    page = new_page(locale="zh-CN")
    page.context.add_init_script(COLLECT)
    log_in(page, live_server_url, member.user.username)
    for path, ready in pages:
        response = page.goto(live_server_url + path)
        assert response is not None and response.ok, path
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
        assert "object-src 'none'" in policy and "frame-ancestors 'none'" in policy and "base-uri 'self'" in policy
        if ready:
            page.wait_for_selector(ready)
        assert page.evaluate(VIOLATIONS) is None, path

    moderator = new_page(locale="zh-CN")
    moderator.context.add_init_script(COLLECT)
    log_in(moderator, live_server_url, "csp-moderator")
    moderator.goto(live_server_url + "/moderation/")
    moderator.wait_for_selector("#queue-live[data-state=open]")
    assert moderator.evaluate(VIOLATIONS) is None
