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
