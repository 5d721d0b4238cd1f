"""Moderation's durable events (docs/protocol.md, "Moderation"): one model per type.

Queue changes go to ``moderation.queue:<id>`` of the item's level and every level above it;
sanctions to the member's ``user:<id>``.
"""

from __future__ import annotations

from typing import Literal

from moderation.schemas import QueueItemOut
from realtime.events import Event


class QueueChanged(Event):
    type: Literal[
        "moderation.queue.added",
        "moderation.queue.updated",
        "moderation.queue.claimed",
        "moderation.queue.released",
        "moderation.queue.decided",
        "moderation.queue.escalated",
    ]
    item: QueueItemOut


class SanctionImposed(Event):
    type: Literal["moderation.sanction.imposed"] = "moderation.sanction.imposed"
    member_id: int
    kind: str
    reason: str
    ends: str | None


class SanctionLifted(Event):
    type: Literal["moderation.sanction.lifted"] = "moderation.sanction.lifted"
    sanction_id: int
    member_id: int
    kind: str
