"""The dues rules as pure functions: the monthly standard from the income base, month arithmetic.

The rates (中国共产党党费收缴、使用和管理的规定): employed members pay 0.5 % of a monthly income
base up to 3,000 yuan, 1 % above 3,000 up to 5,000, 1.5 % above 5,000 up to 10,000 and 2 % above
10,000; retired members 0.5 % up to 5,000 and 1 % above; students, the unemployed and members on
relief, and rural members a small fixed amount. The rate applies to the whole base (it is not
progressive). Amounts are integer fen, rounded half up to the fen.
"""

from __future__ import annotations

import datetime as dt

YUAN = 100  # fen
FIXED_MONTHLY_FEN = 20  # 0.20 yuan a month: students, the unemployed and members on relief, rural members

# (upper bound of the band in fen, inclusive; rate in units of 0.1 ‰ = 1/10,000)
EMPLOYED_BANDS: tuple[tuple[int | None, int], ...] = (
    (3_000 * YUAN, 50),
    (5_000 * YUAN, 100),
    (10_000 * YUAN, 150),
    (None, 200),
)
RETIRED_BANDS: tuple[tuple[int | None, int], ...] = ((5_000 * YUAN, 50), (None, 100))
FIXED_CATEGORIES = frozenset({"student", "unemployed", "rural"})


def rate_for(category: str, income_fen: int) -> int:
    """The rate in units of 1/10,000 for a salary or pension base (0 for fixed-amount categories)."""
    if category in FIXED_CATEGORIES:
        return 0
    bands = {"employed": EMPLOYED_BANDS, "retired": RETIRED_BANDS}.get(category)
    if bands is None:
        raise ValueError(f"unknown dues category {category!r}")
    for ceiling, rate in bands:
        if ceiling is None or income_fen <= ceiling:
            return rate
    raise AssertionError("the last band is open")


def monthly_fen(category: str, income_fen: int) -> int:
    """The monthly dues in fen for an income base in fen."""
    if isinstance(income_fen, bool) or not isinstance(income_fen, int) or income_fen < 0:
        raise ValueError("the income base is a whole number of fen, zero or more")
    if category in FIXED_CATEGORIES:
        return FIXED_MONTHLY_FEN
    return (income_fen * rate_for(category, income_fen) + 5_000) // 10_000


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every first-of-month from ``first`` to ``last``, both included."""
    out, month = [], month_start(first)
    while month <= last:
        out.append(month)
        month = add_months(month, 1)
    return out


def fen_text(fen: int) -> str:
    """``1234`` → ``"12.34"``: the one way amounts are written, on pages, in CSV and charts."""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"
