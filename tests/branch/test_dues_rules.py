"""The dues rate bands at every boundary, in integer fen."""

from __future__ import annotations

import datetime as dt

import pytest

from branch import dues_rules
from branch.dues_rules import fen_text, monthly_fen

Y = 100  # fen per yuan


@pytest.mark.parametrize(
    ("income_fen", "dues_fen"),
    [
        (0, 0),
        (1, 0),  # 0.005 fen rounds to nothing
        (100, 1),  # 1 yuan at 0.5 % = 0.5 fen, rounded half up
        (3_000 * Y, 1_500),  # 3,000 is still the 0.5 % band: 15.00
        (3_000 * Y + 1, 3_000),  # one fen over: the whole base at 1 % (30.0001 → 30.00)
        (5_000 * Y, 5_000),  # 5,000 is the 1 % band: 50.00
        (5_000 * Y + 1, 7_500),  # 1.5 %: 75.00015 → 75.00
        (10_000 * Y, 15_000),  # 10,000 is the 1.5 % band: 150.00
        (10_000 * Y + 1, 20_000),  # 2 %: 200.0002 → 200.00
        (12_345_67, 24_691),  # 12,345.67 × 2 % = 246.9134 → 246.91
        (4_321_99, 4_322),  # 4,321.99 × 1 % = 43.2199 → 43.22
    ],
)
def test_employed_bands(income_fen: int, dues_fen: int) -> None:
    assert monthly_fen("employed", income_fen) == dues_fen


@pytest.mark.parametrize(
    ("income_fen", "dues_fen"),
    [
        (0, 0),
        (5_000 * Y, 2_500),  # 5,000 is still 0.5 %: 25.00
        (5_000 * Y + 1, 5_000),  # one fen over: 1 % of the whole base
        (8_000 * Y, 8_000),
    ],
)
def test_retired_bands(income_fen: int, dues_fen: int) -> None:
    assert monthly_fen("retired", income_fen) == dues_fen


@pytest.mark.parametrize("category", ["student", "unemployed", "rural"])
def test_fixed_amount_whatever_the_income(category: str) -> None:
    assert monthly_fen(category, 0) == monthly_fen(category, 50_000 * Y) == dues_rules.FIXED_MONTHLY_FEN == 20


@pytest.mark.parametrize("bad", [-1, 1.5, "100", True])
def test_income_must_be_whole_fen_zero_or_more(bad: object) -> None:
    with pytest.raises(ValueError):
        monthly_fen("employed", bad)  # type: ignore[arg-type]


def test_unknown_category_is_refused() -> None:
    with pytest.raises(ValueError):
        monthly_fen("pensioner", 100)


def test_month_arithmetic_and_amount_text() -> None:
    assert dues_rules.add_months(dt.date(2026, 11, 1), 3) == dt.date(2027, 2, 1)
    assert dues_rules.add_months(dt.date(2026, 1, 1), -1) == dt.date(2025, 12, 1)
    assert dues_rules.months_between(dt.date(2026, 11, 15), dt.date(2027, 1, 1)) == [
        dt.date(2026, 11, 1), dt.date(2026, 12, 1), dt.date(2027, 1, 1)
    ]  # fmt: skip
    assert (fen_text(0), fen_text(5), fen_text(1_500), fen_text(24_691)) == ("0.00", "0.05", "15.00", "246.91")
