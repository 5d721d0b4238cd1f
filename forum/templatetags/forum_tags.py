from __future__ import annotations

from django import template
from django.http import HttpRequest

from forum import selectors
from members.access import actor_for

register = template.Library()


@register.simple_tag(takes_context=True)
def forum_unread_notifications(context: template.Context) -> int:
    request: HttpRequest | None = context.get("request")
    if request is None:
        return 0
    return selectors.notifications_unread_count(actor=actor_for(request.user))
