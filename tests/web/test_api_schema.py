"""The HTTP API against its own OpenAPI document (/api/openapi.json), with schemathesis.

Every operation gets generated requests, as a logged-in member and as a branch secretary, with
the CSRF token: no answer may be a server error, and every answer must match the schema the
document gives for its status. Ids and integers out of range (``10**30`` as an attachment id)
must be refused by the schema (400), never reach the database (tests/web/test_ids_in_range.py
tries that case on each app by hand). Two examples per operation, mode and person keep both
runs under two minutes on a busy two-core machine (about 35 s of CPU); ``API_SCHEMA_EXAMPLES=20``
makes a longer hunt (about nine minutes).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as settings_
from hypothesis.errors import Unsatisfiable
from ninja.openapi.schema import OpenAPISchema
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from branch import services as branch_services
from forum import services as forum_services
from forum.models import Board
from kernel.ids import MAX_ID
from lessons import courses
from mailboxes import services as mailbox_services
from meetings import lifecycle, votes
from meetings import services as meeting_services
from meetings.models import MeetingKind
from members.access import Actor
from members.models import Member, RoleKind
from tests.conftest import PASSWORD, MemberFactory, OrgTree
from web.api import api

EXAMPLES = int(os.environ.get("API_SCHEMA_EXAMPLES", "2"))  # per operation, mode and person


@pytest.fixture
def wsgi_in_test_transaction(logged_in: dict[str, Any]) -> Iterator[None]:
    """As Django's test client does: requests must not close the test's database connection
    (the test runs in a transaction that is rolled back). After ``logged_in``: the test client
    connects the signal again after each of its requests."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def logged_in(person: str, world: World, settings: Any) -> dict[str, Any]:
    member = getattr(world, person)
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]  # schemathesis's WSGI client is "localhost"
    client = Client()
    login = {"username": member.user.username, "password": PASSWORD}
    token = client.post("/api/auth/login", data=login, content_type="application/json").json()["csrf_token"]
    return {
        "cookies": {"sessionid": client.cookies["sessionid"].value, "csrftoken": client.cookies["csrftoken"].value},
        "headers": {"X-CSRFToken": token, "Origin": "http://localhost", "Referer": "http://localhost/"},
    }


@dataclass
class World:
    member: Member  # of party group A1
    secretary: Member  # of branch A
    ids: list[int]  # of everything below, for valid requests to draw their ids from


@pytest.fixture
def world(org_tree: OrgTree, member_factory: MemberFactory, actor_of: Callable[[Member], Actor]) -> World:
    """Something of each app for the generated requests to reach: a thread, a conversation, a
    thought report, meetings (one live with a vote, one with a leave request), a notice, a course."""
    member = member_factory(org_tree.group_a1)
    secretary = member_factory(org_tree.branch_a, roles=[(RoleKind.SECRETARY, org_tree.branch_a)])
    by_member, by_secretary = actor_of(member), actor_of(secretary)
    board = Board.objects.filter(organisation=org_tree.branch_a).first()
    assert board is not None
    post = forum_services.thread_create(by=by_member, board_id=board.pk, title="学习交流", source="大家好")
    conversation = mailbox_services.conversation_open(by=by_member, other_id=secretary.pk)
    mailbox_services.message_send(by=by_member, conversation_id=conversation.pk, text="书记好")
    writing = mailbox_services.writing_create(by=by_member, title="思想汇报", text="本季度的学习体会", submit=True)
    start = timezone.now() + dt.timedelta(days=1)
    planned = meeting_services.meeting_schedule(
        by=by_secretary, organisation=org_tree.branch_a, kind=MeetingKind.BRANCH_GENERAL, title="支部党员大会",
        starts_at=start, ends_at=start + dt.timedelta(hours=1), agenda=["学习文件"],
    )  # fmt: skip
    leave = meeting_services.leave_request_create(by=by_member, meeting=planned, reason="出差")
    live = meeting_services.meeting_schedule(
        by=by_secretary, organisation=org_tree.branch_a, kind=MeetingKind.BRANCH_COMMITTEE, title="支委会",
        starts_at=timezone.now(), ends_at=timezone.now() + dt.timedelta(hours=1),
    )  # fmt: skip
    lifecycle.meeting_start(by=by_secretary, meeting=live)
    motion = votes.motion_open(by=by_secretary, meeting=live, title="表决")
    notice = branch_services.notice_publish(
        by=by_secretary, organisation_id=org_tree.branch_a.pk, title="通知", body="周五学习", requires_confirmation=True
    )
    course = courses.course_create(by=by_secretary, organisation_id=org_tree.branch_a.pk, title="党课")
    objects = [member, secretary, board, post, post.thread, conversation, writing, planned, leave, live, motion]
    ids = {obj.pk for obj in [*objects, notice, course, *vars(org_tree).values()]}
    return World(member=member, secretary=secretary, ids=sorted(ids))


