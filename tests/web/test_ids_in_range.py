"""An id of ``10**30`` never reaches the database: the JSON API's schemas answer 400, a page's URL
404, a page's query or form an ordinary answer, a socket command an error frame (SQLite would
raise OverflowError, PostgreSQL a DataError: a 500, or a 1011 on a socket)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from kernel.ids import MAX_ID
from members.models import Member, RoleKind
from tests.conftest import MemberFactory, OrgTree
from tests.realtime.conftest import connect, request  # noqa: F401  (fixture)

HUGE = 10**30


@pytest.fixture
def secretary(org_tree: OrgTree, member_factory: MemberFactory) -> Member:
    return member_factory(org_tree.branch_a, roles=[(RoleKind.SECRETARY, org_tree.branch_a)])


@pytest.fixture
def client(secretary: Member) -> Client:
    client = Client(enforce_csrf_checks=False)
    client.force_login(secretary.user)
    return client


# (method, path, JSON body): one or more of each app's operations with an id out of range.
API_CASES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("get", f"/api/organisations/{HUGE}/subtree", None),
    ("post", "/api/moderation/sanctions", {"member_id": HUGE, "kind": "warn", "reason": "r"}),
    ("post", "/api/moderation/sanctions", {"member_id": 1, "kind": "mute", "reason": "r", "minutes": HUGE}),
    ("get", f"/api/moderation/actions?moderator_id={HUGE}", None),
    ("post", f"/api/moderation/queue/{HUGE}/claim", None),
    ("post", "/api/forum/threads/1/posts", {"text": "hi", "attachments": [HUGE]}),
    ("get", f"/api/forum/threads/{HUGE}", None),
    ("post", "/api/mailbox/conversations", {"member": HUGE}),
    ("get", f"/api/mailbox/conversations/{HUGE}", None),
    ("get", f"/api/mailbox/writings/branch?organisation={HUGE}", None),
    ("post", "/api/mailbox/conversations/1/read", {"upto": HUGE}),
    ("post", "/api/meetings", {"organisation_id": HUGE, "kind": "branch_meeting", "title": "t",
                               "starts_at": "2030-01-01T10:00:00Z", "ends_at": "2030-01-01T11:00:00Z"}),
    ("put", "/api/meetings/1/invitees", {"member_ids": [HUGE]}),
    ("get", f"/api/organisations/1/meeting-stats?year={HUGE}&quarter=1", None),
    ("post", "/api/meetings/1/replay/heartbeat", {"recording": HUGE, "position": 0, "playing": True}),
    ("post", f"/api/meetings/1/questions/{HUGE}/vote", {"up": True}),
    ("get", f"/api/organisations/1/study?year={HUGE}", None),
    ("get", f"/api/branch/dues/members/{HUGE}", None),
    ("post", "/api/branch/notices", {"organisation": HUGE, "title": "t", "body": "b"}),
    ("get", f"/api/membership/members/{HUGE}", None),
    ("post", "/api/membership/transfers", {"member_id": HUGE, "to_org_id": HUGE}),
]  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path", "body"), API_CASES, ids=[f"{m} {p}" for m, p, _ in API_CASES])
def test_the_api_refuses_an_id_out_of_range(
    client: Client, method: str, path: str, body: dict[str, Any] | None
) -> None:
    response = getattr(client, method)(path, data=body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "bad_request"


def _routes(patterns: list[Any], prefix: str = "") -> Iterator[str]:
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _routes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route


def _page_routes() -> list[str]:
    return sorted({route for route in _routes(get_resolver().url_patterns) if "<id:" in route})


def test_every_page_url_with_an_id_takes_it_in_range() -> None:
    """No page URL takes Django's unbounded ``<int:…>``: each writes its ids as ``<id:…>``."""
    routes = list(_routes(get_resolver().url_patterns))
    assert len(_page_routes()) > 40
    assert not [route for route in routes if "<int:" in route]


@pytest.mark.django_db
def test_a_page_url_with_an_id_out_of_range_is_not_found(client: Client) -> None:
    for route in _page_routes():
        path = "/" + re.sub(r"<(?!id:)\w+:\w+>", "x", route.replace("^", ""))
        for number in (HUGE, MAX_ID + 1, 0):
            response = client.get(re.sub(r"<id:\w+>", str(number), path))
            assert response.status_code == 404, (route, number)
        # The largest id is still an id: looked up and not found (or refused), never a 500.
        response = client.get(re.sub(r"<id:\w+>", str(MAX_ID), path))
        assert 300 <= response.status_code < 500, (route, response.status_code)


@pytest.mark.django_db
def test_page_queries_and_forms_with_an_id_out_of_range_answer_normally(client: Client, org_tree: OrgTree) -> None:
    branch = org_tree.branch_a.pk
    for path in (
        f"/forum/?organisation={HUGE}",
        f"/forum/search/?q=ab&offset={HUGE}",
        f"/meetings/?year={HUGE}&month={HUGE}",
        f"/meetings/stats/{branch}/?year={HUGE}&quarter={HUGE}",
        f"/meetings/study/{branch}/?year={HUGE}",
        f"/mailbox/writings/branch/?org={HUGE}&year={HUGE}",
        f"/moderation/actions/?moderator={HUGE}",
    ):
        assert client.get(path).status_code in (200, 302, 403, 404), path
    for path, form in (
        ("/mailbox/start/", {"member": str(HUGE)}),
        ("/membership/approvals/", {"proposal": str(HUGE), "action": "approve"}),
        ("/membership/transfers/", {"transfer": str(HUGE), "action": "approve"}),
        ("/branch/notices/new/", {"organisation": str(HUGE), "title": "t", "body": "b", "members": [str(HUGE)]}),
    ):
        assert client.post(path, form).status_code in (200, 302, 403, 404), path


async def test_socket_commands_and_streams_with_an_id_out_of_range_get_error_frames(
    transactional_db: None,
    secretary: Member,
    connect: Any,  # noqa: F811
) -> None:
    def session() -> str:
        client = Client()
        client.force_login(secretary.user)
        return client.cookies["sessionid"].value

    socket = await connect(await database_sync_to_async(session)())
    for stream in (
        "forum.thread",
        "mailbox",
        "meeting",
        "meeting.lobby",
        "moderation.queue",
        "branch.notice",
        "membership.pipeline",
    ):
        refused = await request(socket, {"type": "subscribe", "stream": f"{stream}:{HUGE}", "ref": 1})
        assert refused["type"] == "error" and refused["code"] == "not_found", (stream, refused)
    for command in (
        {"type": "forum.thread.react", "stream": "forum.thread:1", "post": HUGE, "kind": "like"},
        {"type": "mailbox.read", "stream": "mailbox:1", "upto": HUGE},
        {"type": "meeting.mute", "stream": "meeting:1", "member": HUGE},
        {"type": "meeting.vote.cast", "stream": "meeting:1", "motion": HUGE, "choices": ["yes"]},
        {"type": "meeting.question.vote", "stream": "meeting:1", "question": HUGE},
        {"type": "moderation.queue.claim", "stream": "moderation.queue:1", "item": HUGE},
    ):
        answer = await request(socket, {**command, "ref": 2})
        assert answer["type"] == "error" and answer["code"] == "bad_frame", (command, answer)
    assert (await request(socket, {"type": "ping", "ref": 3}))["type"] == "pong"
