"""``{% load clock %}``: ``{{ post.created|when }}`` and ``{{ report.received_on|day }}``, the site's
one clock (kernel/times.py). Each renders a ``<time>`` element so that pages can tell the moment
apart from the words around it."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from kernel import times

register = template.Library()


@register.filter
def when(value: dt.datetime | str | None) -> SafeString | str:
    if not value:
        return ""
    return format_html('<time datetime="{}">{}</time>', times.iso(value), times.when(value))


@register.filter
def day(value: dt.date | dt.datetime | str | None) -> SafeString | str:
    if not value:
        return ""
    return format_html('<time datetime="{}">{}</time>', times.day(value), times.day(value))
