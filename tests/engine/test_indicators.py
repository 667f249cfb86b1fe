"""Every indicator, computed by DuckDB through the catalogue, against a pure-Python reference
written independently here with plain loops over handcrafted records."""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from grassroots.engine.cases import read_cases
from grassroots.engine.catalogue import load_catalogue
from grassroots.engine.compute import compute_elements
from grassroots.engine.errors import InputError, Problem
from grassroots.engine.indicators import compute_indicators

DATA = Path(__file__).parent / "data" / "handcrafted_cases.json"
PERIODS = {
    "2024Q3": (date(2024, 7, 1), date(2024, 9, 30)),
    "2024Q3-YTD": (date(2024, 1, 1), date(2024, 9, 30)),
}
UNITS = ("410100", "410200")
Record = dict[str, Any]


def _records() -> dict[str, list[Record]]:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    return {name: data[name] for name in ("persons", "events", "matters")}


def _ratio(numerator: float, denominator: float, factor: float = 100) -> float | None:
    return None if denominator == 0 else numerator / denominator * factor


def _count(rows: list[Record], test: Any) -> int:
    total = 0
    for row in rows:
        if test(row):
            total += 1
    return total


def reference(records: dict[str, list[Record]], unit: str, period: str) -> dict[str, float | None]:
    start, end = PERIODS[period]

    def within(row: Record, column: str) -> bool:
        value = row.get(column)
        return value is not None and start <= date.fromisoformat(value) <= end

    persons = [p for p in records["persons"] if p["unit_code"] == unit]
    events = [e for e in records["events"] if e["unit_code"] == unit]
    matters = [m for m in records["matters"] if m["unit_code"] == unit]

    arrest_cases, review_cases, via_cases = set(), set(), set()
    for p in persons:
        if within(p, "arrest_review_received"):
            arrest_cases.add(p["case_id"])
        if within(p, "prosecution_review_received"):
            review_cases.add(p["case_id"])
            if p.get("via_arrest_review"):
                via_cases.add(p["case_id"])
    cases = len(arrest_cases) + len(review_cases) - len(via_cases)
    extra = _count(events, lambda e: within(e, "event_date"))  # all 16 types count toward 件

    decided = [p for p in persons if within(p, "arrest_decision_date")]
    approved = _count(decided, lambda p: p["arrest_decision"] == "approved")
    not_approved = _count(decided, lambda p: p["arrest_decision"] == "not_approved")

    concluded = [
        p for p in persons if within(p, "review_concluded_date") and p.get("prosecution_decision")
    ]
    prosecuted = _count(concluded, lambda p: p["prosecution_decision"] == "prosecuted")
    not_prosecuted = _count(concluded, lambda p: p["prosecution_decision"] == "not_prosecuted")
    arrested = [p for p in concluded if p.get("arrest_decision") == "approved"]
    recommended = [
        p for p in concluded if p.get("sentencing_recommendation") in ("fixed_term", "range")
    ]

    concluded_cases = {p["case_id"] for p in concluded}
    remanded = {
        e["case_id"]
        for e in events
        if within(e, "event_date") and e["event_type"].startswith("remand")
    }
    extended = {
        e["case_id"]
        for e in events
        if within(e, "event_date") and e["event_type"].startswith("review_extension")
    }

    judged = [p for p in persons if within(p, "judgment_date") and p.get("judgment")]
    judged_arrested = [p for p in judged if p.get("arrest_decision") == "approved"]
    # Adoption is known at judgment: dated by the judgment, not the review's conclusion.
    judged_recommended = [
        p for p in judged if p.get("sentencing_recommendation") in ("fixed_term", "range")
    ]

    protests = [
        m for m in matters if m["kind"] == "criminal_protest" and within(m, "concluded_date")
    ]
    protests = [m for m in protests if m.get("outcome") in ("changed", "maintained")]
    # A recommendation's outcome is known when it is answered: dated by concluded_date, and
    # one still pending counts in neither numerator nor denominator.
    civil = [
        m
        for m in matters
        if m["kind"] in ("civil_recommendation", "admin_recommendation")
        and within(m, "concluded_date")
        and m.get("outcome") in ("adopted", "not_adopted")
    ]
    pre = [
        m
        for m in matters
        if m["kind"] == "pre_litigation_recommendation"
        and within(m, "concluded_date")
        and m.get("outcome") in ("remedied", "not_remedied")
    ]

    return {
        "case_procedure_ratio": _ratio(cases + extra, cases, 1),
        "non_arrest_rate": _ratio(not_approved, approved + not_approved),
        "non_prosecution_rate": _ratio(not_prosecuted, prosecuted + not_prosecuted),
        "post_arrest_non_prosecution_rate": _ratio(
            _count(arrested, lambda p: p["prosecution_decision"] == "not_prosecuted"), len(arrested)
        ),
        "pre_charge_detention_rate": _ratio(
            _count(concluded, lambda p: p.get("detained_at_charge")), prosecuted + not_prosecuted
        ),
        "plea_leniency_rate": _ratio(
            _count(concluded, lambda p: p.get("plea_leniency")), len(concluded)
        ),
        "fixed_term_recommendation_rate": _ratio(
            _count(recommended, lambda p: p["sentencing_recommendation"] == "fixed_term"),
            len(recommended),
        ),
        "recommendation_adoption_rate": _ratio(
            _count(judged_recommended, lambda p: p.get("recommendation_adopted")),
            len(judged_recommended),
        ),
        "remand_rate": _ratio(len(remanded), len(concluded_cases)),
        "extension_rate": _ratio(len(extended), len(concluded_cases)),
        "withdrawal_rate": _ratio(
            _count(persons, lambda p: p.get("withdrawn") and within(p, "withdrawal_date")),
            prosecuted,
        ),
        "acquittal_rate": _ratio(
            _count(judged, lambda p: p["judgment"] == "acquitted"), len(judged)
        ),
        "post_arrest_light_sentence_rate": _ratio(
            _count(
                judged_arrested, lambda p: p["judgment"] == "convicted" and p.get("light_sentence")
            ),
            len(judged_arrested),
        ),
        "protest_change_rate": _ratio(
            _count(protests, lambda m: m.get("outcome") == "changed"), len(protests)
        ),
        "civil_admin_recommendation_adoption_rate": _ratio(
            _count(civil, lambda m: m.get("outcome") == "adopted"), len(civil)
        ),
        "pre_litigation_remedy_rate": _ratio(
            _count(pre, lambda m: m.get("outcome") == "remedied"), len(pre)
        ),
    }


