from __future__ import annotations

import pytest

from kernel.errors import Forbidden
from members import services
from members.access import (
    ANONYMOUS,
    SYSTEM,
    Action,
    can,
    can_see,
    require,
    visible_q,
)
from members.models import Organisation, RoleKind, Visibility

pytestmark = pytest.mark.django_db


def test_member_of_branch_a_cannot_see_branch_b_subtree_content_but_committee_role_can(
    org_tree, member_factory, actor_of
):
    a_member = actor_of(member_factory(org_tree.group_a1))
    committee_secretary = actor_of(member_factory(org_tree.committee, roles=[(RoleKind.SECRETARY, org_tree.committee)]))
    for_b = {"visibility": Visibility.SUBTREE, "organisation": org_tree.branch_b}
    for_a = {"visibility": Visibility.SUBTREE, "organisation": org_tree.branch_a}

    assert not can_see(a_member, **for_b)
    assert can_see(a_member, **for_a)
    assert can_see(committee_secretary, **for_b)
    assert can_see(committee_secretary, **for_a)


def test_committee_home_member_without_role_does_not_see_branch_content(org_tree, member_factory, actor_of):
    at_committee = actor_of(member_factory(org_tree.committee))
    assert not can_see(at_committee, visibility=Visibility.SUBTREE, organisation=org_tree.branch_a)
    # …but sees content addressed to the committee's subtree, which contains them.
    assert can_see(at_committee, visibility=Visibility.SUBTREE, organisation=org_tree.committee)


def test_public_members_and_participants(org_tree, member_factory, actor_of):
    m1 = member_factory(org_tree.branch_a)
    m2 = member_factory(org_tree.branch_b)
    assert can_see(ANONYMOUS, visibility=Visibility.PUBLIC, organisation=None)
    assert not can_see(ANONYMOUS, visibility=Visibility.MEMBERS, organisation=None)
    assert can_see(actor_of(m2), visibility=Visibility.MEMBERS, organisation=None)
    assert can_see(actor_of(m1), visibility=Visibility.PARTICIPANTS, organisation=None, participant_ids=[m1.pk])
    assert not can_see(actor_of(m2), visibility=Visibility.PARTICIPANTS, organisation=None, participant_ids=[m1.pk])


def test_role_applies_to_subtree_only(org_tree, member_factory, actor_of):
    branch_a_secretary = actor_of(member_factory(org_tree.branch_a, roles=[(RoleKind.SECRETARY, org_tree.branch_a)]))
    assert can(branch_a_secretary, Action.MANAGE_MEMBERS, org_tree.group_a1)
    assert can(branch_a_secretary, Action.MANAGE_MEMBERS, org_tree.branch_a)
    assert not can(branch_a_secretary, Action.MANAGE_MEMBERS, org_tree.branch_b)
    assert not can(branch_a_secretary, Action.MANAGE_MEMBERS, org_tree.committee)
    assert not can(branch_a_secretary, Action.READ_REPORTS, org_tree.group_a1)
    with pytest.raises(Forbidden):
        require(branch_a_secretary, Action.MANAGE_MEMBERS, org_tree.branch_b)


def test_services_enforce_the_policy(org_tree, member_factory, actor_of):
    plain = actor_of(member_factory(org_tree.branch_a))
    with pytest.raises(Forbidden):
        services.member_create(by=plain, username="intruder", real_name="x", organisation=org_tree.branch_a)


def test_visible_q_matches_can_see_over_a_queryset(org_tree, member_factory, actor_of):
    """The queryset filter and the per-object check agree for every organisation and actor."""
    actors = [
        ANONYMOUS,
        actor_of(member_factory(org_tree.group_a1)),
        actor_of(member_factory(org_tree.branch_b)),
        actor_of(member_factory(org_tree.committee, roles=[(RoleKind.MODERATOR, org_tree.committee)])),
        actor_of(member_factory(org_tree.branch_b, roles=[(RoleKind.INSPECTOR, org_tree.branch_a)])),
    ]
    # Organisation itself has no visibility field; check the subtree clause on a model that has one
    # by annotating: organisations stand in as "content addressed to their subtree".
    from django.db.models import CharField, Value

    orgs = Organisation.objects.filter(path__startswith=org_tree.committee.path).annotate(
        visibility=Value(Visibility.SUBTREE, output_field=CharField())
    )
    for actor in actors:
        q = visible_q(actor, Organisation, prefix="")
        # `organisation_id` on content is the organisation; here the row is the organisation.
        q_on_org = _retarget(q)
        via_q = set(orgs.filter(q_on_org).values_list("pk", flat=True))
        via_check = {o.pk for o in orgs if can_see(actor, visibility=Visibility.SUBTREE, organisation=o)}
        assert via_q == via_check, actor


def _retarget(q):
    """Rewrite organisation lookups of a content filter so it applies to Organisation rows."""
    from django.db.models import Q

    children = []
    for child in q.children:
        if isinstance(child, Q):
            children.append(_retarget(child))
        else:
            key, value = child
            key = key.replace("organisation__path", "path").replace("organisation_id", "pk")
            children.append((key, value))
    new = Q()
    new.children = children
    new.connector = q.connector
    new.negated = q.negated
    return new


def test_system_actor_may_do_everything(org_tree):
    assert can(SYSTEM, Action.READ_REPORTS, org_tree.branch_a)
