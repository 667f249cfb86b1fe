"""Explanation: each indicator's contribution to a unit's gap to its peer-group median."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from grassroots.engine.explain import explain_gaps
from grassroots.engine.scheme import Scheme, load_scheme, scheme_from_dict
from grassroots.engine.scoring import evaluate

P = "2024Q3"


def _random_inputs(
    scheme: Scheme, n_units: int, seed: int, gaps: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    codes = [f"{370100 + i}" for i in range(n_units)]
    peers = [f"37{1 + i % 3:02d}" for i in range(n_units)]
    rows = [
        {"unit_code": u, "period": P, "indicator": ind, "value": float(rng.uniform(0, 60))}
        for u in codes
        for ind in scheme.indicator_codes()
        if rng.random() >= gaps
    ]
    return pd.DataFrame(rows), pd.DataFrame({"unit_code": codes, "peer_group": peers})


@pytest.mark.parametrize("gaps", [0.0, 0.15])
def test_contributions_sum_to_the_gap_for_arithmetic_aggregation(gaps: float) -> None:
    scheme = load_scheme("core-business")
    vals, units = _random_inputs(scheme, 31, seed=4, gaps=gaps)
    result = evaluate(vals, units, scheme, P)
    explained = explain_gaps(result, scheme)
    sums = explained.groupby(["unit_code", "aspect"]).agg(
        total=("contribution", "sum"), gap=("gap", "first")
    )
    assert len(sums) > 80
    np.testing.assert_allclose(sums["total"], sums["gap"], rtol=0, atol=1e-9)


def test_the_gap_is_the_distance_to_the_peer_group_median_score() -> None:
    scheme = load_scheme("core-business")
    vals, units = _random_inputs(scheme, 20, seed=9, gaps=0.0)
    result = evaluate(vals, units, scheme, P)
    whole = result[result["node"] == "core-business"].set_index("unit_code")
    medians = whole.groupby("peer_group")["score"].median()
    explained = explain_gaps(result, scheme)
    gaps = explained[explained["aspect"] == "core-business"].groupby("unit_code")["gap"].first()
    expected = whole["score"] - whole["peer_group"].map(medians)
    np.testing.assert_allclose(gaps.sort_index(), expected.loc[gaps.sort_index().index], atol=1e-9)


def test_an_aspect_is_explained_only_by_its_own_indicators() -> None:
    scheme = load_scheme("core-business")
    vals, units = _random_inputs(scheme, 9, seed=1, gaps=0.0)
    explained = explain_gaps(evaluate(vals, units, scheme, P), scheme)
    efficiency = set(explained[explained["aspect"] == "efficiency"]["indicator"])
    assert efficiency == {
        "case_procedure_ratio",
        "pre_charge_detention_rate",
        "remand_rate",
        "extension_rate",
    }
    assert len(set(explained[explained["aspect"] == "core-business"]["indicator"])) == 16


def test_a_unit_better_only_on_one_indicator_owes_its_whole_lead_to_it() -> None:
    scheme = scheme_from_dict(
        {
            "name": "t",
            "defaults": {"normalisation": {"method": "minmax", "within": "peer"}},
            "tree": {"code": "whole", "children": [
                {"indicator": "x", "weight": 3}, {"indicator": "y", "weight": 1},
            ]},
        }
    )  # fmt: skip
    table = {"a": (10.0, 5.0), "b": (5.0, 5.0), "c": (0.0, 5.0), "d": (5.0, 0.0), "e": (5.0, 10.0)}
    rows = [
        {"unit_code": u, "period": P, "indicator": ind, "value": v}
        for u, pair in table.items()
        for ind, v in zip(("x", "y"), pair, strict=True)
    ]
    units = pd.DataFrame({"unit_code": list(table), "peer_group": "g"})
    explained = explain_gaps(evaluate(pd.DataFrame(rows), units, scheme, P), scheme)
    a = explained[explained["unit_code"] == "a"].set_index("indicator")
    # The median unit is b (x 50, y 50); a leads by 0.75 * 50 on x and nothing on y.
    assert a.loc["x", "contribution"] == pytest.approx(37.5)
    assert a.loc["y", "contribution"] == pytest.approx(0.0)
    b = explained[explained["unit_code"] == "b"]
    assert (b["contribution"] == 0).all()
    assert (b["gap"] == 0).all()


# ------------------------------------------------------------------ records behind an element


@pytest.fixture(scope="module")
def synth_cases(tmp_path_factory: pytest.TempPathFactory):
    from grassroots.engine.cases import read_cases
    from grassroots.engine.synth.generator import SynthOptions, generate

    out = tmp_path_factory.mktemp("cases")
    generate(out, SynthOptions(first="2024Q3", last="2024Q3", provinces=("37",), scale=0.2))
    return read_cases(out)


def test_the_records_behind_a_count_element_are_as_many_as_its_value(synth_cases) -> None:
    from grassroots.engine.catalogue import load_catalogue
    from grassroots.engine.compute import compute_elements
    from grassroots.engine.explain import element_records

    catalogue = load_catalogue("spp-case-quality")
    values = compute_elements(synth_cases, catalogue, [P], codes=["arrest_approved_persons"])
    row = values.sort_values("value").iloc[-1]  # a unit with records
    found = element_records(
        synth_cases, catalogue, "arrest_approved_persons", P, unit=row.unit_code, limit=5
    )
    assert found.table == "persons"
    assert found.total == int(row.value) > 5
    assert len(found.rows) == 5
    assert set(found.rows["unit_code"]) == {row.unit_code}
    assert set(found.rows["arrest_decision"]) == {"approved"}


def test_a_reported_element_has_no_records() -> None:
    from grassroots.engine.cases import CaseTables
    from grassroots.engine.catalogue import load_catalogue
    from grassroots.engine.explain import element_records

    cepej = load_catalogue("cepej")
    code = next(iter(cepej.elements))
    with pytest.raises(ValueError, match="reported"):
        element_records(CaseTables(folder=Path(".")), cepej, code, P, unit="370102")
