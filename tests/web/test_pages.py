from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_login_page_logs_in_and_home_page_is_chinese(org_tree, member_factory):
    member_factory(org_tree.group_a1, username="page-user", real_name="页面用户")
    client = Client()
    login_page = client.get("/login/")
    assert "登录" in login_page.content.decode()
    response = client.post("/login/", {"username": "page-user", "password": PASSWORD}, follow=True)
    html = response.content.decode()
    assert response.status_code == 200
    assert "页面用户" in html
    assert "我的组织" in html
    assert "第一党支部" in html
    assert '<html lang="zh-hans"' in html


def test_chinese_even_when_the_browser_asks_for_english(org_tree, member_factory, client_for):
    client = client_for(member_factory(org_tree.branch_a))
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "我的组织" in html


def test_home_requires_login():
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_language_switch_to_english(org_tree, member_factory, client_for):
    client = client_for(member_factory(org_tree.branch_a))
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/").content.decode()
    assert "My organisation" in html
    assert '<html lang="en"' in html


def test_account_page_changes_password(org_tree, member_factory, client_for):
    member = member_factory(org_tree.branch_a)
    client = client_for(member)
    assert "修改密码" in client.get("/account/").content.decode()
    response = client.post(
        "/account/",
        {"old_password": PASSWORD, "new_password1": "a-much-better-pass-9", "new_password2": "a-much-better-pass-9"},
    )
    assert response.status_code == 302
    member.user.refresh_from_db()
    assert member.user.check_password("a-much-better-pass-9")


def test_logout_is_a_post_and_ends_the_session(org_tree, member_factory, client_for):
    client = client_for(member_factory(org_tree.branch_a))
    client.post("/logout/")
    assert client.get("/").status_code == 302


def test_the_login_page_says_when_there_were_too_many_attempts(org_tree, member_factory):
    from members.auth import ACCOUNT_BURST

    member_factory(org_tree.branch_a, username="page-guessed")
    client = Client()
    for _ in range(ACCOUNT_BURST):
        page = client.post("/login/", {"username": "page-guessed", "password": "guess"}).content.decode()
        assert "用户名或密码错误" in page
    page = client.post("/login/", {"username": "page-guessed", "password": PASSWORD})
    assert page.status_code == 200  # the form again, not logged in
    assert "登录尝试次数过多" in page.content.decode()
    assert client.get("/").status_code == 302


def test_the_admin_login_is_limited_too(org_tree):
    from django.contrib.auth import get_user_model

    from members.auth import ACCOUNT_BURST

    get_user_model().objects.create_superuser(username="site-admin", password="admin-pass-2024")
    client = Client()
    for _ in range(ACCOUNT_BURST):
        client.post("/admin/login/", {"username": "site-admin", "password": "guess"})
    page = client.post("/admin/login/", {"username": "site-admin", "password": "admin-pass-2024", "next": "/admin/"})
    assert page.status_code == 200
    assert "登录尝试次数过多" in page.content.decode()


def test_pages_name_an_icon_that_the_site_serves(org_tree, member_factory, client_for):
    """Without a declared icon the browser asks for /favicon.ico, a 404 in every fresh session."""
    import re

    from asgiref.sync import async_to_sync
    from asgiref.testing import ApplicationCommunicator

    from web.asgi import application

    signed_in = client_for(member_factory(org_tree.branch_a))
    icons = {
        match.group(1)
        for page in (Client().get("/login/"), signed_in.get("/"), signed_in.get("/mailbox/"))
        for match in re.finditer(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page.content.decode())
    }
    assert len(icons) == 1, icons
    scope = {"type": "http", "method": "GET", "path": icons.pop(), "query_string": b"", "headers": []}
    server = ApplicationCommunicator(application, scope)

    async def get() -> tuple[int, bytes]:
        await server.send_input({"type": "http.request"})
        status, body, more = (await server.receive_output())["status"], b"", True
        while more:
            chunk = await server.receive_output()
            body, more = body + chunk.get("body", b""), chunk.get("more_body", False)
        return status, body

    status, body = async_to_sync(get)()
    assert status == 200 and body.startswith(b"<svg")
