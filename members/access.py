"""The access policy: the one place that decides who may see and do what.

Every selector and service asks here. An :class:`Actor` is the acting person reduced to what the
policy needs (home organisation path and roles), computed once per request or socket.

Rules
-----
* A role held at an organisation applies to that organisation's whole subtree.
* Content visibility:
  - ``public``: everyone, logged in or not;
  - ``members``: every member;
  - ``subtree``: members whose home organisation lies in the content organisation's subtree, and
    anyone holding a role at that organisation or above it;
  - ``participants``: the named participants only.
* Site staff flags (``is_staff``) grant the admin site, not reading of members' content.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.db.models import Model, Q

from kernel.errors import Forbidden, NotAuthenticated
from members.models import Member, Organisation, OrgKind, RoleKind, Visibility

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


class Action(StrEnum):
    MANAGE_MEMBERS = "members.manage"
    MODERATE = "content.moderate"
    READ_REPORTS = "reports.read"
    POST_ANNOUNCEMENT = "announcement.post"
    HOST_MEETING = "meeting.host"
    TEACH = "lesson.teach"
    REVIEW_THOUGHT_REPORTS = "thought_reports.review"
    MANAGE_DUES = "dues.manage"
    RUN_APPRAISAL = "appraisal.run"


R = RoleKind
ROLE_GRANTS: dict[Action, frozenset[str]] = {
    Action.MANAGE_MEMBERS: frozenset({R.SECRETARY, R.ORGANISER}),
    Action.MODERATE: frozenset({R.MODERATOR}),
    Action.READ_REPORTS: frozenset({R.INSPECTOR}),
    Action.POST_ANNOUNCEMENT: frozenset({R.SECRETARY, R.PUBLICITY}),
    Action.HOST_MEETING: frozenset({R.SECRETARY, R.ORGANISER}),
    Action.TEACH: frozenset({R.LECTURER, R.SECRETARY}),
    Action.REVIEW_THOUGHT_REPORTS: frozenset({R.SECRETARY, R.ORGANISER}),
    Action.MANAGE_DUES: frozenset({R.SECRETARY, R.ORGANISER}),
    Action.RUN_APPRAISAL: frozenset({R.SECRETARY}),
}


@dataclass(frozen=True)
class RoleGrant:
    kind: str
    organisation_id: int
    path: str


@dataclass(frozen=True)
class Actor:
    """Who is acting. ``member_id`` is None for anonymous visitors and the system actor."""

    user_id: int | None
    member_id: int | None
    organisation_id: int | None = None
    org_path: str = ""
    roles: tuple[RoleGrant, ...] = field(default_factory=tuple)
    is_system: bool = False

    @property
    def is_member(self) -> bool:
        return self.member_id is not None

    @property
    def mid(self) -> int:
        """The member id of an actor that must be a member (raises for visitors and the system)."""
        if self.member_id is None:
            raise NotAuthenticated() if self.user_id is None else Forbidden()
        return self.member_id

    @property
    def home_ancestor_ids(self) -> list[int]:
        return [int(p) for p in self.org_path.strip("/").split("/") if p]


ANONYMOUS = Actor(user_id=None, member_id=None)
SYSTEM = Actor(user_id=None, member_id=None, is_system=True)


def actor_from_member(member: Member) -> Actor:
    roles = tuple(
        RoleGrant(kind=r.kind, organisation_id=r.organisation_id, path=r.organisation.path)
        for r in member.roles.select_related("organisation").all()
    )
    return Actor(
        user_id=member.user_id,
        member_id=member.pk,
        organisation_id=member.organisation_id,
        org_path=member.organisation.path,
        roles=roles,
    )


def actor_for(user: AbstractBaseUser | AnonymousUser | None) -> Actor:
    """The actor for a Django user; cached on the user object for the request's lifetime."""
    if user is None or not user.is_authenticated:
        return ANONYMOUS
    cached = getattr(user, "_epa_actor", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    member = Member.objects.select_related("organisation").filter(user_id=user.pk).first()
    actor = actor_from_member(member) if member else Actor(user_id=user.pk, member_id=None)
    user._epa_actor = actor  # type: ignore[union-attr,attr-defined]
    return actor


def cached_actor(user: AbstractBaseUser | AnonymousUser | None) -> Actor | None:
    """The actor :func:`actor_for` already found for this user object, without a query; None if none."""
    if user is None or not user.is_authenticated:
        return ANONYMOUS
    return getattr(user, "_epa_actor", None)


def require_member(actor: Actor) -> None:
    if actor.is_system:
        return
    if actor.user_id is None:
        raise NotAuthenticated()
    if not actor.is_member:
        raise Forbidden("This account is not linked to a party member.")


# --- Roles and actions ------------------------------------------------------------------------


def has_role(actor: Actor, kinds: Iterable[str], organisation: Organisation) -> bool:
    """True when the actor holds one of ``kinds`` at ``organisation`` or at an ancestor of it."""
    wanted = set(kinds)
    return any(g.kind in wanted and organisation.path.startswith(g.path) for g in actor.roles)


def can(actor: Actor, action: Action, organisation: Organisation) -> bool:
    if actor.is_system:
        return True
    return has_role(actor, ROLE_GRANTS[action], organisation)


def can_at_branch(actor: Actor, action: Action, organisation: Organisation) -> bool:
    """True when a role granting ``action`` is held at the branch (党支部) ``organisation``
    belongs to, not merely above it: what a member's dues base needs (their branch's secretary
    and organiser see it; the committee above sees totals only)."""
    if actor.is_system:
        return True
    branch = branch_path(organisation)
    kinds = ROLE_GRANTS[action]
    return branch is not None and any(g.kind in kinds and g.path == branch for g in actor.roles)


def can_here(actor: Actor, action: Action, organisation: Organisation) -> bool:
    """True when a role granting ``action`` is held at ``organisation`` itself (the branch that
    runs its appraisal sees each member's counts and conclusion; the committee above, a summary)."""
    if actor.is_system:
        return True
    kinds = ROLE_GRANTS[action]
    return any(g.kind in kinds and g.organisation_id == organisation.pk for g in actor.roles)


def require(actor: Actor, action: Action, organisation: Organisation) -> None:
    require_member(actor)
    if not can(actor, action, organisation):
        raise Forbidden()


def organisations_where(actor: Actor, action: Action) -> list[str]:
    """Paths of the subtrees in which ``actor`` may perform ``action`` (for filtering lists)."""
    kinds = ROLE_GRANTS[action]
    return sorted({g.path for g in actor.roles if g.kind in kinds})


def subtree_q(paths: Iterable[str], *, field_name: str = "organisation") -> Q:
    """A filter matching rows whose organisation (``field_name``) lies in any subtree at ``paths``.

    It is an ``IN`` over the organisations table rather than a join on ``path``: the database
    scans the small organisations table once and then uses the content table's foreign-key
    index (bench/orgtree.py measures both).
    """
    paths = list(paths)
    if not paths:
        return Q(pk__in=[])
    prefix = Q()
    for path in paths:
        prefix |= Q(path__startswith=path)
    return Q(**{f"{field_name}_id__in": Organisation.objects.filter(prefix).values("pk")})


# --- Visibility -------------------------------------------------------------------------------


def can_see_profile(actor: Actor) -> bool:
    """A member's name, organisation and roles are known among members (they sign posts and
    host meetings); visitors and accounts without a member see none of it. Contact details and
    records are not part of a profile."""
    return actor.is_system or actor.is_member


def can_see_organisation(actor: Actor, org: Organisation) -> bool:
    """Members see their own organisation's chain and what lies below their own organisation;
    role holders the subtrees where they hold a role."""
    if actor.is_system:
        return True
    if not actor.is_member:
        return False
    return (
        actor.org_path.startswith(org.path)
        or org.path.startswith(actor.org_path)
        or any(org.path.startswith(g.path) for g in actor.roles)
    )


def can_see(
    actor: Actor,
    *,
    visibility: str,
    organisation: Organisation | None,
    participant_ids: Iterable[int] = (),
) -> bool:
    if actor.is_system or visibility == Visibility.PUBLIC:
        return True
    if not actor.is_member:
        return False
    if visibility == Visibility.MEMBERS:
        return True
    if visibility == Visibility.SUBTREE:
        if organisation is None:
            return False
        return actor.org_path.startswith(organisation.path) or any(
            organisation.path.startswith(g.path) for g in actor.roles
        )
    if visibility == Visibility.PARTICIPANTS:
        return actor.member_id in set(participant_ids)
    return False


def require_see(
    actor: Actor,
    *,
    visibility: str,
    organisation: Organisation | None,
    participant_ids: Iterable[int] = (),
) -> None:
    if not can_see(actor, visibility=visibility, organisation=organisation, participant_ids=participant_ids):
        if actor.user_id is None and not actor.is_system:
            raise NotAuthenticated()
        raise Forbidden()


def visible_q(actor: Actor, model: type[Model], *, prefix: str = "") -> Q:
    """A queryset filter with the same meaning as :func:`can_see`.

    ``model`` carries ``visibility``, ``organisation`` and optionally a ``participants``
    many-to-many to :class:`Member`; ``prefix`` reaches it through a relation
    (``"thread__"`` when filtering posts by their thread's visibility).
    """
    if actor.is_system:
        return Q()
    vis = f"{prefix}visibility"
    q = Q(**{vis: Visibility.PUBLIC})
    if not actor.is_member:
        return q
    q |= Q(**{vis: Visibility.MEMBERS})
    subtree = Q(**{f"{prefix}organisation_id__in": actor.home_ancestor_ids})
    subtree |= subtree_q((g.path for g in actor.roles), field_name=f"{prefix}organisation")
    q |= Q(**{vis: Visibility.SUBTREE}) & subtree
    participants = _participants_field(model)
    if participants is not None:
        through, source, target = participants
        ids = through.objects.filter(**{f"{target}_id": actor.member_id}).values(f"{source}_id")
        q |= Q(**{vis: Visibility.PARTICIPANTS, f"{prefix}pk__in": ids})
    return q


def _participants_field(model: type[Model]) -> tuple[Any, str, str] | None:
    try:
        field_ = model._meta.get_field("participants")
    except Exception:
        return None
    through = field_.remote_field.through  # type: ignore[union-attr]
    return through, field_.m2m_field_name(), field_.m2m_reverse_field_name()  # type: ignore[union-attr]


# --- Mailboxes --------------------------------------------------------------------------------


def branch_path(organisation: Organisation | None) -> str | None:
    """The path of the branch (党支部) an organisation belongs to: itself, or the nearest branch
    above a party group; None above branch level (a committee's own members have no branch)."""
    while organisation is not None:
        if organisation.kind == OrgKind.BRANCH:
            return organisation.path
        if organisation.kind != OrgKind.GROUP:
            return None
        organisation = organisation.parent
    return None


def branch_of(organisation: Organisation) -> Organisation:
    """The branch (党支部) an organisation belongs to: itself, or the nearest branch above a party
    group; above branch level, the organisation itself (a committee's own members have no branch)."""
    org: Organisation | None = organisation
    while org is not None and org.kind == OrgKind.GROUP:
        org = org.parent
    return org if org is not None and org.kind == OrgKind.BRANCH else organisation


def is_leader_of(leader: Member, member: Member) -> bool:
    """``leader`` holds a role (any kind) at ``member``'s home organisation or above it."""
    path = member.organisation.path
    return any(path.startswith(role.organisation.path) for role in leader.roles.select_related("organisation"))


def can_open_conversation(actor: Actor, other: Member) -> bool:
    """Who may start a heart-to-heart conversation (谈心) with whom, in either direction:

    * a member and the leaders of their organisation chain: anyone holding a role (secretary,
      organiser, inspector, lecturer, …) at the member's home organisation or above it;
    * two members of the same branch (党支部), party groups included.

    Reading an existing conversation is for its two participants only (see ``mailbox``): no
    role, staff flag or superuser status opens someone else's conversation.
    """
    if not actor.is_member or actor.member_id == other.pk:
        return False
    me = Member.objects.select_related("organisation__parent").get(pk=actor.mid)
    if is_leader_of(other, me) or is_leader_of(me, other):
        return True
    mine = branch_path(me.organisation)
    return mine is not None and mine == branch_path(other.organisation)


def conversation_partners_q(actor: Actor) -> Q:
    """Members ``actor`` may open a conversation with, as a filter on :class:`Member` (the same
    rules as :func:`can_open_conversation`)."""
    if not actor.is_member:
        return Q(pk__in=[])
    me = Member.objects.select_related("organisation__parent").get(pk=actor.mid)
    # Leaders of my chain: a role at one of my home organisation's ancestors (or itself).
    q = Q(roles__organisation_id__in=actor.home_ancestor_ids)
    # Members I lead: home organisation inside a subtree where I hold a role.
    q |= subtree_q(g.path for g in actor.roles)
    branch = branch_path(me.organisation)
    if branch is not None:
        q |= Q(organisation__path__startswith=branch)
    return q & ~Q(pk=actor.member_id)
