"""Normalisation, imputation, winsorisation, aggregation, coverage, ranks and checklists."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from grassroots.engine.errors import InputError
from grassroots.engine.scheme import Scheme, load_scheme, scheme_from_dict
from grassroots.engine.scoring import ScoringOptions, assess_checklist, evaluate
from grassroots.engine.scoring.treat import kurtosis, skew, winsorise

P = "2024Q2"


def values(table: dict[str, dict[str, float]], period: str = P) -> pd.DataFrame:
    rows = [
        {"unit_code": u, "period": period, "indicator": i, "value": v}
        for u, by_ind in table.items()
        for i, v in by_ind.items()
    ]
    return pd.DataFrame(rows)


def units(peers: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        {"unit_code": list(peers), "name": list(peers), "peer_group": list(peers.values())}
    )


def flat(leaves: list[dict[str, Any]], *, peer_min_size: int = 5, **defaults: Any) -> Scheme:
    base = {"normalisation": {"method": "minmax", "within": "all"}, "colour": "none"}
    return scheme_from_dict(
        {
            "name": "t",
            "peer_min_size": peer_min_size,
            "defaults": {**base, **defaults},
            "tree": {"code": "whole", "children": leaves},
        }
    )


# The tests of what happens within a peer group use groups of two to four units: they set the
# scheme's smallest group to compare within to 1 (the default, 5, compares those among all).
TINY = 1


def node(result: pd.DataFrame, code: str, column: str = "score") -> dict[str, Any]:
    rows = result[result["node"] == code]
    return dict(zip(rows["unit_code"], rows[column], strict=True))


ONE_X = {"a": {"x": 10.0}, "b": {"x": 20.0}, "c": {"x": 40.0}}
SAME_PEER = {"a": "g", "b": "g", "c": "g"}


# ---------------------------------------------------------------------------- normalisation


@pytest.mark.parametrize(
    ("method", "direction", "expected"),
    [
        ("minmax", "higher", {"a": 0.0, "b": 100 / 3, "c": 100.0}),
        ("minmax", "lower", {"a": 100.0, "b": 200 / 3, "c": 0.0}),
        ("rank", "higher", {"a": 1.0, "b": 2.0, "c": 3.0}),
        ("rank", "lower", {"a": 3.0, "b": 2.0, "c": 1.0}),
        ("percentile_rank", "higher", {"a": 0.0, "b": 50.0, "c": 100.0}),
    ],
)
def test_order_based_normalisations_follow_the_direction(
    method: str, direction: str, expected: dict[str, float]
) -> None:
    scheme = flat(
        [{"indicator": "x", "direction": direction}],
        normalisation={"method": method, "within": "all"},
    )
    got = node(evaluate(values(ONE_X), units(SAME_PEER), scheme, P), "x")
    assert got == pytest.approx(expected)


def test_zscore_uses_the_sample_standard_deviation() -> None:
    scheme = flat([{"indicator": "x"}], normalisation={"method": "zscore", "within": "all"})
    got = node(evaluate(values(ONE_X), units(SAME_PEER), scheme, P), "x")
    x = np.array([10.0, 20.0, 40.0])
    expected = (x - x.mean()) / x.std(ddof=1)
    assert list(got.values()) == pytest.approx(expected.tolist())


def test_goalposts_cap_at_the_posts_and_flip_for_lower_is_better() -> None:
    leaves = [
        {"indicator": "x", "normalisation": "goalposts", "goalposts": {"low": 15, "high": 35}},
        {
            "indicator": "y",
            "normalisation": "goalposts",
            "goalposts": {"low": 15, "high": 35},
            "direction": "lower",
        },
    ]
    table = {u: {"x": v["x"], "y": v["x"]} for u, v in ONE_X.items()}
    result = evaluate(values(table), units(SAME_PEER), flat(leaves), P)
    assert node(result, "x") == pytest.approx({"a": 0.0, "b": 25.0, "c": 100.0})
    assert node(result, "y") == pytest.approx({"a": 100.0, "b": 75.0, "c": 0.0})


def test_distance_to_target_measures_from_the_worst_unit_and_caps_at_the_target() -> None:
    leaves = [{"indicator": "x", "normalisation": "target", "target": 30}]
    got = node(evaluate(values(ONE_X), units(SAME_PEER), flat(leaves), P), "x")
    assert got == pytest.approx({"a": 0.0, "b": 50.0, "c": 100.0})


def test_reasonable_range_scores_full_inside_and_falls_linearly_outside() -> None:
    leaves = [
        {"indicator": "x", "direction": "range", "range": {"low": 15, "high": 30, "fall_off": 20}}
    ]
    table = {"a": {"x": 10.0}, "b": {"x": 20.0}, "c": {"x": 40.0}, "d": {"x": 60.0}}
    got = node(evaluate(values(table), units(dict.fromkeys(table, "g")), flat(leaves), P), "x")
    assert got == pytest.approx({"a": 75.0, "b": 100.0, "c": 50.0, "d": 0.0})


def test_normalising_within_peer_groups_uses_each_groups_own_min_and_max() -> None:
    table = {"a": {"x": 1.0}, "b": {"x": 3.0}, "c": {"x": 10.0}, "d": {"x": 30.0}}
    peers = {"a": "g1", "b": "g1", "c": "g2", "d": "g2"}
    within_peer = flat(
        [{"indicator": "x"}],
        peer_min_size=TINY,
        normalisation={"method": "minmax", "within": "peer"},
    )
    across = flat([{"indicator": "x"}], normalisation={"method": "minmax", "within": "all"})
    assert node(evaluate(values(table), units(peers), within_peer, P), "x") == pytest.approx(
        {"a": 0.0, "b": 100.0, "c": 0.0, "d": 100.0}
    )
    assert node(evaluate(values(table), units(peers), across, P), "x") == pytest.approx(
        {"a": 0.0, "b": 200 / 29, "c": 900 / 29, "d": 100.0}
    )


def test_a_group_without_spread_scores_the_middle_of_the_scale() -> None:
    table = {"a": {"x": 5.0}, "b": {"x": 5.0}}
    got = node(
        evaluate(values(table), units({"a": "g", "b": "g"}), flat([{"indicator": "x"}]), P), "x"
    )
    assert got == {"a": 50.0, "b": 50.0}


# ---------------------------------------------------------------------------- missing data


def _gappy() -> tuple[pd.DataFrame, pd.DataFrame]:
    table = {"a": {"x": 10.0}, "b": {"x": 20.0}, "c": {"x": 60.0}, "d": {}, "e": {"x": 7.0}}
    peers = {"a": "g1", "b": "g1", "c": "g1", "d": "g1", "e": "g2"}
    return values(table), units(peers)


@pytest.mark.parametrize(("how", "expected"), [("peer_mean", 30.0), ("peer_median", 20.0)])
def test_peer_group_imputation_fills_from_the_units_own_peer_group(
    how: str, expected: float
) -> None:
    vals, unit_frame = _gappy()
    scheme = flat([{"indicator": "x"}], peer_min_size=TINY, missing={"imputation": how})
    result = evaluate(vals, unit_frame, scheme, P)
    assert node(result, "x", "value")["d"] == expected
    assert node(result, "x", "flags")["d"] == "imputed"
    assert node(result, "x", "flags")["a"] == ""


def test_without_imputation_a_gap_stays_missing_and_unranked() -> None:
    vals, unit_frame = _gappy()
    result = evaluate(vals, unit_frame, flat([{"indicator": "x"}]), P)
    assert np.isnan(node(result, "x")["d"])
    assert node(result, "x", "flags")["d"] == "missing"
    assert node(result, "x", "rank_peer")["d"] is pd.NA


def test_last_period_imputation_takes_the_latest_earlier_period_of_the_same_kind() -> None:
    vals, unit_frame = _gappy()
    history = pd.concat(
        [
            values({"d": {"x": 11.0}}, period="2023Q4"),
            values({"d": {"x": 12.0}}, period="2024Q1"),
            values({"d": {"x": 99.0}}, period="2024"),  # a year: another kind of period
            values({"d": {"x": 98.0}}, period="2024Q3"),  # later: never used
            vals,
        ]
    )
    scheme = flat([{"indicator": "x"}], missing={"imputation": "last_period"})
    result = evaluate(history, unit_frame, scheme, P)
    assert node(result, "x", "value")["d"] == 12.0
    assert node(result, "x", "flags")["d"] == "imputed"
    assert scheme.uses_last_period


def test_options_override_the_schemes_imputation() -> None:
    vals, unit_frame = _gappy()
    result = evaluate(
        vals,
        unit_frame,
        flat([{"indicator": "x"}], peer_min_size=TINY),
        P,
        options=ScoringOptions(imputation="peer_mean"),
    )
    assert node(result, "x", "value")["d"] == 30.0


# ---------------------------------------------------------------------------- winsorisation


def test_skew_and_kurtosis_are_the_bias_corrected_sample_statistics() -> None:
    x = np.array([1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 30, 100])
    # COINr (like Excel's SKEW/KURT and e1071 type 2) uses the bias-corrected G1 and G2.
    assert skew(x) == pytest.approx(stats.skew(x, bias=False), rel=1e-12)
    assert kurtosis(x) == pytest.approx(stats.kurtosis(x, fisher=True, bias=False), rel=1e-12)


def test_winsorisation_pulls_in_the_extreme_point_until_the_rule_passes() -> None:
    x = np.r_[np.arange(1.0, 21.0), 200, 1000]
    out, changed = winsorise(x, max_points=5)
    # 1000 -> 200 still fails the rule; then both 200s (tied at the top) -> 20, which passes.
    assert changed.tolist() == [False] * 20 + [True, True]
    assert out[-2:].tolist() == [20.0, 20.0]
    assert not (abs(skew(out)) > 2 and kurtosis(out) > 3.5)


def test_winsorisation_stops_at_max_points() -> None:
    x = np.r_[np.arange(1.0, 21.0), 200, 1000]
    out, changed = winsorise(x, max_points=1)
    assert changed.sum() == 1
    assert out[-1] == 200.0


def test_winsorisation_leaves_symmetric_data_alone() -> None:
    x = np.arange(20, dtype=float)
    out, changed = winsorise(x, max_points=5)
    assert not changed.any()
    assert np.array_equal(out, x)


def test_winsorised_points_are_flagged_in_the_result() -> None:
    raw = [*range(1, 21), 200, 1000]
    table = {f"u{i:02d}": {"x": float(v)} for i, v in enumerate(raw)}
    scheme = flat([{"indicator": "x"}], winsorise={"max_points": 5})
    result = evaluate(values(table), units(dict.fromkeys(table, "g")), scheme, P)
    flags = node(result, "x", "flags")
    assert [u for u, f in flags.items() if f == "winsorised"] == ["u20", "u21"]
    scores = node(result, "x")
    assert scores["u21"] == scores["u20"] == scores["u19"] == 100.0  # tied with 20 at the top
    assert node(result, "x", "value")["u21"] == 1000.0  # the value shown is the unit's own


# ---------------------------------------------------------------------------- aggregation


TWO = {"a": {"x": 0.0, "y": 0.0}, "b": {"x": 10.0, "y": 10.0}, "c": {"x": 5.0, "y": 2.5}}


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        ("arithmetic", (3 * 50 + 1 * 25) / 4),
        ("geometric", float(np.exp((3 * np.log(50) + np.log(25)) / 4))),
        ("harmonic", 4 / (3 / 50 + 1 / 25)),
    ],
)
def test_weighted_aggregations(method: str, expected: float) -> None:
    leaves = [{"indicator": "x", "weight": 3}, {"indicator": "y", "weight": 1}]
    result = evaluate(values(TWO), units(SAME_PEER), flat(leaves, aggregation=method), P)
    assert node(result, "whole")["c"] == pytest.approx(expected)
    assert node(result, "whole")["a"] == 0.0  # zero children give zero, not an error


def test_an_aggregate_below_the_coverage_threshold_is_missing_not_a_guess() -> None:
    leaves = [{"indicator": "x", "weight": 3}, {"indicator": "y", "weight": 1}]
    table = {
        "a": {"x": 0.0, "y": 0.0},
        "b": {"x": 10.0, "y": 10.0},
        "c": {"y": 5.0},
        "d": {"x": 5.0},
    }
    scheme = flat(leaves, missing={"min_coverage": 0.5})
    result = evaluate(values(table), units(dict.fromkeys(table, "g")), scheme, P)
    whole = node(result, "whole")
    assert np.isnan(whole["c"])  # 25% of the weight has data
    assert whole["d"] == 50.0  # 75%: computed over x alone
    flags = node(result, "whole", "flags")
    assert flags["c"] == "missing,low_coverage"
    assert flags["d"] == "partial"
    assert "only 25% of the weight has data (needs 50%)" in node(result, "whole", "why")["c"]


def test_aggregation_follows_a_tree_of_any_depth() -> None:
    raw = {
        "name": "deep",
        "defaults": {"normalisation": {"method": "minmax", "within": "all"}, "colour": "none"},
        "tree": {"code": "top", "children": [
            {"code": "mid", "weight": 1, "children": [
                {"code": "low", "weight": 1, "children": [{"indicator": "x"}, {"indicator": "y"}]},
            ]},
            {"indicator": "z", "weight": 3},
        ]},
    }  # fmt: skip
    table = {
        "a": {"x": 0.0, "y": 0.0, "z": 0.0},
        "b": {"x": 1.0, "y": 1.0, "z": 1.0},
        "c": {"x": 1.0, "y": 0.0, "z": 0.0},
    }
    result = evaluate(values(table), units(SAME_PEER), scheme_from_dict(raw), P)
    assert node(result, "low")["c"] == 50.0
    assert node(result, "mid")["c"] == 50.0
    assert node(result, "top")["c"] == 12.5
    assert set(result["depth"]) == {0, 1, 2, 3}


def test_weight_overrides_change_the_aggregate() -> None:
    leaves = [{"indicator": "x"}, {"indicator": "y"}]
    result = evaluate(
        values(TWO), units(SAME_PEER), flat(leaves), P, options=ScoringOptions(weights={"y": 3.0})
    )
    assert node(result, "whole")["c"] == pytest.approx((50 + 3 * 25) / 4)


# ---------------------------------------------------------------------------- ranks


def test_ties_share_the_better_rank_and_the_next_rank_is_skipped() -> None:
    table = {"a": {"x": 9.0}, "b": {"x": 7.0}, "c": {"x": 7.0}, "d": {"x": 5.0}}
    result = evaluate(
        values(table), units(dict.fromkeys(table, "g")), flat([{"indicator": "x"}]), P
    )
    assert node(result, "whole", "rank_peer") == {"a": 1, "b": 2, "c": 2, "d": 4}


def test_ranks_are_within_the_peer_group_and_across_all_units() -> None:
    table = {"a": {"x": 1.0}, "b": {"x": 2.0}, "c": {"x": 3.0}, "d": {"x": 4.0}}
    peers = {"a": "g1", "b": "g1", "c": "g2", "d": "g2"}
    scheme = flat([{"indicator": "x"}], peer_min_size=TINY)
    result = evaluate(values(table), units(peers), scheme, P)
    assert node(result, "whole", "rank_peer") == {"a": 2, "b": 1, "c": 2, "d": 1}
    assert node(result, "whole", "rank_all") == {"a": 4, "b": 3, "c": 2, "d": 1}


def test_the_result_has_one_row_per_unit_and_node_with_the_contract_columns() -> None:
    result = evaluate(
        values(TWO), units(SAME_PEER), flat([{"indicator": "x"}, {"indicator": "y"}]), P
    )
    assert len(result) == 3 * 3
    for column in ("unit_code", "period", "node", "level", "value", "score", "rank_peer",
                   "rank_all", "colour", "flags", "why", "peer_group"):  # fmt: skip
        assert column in result.columns
    assert set(result["period"]) == {P}


# ---------------------------------------------------------------------------- bad input


def test_it_rejects_duplicate_values_and_non_numbers_naming_the_rows() -> None:
    vals = values(TWO)
    vals = pd.concat([vals, vals.iloc[[0]]], ignore_index=True).astype({"value": object})
    vals.loc[1, "value"] = "n/a"
    with pytest.raises(InputError) as info:
        evaluate(vals, units(SAME_PEER), flat([{"indicator": "x"}, {"indicator": "y"}]), P)
    text = [str(p) for p in info.value.problems]
    assert "indicator values row 3, column value: 'n/a' is not a number" in text
    assert any(t.startswith("indicator values row 8: duplicate value") for t in text)


def test_it_rejects_frames_missing_required_columns() -> None:
    with pytest.raises(InputError, match="units column peer_group: missing column"):
        evaluate(values(TWO), pd.DataFrame({"unit_code": ["a"]}), flat([{"indicator": "x"}]), P)


def test_it_rejects_a_period_without_values() -> None:
    with pytest.raises(InputError, match="no values of the scheme's indicators for period 2025Q1"):
        evaluate(values(TWO), units(SAME_PEER), flat([{"indicator": "x"}]), "2025Q1")


def test_a_checklist_scheme_is_not_evaluated_as_a_composite() -> None:
    with pytest.raises(InputError, match="is a checklist"):
        evaluate(values(TWO), units(SAME_PEER), load_scheme("weak-exit-standard"), P)


# ---------------------------------------------------------------------------- checklists


def _quarter(period: str, composite: list[float]) -> pd.DataFrame:
    """core-business results for six units of one city, ordered by ``composite``."""
    scheme = load_scheme("core-business")
    codes = [f"u{i}" for i in range(6)]
    table: dict[str, dict[str, float]] = {}
    for code, s in zip(codes, composite, strict=True):
        table[code] = {}
        for leaf in scheme.leaves():
            assert leaf.indicator is not None
            direction = leaf.leaf_direction.value
            # Range indicators sit inside their range (all score full); the rest follow s.
            table[code][leaf.indicator] = {"higher": s, "lower": 100 - s}.get(direction, 30.0)
    effect = [leaf.indicator for leaf in scheme.root.children[2].children]
    table["u0"] = {k: v for k, v in table["u0"].items() if k not in effect}  # no effect data
    return evaluate(values(table, period), units(dict.fromkeys(codes, "3701")), scheme, period)


def test_exit_items_are_met_not_met_or_undecided_with_reasons() -> None:
    scheme = load_scheme("weak-exit-standard")
    # u4 is fifth of six in 2024Q1 (bottom third), u5 last in both quarters.
    q1 = _quarter("2024Q1", [90, 80, 70, 60, 10, 0])
    q2 = _quarter("2024Q2", [90, 80, 70, 10, 60, 0])
    result = assess_checklist(scheme, pd.concat([q1, q2]), periods=["2024Q1", "2024Q2"])
    assert len(result) == 17 * 6
    q1_status = result[result["item"] == "Q1"].set_index("unit_code")["status"]
    assert q1_status.to_dict() == {
        "u0": "met", "u1": "met", "u2": "met", "u3": "not_met", "u4": "not_met", "u5": "not_met",
    }  # fmt: skip
    reason = result[(result["item"] == "Q1") & (result["unit_code"] == "u4")]["reason"].iloc[0]
    assert "core-business peer_position lt 0.6667" in reason
    assert "2024Q1: 0.6667" in reason
    qualitative = result[result["kind"] == "qualitative"]
    assert set(qualitative["status"]) == {"undecided"}
    assert "reviewer" in qualitative["reason"].iloc[0]


def test_exit_items_are_undecided_without_enough_periods_or_data() -> None:
    scheme = load_scheme("weak-exit-standard")
    q2 = _quarter("2024Q2", [90, 80, 70, 10, 60, 0])
    result = assess_checklist(scheme, q2)
    q1 = result[result["item"] == "Q1"]
    assert set(q1["status"]) == {"undecided"}
    assert "needs 2 periods of results, have 1" in q1["reason"].iloc[0]
    # Q4 reads the effect aspect, for which u0 has no data.
    q4 = result[result["item"] == "Q4"].set_index("unit_code")
    assert q4.loc["u0", "status"] == "undecided"
    assert "no result for 2024Q2" in q4.loc["u0", "reason"]
    assert q4.loc["u5", "status"] == "not_met"
    assert q4.loc["u1", "status"] == "met"
