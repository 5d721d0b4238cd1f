"""The party's rules for developing members, as plain functions of dates (no database).

* An activist (入党积极分子) is at least 18 years old and has applied and talked with the branch.
* A development candidate (发展对象) has been an activist for at least one year.
* A probationary member's probation (预备期) is one year from the day the branch general meeting
  adopted the resolution; it may be extended once, by at most one year.
* Full membership dates from the day the probation ended.
* A letter of introduction (介绍信) for a transfer is valid for ``LETTER_VALID_DAYS``.
"""

from __future__ import annotations

import calendar
import datetime as dt

ADULT_AGE = 18
ACTIVIST_YEARS = 1
PROBATION_YEARS = 1
MAX_EXTENSION_MONTHS = 12
LETTER_VALID_DAYS = 90
TALK_WITHIN_DAYS = 30
MIGRANT_AFTER_MONTHS = 6


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later; the month's last day when it is shorter (31 Jan + 1 → 28/29 Feb)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def add_years(day: dt.date, years: int) -> dt.date:
    return add_months(day, 12 * years)


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def activist_may_become_candidate(activist_on: dt.date) -> dt.date:
    return add_years(activist_on, ACTIVIST_YEARS)


def probation_end(probationary_on: dt.date) -> dt.date:
    return add_years(probationary_on, PROBATION_YEARS)
