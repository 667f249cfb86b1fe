"""The pipeline's own decisions: which periods to compute, which units, how results join."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from grassroots.engine.errors import InputError
from grassroots.engine.outputs import RESULT_COLUMNS
from grassroots.engine.periods import Period
from grassroots.engine.pipeline import (
    Source,
    attach_intervals,
    derive_units,
    evaluate_source,
    periods_needed,
    prepare,
    read_units_file,
    values_for,
)
from grassroots.engine.scheme import scheme_from_dict

PERSONS_HEADER = (
    "unit_code,case_id,person_id,prosecution_decision,review_concluded_date,plea_leniency"
)

SCHEME = """\
name: plea-only
catalogue: spp-case-quality
defaults:
  missing: {{imputation: {imputation}, min_coverage: 0.5}}
tree:
  code: total
  children:
    - {{indicator: plea_leniency_rate, direction: higher}}
"""


def _scheme(tmp_path: Path, imputation: str = "none") -> Path:
    path = tmp_path / f"plea-{imputation}.yaml"
    path.write_text(SCHEME.format(imputation=imputation), encoding="utf-8")
    return path


def _persons(folder: Path, rows: list[tuple[str, str, bool]]) -> Path:
    """Persons concluded on the given dates: (unit, date, plea leniency applied)."""
    folder.mkdir(exist_ok=True)
    lines = [PERSONS_HEADER] + [
        f"{unit},c{i},1,prosecuted,{day},{str(plea).lower()}"
        for i, (unit, day, plea) in enumerate(rows)
    ]
    (folder / "persons.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def test_it_needs_only_the_period_without_last_period_imputation() -> None:
    scheme = scheme_from_dict(
        {"name": "s", "tree": {"code": "t", "children": [{"indicator": "a"}]}}
    )
    assert [p.key for p in periods_needed(scheme, Period.parse("2024Q3"))] == ["2024Q3"]


def test_it_adds_the_previous_period_when_the_scheme_imputes_from_it() -> None:
    scheme = scheme_from_dict(
        {
            "name": "s",
            "defaults": {"missing": {"imputation": "last_period"}},
            "tree": {"code": "t", "children": [{"indicator": "a"}]},
        }
    )
    keys = [p.key for p in periods_needed(scheme, Period.parse("2024Q1-YTD"))]
    assert keys == ["2023Q1-YTD", "2024Q1-YTD"]


def test_last_period_imputation_fills_a_unit_silent_this_quarter(tmp_path: Path) -> None:
    rows = [
        ("370102", "2024-08-01", True),  # Q3: 1 of 2 with plea leniency
        ("370102", "2024-08-02", False),
        ("370103", "2024-11-01", True),
        ("370103", "2024-11-02", True),
        ("370104", "2024-11-03", False),
        ("370104", "2024-11-04", True),
    ]
    folder = _persons(tmp_path / "cases", rows)
    result = evaluate_source(
        scheme=_scheme(tmp_path, "last_period"), period="2024Q4", source=Source(cases=folder)
    )
    leaf = result[result["node"] == "plea_leniency_rate"].set_index("unit_code")
    # 370102 concluded nothing in Q4: its Q3 rate (50%) is carried forward and flagged.
    assert leaf.loc["370102", "value"] == pytest.approx(50.0)
    assert "imputed" in str(leaf.loc["370102", "flags"])
    assert leaf.loc["370103", "value"] == pytest.approx(100.0)


def test_without_imputation_a_silent_unit_stays_missing(tmp_path: Path) -> None:
    rows = [("370102", "2024-08-01", True), ("370103", "2024-11-01", True)]
    folder = _persons(tmp_path / "cases", rows)
    result = evaluate_source(scheme=_scheme(tmp_path), period="2024Q4", source=Source(cases=folder))
    leaf = result[result["node"] == "plea_leniency_rate"].set_index("unit_code")
    assert math.isnan(leaf.loc["370102", "value"])
    assert list(result.columns[: len(RESULT_COLUMNS)]) == list(RESULT_COLUMNS)


def test_derived_units_are_grouped_by_city() -> None:
    units = derive_units(pd.Series(["370203", "370102", "370104", "370102"]))
    assert units["unit_code"].tolist() == ["370102", "370104", "370203"]
    assert units["peer_group"].tolist() == ["370100", "370100", "370200"]


def test_units_csv_beside_the_cases_sets_the_peer_groups(tmp_path: Path) -> None:
    rows = [("370102", "2024-11-01", True), ("370103", "2024-11-02", False)]
    folder = _persons(tmp_path / "cases", rows)
    (folder / "units.csv").write_text(
        "unit_code,name,peer_group\n370102,A,east\n370103,B,west\n", encoding="utf-8"
    )
    inputs = prepare(scheme=_scheme(tmp_path), period="2024Q4", source=Source(cases=folder))
    assert dict(zip(inputs.units["unit_code"], inputs.units["peer_group"], strict=True)) == {
        "370102": "east",
        "370103": "west",
    }


def test_a_described_unit_list_is_narrowed_to_grassroots_units(tmp_path: Path) -> None:
    path = tmp_path / "units.csv"
    path.write_text(
        "unit_code,name,peer_group,parent,level,kind,headcount\n"
        "370000,Province,,,province,regular,300\n"
        "370100,Jinan,370000,370000,city,regular,150\n"
        "370102,Lixia,370100,370100,grassroots,regular,40\n"
        "370103,Shizhong,370100,370100,grassroots,regular,38\n",
        encoding="utf-8",
    )
    units = read_units_file(path)
    assert units["unit_code"].tolist() == ["370102", "370103"]
    assert set(units["peer_group"]) == {"370100"}


def test_narrowed_unit_list_problems_keep_the_files_rows(tmp_path: Path) -> None:
    path = tmp_path / "units.csv"
    path.write_text(
        "unit_code,name,peer_group,parent,level\n"
        "370100,Jinan,370000,,city\n"
        "370102,Lixia,,370100,grassroots\n"
        "370102,Lixia again,370100,370100,grassroots\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        read_units_file(path)
    text = [str(p) for p in caught.value.problems]
    assert any(t.startswith("units.csv row 3, column peer_group") for t in text), text
    assert any(t.startswith("units.csv row 4") and "duplicate" in t for t in text), text


def test_a_unit_list_with_unknown_columns_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "units.csv"
    path.write_text("unit_code,name,peer_group,colour\n370102,A,370100,red\n", encoding="utf-8")
    with pytest.raises(InputError, match="unknown column 'colour'"):
        read_units_file(path)


def test_rank_intervals_join_on_unit_and_node() -> None:
    result = pd.DataFrame(
        {"unit_code": ["a", "a", "b"], "node": ["x", "root", "root"], "rank_all": [1, 2, 1]}
    )
    intervals = pd.DataFrame(
        {
            "unit_code": ["b", "a"],
            "node": ["root", "root"],
            "rank_nominal": [1, 2],
            "rank_q05": [1.0, 1.0],
            "rank_median": [1.0, 2.0],
            "rank_q95": [2.0, 2.0],
            "colour_share": [0.9, 0.6],
        }
    )
    joined = attach_intervals(result, intervals).set_index(["unit_code", "node"])
    assert joined.loc[("a", "root"), "rank_median"] == 2.0
    assert joined.loc[("b", "root"), "colour_share"] == 0.9
    assert math.isnan(joined.loc[("a", "x"), "rank_q05"])
    assert "rank_nominal" not in joined.columns


def test_a_free_standing_scheme_needs_indicator_values(tmp_path: Path) -> None:
    scheme = tmp_path / "free.yaml"
    scheme.write_text(
        "name: free\ntree:\n  code: t\n  children:\n    - {indicator: income}\n", encoding="utf-8"
    )
    elements = tmp_path / "e.csv"
    elements.write_text("unit_code,period,element,value\n370102,2024,x,1\n", encoding="utf-8")
    with pytest.raises(InputError, match="--indicators"):
        prepare(scheme=scheme, period="2024", source=Source(elements=elements))


def test_a_source_is_exactly_one_input(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="exactly one"):
        Source(cases=tmp_path, elements=tmp_path / "e.csv")
    with pytest.raises(ValueError, match="units"):
        Source(indicators=tmp_path / "i.csv")


def test_a_checklist_scheme_is_not_scored(tmp_path: Path) -> None:
    elements = tmp_path / "e.csv"
    elements.write_text("unit_code,period,element,value\n370102,2024Q4,x,1\n", encoding="utf-8")
    with pytest.raises(InputError, match="checklist"):
        prepare(scheme="weak-exit-standard", period="2024Q4", source=Source(elements=elements))


def _two_quarters() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unit_code": ["a", "a"],
            "period": ["2024Q3", "2024Q4"],
            "indicator": ["x", "x"],
            "value": [1.0, 2.0],
        }
    )


def test_scoring_reads_only_the_period_without_imputation() -> None:
    scheme = scheme_from_dict(
        {"name": "s", "tree": {"code": "t", "children": [{"indicator": "x"}]}}
    )
    sliced = values_for(_two_quarters(), scheme, Period.parse("2024Q4"))
    assert sliced["period"].tolist() == ["2024Q4"]


def test_scoring_keeps_earlier_periods_for_last_period_imputation() -> None:
    scheme = scheme_from_dict(
        {
            "name": "s",
            "defaults": {"missing": {"imputation": "last_period"}},
            "tree": {"code": "t", "children": [{"indicator": "x"}]},
        }
    )
    sliced = values_for(_two_quarters(), scheme, Period.parse("2024Q4"))
    assert sliced["period"].tolist() == ["2024Q3", "2024Q4"]


def test_rank_intervals_are_of_the_rank_among_all_units_not_within_the_peer_group() -> None:
    """Pages show the interval beside `rank_all` and the weak-unit rule reads it against the
    province's bottom tier: a unit ranked 9th of 10 must not get a peer group's "1–2"."""
    from grassroots.engine.pipeline import Prepared, score

    codes = [f"u{i:02d}" for i in range(10)]
    values = pd.DataFrame(
        {
            "unit_code": codes * 2,
            "period": "2024Q4",
            "indicator": ["x"] * 10 + ["y"] * 10,
            "value": [float(i) for i in range(10)] + [float(10 - i) * 0.5 + i for i in range(10)],
        }
    )
    units = pd.DataFrame({"unit_code": codes, "peer_group": ["a"] * 5 + ["b"] * 5})
    scheme = scheme_from_dict(
        {
            "name": "s",
            "tree": {
                "code": "t",
                "children": [
                    {"indicator": "x", "direction": "higher"},
                    {"indicator": "y", "direction": "higher"},
                ],
            },
        }
    )
    prepared = Prepared(values, units, scheme, Period.parse("2024Q4"))
    result = score(prepared, sensitivity=50, seed=1)
    root = result[result["node"] == "t"].set_index("unit_code")
    assert root["rank_q95"].max() > 5  # beyond the size of either peer group
    assert (root["rank_q05"] <= root["rank_q95"]).all()
    # Each unit's interval surrounds (or touches) its rank among all ten, not its peer rank.
    near = (root["rank_q05"] <= root["rank_all"] + 1) & (root["rank_all"] - 1 <= root["rank_q95"])
    assert near.all(), root[["rank_peer", "rank_all", "rank_q05", "rank_q95"]]
