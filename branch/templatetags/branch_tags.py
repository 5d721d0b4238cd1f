from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from branch import selectors
from branch.dues_rules import fen_text
from members.access import actor_for

register = template.Library()

HOME_NOTICES = 5


@register.filter
def yuan(fen: int | None) -> str:
    """Integer fen as yuan with two decimals: the one way amounts are written."""
    return "" if fen is None else fen_text(int(fen))


@register.filter
def dues_status(status: str) -> str:
    return {
        "paid": _("paid"),
        "declared": _("declared"),
        "overdue": _("overdue"),
        "due": _("due"),
        "future": "",
        "none": "",
    }.get(status, "")


@register.inclusion_tag("branch/_home_card.html", takes_context=True)
def branch_notices_card(context: dict[str, Any]) -> dict[str, Any]:
    """The home page's notices, unread first; new ones arrive live."""
    actor = actor_for(context["request"].user)
    if not actor.is_member:
        return {"receipts": [], "unread": 0}
    return {
        "receipts": selectors.notices_for(actor=actor, limit=HOME_NOTICES),
        "unread": selectors.unread_notice_count(member_id=actor.mid),
    }
