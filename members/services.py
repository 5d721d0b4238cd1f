"""Writes to the organisation tree, members and roles."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from kernel.errors import Invalid
from members.access import Action, Actor, require
from members.models import Member, MemberStatus, Organisation, Role

User = get_user_model()
PATH_MAX_LENGTH = Organisation._meta.get_field("path").max_length or 255


def organisation_create(
    *, by: Actor, name: str, code: str, kind: str, parent: Organisation | None = None
) -> Organisation:
    if parent is not None:
        require(by, Action.MANAGE_MEMBERS, parent)
    elif not by.is_system:
        raise Invalid("Only the system may create a root organisation.")
    with transaction.atomic():
        org = Organisation.objects.create(name=name, code=code, kind=kind, parent=parent, path="")
        org.path = f"{parent.path if parent else '/'}{org.pk}/"
        _check_path_length(org.path)
        org.depth = parent.depth + 1 if parent else 0
        org.save(update_fields=["path", "depth"])
    return org


def _check_path_length(path: str) -> None:
    # Raised inside the transaction, so a move that would push a deep descendant over stays undone.
    if len(path) > PATH_MAX_LENGTH:
        raise Invalid("The organisation tree would be too deep here.")


def organisation_move(*, by: Actor, organisation: Organisation, new_parent: Organisation) -> Organisation:
    """Re-hang a subtree; every descendant's path is rewritten in one statement per level."""
    require(by, Action.MANAGE_MEMBERS, organisation)
    require(by, Action.MANAGE_MEMBERS, new_parent)
    if new_parent.is_within(organisation):
        raise Invalid("An organisation cannot move below itself.")
    with transaction.atomic():
        old_path = organisation.path
        new_path = f"{new_parent.path}{organisation.pk}/"
        depth_delta = new_parent.depth + 1 - organisation.depth
        for org in Organisation.objects.select_for_update().filter(path__startswith=old_path):
            org.path = new_path + org.path[len(old_path) :]
            _check_path_length(org.path)
            org.depth += depth_delta
            if org.pk == organisation.pk:
                org.parent = new_parent
            org.save(update_fields=["path", "depth", "parent"])
    organisation.refresh_from_db()
    return organisation


def member_create(
    *,
    by: Actor,
    username: str,
    real_name: str,
    organisation: Organisation,
    status: str = MemberStatus.FULL,
    password: str | None = None,
    phone: str = "",
    is_migrant: bool = False,
    current_location: str = "",
) -> Member:
    require(by, Action.MANAGE_MEMBERS, organisation)
    with transaction.atomic():
        user = User.objects.create_user(username=username, password=password)
        return Member.objects.create(
            user=user,
            real_name=real_name,
            organisation=organisation,
            status=status,
            phone=phone,
            is_migrant=is_migrant,
            current_location=current_location,
        )


def role_grant(*, by: Actor, member: Member, organisation: Organisation, kind: str) -> Role:
    require(by, Action.MANAGE_MEMBERS, organisation)
    role, _ = Role.objects.get_or_create(member=member, organisation=organisation, kind=kind)
    return role


def role_revoke(*, by: Actor, member: Member, organisation: Organisation, kind: str) -> None:
    require(by, Action.MANAGE_MEMBERS, organisation)
    Role.objects.filter(member=member, organisation=organisation, kind=kind).delete()
