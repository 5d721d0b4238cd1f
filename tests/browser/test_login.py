from __future__ import annotations

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
    assert "用户名或密码错误" in page.locator("[role=alert]").inner_text()
