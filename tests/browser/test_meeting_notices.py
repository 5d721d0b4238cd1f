"""A secretary schedules, decides on leave and starts a meeting; the member's open home page and
the secretary's calendar page show each step as it happens, without a reload."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import Client
from django.utils import timezone

from members.models import Member, RoleKind

WAIT = 20_000


def page_for(new_page: Any, base: str, member: Member, path: str) -> Any:
    client = Client()
    client.force_login(member.user)
    page = new_page()
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}])
    page.goto(base + path)
    return page


def test_invitation_leave_and_start_reach_open_pages_live(live_server_url, new_page, org_tree, member_factory) -> None:
    secretary = member_factory(org_tree.branch_a, roles=[(RoleKind.SECRETARY, org_tree.branch_a)])
    member = member_factory(org_tree.group_a1, real_name="流动党员张三")
    home = page_for(new_page, live_server_url, member, "/")
    home.wait_for_selector("#meeting-notices[data-live=true]", state="attached", timeout=WAIT)
    assert home.is_hidden("#meeting-notices")  # nothing to tell yet

    # The secretary schedules a branch general meeting: the member is invited by its type.
    desk = page_for(new_page, live_server_url, secretary, "/meetings/new/")
    start = timezone.localtime() + dt.timedelta(days=2)
    desk.select_option("select[name=organisation]", str(org_tree.branch_a.pk))
    desk.select_option("select[name=kind]", "branch_general")
    desk.fill("input[name=title]", "四季度支部党员大会")
    desk.fill("input[name=starts_at]", start.strftime("%Y-%m-%dT%H:%M"))
    desk.fill("input[name=ends_at]", (start + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    desk.click("form button[type=submit].primary")
    desk.wait_for_url(f"{live_server_url}/meetings/*/")
    meeting_id = int(desk.url.rstrip("/").rsplit("/", 1)[1])

    invited = home.locator("#meeting-notices li[data-kind=invited]")
    invited.wait_for(timeout=WAIT)
    assert "四季度支部党员大会" in invited.inner_text()
    assert invited.locator("a").first.get_attribute("href") == f"/meetings/{meeting_id}/"

    # The member asks for leave from another tab; the secretary's calendar hears of it.
    desk.goto(f"{live_server_url}/meetings/")
    desk.wait_for_selector("#meeting-notices[data-live=true]", state="attached", timeout=WAIT)
    tab = home.context.new_page()
    tab.goto(f"{live_server_url}/meetings/{meeting_id}/")
    tab.fill("input[name=reason]", "在外地务工，无法参会")
    tab.click("form:has(input[value=leave]) button[type=submit]")
    request = desk.locator("#meeting-notices li[data-kind=leave-requested]")
    request.wait_for(timeout=WAIT)
    assert "流动党员张三" in request.inner_text() and "在外地务工" in request.inner_text()

    # The secretary approves it, then starts the meeting: the member's home page shows both.
    desk.goto(f"{live_server_url}/meetings/{meeting_id}/")
    desk.click("button[name=action][value=approve]")
    home.locator("#meeting-notices li[data-kind=leave-approved]").wait_for(timeout=WAIT)
    desk.click("button[name=action][value=start]")
    started = home.locator("#meeting-notices li[data-kind=started]")
    started.wait_for(timeout=WAIT)
    assert started.locator("a.button").get_attribute("href") == f"/meetings/{meeting_id}/room/"
    assert home.url == f"{live_server_url}/"  # never reloaded
    assert home.evaluate("document.documentElement.scrollWidth") <= 360

    # The host's edit page (long member lists) also fits a phone; the member is listed there.
    desk.goto(f"{live_server_url}/meetings/{meeting_id}/edit/")
    desk.wait_for_selector("#field-invitees", timeout=WAIT)
    assert "流动党员张三" in desk.locator("#field-invitees").inner_text()
    assert desk.evaluate("document.documentElement.scrollWidth") <= 360
