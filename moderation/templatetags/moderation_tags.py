from __future__ import annotations

from django import template
from django.http import HttpRequest

from members.access import actor_for
from moderation import selectors
from moderation.models import FlagReason

register = template.Library()


@register.simple_tag(takes_context=True)
def moderation_can_review(context: template.Context) -> bool:
    """Whether the site menu offers the review queue: only to moderators, the only ones it admits."""
    request: HttpRequest | None = context.get("request")
    if request is None:
        return False
    actor = actor_for(request.user)
    return actor.is_member and bool(selectors.moderated_paths(actor))


@register.inclusion_tag("moderation/_flag.html", takes_context=True)
def flag_control(context: template.Context, label: str, pk: int) -> dict[str, object]:
    """The flag control for one item someone else wrote: ``{% flag_control "forum.post" post.id %}``.

    One form in a disclosure (no script): a reason, a note, and back to the page with a receipt.
    """
    request: HttpRequest | None = context.get("request")
    return {
        "ref": f"{label}:{pk}",
        "next": f"{request.get_full_path()}" if request is not None else "/",
        "reasons": FlagReason.choices,
        "csrf_token": context.get("csrf_token"),
    }