def _write(folder: Path, records: dict[str, list[Record]], fmt: str) -> None:
    for name, rows in records.items():
        if fmt == "parquet":
            # from_pylist takes its columns from the first row: give every row every key.
            keys = {k: None for row in rows for k in row}
            full = [{**keys, **row} for row in rows]
            pq.write_table(pa.Table.from_pylist(full), folder / f"{name}.parquet")
        else:
            pd.DataFrame(rows).to_csv(folder / f"{name}.csv", index=False)


def _engine(folder: Path) -> pd.DataFrame:
    catalogue = load_catalogue("spp-case-quality")
    elements = compute_elements(read_cases(folder), catalogue, list(PERIODS))
    return compute_indicators(elements, catalogue)


def _same(engine: float | None, expected: float | None) -> bool:
    if expected is None:
        return engine is None or math.isnan(engine)
    return engine is not None and math.isclose(engine, expected, rel_tol=1e-12)


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_every_spp_indicator_matches_the_reference(tmp_path: Path, fmt: str) -> None:
    records = _records()
    _write(tmp_path, records, fmt)
    result = _engine(tmp_path).set_index(["unit_code", "period", "indicator"])["value"]
    mismatches = []
    for unit in UNITS:
        for period in PERIODS:
            for code, expected in reference(records, unit, period).items():
                got = result.get((unit, period, code))
                value = None if got is None else float(got)
                if not _same(value, expected):
                    mismatches.append((unit, period, code, value, expected))
    assert mismatches == []


def test_the_handcrafted_records_exercise_every_indicator() -> None:
    """Guards the reference test: each indicator has a real value for the main unit in Q3, and
    the Q3 and YTD values differ for some, so the period placement is really tested."""
    records = _records()
    q3 = reference(records, "410100", "2024Q3")
    ytd = reference(records, "410100", "2024Q3-YTD")
    assert all(v is not None for v in q3.values())
    assert sum(q3[c] != ytd[c] for c in q3) >= 8
    assert reference(records, "410200", "2024Q3") != q3


