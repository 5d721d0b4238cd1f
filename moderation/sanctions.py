"""Whether a member may post right now: the check every write path shares.

The API and feature services call :func:`ensure_can_post`; the WebSocket gateway runs
:func:`send_guard` (registered in ``ModerationConfig.ready``) before every send and writing
command. Both refuse with the sanction's end time, so the client can say until when.

Every post asks, so each process keeps the set of members under an active mute or suspension
(a handful at any time) and re-reads it at most every ``MODERATION_SANCTION_CHECK_SECONDS``
(default 1 s): one query a second instead of one per post. A sanction applied or lifted in
this process takes effect here at once, and in the others within that period.
"""

from __future__ import annotations

import threading
import time

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kernel.errors import Forbidden
from members.access import Actor
from moderation.models import Sanction, SanctionKind


class Muted(Forbidden):
    code = "muted"
    default_message = _("You are muted and cannot post until the end time.")


class Suspended(Forbidden):
    code = "suspended"
    default_message = _("Your account is suspended from posting.")


_sanctioned: frozenset[int] = frozenset()
_read_at = -1.0
_lock = threading.Lock()


def _check_seconds() -> float:
    return float(getattr(settings, "MODERATION_SANCTION_CHECK_SECONDS", 1.0))


def _active_q() -> Q:
    now = timezone.now()
    return Q(kind__in=[SanctionKind.MUTE, SanctionKind.SUSPEND], lifted_at__isnull=True, starts__lte=now) & (
        Q(ends__isnull=True) | Q(ends__gt=now)
    )


def sanctioned_members() -> frozenset[int]:
    """Members under an active mute or suspension, as this process last read them."""
    global _sanctioned, _read_at
    now = time.monotonic()
    if _read_at < 0 or now - _read_at >= _check_seconds():
        with _lock:
            _sanctioned = frozenset(Sanction.objects.filter(_active_q()).values_list("member_id", flat=True))
            _read_at = now
    return _sanctioned


def sanctions_changed() -> None:
    """Forget the cached set (after a sanction is applied or lifted, and in tests)."""
    global _read_at
    _read_at = -1.0


def sanction_active(*, member_id: int) -> Sanction | None:
    """The active mute or suspension with the latest end (a suspension wins over a mute)."""
    now = timezone.now()
    active = list(
        Sanction.objects.filter(
            member_id=member_id,
            kind__in=[SanctionKind.MUTE, SanctionKind.SUSPEND],
            lifted_at__isnull=True,
            starts__lte=now,
        ).filter(Q(ends__isnull=True) | Q(ends__gt=now))
    )
    if not active:
        return None
    active.sort(key=lambda s: (s.kind == SanctionKind.SUSPEND, s.ends is None, s.ends or now))
    return active[-1]


def ensure_can_post(actor: Actor) -> None:
    """Raise :class:`Muted` / :class:`Suspended` (details: ``until``, ISO 8601 or null) when refused."""
    if actor.is_system or actor.member_id is None:
        return
    if actor.member_id not in sanctioned_members():
        return
    sanction = sanction_active(member_id=actor.member_id)
    if sanction is None:
        return
    until = sanction.ends.isoformat() if sanction.ends else None
    if sanction.kind == SanctionKind.SUSPEND:
        raise Suspended(until=until, reason=sanction.reason)
    if sanction.ends is not None:
        local = timezone.localtime(sanction.ends).strftime("%Y-%m-%d %H:%M")
        raise Muted(_("You are muted until %(until)s.") % {"until": local}, until=until, reason=sanction.reason)
    raise Muted(until=until, reason=sanction.reason)


def send_guard(actor: Actor, stream_kind: str, stream_id: str) -> None:
    """The gateway's hook: muted and suspended members cannot send on any stream."""
    ensure_can_post(actor)
