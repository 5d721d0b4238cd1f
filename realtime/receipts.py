"""Commands answered once per client id (``Command(once=True)``).

A browser keeps what a member wrote while the link was away and sends it when the link returns,
with the client id it was given when written; if the first attempt reached the server and only
the answer was lost, the second gets the stored answer instead of storing the line again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from realtime.models import CommandReceipt

KEEP = dt.timedelta(days=7)


def run_once(*, member_id: int, stream: str, cid: str, run: Callable[[], Any]) -> Any:
    """``run()``'s answer, or the answer the same member's same cid on ``stream`` got before.
    The receipt is claimed in the command's transaction: a concurrent duplicate waits for it (on
    PostgreSQL) and then reads its answer; a refused command (a domain error) leaves no receipt."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                receipt = CommandReceipt.objects.create(member_id=member_id, stream=stream, cid=cid)
        except IntegrityError:
            return CommandReceipt.objects.get(member_id=member_id, stream=stream, cid=cid).data
        data = run()
        receipt.data = data
        receipt.save(update_fields=["data"])
        CommandReceipt.objects.filter(member_id=member_id, created__lt=timezone.now() - KEEP).delete()
    return data
