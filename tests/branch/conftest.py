from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from members.access import Actor
from members.models import Member, MemberStatus, RoleKind
from tests.conftest import MemberFactory, OrgTree


@dataclass
class Branch:
    tree: OrgTree
    secretary: Member
    organiser: Member
    publicity: Member
    committee_secretary: Member
    members: list[Member]  # full members of branch A (two of them in its party group)
    probationary: Member
    activist: Member
    outsider: Member  # branch B


@pytest.fixture
def branch(org_tree: OrgTree, member_factory: MemberFactory) -> Branch:
    a = org_tree.branch_a
    return Branch(
        tree=org_tree,
        secretary=member_factory(a, real_name="王书记", roles=[(RoleKind.SECRETARY, a)]),
        organiser=member_factory(a, real_name="李组织", roles=[(RoleKind.ORGANISER, a)]),
        publicity=member_factory(a, real_name="赵宣传", roles=[(RoleKind.PUBLICITY, a)]),
        committee_secretary=member_factory(
            org_tree.committee, real_name="党委书记", roles=[(RoleKind.SECRETARY, org_tree.committee)]
        ),
        members=[
            member_factory(org_tree.group_a1, real_name="张三"),
            member_factory(org_tree.group_a1, real_name="李四"),
            member_factory(a, real_name="王五"),
        ],
        probationary=member_factory(a, real_name="预备党员", status=MemberStatus.PROBATIONARY),
        activist=member_factory(a, real_name="积极分子", status=MemberStatus.ACTIVIST),
        outsider=member_factory(org_tree.branch_b, real_name="外支部"),
    )


@pytest.fixture
def as_actor(actor_of: Callable[[Member], Actor]) -> Callable[[Member], Actor]:
    return actor_of