CEPEJ_ROWS = [
    ("hr1", "2020", "incoming", 24924.0),
    ("hr1", "2020", "resolved", 31306.0),
    ("hr1", "2020", "pending_end", 24423.0),
    ("hr2", "2020", "incoming", 100.0),
    ("hr2", "2020", "resolved", 0.0),
    ("hr2", "2020", "pending_end", 50.0),
    ("hr3", "2020", "incoming", 80.0),
    ("hr3", "2020", "resolved", 90.0),  # pending_end missing: absent, not 0
]


def _cepej_reference(
    rows: list[tuple[str, str, str, float]],
) -> dict[tuple[str, str], float | None]:
    values: dict[str, dict[str, float]] = {}
    for unit, _, element, value in rows:
        values.setdefault(unit, {})[element] = value
    out: dict[tuple[str, str], float | None] = {}
    for unit, v in values.items():
        incoming, resolved, pending = v.get("incoming"), v.get("resolved"), v.get("pending_end")
        out[(unit, "clearance_rate")] = (
            None if not incoming or resolved is None else resolved / incoming * 100
        )
        out[(unit, "disposition_time")] = (
            None if not resolved or pending is None else 365 * pending / resolved
        )
        out[(unit, "case_turnover")] = (
            None if not pending or resolved is None else resolved / pending
        )
    return out


def _frame(rows: list[tuple[str, str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["unit_code", "period", "element", "value"])


def test_every_cepej_indicator_matches_the_reference() -> None:
    result = compute_indicators(_frame(CEPEJ_ROWS), load_catalogue("cepej"))
    got = {(r.unit_code, r.indicator): r.value for r in result.itertuples()}
    expected = _cepej_reference(CEPEJ_ROWS)
    assert set(got) == set(expected)
    assert all(_same(float(got[k]), expected[k]) for k in expected)


def test_a_zero_denominator_or_missing_element_gives_nan_not_zero() -> None:
    result = compute_indicators(_frame(CEPEJ_ROWS), load_catalogue("cepej"))
    by_key = result.set_index(["unit_code", "indicator"])["value"]
    assert math.isnan(by_key[("hr2", "disposition_time")])
    assert math.isnan(by_key[("hr3", "case_turnover")])
    assert by_key[("hr3", "clearance_rate")] == pytest.approx(112.5)


def test_it_rejects_a_numerator_larger_than_its_denominator_for_a_subset_indicator() -> None:
    elements = _frame(
        [
            ("410100", "2024Q3", "arrest_approved_persons", 10.0),
            ("410100", "2024Q3", "arrest_not_approved_persons", 5.0),
            ("410100", "2024Q3", "acquitted_persons", 7.0),
            ("410100", "2024Q3", "judged_persons", 3.0),
        ]
    )
    elements.attrs["source"] = "elements.csv"
    with pytest.raises(InputError) as error:
        compute_indicators(elements, load_catalogue("spp-case-quality"))
    assert error.value.problems == [
        Problem(
            "elements.csv",
            None,
            "acquittal_rate",
            "unit 410100 period 2024Q3: numerator 7 is larger than denominator 3, "
            "but acquittal_rate counts a subset of its denominator",
        )
    ]


def test_it_rejects_a_negative_count_among_element_values() -> None:
    elements = _frame([("410100", "2024Q3", "judged_persons", -2.0)])
    with pytest.raises(InputError) as error:
        compute_indicators(elements, load_catalogue("spp-case-quality"))
    assert error.value.problems == [
        Problem(
            "element values",
            None,
            "judged_persons",
            "unit 410100 period 2024Q3: -2 is below the minimum 0",
        )
    ]


def test_validation_can_be_turned_off() -> None:
    elements = _frame(
        [("u", "2024", "acquitted_persons", 7.0), ("u", "2024", "judged_persons", 3.0)]
    )
    result = compute_indicators(
        elements, load_catalogue("spp-case-quality"), codes=["acquittal_rate"], validate=False
    )
    assert result["value"].tolist() == pytest.approx([700 / 3])


def test_it_rejects_an_unknown_indicator_code() -> None:
    with pytest.raises(InputError) as error:
        compute_indicators(_frame(CEPEJ_ROWS), load_catalogue("cepej"), codes=["clearence_rate"])
    assert "did you mean 'clearance_rate'" in error.value.problems[0].message
