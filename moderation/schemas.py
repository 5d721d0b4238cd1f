"""The moderation API's request and response models (pydantic v2, via ninja)."""

from __future__ import annotations

from typing import Any

from ninja import Field, Schema


class Ok(Schema):
    ok: bool = True


class FlagIn(Schema):
    content: str = Field(description='content reference, e.g. "forum.post:42"')
    reason: str
    note: str = ""


class FlagOut(Schema):
    id: int
    reason: str


class RejectIn(Schema):
    reason: str = Field(min_length=1, max_length=500)


class EditIn(Schema):
    text: str = Field(min_length=1, max_length=100_000)


class EscalateIn(Schema):
    note: str = Field(default="", max_length=500)


class SanctionIn(Schema):
    member_id: int
    kind: str
    reason: str = Field(min_length=1, max_length=500)
    minutes: int | None = None


class WordListIn(Schema):
    organisation_id: int
    name: str = Field(min_length=1, max_length=120)
    description: str = ""


class WordEntryIn(Schema):
    word: str = Field(min_length=1, max_length=200)
    action: str


class WordEntriesIn(Schema):
    entries: list[WordEntryIn]
    replace: bool = False


class CheckIn(Schema):
    text: str = Field(max_length=100_000)
    kind: str = Field(default="plain", pattern="^(plain|rich)$")
    organisation_id: int | None = None


class Ref(Schema):
    """A person or an organisation, by id and name."""

    id: int | None
    name: str


class FlagCount(Schema):
    label: str
    count: int


class QueueItemOut(Schema):
    """An item of the review queue, as the queue page and the queue's stream show it."""

    id: int
    content: str
    organisation: Ref
    level: Ref
    escalated: bool
    author: Ref
    reason: str
    reason_label: str
    details: dict[str, Any]
    flags: list[FlagCount]
    flag_notes: list[Any]
    excerpt: str
    hidden: bool
    status: str
    claimed_by: Ref | None
    claimed_at: str | None
    decision_reason: str
    created: str


class SanctionOut(Schema):
    id: int
    member: Ref
    kind: str
    kind_label: str
    reason: str
    starts: str
    ends: str | None
    lifted_at: str | None


class StaffActionOut(Schema):
    id: int
    actor: Ref
    verb: str
    organisation: Ref
    target: str
    details: dict[str, Any]
    created: str


class WordListOut(Schema):
    id: int
    name: str
    organisation_id: int | None
    entries: int


class WordListCreated(Schema):
    id: int
    name: str
    organisation_id: int | None


class WordEntryOut(Schema):
    word: str
    action: str


class EntriesOut(Schema):
    entries: int


class Reason(Schema):
    code: str
    message: str


class Match(Schema):
    word: str
    start: int
    end: int


class CheckOut(Schema):
    """What the pipeline would do with a text."""

    action: str
    reasons: list[Reason]
    matches: list[Match]
    text: str
