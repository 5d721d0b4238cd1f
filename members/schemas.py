"""The members API's response models, and the one place a member's own data and the organisation
tree are shaped for output."""

from __future__ import annotations

from ninja import Schema

from members.models import Organisation


class OrganisationOut(Schema):
    id: int
    name: str
    code: str
    kind: str
    kind_label: str
    parent_id: int | None
    depth: int

    @classmethod
    def of(cls, org: Organisation) -> OrganisationOut:
        return cls(
            id=org.pk,
            name=org.name,
            code=org.code,
            kind=org.kind,
            kind_label=str(org.get_kind_display()),
            parent_id=org.parent_id,
            depth=org.depth,
        )


class RoleOut(Schema):
    kind: str
    kind_label: str
    organisation: OrganisationOut


class MeOut(Schema):
    """The signed-in member: who they are, where, and the roles they hold."""

    id: int
    username: str
    real_name: str
    status: str
    status_label: str
    is_migrant: bool
    current_location: str
    phone: str
    organisation: OrganisationOut
    organisation_chain: list[OrganisationOut]
    roles: list[RoleOut]
