"""How feature apps plug their content types into flags, the review queue and the archive.

A feature app registers each moderated model once, in its ``AppConfig.ready``::

    from moderation.content import ContentKind, content_kind_register

    content_kind_register(ContentKind(
        model=Post,
        organisation_of=lambda post: post.thread.organisation,
        author_of=lambda post: post.author,
        text_of=lambda post: post.body,
        can_see=lambda actor, post: thread_visible(actor, post.thread),
        on_hidden=post_hide,              # flags reached the threshold: stop showing it
        on_approved=post_publish,         # (post, edited_text or None): show it (with the edit)
        on_rejected=post_reject,          # (post, reason): the author sees the reason
    ))

Moderation calls these inside its own transaction, so a feature's state and the queue change
together.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from django.utils.translation import gettext as _

from kernel.errors import NotFound
from kernel.ids import require_id
from members.access import Actor
from members.models import Member, Organisation


def _noop(*args: Any) -> None:
    return None


@dataclass(frozen=True)
class ContentKind:
    model: type[Model]
    organisation_of: Callable[[Any], Organisation]
    author_of: Callable[[Any], Member | None]
    text_of: Callable[[Any], str]
    can_see: Callable[[Actor, Any], bool]
    on_hidden: Callable[[Any], None] = _noop
    on_approved: Callable[[Any, str | None], None] = _noop
    on_rejected: Callable[[Any, str], None] = _noop
    # "rich" when the stored text is sanitised HTML (forum posts), "plain" for chat and questions;
    # a moderator's edit passes the pipeline in this format.
    text_format: Literal["rich", "plain"] = "plain"

    @property
    def label(self) -> str:
        return f"{self.model._meta.app_label}.{self.model._meta.model_name}"


_kinds: dict[str, ContentKind] = {}


def content_kind_register(kind: ContentKind) -> ContentKind:
    """Register (or replace) the moderation hooks of one content model."""
    _kinds[kind.label] = kind
    return kind


def content_kind_unregister(label: str) -> None:
    _kinds.pop(label, None)


def content_kind_get(label: str) -> ContentKind:
    try:
        return _kinds[label.lower()]
    except KeyError:
        raise NotFound(_("This kind of content cannot be moderated.")) from None


def content_ref(obj: Model) -> str:
    """``"forum.post:42"``: how the archive and the API name one piece of content."""
    return f"{obj._meta.app_label}.{obj._meta.model_name}:{obj.pk}"


def content_parse(ref: str) -> tuple[ContentKind, int]:
    label, _sep, pk = ref.partition(":")
    return content_kind_get(label), require_id(pk, message=_("Unknown content."))


def content_load(ref: str) -> tuple[ContentKind, Model]:
    kind, pk = content_parse(ref)
    obj = kind.model._default_manager.filter(pk=pk).first()
    if obj is None:
        raise NotFound(_("Unknown content."))
    return kind, obj


def content_type_of(kind: ContentKind) -> ContentType:
    return ContentType.objects.get_for_model(kind.model)
