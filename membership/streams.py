"""``membership.pipeline:<organisation id>``: an organisation's pipeline board and transfers, live.

Its secretaries and organisers (and those of the organisations above) subscribe; every step of
the pipeline and every transfer step in or out of the organisation arrives as an event
(``membership.stage.changed``, ``membership.proposal.created``, ``membership.transfer.changed`` …).
A member's own record page listens on ``user:me`` for the same events about them.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from kernel.errors import NotFound
from kernel.ids import require_id
from members.access import Action, Actor, require
from members.models import Organisation
from realtime.registry import StreamKind, register


def authorise(actor: Actor, stream_id: str) -> None:
    org = Organisation.objects.filter(pk=require_id(stream_id, message=_("No such organisation."))).first()
    if org is None:
        raise NotFound(_("No such organisation."))
    require(actor, Action.MANAGE_MEMBERS, org)


def register_streams() -> None:
    register(StreamKind(name="membership.pipeline", authorise=authorise))
