"""Party records' durable events (docs/protocol.md, "Party records"): one model per type.

Each goes to the member's ``user:<id>`` and to ``membership.pipeline:<id>`` of every organisation
above them (the pipeline board, the record and transfers pages); the reminders and the roster
import's outcome go to one secretary's or organiser's ``user:<id>``.
"""

from __future__ import annotations

from typing import Literal

from realtime.events import Event


class StageChanged(Event):
    type: Literal["membership.stage.changed"] = "membership.stage.changed"
    member: int
    status: str
    before: str


class RecordChanged(Event):
    type: Literal["membership.record.changed"] = "membership.record.changed"
    member: int
    status: str


class ProposalCreated(Event):
    type: Literal["membership.proposal.created"] = "membership.proposal.created"
    member: int
    status: str
    proposal: int
    kind: str


class ProposalDecided(Event):
    type: Literal["membership.proposal.decided"] = "membership.proposal.decided"
    member: int
    status: str
    proposal: int
    approved: bool


class TransferChanged(Event):
    type: Literal["membership.transfer.changed"] = "membership.transfer.changed"
    transfer: int
    status: str


class StepDue(Event):
    type: Literal["membership.step.due"] = "membership.step.due"
    member: int
    name: str
    what: str
    due_on: str


class ImportFinished(Event):
    type: Literal["membership.import.finished"] = "membership.import.finished"
    job: str
    total: int
    created: int
    updated: int
    unchanged: int


class ImportFailed(Event):
    type: Literal["membership.import.failed"] = "membership.import.failed"
    job: str
