from __future__ import annotations

from django import template
from django.http import HttpRequest

from members.access import actor_for
from moderation import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def moderation_can_review(context: template.Context) -> bool:
    """Whether the site menu offers the review queue: only to moderators, the only ones it admits."""
    request: HttpRequest | None = context.get("request")
    if request is None:
        return False
    actor = actor_for(request.user)
    return actor.is_member and bool(selectors.moderated_paths(actor))
