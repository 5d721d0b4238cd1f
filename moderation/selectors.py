"""Reads for moderators: the queue, the action log, word lists, sanctions — filtered by the policy.

A moderator role held at an organisation covers its subtree: a moderator sees queue items whose
current level lies in a subtree where they moderate (an escalated item leaves the lower level),
staff actions in those subtrees, and the word lists that apply there.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from kernel.errors import Forbidden, NotFound
from members.access import Action, Actor, can, organisations_where, require, require_member, subtree_q
from members.models import Organisation
from moderation.models import (
    QueueItem,
    QueueStatus,
    Sanction,
    StaffAction,
    WordEntry,
    WordList,
)


def moderated_paths(actor: Actor) -> list[str]:
    return organisations_where(actor, Action.MODERATE)


def require_moderator_somewhere(actor: Actor) -> None:
    require_member(actor)
    if not actor.is_system and not moderated_paths(actor):
        raise Forbidden(_("Only moderators may do this."))


def organisation_get(*, organisation_id: int) -> Organisation:
    org = Organisation.objects.filter(pk=organisation_id).first()
    if org is None:
        raise NotFound()
    return org


def queue_items_for(
    *, actor: Actor, status: str = QueueStatus.PENDING, organisation_id: int | None = None, limit: int = 200
) -> QuerySet[QueueItem]:
    require_moderator_somewhere(actor)
    items = QueueItem.objects.select_related("level", "organisation", "author", "claimed_by", "content_type")
    if not actor.is_system:
        items = items.filter(subtree_q(moderated_paths(actor), field_name="level"))
    if organisation_id is not None:
        org = organisation_get(organisation_id=organisation_id)
        items = items.filter(level__path__startswith=org.path)
    return items.filter(status=status).order_by("created", "pk")[:limit]


def queue_item_get_for(*, actor: Actor, item_id: int, lock: bool = False) -> QueueItem:
    """The item, if ``actor`` moderates its current level; NotFound/Forbidden otherwise."""
    require_member(actor)
    items = QueueItem.objects.select_related("level", "organisation", "content_type", "claimed_by")
    if lock:
        items = items.select_for_update(of=("self",))
    item = items.filter(pk=item_id).first()
    if item is None:
        raise NotFound()
    require(actor, Action.MODERATE, item.level)
    return item


def staff_actions_for(
    *,
    actor: Actor,
    verb: str | None = None,
    moderator_id: int | None = None,
    organisation_id: int | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> QuerySet[StaffAction]:
    require_moderator_somewhere(actor)
    rows = StaffAction.objects.select_related("actor", "organisation")
    if not actor.is_system:
        rows = rows.filter(subtree_q(moderated_paths(actor), field_name="organisation"))
    if verb:
        rows = rows.filter(verb=verb)
    if moderator_id:
        rows = rows.filter(actor_id=moderator_id)
    if organisation_id:
        org = organisation_get(organisation_id=organisation_id)
        rows = rows.filter(organisation__path__startswith=org.path)
    if since:
        rows = rows.filter(created__gte=since)
    if until:
        rows = rows.filter(created__lt=until)
    return rows.order_by("-created", "-pk")


def word_lists_for(*, actor: Actor) -> QuerySet[WordList]:
    """Lists a moderator may read: global ones and those on their subtrees' chains."""
    require_moderator_somewhere(actor)
    lists = WordList.objects.select_related("organisation")
    if actor.is_system:
        return lists
    paths = moderated_paths(actor)
    ancestor_ids = {int(p) for path in paths for p in path.strip("/").split("/") if p}
    return lists.filter(
        Q(organisation__isnull=True) | Q(organisation_id__in=ancestor_ids) | subtree_q(paths, field_name="organisation")
    )


def word_list_get_for(*, actor: Actor, list_id: int, write: bool = False) -> WordList:
    item = word_lists_for(actor=actor).filter(pk=list_id).first()
    if item is None:
        raise NotFound()
    if write and not can_edit_list(actor, item):
        raise Forbidden(_("You may not edit this list."))
    return item


def can_edit_list(actor: Actor, word_list: WordList) -> bool:
    if actor.is_system:
        return True
    if word_list.organisation is None:
        return False  # global lists are edited by site staff in the admin
    return can(actor, Action.MODERATE, word_list.organisation)


def word_entries_of(*, word_list: WordList, search: str = "") -> QuerySet[WordEntry]:
    entries = word_list.entries.all()
    if search:
        entries = entries.filter(word__icontains=search)
    return entries.order_by("word")


def sanctions_for(*, actor: Actor, active_only: bool = False) -> QuerySet[Sanction]:
    require_moderator_somewhere(actor)
    rows = Sanction.objects.select_related("member", "organisation", "created_by")
    if not actor.is_system:
        rows = rows.filter(subtree_q(moderated_paths(actor), field_name="member__organisation"))
    if active_only:
        rows = rows.filter(lifted_at__isnull=True).filter(Q(ends__isnull=True) | Q(ends__gt=dt.datetime.now(dt.UTC)))
    return rows.order_by("-created")
