"""Fixtures for the mailboxes' tests: a branch with its secretary, outsiders with strong roles."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from channels.layers import channel_layers
from django.conf import LazySettings
from django.test import Client

from kernel import ratelimit
from members.models import Member, RoleKind
from tests.conftest import MemberFactory, OrgTree


@pytest.fixture(autouse=True)
def mailbox_isolation(settings: LazySettings, tmp_path: Path) -> Iterator[None]:
    settings.MEDIA_ROOT = str(tmp_path / "media")
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
    yield
    channel_layers.backends = {}


@dataclass
class People:
    tree: OrgTree
    alice: Member  # member, group A1 of branch A
    bob: Member  # member, branch A
    secretary: Member  # secretary of branch A
    carol: Member  # member of branch B
    secretary_b: Member  # secretary of branch B: another branch
    moderator: Member  # moderator at the committee
    inspector: Member  # discipline inspector at the committee
    inspector_b: Member  # discipline inspector of branch B
    superuser: Member  # a member whose account is a Django superuser and staff


@pytest.fixture
def people(org_tree: OrgTree, member_factory: MemberFactory) -> People:
    t = org_tree
    superuser = member_factory(t.committee, real_name="超级用户")
    superuser.user.is_superuser = superuser.user.is_staff = True
    superuser.user.save()
    return People(
        tree=t,
        alice=member_factory(t.group_a1, real_name="张三"),
        bob=member_factory(t.branch_a, real_name="李四"),
        secretary=member_factory(t.branch_a, real_name="王书记", roles=[(RoleKind.SECRETARY, t.branch_a)]),
        carol=member_factory(t.group_b1, real_name="赵六"),
        secretary_b=member_factory(t.branch_b, real_name="钱书记", roles=[(RoleKind.SECRETARY, t.branch_b)]),
        moderator=member_factory(t.committee, real_name="审核员", roles=[(RoleKind.MODERATOR, t.committee)]),
        inspector=member_factory(t.committee, real_name="纪检员", roles=[(RoleKind.INSPECTOR, t.committee)]),
        inspector_b=member_factory(t.branch_b, real_name="支部纪检", roles=[(RoleKind.INSPECTOR, t.branch_b)]),
        superuser=superuser,
    )


def session_of(member: Member) -> str:
    client = Client()
    client.force_login(member.user)
    return client.cookies["sessionid"].value
