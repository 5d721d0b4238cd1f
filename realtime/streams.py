"""The gateway's own stream kind: ``user:me``, a member's personal notifications.

On the wire the id is literally ``me``; it is stored as ``user:<member id>``. Apps notify a
member with ``event_append(stream=user_stream(member_id), payload=...)``.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from kernel.errors import Forbidden
from members.access import Actor, require_member
from realtime.registry import StreamKind, register


def user_stream(member_id: int) -> str:
    return f"user:{member_id}"


def _resolve(actor: Actor, stream_id: str) -> str:
    if stream_id == "me":
        require_member(actor)
        return str(actor.member_id)
    return stream_id


def _authorise(actor: Actor, stream_id: str) -> None:
    require_member(actor)
    if stream_id != str(actor.member_id):
        raise Forbidden(_("This is another member's stream."))


def register_builtin() -> None:
    register(StreamKind(name="user", authorise=_authorise, resolve=_resolve))
