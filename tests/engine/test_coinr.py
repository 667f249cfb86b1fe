"""COINr's ASEM example run (tests/engine/data/coinr/README.md) reproduced to 1e-9.

The scheme is built from COINr's IndMeta / AggMeta / Structure tables and the data fed in the long
form ``unit_code, period, indicator, value`` with a units frame, as the CLI's --indicators/--units
path does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from grassroots.engine.scheme import Scheme, Uncertainty, Within, scheme_from_dict
from grassroots.engine.scoring import evaluate
from grassroots.engine.scoring.treat import winsorise
from grassroots.engine.sensitivity import rank_intervals

DATA = Path(__file__).parent / "data" / "coinr"
PERIOD = "2018"
ID_COLUMNS = [
    "UnitCode",
    "UnitName",
    "Year",
    "Group_GDP",
    "Group_GDPpc",
    "Group_Pop",
    "Group_EurAsia",
]


def _csv(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / f"legacy_ASEM_COIN_{name}.csv")


def coinr_scheme(
    ind_meta: pd.DataFrame,
    agg_meta: pd.DataFrame,
    structure: pd.DataFrame,
    *,
    policy: dict[str, Any] | None = None,
) -> Scheme:
    """A Scheme from COINr's IndMeta (directions, weights), AggMeta (weights) and Structure."""
    agg_weight = dict(zip(agg_meta["Code"], agg_meta["Weight"], strict=True))
    agg_name = dict(zip(agg_meta["Code"], agg_meta["Name"], strict=True))
    levels = [c for c in structure.columns if c.startswith("Agg")]  # Agg1 (pillars) upwards
    meta = ind_meta.set_index("IndCode")

    def leaf(code: str) -> dict[str, Any]:
        row = meta.loc[code]
        direction = "higher" if row["Direction"] > 0 else "lower"
        return {
            "indicator": code,
            "name_en": row["IndName"],
            "weight": float(row["IndWeight"]),
            "direction": direction,
        }

    def build(level: int, rows: pd.DataFrame) -> list[dict[str, Any]]:
        if level < 0:
            return [leaf(code) for code in rows["IndCode"]]
        column = levels[level]
        return [
            {
                "code": code,
                "name_en": agg_name[code],
                "weight": float(agg_weight[code]),
                "level": column,
                "children": build(level - 1, group),
            }
            for code, group in rows.groupby(column, sort=False)
        ]

    (root,) = build(len(levels) - 1, structure)
    root.pop("weight")
    defaults = {
        "normalisation": {"method": "minmax", "low": 0, "high": 100, "within": "all"},
        "aggregation": "arithmetic",
        "missing": {"imputation": "none", "min_coverage": 0},
        "colour": "none",
        **(policy or {}),
    }
    # COINr imputes within its groups whatever their size: no group is too small here.
    raw = {
        "name": "asem",
        "peer_column": "peer_group",
        "peer_min_size": 1,
        "defaults": defaults,
        "tree": root,
    }
    return scheme_from_dict(raw, indicator_codes=set(meta.index))


