"""The HTTP API against its own OpenAPI document (/api/openapi.json), with schemathesis.

Every operation gets generated requests, as a logged-in member with the CSRF token: no answer
may be a server error, and every answer must match the schema the document gives for its
status. Ids and integers out of range (``10**30`` as an attachment id) must be refused by the
schema (400), never reach the database. The example count is kept small so the whole API runs
in well under a minute; ``API_SCHEMA_EXAMPLES`` raises it for a longer hunt.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from members.models import RoleKind
from tests.conftest import PASSWORD, MemberFactory, OrgTree
from web.api import api

EXAMPLES = int(os.environ.get("API_SCHEMA_EXAMPLES", "3"))  # per operation and mode

# The document /api/openapi.json serves, built without a request (at collection no test host is
# allowed yet); the requests then go to the real WSGI application.
schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/"))
schema.app = WSGIHandler()
schema.location = "/api/openapi.json"


@pytest.fixture
def wsgi_in_test_transaction() -> Iterator[None]:
    """As Django's test client does: requests must not close the test's database connection
    (the test runs in a transaction that is rolled back). After ``logged_in``: the test client
    connects the signal again after each of its requests."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def logged_in(org_tree: OrgTree, member_factory: MemberFactory, settings: Any) -> dict[str, Any]:
    """A secretary of branch A (so that the branch's own operations are reachable too)."""
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]  # schemathesis's WSGI client is "localhost"
    member = member_factory(org_tree.branch_a, roles=[(RoleKind.SECRETARY, org_tree.branch_a)])
    client = Client()
    login = {"username": member.user.username, "password": PASSWORD}
    token = client.post("/api/auth/login", data=login, content_type="application/json").json()["csrf_token"]
    return {
        "cookies": {"sessionid": client.cookies["sessionid"].value, "csrftoken": client.cookies["csrftoken"].value},
        "headers": {"X-CSRFToken": token, "Origin": "http://localhost", "Referer": "http://localhost/"},
    }


@pytest.mark.django_db
def test_api_answers_every_request_within_its_schema(logged_in: dict[str, Any], wsgi_in_test_transaction: None) -> None:
    """One test over every operation (one login, not one per operation): valid requests and
    requests that break the schema (negative mode: out-of-range ids, wrong types)."""
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 100  # the whole API, not an empty document

    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
            def answers(case: Any) -> None:
                case.call_and_validate(
                    headers=logged_in["headers"],
                    cookies=logged_in["cookies"],
                    checks=[not_a_server_error, response_schema_conformance],
                )

            try:
                answers()
            except Unsatisfiable:  # nothing in this operation's request can break its schema
                assert mode is GenerationMode.NEGATIVE


@pytest.mark.django_db
def test_an_attachment_id_out_of_range_is_refused_by_the_schema(
    logged_in: dict[str, Any], wsgi_in_test_transaction: None
) -> None:
    """The case that once answered 500 (OverflowError in SQLite)."""
    client = Client()
    client.cookies.load(logged_in["cookies"])
    headers = {"HTTP_X_CSRFTOKEN": logged_in["headers"]["X-CSRFToken"]}
    response = client.post(
        "/api/forum/threads/1/posts",
        data={"text": "hi", "attachments": [10**30]},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "bad_request"
    assert client.get("/api/forum/threads/1000000000000000000000000000000").status_code == 400
