"""Branch affairs on a phone: paying dues, a notice read and confirmed live, rating peers."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

from django.utils import timezone

from branch import services
from branch.dues_rules import month_start
from members.access import actor_from_member
from members.models import RoleKind
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
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_a_member_declares_dues_and_sees_them_confirmed(live_server_url, new_page, org_tree, member_factory):  # type: ignore[no-untyped-def]
    u = uuid.uuid4().hex[:6]
    a = org_tree.branch_a
    member = member_factory(org_tree.group_a1, username=f"m{u}", real_name="张三")
    secretary = member_factory(a, username=f"s{u}", real_name="王书记", roles=[(RoleKind.SECRETARY, a)])
    this = month_start(timezone.localdate())
    services.dues_standard_set(by=actor_from_member(secretary), member_id=member.pk, category="employed",
                               income_fen=6_000_00, effective_from=this)  # fmt: skip

    page = _phone(new_page, live_server_url, f"m{u}")
    page.goto(live_server_url + "/branch/")
    page.get_by_role("link", name="我的党费").click()
    page.wait_for_selector("#my-dues[data-live=true]")
    assert "90.00" in page.locator("#monthly").inner_text()  # 6,000 yuan at 1.5 %
    page.fill("input[name=months]", "3")
    assert page.input_value("input[name=amount]") == "270.00"  # the standard × 3, prepaying two months
    page.select_option("select[name=method]", "transfer")
    page.fill("input[name=reference]", "转账尾号1234")
    _shot(page, "dues-1-declare")
    page.click("#declare-submit")
    page.locator(".messages", has_text="已申报").wait_for()
    page.wait_for_selector("#my-dues[data-live=true]")
    in_this_year = min(3, 13 - this.month)  # the page shows this year's months
    assert page.locator(".month.declared").count() == in_this_year and page.locator(".payment.declared").count() == 1
    _fits(page)

    officer = _phone(new_page, live_server_url, f"s{u}")
    officer.goto(f"{live_server_url}/branch/dues/{a.pk}/")
    officer.locator("#pending li", has_text="张三").get_by_role("button", name="确认").click()
    officer.locator(".messages", has_text="已确认交纳").wait_for()
    _fits(officer)
    _shot(officer, "dues-2-branch")

    # The member's page, not reloaded, shows the months paid.
    page.locator(".payment.confirmed").wait_for()
    assert page.locator(".month.paid").count() == in_this_year and page.locator(".month.declared").count() == 0
    _shot(page, "dues-3-confirmed")


def test_a_notice_arrives_live_is_confirmed_and_the_publisher_sees_the_counts(  # type: ignore[no-untyped-def]
    live_server_url, new_page, org_tree, member_factory
):
    u = uuid.uuid4().hex[:6]
    a = org_tree.branch_a
    member_factory(org_tree.group_a1, username=f"m{u}", real_name="张三")
    member_factory(a, real_name="李四")
    member_factory(a, username=f"s{u}", real_name="王书记", roles=[(RoleKind.SECRETARY, a)])

    reader = _phone(new_page, live_server_url, f"m{u}")
    reader.wait_for_selector("#notice-list[data-live=true]", state="attached")
    publisher = _phone(new_page, live_server_url, f"s{u}")
    publisher.goto(live_server_url + "/branch/notices/new/")
    publisher.fill("input[name=title]", "关于开展主题党日活动的通知")
    publisher.fill("textarea[name=body]", "请各位党员本周五下午三点到党员活动室参加主题党日活动。")
    publisher.check("input[name=requires_confirmation]")
    _shot(publisher, "notice-1-publish")
    publisher.click("#notice-submit")
    publisher.wait_for_selector("#conn-state[data-state=open]")
    totals = publisher.locator(".totals")
    assert totals.locator("[data-count=read]").inner_text() == "0"
    assert totals.locator("[data-count=total]").inner_text() == "2"

    # It arrives on the member's home page without a reload, unread, at the top.
    item = reader.locator("#notice-list li.unread", has_text="主题党日")
    item.wait_for()
    assert reader.locator("#notice-badge").inner_text() == "1"
    _shot(reader, "notice-2-home")
    item.locator("a").click()
    reader.wait_for_selector("#confirm-button")
    totals.locator("[data-count=read]", has_text="1").wait_for()  # opening it was a read
    assert totals.locator("[data-count=confirmed]").inner_text() == "0"
    reader.click("#confirm-button")
    reader.wait_for_selector("#confirmed")
    totals.locator("[data-count=confirmed]", has_text="1").wait_for()
    publisher.locator("tr.confirmed", has_text="张三").wait_for()
    group = publisher.locator(f".receipts-org[data-organisation='{org_tree.group_a1.pk}']")
    assert group.locator("[data-count=confirmed]").inner_text() == "1"
    for page in (reader, publisher):
        _fits(page)
    _shot(publisher, "notice-3-receipts")
    _shot(reader, "notice-4-confirmed")


def test_a_member_rates_peers_anonymously(live_server_url, new_page, org_tree, member_factory):  # type: ignore[no-untyped-def]
    u = uuid.uuid4().hex[:6]
    a = org_tree.branch_a
    member_factory(a, username=f"m{u}", real_name="张三")
    peers = [member_factory(a, real_name=name) for name in ("李四", "王五")]
    secretary = member_factory(a, username=f"s{u}", real_name="王书记", roles=[(RoleKind.SECRETARY, a)])
    now = timezone.now()
    appraisal = services.appraisal_open(by=actor_from_member(secretary), organisation_id=a.pk, year=now.year,
                                        rating_starts=now - dt.timedelta(hours=1),
                                        rating_ends=now + dt.timedelta(days=7))  # fmt: skip

    page = _phone(new_page, live_server_url, f"m{u}")
    page.goto(live_server_url + "/branch/appraisals/")
    page.get_by_role("link", name="年度民主评议").click()
    page.fill("textarea[name=text]", "本年度认真学习，按时交纳党费，积极参加组织生活。")
    page.get_by_role("button", name="保存").click()
    page.locator(".messages", has_text="自我评价已保存").wait_for()
    for peer, grade in zip(peers, ("优秀", "合格"), strict=True):
        page.locator(f"fieldset[data-member='{peer.pk}']").get_by_text(grade, exact=True).click()
    _shot(page, "appraisal-1-sheet")
    page.click("#rating-submit")
    page.wait_for_selector("#rated")
    assert page.locator("#rating-form").count() == 0
    _fits(page)
    _shot(page, "appraisal-2-rated")
    officer = _phone(new_page, live_server_url, f"s{u}")
    officer.goto(f"{live_server_url}/branch/appraisals/{appraisal.pk}/")
    assert "已有 1 名党员参加测评" in officer.locator("#run").inner_text()
