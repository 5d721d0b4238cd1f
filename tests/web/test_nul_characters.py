"""A NUL character is refused where a request arrives (400), in every part of it a view reads:
PostgreSQL text cannot hold one, so it once answered 500 wherever the text reached a query (a
post, a search, a login, a report's receipt code). Uploaded files keep any bytes."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from forum import services
from forum.models import Board, Post
from members.access import Actor
from members.models import Member, RoleKind
from tests.conftest import MemberFactory, OrgTree

pytestmark = pytest.mark.django_db


@pytest.fixture
def secretary(org_tree: OrgTree, member_factory: MemberFactory) -> Member:
    return member_factory(org_tree.branch_a, roles=[(RoleKind.SECRETARY, org_tree.branch_a)])


@pytest.fixture
def client(secretary: Member) -> Client:
    client = Client()
    client.force_login(secretary.user)
    return client


@pytest.fixture
def thread(org_tree: OrgTree, secretary: Member, actor_of: Any) -> int:
    actor: Actor = actor_of(secretary)
    board = Board.objects.filter(organisation=org_tree.branch_a).first()
    assert board is not None
    return services.thread_create(by=actor, board_id=board.pk, title="学习", source="大家好").thread_id


def test_the_api_refuses_a_nul_in_a_json_body_a_query_or_a_path(client: Client, thread: int) -> None:
    posts = Post.objects.count()
    for method, path, body in (
        ("post", f"/api/forum/threads/{thread}/posts", {"text": "a\u0000b"}),
        ("post", f"/api/forum/threads/{thread}/posts", {"text": "a\\\u0000b"}),  # after an escaped backslash
        ("post", "/api/auth/login", {"username": "a\u0000", "password": "x"}),
        ("post", "/api/mailbox/tips/follow-up", {"receipt_code": "\u0000"}),
        ("get", "/api/forum/search?q=a%00b", None),
        ("get", "/api/mailbox/tips/a%00b", None),
    ):
        response = getattr(client, method)(path, data=body, content_type="application/json")
        assert (response.status_code, response.json()["code"]) == (400, "bad_request"), (path, body)
    assert Post.objects.count() == posts
    # A backslash and "u0000" typed as text are no NUL.
    typed = client.post(f"/api/forum/threads/{thread}/posts", {"text": "a\\u0000b"}, content_type="application/json")
    assert typed.status_code == 201, typed.content


def test_pages_refuse_a_nul_in_a_query_or_a_form_and_files_keep_their_bytes(client: Client, thread: int) -> None:
    refused = client.get("/forum/search/?q=a%00b")
    assert refused.status_code == 400 and "请求无效" in refused.content.decode()
    assert client.post(f"/forum/t/{thread}/reply/", {"text": "a\u0000b"}).status_code == 400
    pdf = SimpleUploadedFile("a.pdf", b"%PDF-1.4\n\x00\x00\x00 binary", content_type="application/pdf")
    kept = client.post(f"/forum/t/{thread}/reply/", {"text": "附件", "files": pdf})
    assert kept.status_code in (200, 302)
    assert Post.objects.filter(text="附件").exists()
