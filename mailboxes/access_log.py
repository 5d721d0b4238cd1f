"""The report mailbox's access log: every look at a report by an inspector, and every change,
appended to the tamper-evident archive (``mailbox.tip.access``).

Its own module, used by the pages, the API and the services, so that reading a report
(``mailboxes.selectors``) writes nothing and selectors and services need not import each other.
"""

from __future__ import annotations

from collections.abc import Iterable

from mailboxes import selectors
from mailboxes.models import Tip
from members.access import Actor
from moderation import archive
from moderation.models import ArchiveRecord

ACCESS_KIND = "mailbox.tip.access"


def tip_access_record(tip: Tip, what: str, *, inspector_id: int | None) -> None:
    """Every read and status change of a report goes into the tamper-evident archive."""
    receipts_record([tip])
    archive.archive_append(
        kind=ACCESS_KIND, content_ref=f"mailbox.tip:{tip.public_id}", actor_id=inspector_id, payload={"action": what}
    )


def receipts_record(tips: Iterable[Tip]) -> None:
    """Archive the receipt of reports no inspector has seen yet: by no one, on the day received."""
    refs = {f"mailbox.tip:{tip.public_id}": tip for tip in tips}
    known = set(
        ArchiveRecord.objects.filter(
            kind=ACCESS_KIND, content_ref__in=list(refs), payload__action="received"
        ).values_list("content_ref", flat=True)
    )
    for ref, tip in refs.items():
        if ref not in known:
            archive.archive_append(
                kind=ACCESS_KIND, content_ref=ref, payload={"action": "received", "on": tip.received_on.isoformat()}
            )


def tip_read(*, actor: Actor, public_id: str) -> Tip:
    """An inspector opens a report: read through the access policy, and the read archived."""
    tip = selectors.tip_get_for(actor=actor, public_id=public_id)
    tip_access_record(tip, "read", inspector_id=actor.member_id)
    return tip


def tips_list_read(*, actor: Actor, status: str | None = None, limit: int = 200) -> list[Tip]:
    """The inspector's list; one access record names every report listed."""
    rows = selectors.tips_list_for(actor=actor, status=status, limit=limit)
    if rows:
        receipts_record(rows)
        archive.archive_append(
            kind=ACCESS_KIND,
            content_ref="mailbox.tips",
            actor_id=actor.member_id,
            payload={"action": "list", "reports": [t.public_id for t in rows]},
        )
    return rows