def _ids_drawn_from(document: Any, ids: list[int]) -> Any:
    """The document with every id (an integer from 1 to MAX_ID) drawn from ``ids``: requests
    then reach things that exist, not only 404s."""
    if isinstance(document, list):
        return [_ids_drawn_from(item, ids) for item in document]
    if not isinstance(document, dict):
        return document
    if document.get("type") == "integer" and (document.get("minimum"), document.get("maximum")) == (1, MAX_ID):
        return {**document, "enum": ids}
    return {key: _ids_drawn_from(value, ids) for key, value in document.items()}


# Who asks, in which modes: a member of a party group with valid requests and with requests that
# break the schema (out-of-range ids, wrong types), the secretary of branch A, whose operations
# reach further (dues, notices, appraisals, the pipeline), with valid ones.
PEOPLE = {"member": (GenerationMode.POSITIVE, GenerationMode.NEGATIVE), "secretary": (GenerationMode.POSITIVE,)}


@pytest.mark.django_db
@pytest.mark.parametrize("person", PEOPLE)
def test_api_answers_every_request_within_its_schema(
    person: str, world: World, logged_in: dict[str, Any], wsgi_in_test_transaction: None
) -> None:
    """One test per person over every operation (one login, not one per operation). Every
    operation runs; the failures of all of them are reported together."""
    document = api.get_openapi_schema(path_prefix="/api/")
    schemas = {GenerationMode.NEGATIVE: document, GenerationMode.POSITIVE: _ids_drawn_from(document, world.ids)}
    operations = {}
    for mode in PEOPLE[person]:
        loaded = schemathesis.openapi.from_dict(schemas[mode])
        loaded.app = WSGIHandler()
        loaded.location = "/api/openapi.json"
        operations[mode] = {result.ok().label: result.ok() for result in loaded.get_all_operations()}
    labels = list(operations[GenerationMode.POSITIVE])
    assert len(labels) > 100  # the whole API, not an empty document
    # Logging out ends the session every other operation runs in: it runs last.
    labels.sort(key=lambda label: label == "POST /api/auth/logout")
    failures: list[str] = []
    for label in labels:
        for mode in PEOPLE[person]:
            operation = operations[mode][label]

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings_(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck),
                       phases=[Phase.generate])  # fmt: skip
            def answers(case: Any) -> None:
                response = case.call_and_validate(
                    headers=logged_in["headers"],
                    cookies=logged_in["cookies"],
                    checks=[not_a_server_error, response_schema_conformance],
                )
                # Every request but a login runs in the session: a 401 means it was lost and the
                # rest of the run would test nothing.
                assert response.status_code != 401 or case.operation.label == "POST /api/auth/login"

            try:
                answers()
            except Unsatisfiable:  # nothing in this operation's request can break its schema
                assert mode is GenerationMode.NEGATIVE
            except Exception as error:  # noqa: BLE001 - collected, reported below
                failures.append(f"{operation.label} ({mode.value}): {error}")
    assert not failures, "\n\n".join(failures)


def test_each_schema_name_in_the_document_names_one_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """The document keeps one schema per class name (django-ninja merges them by name): two apps'
    models of one name would make one of them lie about the other's requests or answers."""
    clashes: set[str] = set()
    merge = OpenAPISchema.add_schema_definitions

    def merge_checked(self: OpenAPISchema, definitions: dict[str, Any]) -> None:
        clashes.update(name for name, d in definitions.items() if self.schemas.get(name, d) != d)
        merge(self, definitions)

    monkeypatch.setattr(OpenAPISchema, "add_schema_definitions", merge_checked)
    api.get_openapi_schema(path_prefix="/api/")
    assert not clashes
