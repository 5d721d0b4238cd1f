from __future__ import annotations

import io
import re

from tests.conftest import PASSWORD


def test_member_logs_in_through_the_login_page_and_sees_chinese_home(
    live_server_url, new_page, org_tree, member_factory
):
    member_factory(org_tree.group_a1, username="member1", real_name="王建国")
    page = new_page()
    page.goto(live_server_url + "/")
    assert page.url.startswith(live_server_url + "/login/")
    page.fill("input[name=username]", "member1")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server_url + "/")
    assert page.locator("h1").inner_text() == "欢迎，王建国"
    assert "第一党支部" in page.locator("main").inner_text()
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    # Usable on a 360-px phone: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_wrong_password_shows_an_error(live_server_url, new_page, org_tree, member_factory):
    member_factory(org_tree.group_a1, username="member2")
    page = new_page()
    page.goto(live_server_url + "/login/")
    page.fill("input[name=username]", "member2")
    page.fill("input[name=password]", "wrong")
    page.click("button[type=submit]")
    assert "用户名或密码错误" in page.locator(".error[role=alert]").inner_text()


def test_demo_member1_sees_the_chinese_home_then_switches_to_english(live_server_url, new_page):
    """What a new user does after `make serve`: log in as member1 with the demo password, on a phone."""
    from django.core.management import call_command

    call_command("load_demo", stdout=io.StringIO())
    page = new_page()  # 360 × 740, a browser that asks for English
    page.goto(live_server_url + "/")
    page.fill("input[name=username]", "member1")
    page.fill("input[name=password]", "demo-pass-2024")
    page.click("button[type=submit]")
    page.wait_for_url(live_server_url + "/")
    main = page.locator("main")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.locator("h1").inner_text() == "欢迎，王秀英"
    chain = main.locator("ol.breadcrumb").inner_text()
    assert "示范街道党委" in chain and "第一党支部" in chain and "第一党小组" in chain
    assert "第四季度支部党员大会" in main.inner_text() and "党课：学习党章" in main.inner_text()
    assert re.search(r"\d{4}-\d{2}-\d{2} 19:30", main.inner_text())  # the site's one clock
    # Unread counts: the welcome notice and the reply to member1's discussion.
    badges = main.locator("#forum-unread .badge")
    assert badges.count() == 2 and {badges.nth(i).inner_text() for i in range(2)} == {"1"}
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    # On a phone the language switcher sits in the menu.
    assert not page.locator("select[name=language]").is_visible()
    page.click("label.nav-toggle-label")
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Welcome, 王秀英"
    text = page.locator("main").inner_text()
    assert "My organisation" in text and "My upcoming meetings" in text and "Branch general meeting" in text
    assert "月" not in text.split("My upcoming meetings", 1)[1].split("Forum", 1)[0]
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    # The choice sticks across pages, and back to Chinese works the same way.
    page.goto(live_server_url + "/account/")
    assert page.locator("h1").inner_text() == "Account"
    page.click("label.nav-toggle-label")
    with page.expect_navigation():
        page.select_option("select[name=language]", "zh-hans")
    assert page.locator("h1").inner_text() == "账号"


def test_interactive_api_docs_render_from_this_site_alone(live_server_url, new_page):
    page = new_page(width=1024, height=800)
    foreign: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(live_server_url) else foreign.append(r.url))
    page.goto(live_server_url + "/api/docs")
    page.wait_for_selector(".swagger-ui .opblock-summary-path")
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert {"/api/auth/login", "/api/auth/logout", "/api/me"} <= {p.strip() for p in paths}
    assert foreign == []
