"""Reads of organisations and members, filtered by the access policy."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from kernel.errors import Forbidden, NotFound
from members.access import Actor, can_see_organisation, can_see_profile, require_member, subtree_q
from members.models import Member, Organisation, RoleKind
from members.schemas import MeOut, OrganisationOut, RoleOut


def organisation_chain(org: Organisation) -> list[Organisation]:
    """The organisation and its ancestors, root first, in one query."""
    by_id = Organisation.objects.in_bulk(org.ancestor_ids)
    return [by_id[i] for i in org.ancestor_ids if i in by_id]


def organisations_under(paths: list[str]) -> QuerySet[Organisation]:
    """Every organisation in any of the subtrees rooted at ``paths``."""
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(path__startswith=path)
    return Organisation.objects.filter(q)


def organisation_subtree(org: Organisation) -> QuerySet[Organisation]:
    return Organisation.objects.filter(path__startswith=org.path)


def members_in_subtree(org: Organisation) -> QuerySet[Member]:
    return Member.objects.filter(subtree_q([org.path]))


def member_get(*, actor: Actor) -> Member:
    require_member(actor)
    if actor.member_id is None:
        raise NotFound()
    try:
        return Member.objects.select_related("organisation", "user").get(pk=actor.member_id)
    except Member.DoesNotExist as exc:
        raise NotFound() from exc


def me_get(*, actor: Actor) -> MeOut:
    member = member_get(actor=actor)
    roles = member.roles.select_related("organisation").order_by("organisation__path", "kind")
    return MeOut(
        id=member.pk,
        username=member.user.get_username(),
        real_name=member.real_name,
        status=member.status,
        status_label=str(member.get_status_display()),
        is_migrant=member.is_migrant,
        current_location=member.current_location,
        phone=member.phone,
        organisation=OrganisationOut.of(member.organisation),
        organisation_chain=[OrganisationOut.of(o) for o in organisation_chain(member.organisation)],
        roles=[
            RoleOut(kind=r.kind, kind_label=str(r.get_kind_display()), organisation=OrganisationOut.of(r.organisation))
            for r in roles
        ],
    )


def organisation_visible_to(actor: Actor, org: Organisation) -> bool:
    """Members see the structure of their own branch's chain; role holders their subtree."""
    if actor.is_system:
        return True
    return actor.org_path.startswith(org.path) or any(org.path.startswith(g.path) for g in actor.roles)


def organisation_subtree_for(*, actor: Actor, org_id: int) -> list[OrganisationOut]:
    require_member(actor)
    org = Organisation.objects.filter(pk=org_id).first()
    if org is None:
        raise NotFound()
    if not organisation_visible_to(actor, org):
        raise Forbidden()
    qs = organisation_subtree(org)
    if not actor.is_system and not any(org.path.startswith(g.path) for g in actor.roles):
        # Without a role above it, a member sees the chain to their own organisation and below.
        qs = qs.filter(Q(pk__in=actor.home_ancestor_ids) | Q(path__startswith=actor.org_path))
    return [OrganisationOut.of(o) for o in qs]


def member_profile_for(*, actor: Actor, member_id: int) -> dict[str, Any]:
    """A member's profile (name, organisation, roles), for members; NotFound for anyone else,
    as for an id that does not exist."""
    if not can_see_profile(actor):
        raise NotFound()
    member = Member.objects.select_related("organisation").filter(pk=member_id).first()
    if member is None:
        raise NotFound()
    roles = member.roles.select_related("organisation").order_by("organisation__path", "kind")
    return {
        "id": member.pk,
        "real_name": member.real_name,
        "status_label": str(member.get_status_display()),
        "organisation": member.organisation,
        "organisation_visible": can_see_organisation(actor, member.organisation),
        "roles": [{"label": str(r.get_kind_display()), "organisation": r.organisation} for r in roles],
    }


def organisation_page_for(*, actor: Actor, org_id: int) -> dict[str, Any]:
    """An organisation as its members see it: the chain above, the sub-organisations they may
    open, and who holds which role (the secretary first)."""
    org = Organisation.objects.filter(pk=org_id).first()
    if org is None or not can_see_organisation(actor, org):
        raise NotFound()
    children = [c for c in Organisation.objects.filter(parent=org).order_by("name") if can_see_organisation(actor, c)]
    roles = list(org.roles.select_related("member").order_by("kind", "member__real_name"))
    return {
        "organisation": org,
        "chain": [o for o in organisation_chain(org)[:-1] if can_see_organisation(actor, o)],
        "children": children,
        "secretaries": [r.member for r in roles if r.kind == RoleKind.SECRETARY],
        "roles": [{"label": str(r.get_kind_display()), "member": r.member} for r in roles],
        "member_count": Member.objects.filter(organisation=org).count(),
    }
