"""The organisation tree at any depth: subtree queries, roles down the tree, moves."""

from __future__ import annotations

import pytest

from kernel.errors import Invalid
from members import selectors, services
from members.access import SYSTEM, Action, can, can_see
from members.models import Member, Organisation, OrgKind, RoleKind, Visibility

pytestmark = pytest.mark.django_db


def chain(depth: int, *, prefix: str) -> list[Organisation]:
    """A committee with ``depth - 1`` levels below it, one organisation per level."""
    orgs = [services.organisation_create(by=SYSTEM, name=f"{prefix}0", code=f"{prefix}0", kind=OrgKind.COMMITTEE)]
    for level in range(1, depth):
        orgs.append(
            services.organisation_create(
                by=SYSTEM, name=f"{prefix}{level}", code=f"{prefix}{level}", kind=OrgKind.GROUP, parent=orgs[-1]
            )
        )
    return orgs


def test_roles_and_subtrees_reach_any_depth(member_factory, actor_of):
    orgs = chain(12, prefix="D")
    assert [o.depth for o in orgs] == list(range(12))
    deepest = orgs[-1]
    assert deepest.ancestor_ids == [o.pk for o in orgs]
    assert [o.pk for o in selectors.organisation_chain(deepest)] == [o.pk for o in orgs]

    secretary = actor_of(member_factory(orgs[2], roles=[(RoleKind.SECRETARY, orgs[2])]))
    assert can(secretary, Action.MANAGE_MEMBERS, deepest)
    assert not can(secretary, Action.MANAGE_MEMBERS, orgs[1])
    deep_member = actor_of(member_factory(deepest))
    assert can_see(deep_member, visibility=Visibility.SUBTREE, organisation=orgs[5])
    assert not can_see(actor_of(member_factory(orgs[4])), visibility=Visibility.SUBTREE, organisation=orgs[5])

    assert selectors.organisation_subtree(orgs[9]).count() == 3
    member_factory(orgs[10])
    assert selectors.members_in_subtree(orgs[9]).count() == 2  # deep_member and the one at level 10
    assert selectors.members_in_subtree(orgs[0]).count() == Member.objects.count()


def test_moving_a_subtree_rewrites_every_descendant_and_the_roles_follow(org_tree, member_factory, actor_of):
    b_secretary = actor_of(member_factory(org_tree.branch_b, roles=[(RoleKind.SECRETARY, org_tree.branch_b)]))
    in_a1 = member_factory(org_tree.group_a1)
    assert not can(b_secretary, Action.MANAGE_MEMBERS, org_tree.group_a1)

    services.organisation_move(by=SYSTEM, organisation=org_tree.branch_a, new_parent=org_tree.branch_b)
    group_a1 = Organisation.objects.get(pk=org_tree.group_a1.pk)
    assert group_a1.path == f"{org_tree.branch_b.path}{org_tree.branch_a.pk}/{group_a1.pk}/"
    assert group_a1.depth == 3
    assert can(b_secretary, Action.MANAGE_MEMBERS, group_a1)
    assert in_a1 in selectors.members_in_subtree(org_tree.branch_b)


def test_a_move_below_itself_or_too_deep_is_refused_and_changes_nothing(org_tree):
    with pytest.raises(Invalid):
        services.organisation_move(by=SYSTEM, organisation=org_tree.branch_a, new_parent=org_tree.group_a1)
    moved = chain(10, prefix="M")
    target = chain(2, prefix="T")[-1]
    # Deepen the target until the moved chain's deepest path would no longer fit below it.
    level = 0
    while len(target.path) + len(moved[-1].path) - 1 <= 255:
        target = services.organisation_create(
            by=SYSTEM, name=f"T{level}", code=f"T-L{level}", kind=OrgKind.GROUP, parent=target
        )
        level += 1
    before = dict(Organisation.objects.values_list("pk", "path"))
    with pytest.raises(Invalid, match="too deep"):
        services.organisation_move(by=SYSTEM, organisation=moved[0], new_parent=target)
    assert dict(Organisation.objects.values_list("pk", "path")) == before
