"""The live review queue: ``moderation.queue:<organisation id>`` on the realtime gateway.

A moderator subscribes to the queue of an organisation where they (or an ancestor role) moderate
and receives ``moderation.queue.added|updated|claimed|released|decided|escalated`` events for
every item whose level lies in that subtree. Queue actions are also commands on the stream
(``moderation.queue.claim`` …), so a moderator's phone needs only the socket.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from pydantic import BaseModel, ConfigDict, Field

from kernel.ids import Id, require_id
from members.access import Action, Actor, require, require_member
from moderation import services
from moderation.models import QueueItem
from moderation.schemas import QueueItemOut
from moderation.selectors import organisation_get
from realtime.registry import Command, StreamKind, register, register_send_guard


def _authorise(actor: Actor, stream_id: str) -> None:
    require_member(actor)
    organisation_id = require_id(stream_id, message=_("Unknown stream."))
    require(actor, Action.MODERATE, organisation_get(organisation_id=organisation_id))


class ItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    item: Id


class RejectIn(ItemIn):
    reason: str = Field(min_length=1, max_length=500)


class EditIn(ItemIn):
    text: str = Field(min_length=1, max_length=100_000)


class EscalateIn(ItemIn):
    note: str = Field(default="", max_length=500)


def _shown(item: QueueItem) -> dict[str, Any]:
    """A command's result: the item as the queue shows it."""
    return QueueItemOut.of(item).model_dump(mode="json")


def _claim(actor: Actor, stream_id: str, args: ItemIn) -> dict[str, Any]:
    return _shown(services.queue_claim(by=actor, item_id=args.item))


def _release(actor: Actor, stream_id: str, args: ItemIn) -> dict[str, Any]:
    return _shown(services.queue_release(by=actor, item_id=args.item))


def _approve(actor: Actor, stream_id: str, args: ItemIn) -> dict[str, Any]:
    return _shown(services.queue_approve(by=actor, item_id=args.item))


def _reject(actor: Actor, stream_id: str, args: RejectIn) -> dict[str, Any]:
    return QueueItemOut.of(services.queue_reject(by=actor, item_id=args.item, reason=args.reason)).model_dump(
        mode="json"
    )


def _edit_approve(actor: Actor, stream_id: str, args: EditIn) -> dict[str, Any]:
    return QueueItemOut.of(services.queue_edit_approve(by=actor, item_id=args.item, text=args.text)).model_dump(
        mode="json"
    )


def _escalate(actor: Actor, stream_id: str, args: EscalateIn) -> dict[str, Any]:
    return _shown(services.queue_escalate(by=actor, item_id=args.item, note=args.note))


def register_streams() -> None:
    # Moderators' own queue actions are not "posting": a muted moderator may still review, so
    # these commands do not pass the send guards.
    register(
        StreamKind(
            name="moderation.queue",
            authorise=_authorise,
            commands={
                "claim": Command(ItemIn, _claim, writes=False),
                "release": Command(ItemIn, _release, writes=False),
                "approve": Command(ItemIn, _approve, writes=False),
                "reject": Command(RejectIn, _reject, writes=False),
                "edit_approve": Command(EditIn, _edit_approve, writes=False),
                "escalate": Command(EscalateIn, _escalate, writes=False),
            },
        )
    )
    from moderation.sanctions import send_guard

    register_send_guard(send_guard)
