"""The clock that code waiting for time to pass reads, so tests move time instead of sleeping.

``monotonic()`` measures intervals (TTLs, rate windows, study intervals); ``now()`` is the
aware wall-clock time stored in rows. Both read the current :data:`clock`, which tests replace
with a :class:`ManualClock` (the ``clock`` fixture) and production never touches.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from django.utils import timezone


class SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def now(self) -> datetime:
        return timezone.now()


class ManualClock(SystemClock):
    """A clock that stands still until ``advance()`` moves it."""

    def __init__(self) -> None:
        self._monotonic = time.monotonic()
        self._now = timezone.now()

    def monotonic(self) -> float:
        return self._monotonic

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> None:
        self._monotonic += seconds
        self._now += timedelta(seconds=seconds)


clock: SystemClock = SystemClock()


def monotonic() -> float:
    return clock.monotonic()


def now() -> datetime:
    return clock.now()
