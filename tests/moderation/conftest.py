"""Moderation test helpers: a stand-in content kind (chat messages) and archive clean-up."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from members.access import Actor
from members.models import Member, Organisation
from moderation.content import ContentKind, content_kind_register, content_kind_unregister
from realtime.models import StreamEvent


@dataclass
class ChatHooks:
    """What moderation told the feature: (hook, event pk, argument)."""

    calls: list[tuple[str, int, Any]] = field(default_factory=list)


def _chat_org(event: StreamEvent) -> Organisation:
    return Organisation.objects.get(pk=int(event.stream.split(":")[1]))


@pytest.fixture
def chat(db: None) -> Iterator[ChatHooks]:
    """Meeting chat as moderated content: a message is a realtime StreamEvent on ``chat:<org id>``."""
    hooks = ChatHooks()
    kind = ContentKind(
        model=StreamEvent,
        organisation_of=_chat_org,
        author_of=lambda e: e.author,
        text_of=lambda e: e.payload.get("text", ""),
        can_see=lambda actor, e: (
            actor.org_path.startswith(_chat_org(e).path)
            or any(_chat_org(e).path.startswith(g.path) for g in actor.roles)
        ),
        on_hidden=lambda e: hooks.calls.append(("hidden", e.pk, None)),
        on_approved=lambda e, text: hooks.calls.append(("approved", e.pk, text)),
        on_rejected=lambda e, reason: hooks.calls.append(("rejected", e.pk, reason)),
    )
    content_kind_register(kind)
    yield hooks
    content_kind_unregister(kind.label)


PostChat = Callable[..., StreamEvent]


@pytest.fixture
def post_chat(chat: ChatHooks) -> PostChat:
    """Post a chat message the way a feature does: moderate, store, submit."""
    from moderation.pipeline import moderate
    from moderation.services import content_submit

    counter = iter(range(1, 1_000_000))

    def post(author: Member, actor: Actor, text: str, *, org: Organisation | None = None) -> StreamEvent:
        org = org or author.organisation
        decision = moderate(text=text, kind="plain", author=actor, organisation=org)
        event = StreamEvent.objects.create(
            stream=f"chat:{org.pk}", seq=next(counter), author=author, payload={"text": decision.text}
        )
        content_submit(obj=event, decision=decision, by=actor)
        return event

    return post
