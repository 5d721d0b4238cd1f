"""Text a person entered in the branch's affairs: escaped, and through the confidentiality guard
(classified markings are refused with ``content_blocked`` and the attempt archived); no word
lists or review queue: notices, assessments and courses are the organisation's own words."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kernel.errors import Invalid
from members.access import Actor
from moderation.pipeline import moderate


def plain(text: str, *, by: Actor, limit: int, required: bool = True) -> str:
    """Text a person entered: escaped, and the confidentiality guard (classified markings are
    refused with ``content_blocked`` and the attempt archived)."""
    text = text.strip()
    if not text:
        if required:
            raise Invalid(_("The text is empty."))
        return ""
    if len(text) > limit:
        raise Invalid(_("The text is too long (at most %(limit)s characters).") % {"limit": limit})
    return moderate(text=text, kind="plain", author=by, organisation=None, mailbox=True).text
