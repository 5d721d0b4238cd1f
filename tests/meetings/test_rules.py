"""Vote counting: quorum, turnout, adoption and election arithmetic (pure)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from meetings.rules import more_than, tally_result


@pytest.mark.parametrize(
    ("share", "of", "needed"),
    [(Decimal("0.5"), 10, 6), (Decimal("0.5"), 9, 5), (Decimal("0.5"), 1, 1), (Decimal("0.5"), 0, 1),
     (Decimal("0.667"), 9, 7), (Decimal("0.5"), 41, 21)],
)  # fmt: skip
def test_more_than(share, of, needed):
    assert more_than(share, of) == needed


def motion(counts, eligible, turnout, ratio="0.5"):
    return tally_result(
        kind="motion",
        options=["for", "against", "abstain"],
        counts=counts,
        eligible=eligible,
        turnout=turnout,
        quorum_ratio=Decimal(ratio),
    )


def test_motion_needs_more_than_half_of_the_eligible_not_of_the_voters():
    # 10 eligible, 6 vote (quorum met), 5 for: a majority of voters but not of the eligible.
    result = motion({"for": 5, "against": 1}, eligible=10, turnout=6)
    assert result["quorum_met"] and result["quorum_needed"] == 6
    assert result["votes_needed"] == 6
    assert result["outcome"] == "rejected"
    assert motion({"for": 6}, eligible=10, turnout=6)["outcome"] == "adopted"


def test_exactly_half_is_not_a_quorum():
    result = motion({"for": 5}, eligible=10, turnout=5)
    assert not result["quorum_met"]
    assert result["outcome"] == "no_quorum"


def test_configurable_quorum():
    assert not motion({"for": 6}, eligible=9, turnout=6, ratio="0.667")["quorum_met"]
    assert motion({"for": 7}, eligible=9, turnout=7, ratio="0.667")["outcome"] == "adopted"


def test_nobody_eligible_is_never_a_quorum():
    assert motion({}, eligible=0, turnout=0)["outcome"] == "no_quorum"


def election(counts, eligible, turnout, seats):
    return tally_result(
        kind="election",
        options=list(counts),
        counts=counts,
        eligible=eligible,
        turnout=turnout,
        quorum_ratio=Decimal("0.5"),
        seats=seats,
    )


def test_election_needs_more_than_half_of_the_voters():
    result = election({"甲": 5, "乙": 4, "丙": 3}, eligible=12, turnout=8, seats=2)
    assert result["votes_needed"] == 5
    assert result["elected"] == ["甲"]
    assert result["tied"] == []


def test_election_fills_seats_by_count_and_reports_a_tie_on_the_last_seat():
    result = election({"甲": 8, "乙": 6, "丙": 6}, eligible=10, turnout=9, seats=2)
    assert result["elected"] == ["甲"]
    assert sorted(result["tied"]) == ["丙", "乙"]
    clear = election({"甲": 8, "乙": 7, "丙": 6}, eligible=10, turnout=9, seats=2)
    assert clear["elected"] == ["甲", "乙"]
