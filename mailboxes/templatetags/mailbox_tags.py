from __future__ import annotations

from django import template
from django.http import HttpRequest

from mailboxes import selectors
from members.access import actor_for

register = template.Library()


@register.simple_tag(takes_context=True)
def mailbox_unread(context: template.Context) -> int:
    """Unread heart-to-heart messages of the member viewing the page (0 for anyone else)."""
    request: HttpRequest | None = context.get("request")
    if request is None:
        return 0
    actor = actor_for(request.user)
    return selectors.unread_total(member_id=actor.member_id) if actor.member_id is not None else 0


@register.simple_tag(takes_context=True)
def mailbox_tips_new(context: template.Context) -> int | None:
    """For an inspector, the reports no inspector has opened yet; ``None`` for everyone else, who
    sees no inspectors' menu at all."""
    request: HttpRequest | None = context.get("request")
    if request is None:
        return None
    actor = actor_for(request.user)
    if not selectors.is_inspector(actor):
        return None
    return selectors.tips_new_count(actor=actor)
