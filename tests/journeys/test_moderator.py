"""A moderator's work on a phone: members flag a post until it is hidden and it appears live in the
review queue; the moderator claims it, reads why, rejects it with a reason the author then reads
on the post; the moderator adds a word on the word-list page, tries a text with it, and a new post
that spells the word by sound is held."""

from __future__ import annotations

import uuid
from pathlib import Path

from forum import services as forum_services
from forum.models import Post, PostStatus
from members.access import SYSTEM, actor_from_member
from members.models import RoleKind
from moderation import services
from moderation.models import QueueItem
from tests.browser.test_forum_live import log_in

SHOTS = Path(__file__).resolve().parents[2] / "var" / "journeys"


def _phone(new_page, base: str, username: str):  # type: ignore[no-untyped-def]
    page = new_page(width=360, height=740, locale="zh-CN")
    log_in(page, base, username)
    return page


def _fits(page) -> None:  # type: ignore[no-untyped-def]
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"moderator-{name}.png"), full_page=True)


def test_a_moderator_reviews_a_flagged_post_and_keeps_the_word_list(  # type: ignore[no-untyped-def]
    live_server_url, new_page, org_tree, member_factory
):
    u = uuid.uuid4().hex[:6]
    a = org_tree.branch_a
    moderator = member_factory(a, username=f"m{u}", real_name="刘审核", roles=[(RoleKind.MODERATOR, a)])
    author = member_factory(org_tree.group_a1, username=f"a{u}", real_name="张广告")
    member_factory(org_tree.group_a1, username=f"f{u}", real_name="李认真")
    second = member_factory(a, username=f"s{u}", real_name="王同志")
    services.policy_set(by=SYSTEM, organisation=a, flag_threshold=2)
    words = services.word_list_create(by=actor_from_member(moderator), organisation=a, name="支部词表")
    board = a.boards.get(name="党员论坛")
    opening = forum_services.thread_create(
        by=actor_from_member(second), board_id=board.pk, title="周末志愿服务", source="周六上午社区清扫，欢迎报名。"
    )
    spam = forum_services.post_create(
        by=actor_from_member(author), thread_id=opening.thread_id, source="小店开业，全场五折，欢迎光临！"
    )
    thread_url = f"{live_server_url}/forum/t/{opening.thread_id}/"

    mod = _phone(new_page, live_server_url, f"m{u}")
    mod.goto(f"{live_server_url}/moderation/")
    mod.wait_for_selector("#queue-live[data-state=open]")
    assert mod.locator(".queue-item").count() == 0

    # A member flags the post: one dialog, a reason and a note; the flag is received, and counts once.
    member = _phone(new_page, live_server_url, f"f{u}")
    member.goto(thread_url)
    post = member.locator(f"#p{spam.pk}")
    assert member.locator(f"#p{opening.pk} .flag-control").count() == 1
    dialog = member.locator("#flag-dialog")
    post.locator(".flag-control summary").click()
    dialog.get_by_label("垃圾信息").check()
    dialog.locator("textarea[name=note]").fill("在学习论坛里发商业广告")
    _fits(member)
    _shot(member, "1-flag-dialog")
    dialog.get_by_role("button", name="提交举报").click()
    dialog.locator(".flag-result", has_text="举报已收到").wait_for()
    member.reload()
    member.locator(f"#p{spam.pk} .flag-control summary").click()
    dialog.get_by_role("button", name="提交举报").click()
    dialog.locator(".flag-result", has_text="只计一次").wait_for()
    assert QueueItem.objects.get(object_id=spam.pk).details["flags"] == 1

    # A second member's flag reaches the threshold: hidden, and in the queue without a reload.
    mod.evaluate("() => { window.notReloaded = true; }")
    other = _phone(new_page, live_server_url, f"s{u}")
    other.goto(thread_url)
    other.locator(f"#p{spam.pk} .flag-control summary").click()
    other.locator("#flag-dialog").get_by_role("button", name="提交举报").click()
    other.locator("#flag-dialog .flag-result", has_text="举报已收到").wait_for()
    item = mod.locator(".queue-item", has_text="小店开业")
    item.wait_for(timeout=20_000)
    assert mod.evaluate("() => window.notReloaded === true")
    assert "已隐藏" in item.inner_text() or "隐藏" in item.inner_text()
    member.goto(thread_url)
    assert member.locator(f"#p{spam.pk}").count() == 0  # others no longer see it

    # The moderator claims it, reads why, and rejects it with a reason for the author.
    item.locator("form[action$='/claim/'] button").click()
    mod.wait_for_load_state()
    item = mod.locator(".queue-item", has_text="小店开业")
    text = item.inner_text()
    assert "垃圾信息 × 2" in text and "在学习论坛里发商业广告" in text
    _fits(mod)
    _shot(mod, "2-queue-item")
    item.locator("details", has=mod.locator("form[action$='/reject/']")).locator("summary").click()
    item.locator("form[action$='/reject/'] input[name=reason]").fill("商业广告不允许发布")
    item.locator("form[action$='/reject/'] button").click()
    mod.locator(".queue-item", has_text="小店开业").wait_for(state="detached")

    writer = _phone(new_page, live_server_url, f"a{u}")
    writer.goto(thread_url)
    notice = writer.locator(f"#p{spam.pk} .notice")
    assert "商业广告不允许发布" in notice.inner_text()
    _shot(writer, "3-author-sees-the-reason")

    # The word list: add an entry matched by sound, try a text, and the next post is held.
    mod.goto(f"{live_server_url}/moderation/wordlists/")
    mod.get_by_role("link", name="支部词表").click()
    add = mod.locator("#add form")
    add.locator("input[name=word]").fill("代开发票")
    add.locator("select[name=action]").select_option("hold")
    add.get_by_label("按读音匹配（同音字、拼音、拆字）").check()
    add.get_by_role("button", name="添加词条").click()
    mod.locator(".messages li", has_text="词条已保存").wait_for()
    mod.locator("#try textarea[name=text]").fill("需要 dai kai fa piao 的私信我")
    mod.locator("#try").get_by_role("button", name="试一试").click()
    mod.locator("#tried").wait_for()
    assert mod.locator("#tried-action").inner_text() == "等待审核员审核"
    assert mod.locator("#tried mark").inner_text() == "dai kai fa piao"
    _fits(mod)
    _shot(mod, "4-word-list")
    assert words.entries.get().sound

    writer.goto(thread_url)
    writer.locator("#reply-text").fill("需要 dai kai fa piao 的私信我")
    writer.locator("#reply-submit").click()
    writer.locator(".post .notice", has_text="等待审核").wait_for(timeout=20_000)
    held = Post.objects.filter(thread_id=opening.thread_id, author=author).latest("pk")
    assert held.status == PostStatus.HELD
    mod.goto(f"{live_server_url}/moderation/")
    assert mod.locator(".queue-item", has_text="dai kai fa piao").count() == 1
    _shot(writer, "5-held")
