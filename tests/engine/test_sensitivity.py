"""Rank uncertainty: Monte-Carlo rank intervals and colour stability."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from grassroots.engine.errors import InputError
from grassroots.engine.scheme import Scheme, scheme_from_dict
from grassroots.engine.scoring import evaluate
from grassroots.engine.scoring.ranks import rank_desc
from grassroots.engine.sensitivity import rank_intervals

P = "2024Q1"


def _scheme(uncertainty: dict[str, Any], leaves: int = 3) -> Scheme:
    return scheme_from_dict(
        {
            "name": "t",
            "defaults": {
                "normalisation": {"method": "minmax", "low": 1, "high": 100, "within": "peer"},
                "colour": {"rule": "rank_tiers", "top": 0.3, "bottom": 0.3},
            },
            "uncertainty": uncertainty,
            "tree": {"code": "whole", "children": [{"indicator": f"x{i}"} for i in range(leaves)]},
        }
    )


def _data(table: dict[str, list[float]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = [
        {"unit_code": u, "period": P, "indicator": f"x{i}", "value": v}
        for u, vs in table.items()
        for i, v in enumerate(vs)
        if not np.isnan(v)
    ]
    return pd.DataFrame(rows), pd.DataFrame({"unit_code": list(table), "peer_group": "3701"})


ALL_ALTERNATIVES = {
    "weight_noise": 0.25,
    "normalisation": ["minmax", "percentile_rank", "rank"],
    "aggregation": ["arithmetic", "geometric", "harmonic"],
    "imputation": ["none", "peer_mean"],
}


def test_a_unit_dominating_all_others_always_ranks_first_and_keeps_its_colour() -> None:
    rng = np.random.default_rng(7)
    table = {f"u{i}": rng.uniform(0, 50, 3).tolist() for i in range(1, 10)}
    table["u1"][1] = np.nan  # someone to impute
    table["top"] = [60.0, 70.0, 80.0]
    vals, units = _data(table)
    result = rank_intervals(vals, units, _scheme(ALL_ALTERNATIVES), P, n=300, seed=3)
    top = result[(result["unit_code"] == "top") & (result["node"] == "whole")].iloc[0]
    assert top["rank_nominal"] == 1
    assert top["rank_q05"] == top["rank_median"] == top["rank_q95"] == 1.0
    assert top["colour_share"] == 1.0


def test_a_unit_without_data_gets_no_interval_and_takes_no_place_from_others() -> None:
    rng = np.random.default_rng(11)
    table = {f"u{i}": rng.uniform(0, 50, 3).tolist() for i in range(1, 8)}
    table["empty"] = [np.nan, np.nan, np.nan]  # no value at all: the nominal pass scores nothing
    vals, units = _data(table)
    vals = pd.concat(  # the unit is known, with missing values (not absent from the frame)
        [
            vals,
            pd.DataFrame(
                {
                    "unit_code": "empty",
                    "period": P,
                    "indicator": ["x0", "x1", "x2"],
                    "value": np.nan,
                }
            ),
        ]  # fmt: skip
    )
    result = rank_intervals(vals, units, _scheme(ALL_ALTERNATIVES), P, n=200, seed=5)
    whole = result[result["node"] == "whole"].set_index("unit_code")
    assert whole.loc["empty", ["rank_nominal", "rank_q05", "rank_median", "rank_q95",
                               "colour_share"]].isna().all()  # fmt: skip
    # Nobody is ranked below the units that have data: the worst 95th percentile is their count.
    assert whole["rank_q95"].max() <= len(table) - 1


def test_switching_aggregation_moves_a_balanced_unit_between_ranks() -> None:
    # Arithmetic: b and d (one strong, one weak indicator) beat the balanced c; geometric: c wins.
    table = {"b": [10.0, 0.0], "c": [4.5, 4.5], "d": [0.0, 10.0]}
    vals, units = _data(table)
    scheme = scheme_from_dict(
        {
            "name": "t",
            "defaults": {"colour": {"rule": "rank_tiers", "top": 0.34, "bottom": 0.33}},
            "uncertainty": {"weight_noise": 0, "aggregation": ["arithmetic", "geometric"]},
            "tree": {"code": "whole", "children": [{"indicator": "x0"}, {"indicator": "x1"}]},
        }
    )
    result = rank_intervals(vals, units, scheme, P, n=400, seed=1).set_index("unit_code")
    assert result.loc["c", "rank_nominal"] == 3
    assert result.loc["c", "rank_q05"] == 1.0
    assert result.loc["c", "rank_q95"] == 3.0
    assert 0.3 < result.loc["c", "colour_share"] < 0.7  # red nominally, green about half the time


def test_without_noise_or_alternatives_every_interval_is_the_nominal_rank() -> None:
    rng = np.random.default_rng(2)
    table = {f"u{i}": rng.uniform(0, 10, 3).tolist() for i in range(12)}
    vals, units = _data(table)
    scheme = _scheme({"weight_noise": 0})
    result = rank_intervals(vals, units, scheme, P, n=20, seed=0)
    nominal = evaluate(vals, units, scheme, P)
    expected = nominal[nominal["node"] == "whole"].set_index("unit_code")["rank_peer"]
    got = result.set_index("unit_code")
    assert (got["rank_nominal"] == expected.loc[got.index]).all()
    for column in ("rank_q05", "rank_median", "rank_q95"):
        assert (got[column] == got["rank_nominal"].astype(float)).all()
    assert (got["colour_share"] == 1.0).all()


def test_the_same_seed_gives_the_same_intervals() -> None:
    rng = np.random.default_rng(5)
    table = {f"u{i}": rng.uniform(0, 10, 3).tolist() for i in range(15)}
    vals, units = _data(table)
    first = rank_intervals(vals, units, _scheme(ALL_ALTERNATIVES), P, n=50, seed=11)
    again = rank_intervals(vals, units, _scheme(ALL_ALTERNATIVES), P, n=50, seed=11)
    pd.testing.assert_frame_equal(first, again)
    assert (first["rank_q05"] <= first["rank_median"]).all()
    assert (first["rank_median"] <= first["rank_q95"]).all()
    assert first["rank_q95"].max() > first["rank_q05"].min()  # the noise did move ranks


def test_intervals_cover_every_aggregate_node_with_the_contract_columns() -> None:
    vals, units = _data({"a": [1.0, 2.0, 3.0], "b": [3.0, 2.0, 1.0]})
    result = rank_intervals(vals, units, _scheme(ALL_ALTERNATIVES), P, n=10, seed=0)
    assert list(result.columns) == [
        "unit_code", "node", "rank_nominal", "rank_q05", "rank_median", "rank_q95", "colour_share",
    ]  # fmt: skip
    assert set(result["node"]) == {"whole"}
    assert len(result) == 2


@pytest.mark.parametrize("group_size", [3, 30, 100, 0])
def test_group_ranks_match_a_per_group_reference(group_size: int) -> None:
    # Both rank algorithms (counting for small groups, sorting for big ones, and a mix: 0) against
    # pandas.
    rng = np.random.default_rng(group_size)
    n = 300
    scores = rng.integers(0, 6, size=(n, 40)).astype(float)
    scores[rng.random(scores.shape) < 0.1] = np.nan
    if group_size:
        groups = rng.integers(0, n // group_size, size=n)
    else:
        groups = np.where(np.arange(n) < 120, 999, rng.integers(0, 40, size=n))
    got = rank_desc(scores, groups)
    expected = pd.DataFrame(scores).groupby(groups).rank(method="min", ascending=False).to_numpy()
    np.testing.assert_array_equal(got, expected)


def test_it_rejects_zero_replications() -> None:
    vals, units = _data({"a": [1.0, 2.0, 3.0], "b": [3.0, 2.0, 1.0]})
    with pytest.raises(InputError, match="needs at least 1 replication, got 0"):
        rank_intervals(vals, units, _scheme({}), P, n=0, seed=0)
