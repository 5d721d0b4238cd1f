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


def _flag_form(context: template.Context, ref: str) -> dict[str, object]:
    request: HttpRequest | None = context.get("request")
    return {
        "ref": ref,
        "next": f"{request.get_full_path()}" if request is not None else "/",
        "reasons": FlagReason.choices,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("moderation/_flag.html", takes_context=True)
def flag_control(context: template.Context, label: str, pk: int) -> dict[str, object]:
    """The flag control for one item someone else wrote: ``{% flag_control "forum.post" post.id %}``.

    One form in a disclosure that works without script (a reason, a note, and back to the page
    with a receipt); with web/static/js/flag.js its summary opens the page's flag dialog instead.
    """
    return _flag_form(context, f"{label}:{pk}")


@register.inclusion_tag("moderation/_flag_dialog.html", takes_context=True)
def flag_dialog(context: template.Context) -> dict[str, object]:
    """The page's one flag dialog, with the same form: web/static/js/flag.js opens it for any
    item (``{% flag_control %}`` or a button the page's script drew) and sends the flag."""
    return _flag_form(context, "")
