"""Fixtures for the forum's tests: a small organisation with boards, people with roles, a word list."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from channels.layers import channel_layers
from django.conf import LazySettings

from forum import services
from forum.models import Board, Post
from kernel import ratelimit
from members.access import SYSTEM, Actor
from members.models import Member, RoleKind
from moderation import lists
from moderation import services as moderation_services
from realtime.models import StreamEvent
from tests.conftest import MemberFactory, OrgTree


@pytest.fixture(autouse=True)
def forum_isolation(settings: LazySettings, tmp_path: Path) -> Iterator[None]:
    """Uploads in a temporary folder, generous post rate limits, fresh word lists and layer."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.MODERATION_POST_RATE = (1000.0, 1000)
    settings.MODERATION_LIST_CHECK_SECONDS = 0
    prefix = f"t{uuid.uuid4().hex[:8]}"
    settings.REDIS_PREFIX = prefix
    if settings.REDIS_URL:
        settings.CHANNEL_LAYERS = {
            "default": {
                "BACKEND": settings.CHANNEL_LAYERS["default"]["BACKEND"],
                "CONFIG": {"hosts": [settings.REDIS_URL], "prefix": f"{prefix}:layer"},
            }
        }
    channel_layers.backends = {}
    ratelimit.reset_local()
    lists.cache_clear()
    yield
    lists.cache_clear()
    channel_layers.backends = {}


@dataclass
class Forum:
    tree: OrgTree
    alice: Member  # member of branch A (group A1)
    bob: Member  # member of branch A (group A1)
    carol: Member  # member of branch B: outside branch A's subtree
    secretary: Member  # secretary of branch A
    moderator: Member  # moderator at the committee
    board: Board  # branch A's 党员论坛 (subtree)
    announcements: Board  # branch A's 通知公告
    public_board: Board  # branch A's 社区文化 (public)


@pytest.fixture
def forum(org_tree: OrgTree, member_factory: MemberFactory) -> Forum:
    u = uuid.uuid4().hex[:6]
    boards = {b.name: b for b in Board.objects.filter(organisation=org_tree.branch_a)}
    return Forum(
        tree=org_tree,
        alice=member_factory(org_tree.group_a1, username=f"alice{u}", real_name="张三"),
        bob=member_factory(org_tree.group_a1, username=f"bob{u}", real_name="李四"),
        carol=member_factory(org_tree.group_b1, username=f"carol{u}", real_name="王五"),
        secretary=member_factory(
            org_tree.branch_a, username=f"sec{u}", real_name="赵书记", roles=[(RoleKind.SECRETARY, org_tree.branch_a)]
        ),
        moderator=member_factory(
            org_tree.committee, username=f"mod{u}", real_name="审核员", roles=[(RoleKind.MODERATOR, org_tree.committee)]
        ),
        board=boards["党员论坛"],
        announcements=boards["通知公告"],
        public_board=boards["社区文化"],
    )


@pytest.fixture
def actors(forum: Forum, actor_of: Callable[[Member], Actor]) -> dict[str, Actor]:
    return {name: actor_of(getattr(forum, name)) for name in ("alice", "bob", "carol", "secretary", "moderator")}


@pytest.fixture
def words(forum: Forum) -> Callable[..., None]:
    """Put words with actions on a global word list."""

    def add(*entries: tuple[str, str]) -> None:
        word_list = moderation_services.word_list_create(
            by=SYSTEM, organisation=None, name=f"测试{uuid.uuid4().hex[:6]}"
        )
        moderation_services.word_entries_set(by=SYSTEM, word_list=word_list, entries=list(entries))
        lists.cache_clear()

    return add


@pytest.fixture
def thread_of(forum: Forum, actors: dict[str, Actor]) -> Callable[..., Post]:
    """Start a thread on branch A's members' forum; its opening post."""

    def start(title: str = "学习交流", text: str = "大家好", *, by: str = "alice", board: Board | None = None) -> Post:
        return services.thread_create(by=actors[by], board_id=(board or forum.board).pk, title=title, source=text)

    return start


def events(stream: str) -> list[dict[str, Any]]:
    """The stored events of a stream, oldest first (what a resuming client gets)."""
    return [e.payload for e in StreamEvent.objects.filter(stream=stream).order_by("seq")]
