"""``branch.notice:<id>``: who has read and confirmed a notice, live, for its publisher.

Each first opening and each confirmation stores a ``branch.notice.receipt`` event with the new
counts of the reader's organisation and of the whole notice. Recipients hear of new notices,
reminders, dues and appraisal results on their own ``user:me`` stream.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from branch import selectors
from kernel.ids import require_id
from members.access import Actor
from realtime.registry import StreamKind, register


def authorise(actor: Actor, stream_id: str) -> None:
    notice_id = require_id(stream_id, message=_("No such notice."))
    selectors.notice_manage_for(actor=actor, notice_id=notice_id)


def register_streams() -> None:
    register(StreamKind(name="branch.notice", authorise=authorise))
