from __future__ import annotations

import re
from html import escape

from django import template
from django.http import HttpRequest
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from forum import selectors
from forum.markup import MENTION_RE
from members.access import actor_for
from members.models import Member

register = template.Library()


@register.simple_tag(takes_context=True)
def forum_unread_notifications(context: template.Context) -> int:
    request: HttpRequest | None = context.get("request")
    if request is None:
        return 0
    return selectors.notifications_unread_count(actor=actor_for(request.user))


@register.simple_tag
def reaction_buttons(reactions: list[tuple[str, str, str, int | None, bool]]) -> SafeString:
    """The reaction buttons of one post (kind, emoji, label, count, mine). A template loop of
    them was a fifth of a long thread page's CPU time, so they are built here in one pass."""
    return mark_safe(  # every value below is escaped
        "".join(
            f'<button type="submit" name="reaction" value="{escape(kind)}:{"0" if mine else "1"}" '
            f'class="reaction{" mine" if mine else ""}" data-kind="{escape(kind)}" title="{escape(label)}" '
            f'aria-label="{escape(label)}" aria-pressed="{"true" if mine else "false"}">'
            f'<span aria-hidden="true">{escape(emoji)}</span> <span class="reaction-label">{escape(label)}</span> '
            f'<span class="count">{int(count) if count else ""}</span></button>'
            for kind, emoji, label, count, mine in reactions
        )
    )


_TAG = re.compile(r"(<[^>]*>)")
_NO_MENTIONS_INSIDE = ("a", "code", "pre")


@register.filter
def mentions(html: str, members: dict[str, Member] | None) -> SafeString:
    """A post's stored (sanitised) HTML with each ``@username`` of a member it mentions drawn as
    a highlighted link to that member's profile, showing their real name. Only text between
    tags is touched, never inside links or code."""
    if not members:
        return mark_safe(html)  # noqa: S308 - sanitised and moderated when stored
    parts = _TAG.split(html)
    inside = 0
    for i, part in enumerate(parts):
        if i % 2:  # a tag
            name = part.strip("</ ").split(" ", 1)[0].split(">", 1)[0].lower()
            if name in _NO_MENTIONS_INSIDE:
                inside += -1 if part.startswith("</") else 1
            continue
        if inside > 0 or "@" not in part:
            continue

        def link(match: re.Match[str]) -> str:
            member = members.get(match.group(1).rstrip(".-"))
            if member is None:
                return match.group(0)
            url = reverse("profile", args=[member.pk])
            return f'<a class="mention" href="{escape(url)}">@{escape(member.real_name)}</a>'

        parts[i] = MENTION_RE.sub(link, part)
    return mark_safe("".join(parts))  # noqa: S308 - only escaped names and our own links added