def long_form(wide: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """COINr's wide table as long indicator values plus a units frame (peer group = EurAsia)."""
    values = wide.drop(columns=ID_COLUMNS[1:]).melt(
        id_vars="UnitCode", var_name="indicator", value_name="value"
    )
    values = values.rename(columns={"UnitCode": "unit_code"}).assign(period=PERIOD)
    units = wide[["UnitCode", "UnitName", "Group_EurAsia"]].set_axis(
        ["unit_code", "name", "peer_group"], axis=1
    )
    return values, units


@pytest.fixture(scope="module")
def asem_scheme() -> Scheme:
    return coinr_scheme(_csv("IndMeta"), _csv("AggMeta"), _csv("Structure"))


def _by_node(result: pd.DataFrame, column: str) -> pd.DataFrame:
    return result.pivot(index="unit_code", columns="node", values=column)


def test_normalised_scores_reproduce_coinr(asem_scheme: Scheme) -> None:
    values, units = long_form(_csv("Treated"))
    scores = _by_node(evaluate(values, units, asem_scheme, PERIOD), "score")
    expected = _csv("Normalised").set_index("UnitCode")
    codes = asem_scheme.indicator_codes()
    assert len(codes) == 49
    np.testing.assert_allclose(
        scores.loc[expected.index, codes], expected[codes], rtol=0, atol=1e-9
    )


def test_aggregates_reproduce_coinr_at_every_level(asem_scheme: Scheme) -> None:
    values, units = long_form(_csv("Treated"))
    scores = _by_node(evaluate(values, units, asem_scheme, PERIOD), "score")
    expected = _csv("Aggregated").set_index("UnitCode")
    aggregates = [n.code for n, _ in asem_scheme.nodes() if not n.is_leaf]
    assert len(aggregates) == 11
    np.testing.assert_allclose(
        scores.loc[expected.index, aggregates], expected[aggregates], rtol=0, atol=1e-9
    )


def test_index_ranks_reproduce_coinr(asem_scheme: Scheme) -> None:
    values, units = long_form(_csv("Treated"))
    ranks = _by_node(evaluate(values, units, asem_scheme, PERIOD), "rank_all")
    expected = _csv("Results_Rank").set_index("UnitCode")
    for node in ("Index", "Conn", "Sust"):
        assert ranks.loc[expected.index, node].astype(int).tolist() == expected[node].tolist()


def test_group_mean_imputation_reproduces_coinr() -> None:
    scheme = coinr_scheme(
        _csv("IndMeta"),
        _csv("AggMeta"),
        _csv("Structure"),
        policy={"missing": {"imputation": "peer_mean", "min_coverage": 0}},
    )
    denominated = _csv("Denominated")
    values, units = long_form(denominated)
    result = evaluate(values.dropna(subset=["value"]), units, scheme, PERIOD)
    imputed_values = _by_node(result, "value")
    expected = _csv("Imputed").set_index("UnitCode")
    codes = scheme.indicator_codes()
    assert denominated[codes].isna().to_numpy().sum() > 0  # there was something to impute
    np.testing.assert_allclose(
        imputed_values.loc[expected.index, codes], expected[codes], rtol=0, atol=1e-9
    )
    flagged = result[result["flags"].str.contains("imputed") & result["node"].isin(codes)]
    assert len(flagged) == denominated[codes].isna().to_numpy().sum()


def test_winsorisation_reproduces_coinr_treatment() -> None:
    imputed, treated = _csv("Imputed"), _csv("Treated")
    summary = _csv("TreatSummary").set_index("IndCode")
    for code in summary.index:
        out, changed = winsorise(imputed[code].to_numpy(dtype=float), max_points=5)
        np.testing.assert_allclose(out, treated[code].to_numpy(dtype=float), rtol=0, atol=1e-9)
        expected_points = summary.loc[code, "Low"] + summary.loc[code, "High"]
        assert changed.sum() == expected_points, code


def test_winsorising_inside_evaluate_matches_coinr_normalised() -> None:
    scheme = coinr_scheme(
        _csv("IndMeta"), _csv("AggMeta"), _csv("Structure"), policy={"winsorise": {"max_points": 5}}
    )
    values, units = long_form(_csv("Imputed"))
    result = evaluate(values, units, scheme, PERIOD)
    scores = _by_node(result, "score")
    expected = _csv("Normalised").set_index("UnitCode")
    codes = scheme.indicator_codes()
    np.testing.assert_allclose(
        scores.loc[expected.index, codes], expected[codes], rtol=0, atol=1e-9
    )
    winsorised = result[result["flags"].str.contains("winsorised")]
    assert len(winsorised) == int(_csv("TreatSummary")[["Low", "High"]].to_numpy().sum())


def test_rank_intervals_fall_in_coinrs_uncertainty_band() -> None:
    # COINr's vignette perturbed weights by +-25% and switched arithmetic/geometric aggregation
    # (on a 1-100 scale, which leaves the arithmetic ranks as they are). Stochastic: a band.
    scheme = coinr_scheme(
        _csv("IndMeta"),
        _csv("AggMeta"),
        _csv("Structure"),
        policy={"normalisation": {"method": "minmax", "low": 1, "high": 100, "within": "all"}},
    )
    uncertainty = {"weight_noise": 0.25, "aggregation": ["arithmetic", "geometric"]}
    scheme = scheme.model_copy(update={"uncertainty": Uncertainty.model_validate(uncertainty)})
    values, units = long_form(_csv("Treated"))
    result = rank_intervals(values, units, scheme, PERIOD, n=500, seed=1, within=Within.ALL)
    ours = result[result["node"] == "Index"].set_index("unit_code")
    coinr = pd.read_csv(DATA / "vignette_UA_RankStats.csv").set_index("uCode")
    ours = ours.loc[coinr.index]
    assert (ours["rank_nominal"] == coinr["Nominal"]).all()
    inside = (ours["rank_median"] >= coinr["Q5"]) & (ours["rank_median"] <= coinr["Q95"])
    assert inside.mean() >= 0.9
    assert ((ours["rank_q05"] <= coinr["Q95"]) & (ours["rank_q95"] >= coinr["Q5"])).all()
    width, coinr_width = (
        (ours["rank_q95"] - ours["rank_q05"]).mean(),
        (coinr["Q95"] - coinr["Q5"]).mean(),
    )
    assert 0.5 * coinr_width < width < 2 * coinr_width
