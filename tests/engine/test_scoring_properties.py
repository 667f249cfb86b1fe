"""Properties of scoring that must hold for any data (Hypothesis)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from grassroots.engine.scheme import Direction, NormMethod, ReasonableRange, scheme_from_dict
from grassroots.engine.scoring import evaluate
from grassroots.engine.scoring.normalise import normalise

P = "2024"
finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
BOUNDED = [NormMethod.MINMAX, NormMethod.PERCENTILE_RANK, NormMethod.GOALPOSTS, NormMethod.TARGET]


@settings(max_examples=150, deadline=None)
@given(
    xs=st.lists(finite, min_size=2, max_size=30),
    groups=st.lists(st.integers(0, 3), min_size=30, max_size=30),
    method=st.sampled_from([*BOUNDED, NormMethod.RANK, NormMethod.ZSCORE]),
    direction=st.sampled_from([Direction.HIGHER, Direction.LOWER]),
)
def test_normalisation_is_monotone_in_the_direction_and_bounded(
    xs: list[float], groups: list[int], method: NormMethod, direction: Direction
) -> None:
    from grassroots.engine.scheme import Goalposts

    x = np.array(xs)
    g = np.array(groups[: len(xs)], dtype=np.int64)
    scores = normalise(
        x, g, method=method, direction=direction,
        posts=Goalposts(low=-1e5, high=1e5), goal=5e5,
    )  # fmt: skip
    sign = 1 if direction is Direction.HIGHER else -1
    for grp in np.unique(g):
        idx = np.flatnonzero(g == grp)
        order = idx[np.argsort(sign * x[idx], kind="stable")]
        assert np.all(np.diff(scores[order]) >= -1e-9)  # better value, never a lower score
    if method in BOUNDED:
        assert np.all((scores >= 0) & (scores <= 100))
    if method is NormMethod.RANK:
        assert np.all((scores >= 1) & (scores <= len(xs)))


@settings(max_examples=100, deadline=None)
@given(
    xs=st.lists(finite, min_size=1, max_size=30),
    low=finite,
    width=st.floats(0, 1e5),
    fall=st.floats(1e-3, 1e5),
)
def test_reasonable_range_scores_are_bounded_and_full_inside(
    xs: list[float], low: float, width: float, fall: float
) -> None:
    band = ReasonableRange(low=low, high=low + width, fall_off=fall)
    x = np.array(xs)
    scores = normalise(
        x,
        np.zeros(x.size, dtype=np.int64),
        method=NormMethod.RANGE,
        direction=Direction.RANGE,
        band=band,
    )
    assert np.all((scores >= 0) & (scores <= 100))
    inside = (x >= band.low) & (x <= band.high)
    assert np.all(scores[inside] == 100)


SCHEME = scheme_from_dict(
    {
        "name": "p",
        "defaults": {"normalisation": {"method": "minmax", "within": "peer"}, "missing": {"min_coverage": 0}},
        "tree": {"code": "whole", "children": [
            {"code": "a1", "weight": 2, "children": [{"indicator": "x"}, {"indicator": "y", "direction": "lower"}]},
            {"code": "a2", "weight": 1, "children": [{"indicator": "z", "weight": 3}]},
        ]},
    }
)  # fmt: skip


def _frame(matrix: list[list[float]], peers: list[int]) -> tuple[pd.DataFrame, pd.DataFrame]:
    codes = [f"u{i:02d}" for i in range(len(matrix))]
    rows = [
        {"unit_code": u, "period": P, "indicator": ind, "value": v}
        for u, vals in zip(codes, matrix, strict=True)
        for ind, v in zip(("x", "y", "z"), vals, strict=True)
    ]
    units = pd.DataFrame({"unit_code": codes, "peer_group": [f"g{p}" for p in peers[: len(codes)]]})
    return pd.DataFrame(rows), units


rows_strategy = st.lists(
    st.lists(st.integers(0, 20).map(float), min_size=3, max_size=3), min_size=2, max_size=15
)


@settings(max_examples=60, deadline=None)
@given(
    matrix=rows_strategy,
    peers=st.lists(st.integers(0, 2), min_size=15, max_size=15),
    seed=st.integers(0, 2**16),
)
def test_ranks_do_not_depend_on_row_order(
    matrix: list[list[float]], peers: list[int], seed: int
) -> None:
    vals, units = _frame(matrix, peers)
    rng = np.random.default_rng(seed)
    shuffled_vals = vals.iloc[rng.permutation(len(vals))].reset_index(drop=True)
    shuffled_units = units.iloc[rng.permutation(len(units))].reset_index(drop=True)
    key = ["unit_code", "node"]
    first = evaluate(vals, units, SCHEME, P).sort_values(key).reset_index(drop=True)
    again = (
        evaluate(shuffled_vals, shuffled_units, SCHEME, P).sort_values(key).reset_index(drop=True)
    )
    pd.testing.assert_series_equal(first["rank_peer"], again["rank_peer"])
    pd.testing.assert_series_equal(first["rank_all"], again["rank_all"])
    np.testing.assert_allclose(first["score"], again["score"], atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(matrix=rows_strategy, margin=st.lists(st.integers(1, 5).map(float), min_size=3, max_size=3))
def test_a_unit_better_on_every_indicator_never_ranks_lower(
    matrix: list[list[float]], margin: list[float]
) -> None:
    # "best" beats "base" on every indicator in its direction (y: lower is better).
    base = matrix[0]
    best = [base[0] + margin[0], base[1] - margin[1], base[2] + margin[2]]
    vals, units = _frame([*matrix, best], [0] * (len(matrix) + 1))
    result = evaluate(vals, units, SCHEME, P)
    for node in ("whole", "a1", "a2"):
        rows = result[result["node"] == node].set_index("unit_code")
        best_code, base_code = f"u{len(matrix):02d}", "u00"
        assert rows.loc[best_code, "rank_peer"] <= rows.loc[base_code, "rank_peer"]
        assert rows.loc[best_code, "score"] >= rows.loc[base_code, "score"]
