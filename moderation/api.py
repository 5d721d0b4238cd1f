"""JSON API under /api/moderation/: flags, the review queue, sanctions, word lists."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from kernel.ids import Id
from kernel.times import Moment
from members.access import actor_for
from moderation import selectors, services
from moderation.decision import evaluate
from moderation.lists import compiled_for
from moderation.pipeline import reasons_text
from moderation.schemas import (
    CheckIn,
    CheckOut,
    EntriesOut,
    EscalateIn,
    FlagIn,
    FlagOut,
    Ok,
    QueueEditIn,
    QueueItemOut,
    RejectIn,
    SanctionIn,
    SanctionOut,
    StaffActionOut,
    WordEntriesIn,
    WordEntryOut,
    WordListCreated,
    WordListIn,
    WordListOut,
)

router = Router(tags=["moderation"])


def _actor(request: HttpRequest) -> Any:
    return actor_for(request.user)


# --- Flags ---------------------------------------------------------------------------------------


@router.post("/flags", response={201: FlagOut})
def flag_create(request: HttpRequest, payload: FlagIn) -> Status[dict[str, Any]]:
    flag = services.flag_create(by=_actor(request), ref=payload.content, reason=payload.reason, note=payload.note)
    return Status(201, {"id": flag.pk, "reason": flag.reason})


# --- Queue ---------------------------------------------------------------------------------------


@router.get("/queue", response=list[QueueItemOut])
def queue_list(
    request: HttpRequest, status: str = Query("pending", max_length=20), organisation_id: Id | None = None
) -> list[QueueItemOut]:
    items = selectors.queue_items_for(actor=_actor(request), status=status, organisation_id=organisation_id)
    return [QueueItemOut.of(i) for i in items]


@router.post("/queue/{item_id}/claim", response=QueueItemOut)
def queue_claim(request: HttpRequest, item_id: Id) -> QueueItemOut:
    return QueueItemOut.of(services.queue_claim(by=_actor(request), item_id=item_id))


@router.post("/queue/{item_id}/release", response=QueueItemOut)
def queue_release(request: HttpRequest, item_id: Id) -> QueueItemOut:
    return QueueItemOut.of(services.queue_release(by=_actor(request), item_id=item_id))


@router.post("/queue/{item_id}/approve", response=QueueItemOut)
def queue_approve(request: HttpRequest, item_id: Id) -> QueueItemOut:
    return QueueItemOut.of(services.queue_approve(by=_actor(request), item_id=item_id))


@router.post("/queue/{item_id}/reject", response=QueueItemOut)
def queue_reject(request: HttpRequest, item_id: Id, payload: RejectIn) -> QueueItemOut:
    item = services.queue_reject(by=_actor(request), item_id=item_id, reason=payload.reason)
    return QueueItemOut.of(item)


@router.post("/queue/{item_id}/edit-approve", response=QueueItemOut)
def queue_edit_approve(request: HttpRequest, item_id: Id, payload: QueueEditIn) -> QueueItemOut:
    item = services.queue_edit_approve(by=_actor(request), item_id=item_id, text=payload.text)
    return QueueItemOut.of(item)


@router.post("/queue/{item_id}/escalate", response=QueueItemOut)
def queue_escalate(request: HttpRequest, item_id: Id, payload: EscalateIn) -> QueueItemOut:
    item = services.queue_escalate(by=_actor(request), item_id=item_id, note=payload.note)
    return QueueItemOut.of(item)


# --- Sanctions -----------------------------------------------------------------------------------


@router.get("/sanctions", response=list[SanctionOut])
def sanction_list(request: HttpRequest, active: bool = False) -> list[SanctionOut]:
    return [SanctionOut.of(s) for s in selectors.sanctions_for(actor=_actor(request), active_only=active)]


@router.post("/sanctions", response={201: SanctionOut})
def sanction_apply(request: HttpRequest, payload: SanctionIn) -> Status[SanctionOut]:
    sanction = services.sanction_apply(
        by=_actor(request),
        member_id=payload.member_id,
        kind=payload.kind,
        reason=payload.reason,
        minutes=payload.minutes,
    )
    return Status(201, SanctionOut.of(sanction))


@router.post("/sanctions/{sanction_id}/lift", response=SanctionOut)
def sanction_lift(request: HttpRequest, sanction_id: Id) -> SanctionOut:
    return SanctionOut.of(services.sanction_lift(by=_actor(request), sanction_id=sanction_id))


# --- Action log ----------------------------------------------------------------------------------


@router.get("/actions", response=list[StaffActionOut])
def action_list(
    request: HttpRequest,
    verb: str | None = Query(None, max_length=60),
    moderator_id: Id | None = None,
    organisation_id: Id | None = None,
    since: Moment | None = None,
    until: Moment | None = None,
    limit: int = Query(100, ge=1, le=500),
) -> list[StaffActionOut]:
    rows = selectors.staff_actions_for(
        actor=_actor(request),
        verb=verb,
        moderator_id=moderator_id,
        organisation_id=organisation_id,
        since=since,
        until=until,
    )
    return [StaffActionOut.of(r) for r in rows[:limit]]


# --- Word lists ----------------------------------------------------------------------------------


@router.get("/wordlists", response=list[WordListOut])
def word_list_list(request: HttpRequest) -> list[dict[str, Any]]:
    lists = selectors.word_lists_for(actor=_actor(request))
    return [
        {"id": w.pk, "name": w.name, "organisation_id": w.organisation_id, "entries": w.entries.count()} for w in lists
    ]


@router.post("/wordlists", response={201: WordListCreated})
def word_list_create(request: HttpRequest, payload: WordListIn) -> Status[dict[str, Any]]:
    org = selectors.organisation_get(organisation_id=payload.organisation_id)
    word_list = services.word_list_create(
        by=_actor(request), organisation=org, name=payload.name, description=payload.description
    )
    return Status(201, {"id": word_list.pk, "name": word_list.name, "organisation_id": word_list.organisation_id})


@router.get("/wordlists/{list_id}/entries", response=list[WordEntryOut])
def word_entry_list(request: HttpRequest, list_id: Id, search: str = Query("", max_length=200)) -> list[dict[str, str]]:
    word_list = selectors.word_list_get_for(actor=_actor(request), list_id=list_id)
    return [{"word": e.word, "action": e.action} for e in selectors.word_entries_of(word_list=word_list, search=search)]


@router.post("/wordlists/{list_id}/entries", response=EntriesOut)
def word_entries_set(request: HttpRequest, list_id: Id, payload: WordEntriesIn) -> dict[str, int]:
    actor = _actor(request)
    word_list = selectors.word_list_get_for(actor=actor, list_id=list_id, write=True)
    count = services.word_entries_set(
        by=actor, word_list=word_list, entries=[(e.word, e.action) for e in payload.entries], replace=payload.replace
    )
    return {"entries": count}


@router.delete("/wordlists/{list_id}/entries/{word}", response=Ok)
def word_entry_delete(request: HttpRequest, list_id: Id, word: str) -> Ok:
    actor = _actor(request)
    word_list = selectors.word_list_get_for(actor=actor, list_id=list_id, write=True)
    services.word_entry_delete(by=actor, word_list=word_list, word=word)
    return Ok()


@router.post("/check", response=CheckOut)
def text_check(request: HttpRequest, payload: CheckIn) -> dict[str, Any]:
    """Preview what the pipeline would do with a text (no flood checks, nothing stored)."""
    actor = _actor(request)
    selectors.require_moderator_somewhere(actor)
    org = selectors.organisation_get(organisation_id=payload.organisation_id) if payload.organisation_id else None
    decision = evaluate(text=payload.text, kind=payload.kind, matcher=compiled_for(org))  # type: ignore[arg-type]
    return {
        "action": decision.action.value,
        "reasons": reasons_text(decision),
        "matches": [m.as_dict() for m in decision.matches],
        "text": decision.text,
    }
