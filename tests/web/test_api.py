from __future__ import annotations

import json

import pytest
from django.test import Client

from members.models import RoleKind
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def post_json(client: Client, url: str, body: object, **extra: str):
    return client.post(url, data=json.dumps(body), content_type="application/json", **extra)


def test_login_sets_session_then_me_then_logout(org_tree, member_factory):
    member = member_factory(
        org_tree.group_a1, username="api-user", real_name="接口用户", roles=[(RoleKind.SECRETARY, org_tree.branch_a)]
    )
    client = Client(enforce_csrf_checks=True)
    response = post_json(client, "/api/auth/login", {"username": "api-user", "password": PASSWORD})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["me"]["real_name"] == "接口用户"
    assert body["csrf_token"]
    assert "sessionid" in response.cookies

    me = client.get("/api/me").json()
    assert me["id"] == member.pk
    assert [o["name"] for o in me["organisation_chain"]] == ["测试党委", "第一党支部", "第一党小组"]
    assert me["roles"][0]["kind"] == "secretary"

    assert post_json(client, "/api/auth/logout", {}).status_code == 200
    after = client.get("/api/me")
    assert after.status_code == 401
    assert after.json()["code"] == "not_authenticated"


def test_wrong_password_is_a_json_error(org_tree, member_factory):
    member_factory(org_tree.branch_a, username="someone")
    response = post_json(Client(), "/api/auth/login", {"username": "someone", "password": "nope"})
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert "sessionid" not in response.cookies


def test_login_from_a_foreign_origin_or_as_a_form_is_refused(org_tree, member_factory):
    member_factory(org_tree.branch_a, username="victim")
    foreign = post_json(
        Client(), "/api/auth/login", {"username": "victim", "password": PASSWORD}, HTTP_ORIGIN="https://evil.example"
    )
    assert foreign.status_code == 403
    assert foreign.json()["code"] == "forbidden"
    as_form = Client().post(
        "/api/auth/login", data=json.dumps({"username": "victim", "password": PASSWORD}), content_type="text/plain"
    )
    assert as_form.status_code in (400, 403)
    assert "sessionid" not in as_form.cookies


def test_malformed_body_and_unknown_paths_answer_json(org_tree, member_factory):
    bad = Client().post("/api/auth/login", data="{not json", content_type="application/json")
    assert bad.status_code == 400
    assert bad.json()["code"] == "bad_request"
    missing = Client().get("/api/no/such/thing")
    assert missing.status_code == 404
    assert missing["Content-Type"].startswith("application/json")
    assert missing.json()["code"] == "not_found"


def test_subtree_listing_obeys_the_policy(org_tree, member_factory, client_for):
    plain_b = client_for(member_factory(org_tree.branch_b))
    assert plain_b.get(f"/api/organisations/{org_tree.branch_a.pk}/subtree").json()["code"] == "forbidden"
    own = plain_b.get(f"/api/organisations/{org_tree.committee.pk}/subtree").json()
    assert {o["name"] for o in own} == {"测试党委", "第二党支部", "第二党小组"}
    secretary = client_for(member_factory(org_tree.committee, roles=[(RoleKind.SECRETARY, org_tree.committee)]))
    full = secretary.get(f"/api/organisations/{org_tree.committee.pk}/subtree").json()
    assert len(full) == 5


def test_openapi_schema_and_docs_are_served():
    schema = Client().get("/api/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert {"/api/auth/login", "/api/auth/logout", "/api/me"} <= set(paths)
    docs = Client().get("/api/docs")
    assert docs.status_code == 200
    assert b"swagger" in docs.content.lower()


def test_password_change_needs_csrf_and_the_old_password(org_tree, member_factory):
    member_factory(org_tree.branch_a, username="changer")
    client = Client(enforce_csrf_checks=True)
    token = post_json(client, "/api/auth/login", {"username": "changer", "password": PASSWORD}).json()["csrf_token"]
    body = {"old_password": PASSWORD, "new_password": "another-strong-pass-7"}
    no_token = post_json(client, "/api/auth/password", body)
    assert no_token.status_code == 403
    assert no_token.json()["code"] == "csrf_failed"
    wrong_old = post_json(client, "/api/auth/password", {**body, "old_password": "x"}, HTTP_X_CSRFTOKEN=token)
    assert wrong_old.status_code == 400
    assert "old_password" in wrong_old.json()["errors"]
    ok = post_json(client, "/api/auth/password", body, HTTP_X_CSRFTOKEN=token)
    assert ok.status_code == 200
    assert client.get("/api/me").status_code == 200  # the session survives the change
    fresh = post_json(Client(), "/api/auth/login", {"username": "changer", "password": "another-strong-pass-7"})
    assert fresh.status_code == 200


def assert_json_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json"), response.content[:300]
    body = response.json()
    assert body["code"] == code
    assert body["message"]
    return body


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
def test_http_errors_under_api_are_json_even_with_debug_on(settings, debug, org_tree, member_factory):
    """`make serve` runs with DEBUG=1, where Django answers an unknown path with its HTML debug
    page and the framework answers a wrong method in plain text: /api/ clients get JSON anyway."""
    settings.DEBUG = debug
    client = Client()
    assert_json_error(client.get("/api/no/such/thing"), 404, "not_found")
    wrong_method = client.get("/api/auth/login")
    assert_json_error(wrong_method, 405, "method_not_allowed")
    assert "POST" in wrong_method["Allow"]
    assert_json_error(client.delete("/api/me"), 405, "method_not_allowed")
    # A Host header that is not served: Django refuses it before any view runs.
    assert_json_error(client.get("/api/me", HTTP_HOST="evil.example"), 400, "bad_request")
    # A body above DATA_UPLOAD_MAX_MEMORY_SIZE is refused as too large, not as a server error.
    huge = {"username": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1), "password": "y"}
    assert_json_error(post_json(client, "/api/auth/login", huge), 413, "too_large")
    # Pages outside /api/ keep their HTML error pages.
    assert Client().get("/no/such/page/", HTTP_ACCEPT_LANGUAGE="en").status_code == 404
    assert not Client().get("/no/such/page/")["Content-Type"].startswith("application/json")


