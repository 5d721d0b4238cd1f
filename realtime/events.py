"""The base of every durable event's payload.

Each app declares its events as subclasses in its own ``events.py`` (Zulip's ``event_types.py``),
one model per type, named ``<app>.<entity>.<verb>``, and hands an instance to
:func:`realtime.services.event_append`; docs/protocol.md lists them (a test checks the list
against the models).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class Event(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    type: str

    def payload(self) -> dict[str, Any]:
        """What is stored and sent: the fields as JSON values, ``type`` first."""
        return self.model_dump(mode="json")
