"""The moderation API's request and response models (pydantic v2, via ninja)."""

from __future__ import annotations

from typing import Any

from ninja import Field, Schema

from kernel.ids import Id
from moderation.models import FlagReason, QueueItem, Sanction, StaffAction


class Ok(Schema):
    ok: bool = True


class FlagIn(Schema):
    content: str = Field(max_length=100, description='content reference, e.g. "forum.post:42"')
    reason: str = Field(max_length=40)
    note: str = Field(default="", max_length=500)


class FlagOut(Schema):
    id: int
    reason: str


class RejectIn(Schema):
    reason: str = Field(min_length=1, max_length=500)


class QueueEditIn(Schema):
    text: str = Field(min_length=1, max_length=100_000)


class EscalateIn(Schema):
    note: str = Field(default="", max_length=500)


SANCTION_MINUTES_MAX = 60 * 24 * 366 * 10  # ten years; longer is a suspension until lifted


class SanctionIn(Schema):
    member_id: Id
    kind: str = Field(max_length=20)
    reason: str = Field(min_length=1, max_length=500)
    minutes: int | None = Field(default=None, ge=1, le=SANCTION_MINUTES_MAX)


class WordListIn(Schema):
    organisation_id: Id
    name: str = Field(min_length=1, max_length=120)
    description: str = Field(default="", max_length=2000)


class WordEntryIn(Schema):
    word: str = Field(min_length=1, max_length=200)
    action: str = Field(max_length=20)


class WordEntriesIn(Schema):
    entries: list[WordEntryIn] = Field(max_length=10_000)
    replace: bool = False


class CheckIn(Schema):
    text: str = Field(max_length=100_000)
    kind: str = Field(default="plain", pattern="^(plain|rich)$")
    organisation_id: Id | None = None


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

    @classmethod
    def of(cls, item: QueueItem) -> QueueItemOut:
        return cls(
            id=item.pk,
            content=item.content_ref,
            organisation=Ref(id=item.organisation_id, name=item.organisation.name),
            level=Ref(id=item.level_id, name=item.level.name),
            escalated=item.level_id != item.organisation_id,
            author=Ref(id=item.author_id, name=item.author.real_name if item.author else ""),
            reason=item.reason,
            reason_label=str(item.get_reason_display()),
            details=item.details,
            # Members' flags in words: each reason once with how many gave it, and their notes.
            flags=[
                FlagCount(label=str(FlagReason(code).label), count=count)
                for code, count in item.details.get("flag_counts", {}).items()
                if code in FlagReason.values
            ],
            flag_notes=item.details.get("flag_notes", []),
            excerpt=item.excerpt,
            hidden=item.hidden,
            status=item.status,
            claimed_by=(
                Ref(id=item.claimed_by_id, name=item.claimed_by.real_name)
                if item.claimed_by_id and item.claimed_by
                else None
            ),
            claimed_at=item.claimed_at.isoformat() if item.claimed_at else None,
            decision_reason=item.decision_reason,
            created=item.created.isoformat(),
        )


class SanctionOut(Schema):
    id: int
    member: Ref
    kind: str
    kind_label: str
    reason: str
    starts: str
    ends: str | None
    lifted_at: str | None

    @classmethod
    def of(cls, s: Sanction) -> SanctionOut:
        return cls(
            id=s.pk,
            member=Ref(id=s.member_id, name=s.member.real_name),
            kind=s.kind,
            kind_label=str(s.get_kind_display()),
            reason=s.reason,
            starts=s.starts.isoformat(),
            ends=s.ends.isoformat() if s.ends else None,
            lifted_at=s.lifted_at.isoformat() if s.lifted_at else None,
        )


class StaffActionOut(Schema):
    id: int
    actor: Ref
    verb: str
    organisation: Ref
    target: str
    details: dict[str, Any]
    created: str

    @classmethod
    def of(cls, row: StaffAction) -> StaffActionOut:
        return cls(
            id=row.pk,
            actor=Ref(id=row.actor_id, name=row.actor.real_name if row.actor else ""),
            verb=row.verb,
            organisation=Ref(id=row.organisation_id, name=row.organisation.name if row.organisation else ""),
            target=row.target,
            details=row.details,
            created=row.created.isoformat(),
        )


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