def test_error_messages_follow_the_chosen_language(client):
    assert client.get("/api/no/such/thing").json()["message"] == "未找到。"
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert client.get("/api/no/such/thing").json()["message"] == "Not found."


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
def test_a_failing_endpoint_answers_a_json_500_without_details(
    settings, debug, monkeypatch, org_tree, member_factory, client_for
):
    settings.DEBUG = debug
    client = client_for(member_factory(org_tree.branch_a))
    client.raise_request_exception = False

    def fail(**kwargs: object) -> None:
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr("members.api.selectors.me_get", fail)
    response = client.get("/api/me")
    assert_json_error(response, 500, "server_error")
    assert b"hunter2" not in response.content


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
def test_a_failure_outside_the_api_framework_is_still_json_under_api(settings, debug):
    settings.DEBUG = debug
    settings.ROOT_URLCONF = "tests.web.broken_urls"
    client = Client(raise_request_exception=False)
    response = client.get("/api/broken")
    assert_json_error(response, 500, "server_error")
    assert b"a failure outside" not in response.content


def test_a_missing_object_in_an_endpoint_is_json_with_a_code(org_tree, member_factory, client_for, actor_of):
    """Endpoints that look an object up with get_object_or_404 answer like every other error."""
    from django.utils import timezone

    from meetings import services as meeting_services
    from meetings.models import MeetingKind

    secretary = member_factory(org_tree.branch_a, roles=[(RoleKind.SECRETARY, org_tree.branch_a)])
    starts = timezone.now() + timezone.timedelta(days=1)
    meeting = meeting_services.meeting_schedule(
        by=actor_of(secretary),
        organisation=org_tree.branch_a,
        kind=MeetingKind.BRANCH_GENERAL,
        title="支部党员大会",
        starts_at=starts,
        ends_at=starts + timezone.timedelta(hours=1),
        agenda=[],
    )
    response = post_json(client_for(secretary), f"/api/meetings/{meeting.pk}/leave/999999/decision", {"approve": True})
    assert_json_error(response, 404, "not_found")


def test_interactive_docs_load_their_assets_from_this_site():
    """The docs page works without internet access: every script and stylesheet is ours."""
    import re

    from django.contrib.staticfiles import finders

    html = Client().get("/api/docs").content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    for asset in assets:
        assert asset.startswith("/static/"), asset
        assert finders.find(asset.removeprefix("/static/")), asset


def test_password_guessing_is_slowed_per_account_and_reported_as_429(org_tree, member_factory):
    from members.auth import ACCOUNT_BURST

    member_factory(org_tree.branch_a, username="guessed")
    member_factory(org_tree.branch_a, username="bystander")
    client = Client()
    for _ in range(ACCOUNT_BURST):
        wrong = post_json(client, "/api/auth/login", {"username": "guessed", "password": "guess"})
        assert wrong.status_code == 401
    # The bucket is empty: even the right password is not tried now.
    limited = post_json(client, "/api/auth/login", {"username": "guessed", "password": PASSWORD})
    body = assert_json_error(limited, 429, "rate_limited")
    assert int(limited["Retry-After"]) >= 1 and body["retry_after"] > 0
    assert "sessionid" not in limited.cookies
    # Another account from the same address is not locked out.
    assert post_json(client, "/api/auth/login", {"username": "bystander", "password": PASSWORD}).status_code == 200
