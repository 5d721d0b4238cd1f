"""Template tags of lessons for other apps' pages (the home page's study hours)."""

from __future__ import annotations

from typing import Any

from django import template

from lessons.study import study_hours_this_year
from members.access import actor_for

register = template.Library()


@register.inclusion_tag("lessons/_study_hours.html", takes_context=True)
def study_hours_card(context: dict[str, Any]) -> dict[str, Any]:
    """A card with the member's study hours this year (学时), linking to their report."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"hours": study_hours_this_year(actor=actor_for(user))}
