"""Small peer groups are compared within the province (issue 11.9).

A two-unit peer group (the railway procuratorates) made one unit green and one red on a
1.6-point gap. A peer group smaller than the scheme's ``peer_min_size`` (default 5) is ranked,
normalised and coloured among all units of the evaluation instead, and the why says so.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from grassroots.engine.errors import InputError
from grassroots.engine.scheme import scheme_from_dict
from grassroots.engine.scoring import evaluate
from grassroots.engine.sensitivity import rank_intervals

P = "2024Q4"
# Six city units spread from 40 to 90; the two railway units sit 1.6 apart in the middle.
CITY = {"370102": 40.0, "370103": 50.0, "370104": 60.0, "370105": 75.0, "370112": 80.0,
        "370113": 90.0}  # fmt: skip
RAILWAY = {"37T001": 66.0, "37T002": 67.6}


def _scheme(**top: Any) -> Any:
    return scheme_from_dict(
        {
            "name": "t",
            **top,
            "defaults": {
                "normalisation": {"method": "minmax", "within": "peer"},
                "colour": {"rule": "rank_tiers", "top": 0.3, "bottom": 0.3, "within": "peer"},
            },
            "tree": {"code": "whole", "children": [{"indicator": "x"}]},
        }
    )


def _frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    xs = CITY | RAILWAY
    values = pd.DataFrame(
        {"unit_code": list(xs), "period": P, "indicator": "x", "value": list(xs.values())}
    )
    groups = ["3701"] * len(CITY) + ["37T0"] * len(RAILWAY)
    return values, pd.DataFrame({"unit_code": list(xs), "peer_group": groups})


def _whole(**top: Any) -> pd.DataFrame:
    values, units = _frames()
    result = evaluate(values, units, _scheme(**top), P)
    return result[result["node"] == "whole"].set_index("unit_code")


def test_the_smallest_peer_group_compared_within_itself_defaults_to_five() -> None:
    assert _scheme().peer_min_size == 5


def test_a_two_unit_peer_group_is_ranked_and_coloured_within_the_province() -> None:
    rows = _whole()
    railway = rows.loc[list(RAILWAY)]
    # Among all eight units they are 4th and 5th: the middle, not one green and one red.
    assert railway["rank_peer"].tolist() == [5, 4]
    assert railway["rank_peer"].tolist() == railway["rank_all"].tolist()
    assert railway["colour"].tolist() == ["yellow", "yellow"]


def test_a_two_unit_peer_group_is_normalised_within_the_province() -> None:
    rows = _whole()
    # Min-max over all eight units (40 to 90), not over the two (0 and 100).
    assert rows.loc["37T001", "score"] == pytest.approx((66.0 - 40) / 50 * 100)
    assert rows.loc["37T002", "score"] == pytest.approx((67.6 - 40) / 50 * 100)


def test_a_large_enough_peer_group_is_still_ranked_within_itself() -> None:
    rows = _whole()
    city = rows.loc[list(CITY)]
    assert city["rank_peer"].tolist() == [6, 5, 4, 3, 2, 1]
    assert city["colour"].tolist() == ["red", "red", "yellow", "yellow", "green", "green"]
    assert not city["why"].str.contains("has only").any()


def test_the_why_says_the_group_was_too_small_and_gives_the_province_rank() -> None:
    rows = _whole()
    assert rows.loc["37T002", "why"] == (
        "peer group 37T0 has only 2 units (fewer than 5): compared within the province; "
        "rank 4 of 8 of all units: middle → yellow"
    )


def test_the_minimum_is_a_scheme_setting() -> None:
    rows = _whole(peer_min_size=2)
    railway = rows.loc[list(RAILWAY)]
    assert railway["rank_peer"].tolist() == [2, 1]
    assert railway["colour"].tolist() == ["red", "green"]
    assert rows.loc["37T002", "why"] == "rank 1 of 2 in peer group 37T0: top 30% → green"


def test_a_group_at_the_minimum_is_compared_within_itself() -> None:
    rows = _whole(peer_min_size=6)  # the city has exactly six units
    assert rows.loc[list(CITY), "rank_peer"].tolist() == [6, 5, 4, 3, 2, 1]
    assert rows.loc["37T002", "rank_peer"] == 4


def test_rank_intervals_rank_a_small_group_within_the_province() -> None:
    values, units = _frames()
    got = rank_intervals(values, units, _scheme(), P, n=20, seed=1, within="peer")
    got = got[got["node"] == "whole"].set_index("unit_code")
    assert got.loc["37T002", "rank_nominal"] == 4


@pytest.mark.parametrize(
    ("size", "message"),
    [(0, "greater than or equal to 1"), (-1, "greater than or equal to 1"), ("five", "integer")],
)
def test_a_bad_minimum_is_refused_naming_the_setting(size: object, message: str) -> None:
    with pytest.raises(InputError) as caught:
        _scheme(peer_min_size=size)
    assert "peer_min_size: Input should be" in str(caught.value)
    assert message in str(caught.value)
