"""Times as people read them, the site's one clock: every time a person sees is in the site's time
zone (``TIME_ZONE``) and has one format per kind, whether the server rendered it or it arrived
live (``web/static/js/clock.js`` writes the same strings).

- a moment (a post, a message, a decision): ``14:05`` on the day it is shown, otherwise
  ``2026-12-03 14:05``;
- a day (a report's day of arrival, a meeting's date): ``2026-12-03``.

A moment a request carries (a meeting's start, an appraisal's rating window, a filter's bound)
is a :data:`Moment`: taken to UTC where it arrives, so the database never sees the offset it was
written with (Python allows up to ±23:59, PostgreSQL refuses more than ±15:59 with a DataError).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.utils import timezone
from pydantic import AfterValidator

from kernel import clock


def _in_utc(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        return value  # the site's time zone, as Django reads a naive moment
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:  # within a day of year 1 or 9999
        raise ValueError("the moment is out of range") from None


Moment = Annotated[dt.datetime, AfterValidator(_in_utc)]

TIME_FORMAT = "%H:%M"
DAY_FORMAT = "%Y-%m-%d"


def _moment(value: dt.datetime | str) -> dt.datetime:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    return timezone.localtime(value)


def when(value: dt.datetime | str, *, now: dt.datetime | None = None) -> str:
    """A moment as a person reads it: the time alone on the same day, else the date and time."""
    local = _moment(value)
    today = timezone.localtime(now or clock.now()).date()
    if local.date() == today:
        return local.strftime(TIME_FORMAT)
    return local.strftime(f"{DAY_FORMAT} {TIME_FORMAT}")


def day(value: dt.date | dt.datetime | str) -> str:
    if isinstance(value, str) or isinstance(value, dt.datetime):
        return _moment(value).strftime(DAY_FORMAT)
    return value.strftime(DAY_FORMAT)


def iso(value: dt.datetime | str) -> str:
    """The machine-readable moment (``<time datetime>``, live events), in UTC."""
    return _moment(value).astimezone(dt.UTC).isoformat(timespec="seconds")
