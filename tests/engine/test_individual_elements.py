"""Per-person elements: the DuckDB result equals a pure-Python reference on handcrafted records."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from fractions import Fraction
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grassroots.engine.cases import read_cases
from grassroots.engine.individual import (
    ELEMENTS,
    load_coefficients,
    parse_coefficients,
    person_elements,
)

EXAMPLE = load_coefficients("example-2021")
MONTHS = [f"2024-{m:02d}" for m in range(1, 13)]
Key = tuple[str, str, str, str]


def _month(day: dt.date | None) -> str | None:
    return None if day is None else f"{day.year}-{day.month:02d}"


def reference(
    tables: dict[str, list[dict[str, Any]]], coef: Any, months: list[str]
) -> dict[Key, float]:
    """Loops over rows, one rule per element, as a clerk would count by hand."""
    out: dict[Key, float] = defaultdict(float)
    wanted = set(months)

    def who(row: dict[str, Any]) -> tuple[str, str] | None:
        staff = row.get("prosecutor_id")
        return (row["unit_code"], staff) if staff else None

    arrest: set[tuple[str, str, str, str]] = set()
    concluded: dict[tuple[str, str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in tables.get("persons", []):
        person = who(row)
        if person is None:
            continue
        m = _month(row.get("arrest_decision_date"))
        if m in wanted and row.get("arrest_decision") is not None:
            arrest.add((*person, m, row["case_id"]))
        m = _month(row.get("review_concluded_date"))
        if m in wanted:
            concluded[(*person, m, row["case_id"])].append(row)
        m = _month(row.get("judgment_date"))
        if m in wanted:
            recommended = row.get("sentencing_recommendation") in ("fixed_term", "range")
            out[(*person, m, "judged_with_recommendation")] += recommended
            out[(*person, m, "sentencing_recommendations_adopted")] += bool(
                recommended and row.get("recommendation_adopted")
            )
    for unit, staff, m, _ in arrest:
        out[(unit, staff, m, "arrest_review_cases")] += 1
        out[(unit, staff, m, "workload")] += float(coef.coefficient("arrest_review"))
    for (unit, staff, m, _), rows in concluded.items():
        key = (unit, staff, m)
        out[(*key, "prosecution_concluded_cases")] += 1
        out[(*key, "workload")] += float(coef.coefficient("prosecution_review"))
        out[(*key, "review_concluded_persons")] += len(rows)
        out[(*key, "plea_leniency_persons")] += sum(bool(r.get("plea_leniency")) for r in rows)
        received = [
            r["prosecution_review_received"] for r in rows if r.get("prosecution_review_received")
        ]
        if received:
            last = max(r["review_concluded_date"] for r in rows)
            out[(*key, "review_days")] += (last - min(received)).days
            out[(*key, "review_timed_cases")] += 1
    remanded: set[tuple[str, ...]] = set()
    extended: set[tuple[str, ...]] = set()
    for row in tables.get("events", []):
        person, m = who(row), _month(row["event_date"])
        if person is None or m not in wanted:
            continue
        out[(*person, m, "workload")] += float(coef.coefficient(row["event_type"]))
        if row["event_type"].startswith("remand"):
            remanded.add((*person, m, row["case_id"]))
        if row["event_type"].startswith("review_extension"):
            extended.add((*person, m, row["case_id"]))
        out[(*person, m, "remanded_cases")] += 0  # an event makes the person active
    for unit, staff, m, _ in remanded:
        out[(unit, staff, m, "remanded_cases")] += 1
    for unit, staff, m, _ in extended:
        out[(unit, staff, m, "extended_cases")] += 1
    for row in tables.get("matters", []):
        person = who(row)
        if person is None:
            continue
        m = _month(row["issued_date"])
        if m in wanted:
            out[(*person, m, "workload")] += float(coef.coefficient(row["kind"]))
        m = _month(row.get("concluded_date"))
        if m not in wanted:
            continue
        outcome, protest = row.get("outcome"), row["kind"] == "criminal_protest"
        out[(*person, m, "protests_concluded")] += protest and outcome in ("changed", "maintained")
        out[(*person, m, "protests_changed")] += protest and outcome == "changed"
        answered = outcome in ("adopted", "not_adopted", "remedied", "not_remedied")
        out[(*person, m, "procuratorial_recommendations_answered")] += (not protest) and answered
        out[(*person, m, "procuratorial_recommendations_adopted")] += (not protest) and outcome in (
            "adopted",
            "remedied",
        )
    # Every element of an active person-month, zeros included.
    active = {k[:3] for k in out}
    return {(*a, e): float(out.get((*a, e), 0.0)) for a in active for e in ELEMENTS}


def engine(tables: dict[str, list[dict[str, Any]]], coef: Any = EXAMPLE) -> dict[Key, float]:
    frames = {name: pd.DataFrame(rows) for name, rows in tables.items() if rows}
    out = person_elements(frames, months=MONTHS, coefficients=coef)
    return {
        (r.unit_code, r.staff_id, r.month, r.element): r.value for r in out.itertuples(index=False)
    }


def _assert_same(got: dict[Key, float], want: dict[Key, float]) -> None:
    assert set(got) == set(want)
    for key, value in want.items():
        assert got[key] == pytest.approx(value), key


D = dt.date


def handcrafted() -> dict[str, list[dict[str, Any]]]:
    persons = [
        # P1: case c1 (two persons) arrested in January, concluded 20 days after receipt in March.
        {"unit_code": "u1", "case_id": "c1", "person_id": "1", "prosecutor_id": "P1",
         "arrest_decision": "approved", "arrest_decision_date": D(2024, 1, 10),
         "prosecution_review_received": D(2024, 3, 1), "review_concluded_date": D(2024, 3, 21),
         "plea_leniency": True, "sentencing_recommendation": "fixed_term",
         "recommendation_adopted": True, "judgment_date": D(2024, 5, 2)},
        {"unit_code": "u1", "case_id": "c1", "person_id": "2", "prosecutor_id": "P1",
         "arrest_decision": "not_approved", "arrest_decision_date": D(2024, 1, 10),
         "prosecution_review_received": D(2024, 3, 1), "review_concluded_date": D(2024, 3, 21),
         "plea_leniency": False, "sentencing_recommendation": "range",
         "recommendation_adopted": False, "judgment_date": D(2024, 5, 2)},
        # P2 in another unit with the same staff number as nobody in u1; no arrest decision.
        {"unit_code": "u2", "case_id": "c1", "person_id": "1", "prosecutor_id": "P1",
         "prosecution_review_received": D(2024, 2, 1), "review_concluded_date": D(2024, 3, 3),
         "plea_leniency": True, "sentencing_recommendation": "none"},
        # Nobody named: counts for nobody.
        {"unit_code": "u1", "case_id": "c9", "person_id": "1", "prosecutor_id": None,
         "review_concluded_date": D(2024, 3, 3)},
    ]  # fmt: skip
    events = [
        {"unit_code": "u1", "event_id": "e1", "case_id": "c1", "event_type": "remand_first",
         "event_date": D(2024, 3, 5), "prosecutor_id": "P1"},
        {"unit_code": "u1", "event_id": "e2", "case_id": "c1", "event_type": "remand_second",
         "event_date": D(2024, 3, 15), "prosecutor_id": "P1"},
        {"unit_code": "u1", "event_id": "e3", "case_id": "c1", "event_type": "protest",
         "event_date": D(2024, 6, 1), "prosecutor_id": "P1"},
    ]  # fmt: skip
    matters = [
        {"unit_code": "u1", "matter_id": "m1", "kind": "criminal_protest",
         "issued_date": D(2024, 6, 1), "concluded_date": D(2024, 8, 1), "outcome": "changed",
         "prosecutor_id": "P2"},
        {"unit_code": "u1", "matter_id": "m2", "kind": "civil_recommendation",
         "issued_date": D(2024, 6, 9), "concluded_date": D(2024, 8, 9), "outcome": "not_adopted",
         "prosecutor_id": "P2"},
    ]  # fmt: skip
    return {"persons": persons, "events": events, "matters": matters}


def test_handcrafted_records_match_the_reference_and_known_values() -> None:
    tables = handcrafted()
    got = engine(tables)
    _assert_same(got, reference(tables, EXAMPLE, MONTHS))
    # Known by hand: the two persons of c1 are one case; 20 days of review; two remands, one case.
    assert got[("u1", "P1", "2024-01", "arrest_review_cases")] == 1
    assert got[("u1", "P1", "2024-03", "prosecution_concluded_cases")] == 1
    assert got[("u1", "P1", "2024-03", "review_concluded_persons")] == 2
    assert got[("u1", "P1", "2024-03", "review_days")] == 20
    assert got[("u1", "P1", "2024-03", "remanded_cases")] == 1
    assert got[("u1", "P1", "2024-05", "sentencing_recommendations_adopted")] == 1
    assert got[("u1", "P1", "2024-05", "judged_with_recommendation")] == 2
    assert got[("u1", "P1", "2024-06", "workload")] == pytest.approx(4 / 3)  # 二审抗诉
    assert got[("u1", "P2", "2024-06", "workload")] == pytest.approx(4 / 3 + 2 / 3)
    assert got[("u1", "P2", "2024-08", "protests_changed")] == 1
    assert got[("u1", "P2", "2024-08", "procuratorial_recommendations_answered")] == 1
    assert got[("u1", "P2", "2024-08", "procuratorial_recommendations_adopted")] == 0
    assert got[("u2", "P1", "2024-03", "plea_leniency_persons")] == 1
    assert not any(k[1] == "None" or k[1] == "" for k in got)


def test_workload_follows_the_coefficient_table_the_province_edits() -> None:
    tables = handcrafted()
    edited = parse_coefficients("name: t\nyear: 2025\ncoefficients: {prosecution_review: 3/2}")
    got = engine(tables, edited)
    _assert_same(got, reference(tables, edited, MONTHS))
    assert got[("u1", "P1", "2024-03", "workload")] == 1.5
    assert got[("u1", "P1", "2024-01", "workload")] == 0  # arrest review not in this table
    assert edited.coefficient("arrest_review") == Fraction(0)


def test_tables_without_handler_columns_count_for_nobody(tmp_path: Path) -> None:
    (tmp_path / "events.csv").write_text(
        "unit_code,event_id,case_id,event_type,event_date\nu1,e1,c1,protest,2024-07-01\n"
    )
    assert person_elements(read_cases(tmp_path), months=MONTHS).empty


def test_case_folders_and_frames_give_the_same_elements(tmp_path: Path) -> None:
    tables = handcrafted()
    for name, rows in tables.items():
        pd.DataFrame(rows).to_csv(tmp_path / f"{name}.csv", index=False)
    from_folder = person_elements(read_cases(tmp_path), months=MONTHS)
    got = {(r.unit_code, r.staff_id, r.month, r.element): r.value for r in from_folder.itertuples()}
    _assert_same(got, reference(tables, EXAMPLE, MONTHS))


def test_it_takes_month_keys_only() -> None:
    with pytest.raises(ValueError, match="month keys"):
        person_elements(handcrafted(), months=["2024Q1"])  # type: ignore[arg-type]


# ------------------------------------------------------------------ generated records

DAYS = st.dates(min_value=D(2023, 12, 1), max_value=D(2025, 1, 31))
STAFF = st.sampled_from(["P1", "P2", "P3", None])
UNITS = st.sampled_from(["u1", "u2"])
CASES = st.sampled_from(["c1", "c2", "c3", "c4"])


@st.composite
def person_rows(draw: st.DrawFn) -> dict[str, Any]:
    received = draw(st.none() | DAYS)
    return {
        "unit_code": draw(UNITS),
        "case_id": draw(CASES),
        "prosecutor_id": draw(STAFF),
        "arrest_decision": draw(st.sampled_from([None, "approved", "not_approved"])),
        "arrest_decision_date": draw(st.none() | DAYS),
        "prosecution_review_received": received,
        "review_concluded_date": None if received is None else received + dt.timedelta(draw(st.integers(0, 90))),
        "plea_leniency": draw(st.none() | st.booleans()),
        "sentencing_recommendation": draw(st.sampled_from([None, "none", "fixed_term", "range"])),
        "recommendation_adopted": draw(st.none() | st.booleans()),
        "judgment_date": draw(st.none() | DAYS),
    }  # fmt: skip


@st.composite
def event_rows(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "unit_code": draw(UNITS),
        "case_id": draw(CASES),
        "event_type": draw(st.sampled_from(["remand_first", "remand_second", "protest",
                                             "review_extension_first", "detention_extension"])),
        "event_date": draw(DAYS),
        "prosecutor_id": draw(STAFF),
    }  # fmt: skip


@st.composite
def matter_rows(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "unit_code": draw(UNITS),
        "kind": draw(st.sampled_from(["criminal_protest", "civil_recommendation",
                                       "pre_litigation_recommendation"])),
        "issued_date": draw(DAYS),
        "concluded_date": draw(st.none() | DAYS),
        "outcome": draw(st.sampled_from([None, "pending", "changed", "maintained", "adopted",
                                          "not_adopted", "remedied", "not_remedied"])),
        "prosecutor_id": draw(STAFF),
    }  # fmt: skip


def _numbered(rows: list[dict[str, Any]], key: str, prefix: str) -> list[dict[str, Any]]:
    return [{**row, key: f"{prefix}{i}"} for i, row in enumerate(rows)]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(person_rows(), max_size=14),
    st.lists(event_rows(), max_size=8),
    st.lists(matter_rows(), max_size=8),
)
def test_random_records_match_the_reference(
    persons: list[dict[str, Any]], events: list[dict[str, Any]], matters: list[dict[str, Any]]
) -> None:
    tables = {
        "persons": _numbered(persons, "person_id", "p"),
        "events": _numbered(events, "event_id", "e"),
        "matters": _numbered(matters, "matter_id", "m"),
    }
    _assert_same(engine(tables), reference(tables, EXAMPLE, MONTHS))
