"""A migrant member (流动党员) takes part in the branch general meeting from a phone with a (fake)
camera: invited, joins, sees the secretary's video, raises a hand, votes in an open and a secret
vote, switches to audio only, leaves with the leave button and rejoins within the grace period
(one attendance, not two), the secretary ends the meeting, and the minutes show attendance and
each vote's counts with the quorum stated once."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

from django.utils import timezone

from meetings import services
from meetings.models import MeetingKind, Stay
from members.access import actor_from_member
from members.models import RoleKind
from tests.browser.test_forum_live import log_in
from tests.browser.test_meeting_video import PLAYING

SHOTS = Path(__file__).resolve().parents[2] / "var" / "journeys"
WAIT = 30_000  # ms, an upper bound for each step, never a speed claim


def _phone(new_page: Any, base: str, username: str) -> Any:
    page = new_page(width=360, height=740, locale="zh-CN")
    log_in(page, base, username)
    return page


def _fits(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def _vote(page: Any, title: str, choice: str) -> None:
    card = page.locator("#votes .vote", has_text=title)
    card.get_by_label(choice).check()
    card.get_by_role("button", name="投票").click()
    card.get_by_text("您已投票").wait_for(timeout=WAIT)


def _open_vote(host: Any, title: str, *, secret: bool) -> None:
    form = host.locator("#vote-form")
    form.locator("input[name=title]").fill(title)
    form.locator("input[name=secret]").set_checked(secret)
    form.get_by_role("button", name="开始表决").click()


def test_a_migrant_member_takes_part_in_the_branch_meeting_from_a_phone(  # type: ignore[no-untyped-def]
    live_server_url, new_page, org_tree, member_factory
):
    u = uuid.uuid4().hex[:6]
    branch = org_tree.branch_a
    secretary = member_factory(branch, username=f"s{u}", real_name="王书记", roles=[(RoleKind.SECRETARY, branch)])
    migrant = member_factory(
        org_tree.group_a1, username=f"m{u}", real_name="张流动", is_migrant=True, current_location="广东省深圳市"
    )
    member_factory(branch, real_name="李缺席")  # entitled to vote, never comes
    start = timezone.now() + dt.timedelta(minutes=5)
    meeting = services.meeting_schedule(
        by=actor_from_member(secretary), organisation=branch, kind=MeetingKind.BRANCH_GENERAL,
        title="第四季度支部党员大会", starts_at=start, ends_at=start + dt.timedelta(hours=1),
        agenda=["学习文件", "表决"],
    )  # fmt: skip

    # The secretary starts the meeting from its page and goes into the room.
    host = _phone(new_page, live_server_url, f"s{u}")
    host.goto(f"{live_server_url}/meetings/{meeting.pk}/")
    host.get_by_role("button", name="开始会议").click()
    host.get_by_role("link", name="进入会议室").click()
    host.wait_for_selector("#room:not([hidden])", timeout=WAIT)

    # The migrant member finds the invitation on the home page and joins.
    phone = _phone(new_page, live_server_url, f"m{u}")
    phone.get_by_role("link", name="第四季度支部党员大会").click()
    phone.get_by_role("link", name="进入会议室").click()
    phone.wait_for_selector("#room:not([hidden])", timeout=WAIT)
    phone.wait_for_function(PLAYING, arg=secretary.pk, timeout=WAIT)  # the secretary's picture moves
    host.wait_for_function(PLAYING, arg=migrant.pk, timeout=WAIT)
    phone.wait_for_selector("#link-quality:not([hidden])", timeout=WAIT)  # 网络：良好 / 较弱 / 很差
    assert phone.text_content("#rt-state") == "在线"
    _fits(phone)
    _shot(phone, "migrant-1-room")

    # A raised hand reaches the host, who gives the floor.
    phone.get_by_role("button", name="举手").click()
    host.locator("#hands li", has_text="张流动").wait_for(timeout=WAIT)
    assert phone.get_attribute("#toggle-hand", "aria-pressed") == "true"

    # An open vote, then a secret one.
    _open_vote(host, "关于季度工作总结的决议", secret=False)
    _vote(phone, "关于季度工作总结的决议", "赞成")
    _vote(host, "关于季度工作总结的决议", "赞成")
    _shot(phone, "migrant-2-vote")
    host.locator("#votes .vote", has_text="关于季度工作总结的决议").get_by_role("button", name="结束表决").click()
    phone.locator("#votes .vote .result", has_text="通过").wait_for(timeout=WAIT)
    result = phone.locator("#votes .vote", has_text="关于季度工作总结的决议").inner_text()
    assert "赞成 2" in result and "反对 0" in result and result.count("法定人数") == 1

    _open_vote(host, "关于推荐优秀党员的决议", secret=True)
    _vote(phone, "关于推荐优秀党员的决议", "弃权")
    _vote(host, "关于推荐优秀党员的决议", "赞成")
    host.locator("#votes .vote", has_text="关于推荐优秀党员的决议").get_by_role("button", name="结束表决").click()
    phone.locator("#votes .vote", has_text="关于推荐优秀党员的决议").locator(".result").wait_for(timeout=WAIT)

    # A weak link at a station: audio only; the secretary sees the choice.
    phone.get_by_role("button", name="仅音频").click()
    host.wait_for_selector(f'#participants li[data-member="{migrant.pk}"][data-audio-only="true"]', timeout=WAIT)

    # Leaving with the button: the secretary sees the member go; the phone says so, not "live".
    phone.get_by_role("button", name="离开会议").click()
    phone.wait_for_selector("#closed:not([hidden])")
    assert phone.text_content("#closed-title") == "您已离开会议。会议进行期间可以重新加入。"
    assert phone.text_content("#rt-state") == "已离开"
    host.wait_for_selector(f'#participants li[data-member="{migrant.pk}"]', state="detached", timeout=WAIT)
    _shot(phone, "migrant-3-left")

    # Back within the grace period: the same attendance goes on.
    phone.get_by_role("button", name="重新加入会议").click()
    phone.wait_for_selector("#room:not([hidden])", timeout=WAIT)
    host.wait_for_selector(f'#participants li[data-member="{migrant.pk}"]', timeout=WAIT)
    assert phone.text_content("#rt-state") == "在线"
    assert Stay.objects.filter(meeting=meeting, member=migrant).count() == 1

    # The secretary ends the meeting for all; the phone shows it ended and the results.
    host.get_by_role("button", name="为所有人结束会议").click()
    phone.wait_for_selector("#closed:not([hidden])", timeout=WAIT)
    assert phone.text_content("#closed-title") == "会议已结束。"
    assert phone.text_content("#rt-state") == "已结束"
    assert phone.is_hidden("#rejoin")

    # The minutes, finalised by the secretary, read by the member on the phone.
    host.goto(f"{live_server_url}/meetings/{meeting.pk}/minutes/")
    host.fill("textarea[name=text]", "会议学习了文件并进行了表决。")
    host.get_by_role("button", name="定稿并存档").click()
    phone.goto(f"{live_server_url}/meetings/{meeting.pk}/")
    phone.get_by_role("link", name="会议记录").click()
    minutes = phone.locator("section.minutes")
    minutes.get_by_text("会议学习了文件并进行了表决。").wait_for()
    text = minutes.inner_text()
    assert "出席：张流动、王书记" in text
    assert "缺席：李缺席" in text
    votes = minutes.locator(".minutes-votes > li")
    assert votes.count() == 2
    open_vote, secret_vote = votes.nth(0).inner_text(), votes.nth(1).inner_text()
    assert "应参加表决 3 人，实际表决 2 人 · 达到法定人数 · 通过" in open_vote
    assert "赞成 2" in open_vote and "反对 0" in open_vote and "弃权 0" in open_vote and "通过" in open_vote
    assert "无记名投票" in secret_vote and "未通过" in secret_vote
    assert "赞成 1" in secret_vote and "反对 0" in secret_vote and "弃权 1" in secret_vote
    for vote in (open_vote, secret_vote):
        assert vote.count("法定人数") == 1
    _fits(phone)
    phone.screenshot(path=str(SHOTS / "migrant-4-minutes.png"), full_page=True)

    # The secretary looks at the quarter's attendance: a chart per meeting and per member.
    host.goto(f"{live_server_url}/meetings/stats/{branch.pk}/")
    member_chart = host.get_by_role("img", name="每名党员出席率")
    assert member_chart.locator("title", has_text="张流动: 100%").count() == 1
    assert member_chart.locator("title", has_text="李缺席: 0%").count() == 1
    _fits(host)
    member_chart.scroll_into_view_if_needed()
    _shot(host, "secretary-attendance-chart")
