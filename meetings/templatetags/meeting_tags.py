"""Template filters of meetings' pages."""

from __future__ import annotations

from django import template

from meetings.models import MotionChoice

register = template.Library()


@register.filter
def option_label(option: str) -> str:
    """A vote's option as the member reads it: a motion's for / against / abstain in words, an
    election's candidate as named."""
    return str(MotionChoice(option).label) if option in MotionChoice.values else option
