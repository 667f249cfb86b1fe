from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import sqlglot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grassroots.engine import compute
from grassroots.engine.caseformat import EVENTS, HANDLER_COLUMNS
from grassroots.engine.cases import read_cases
from grassroots.engine.catalogue import load_catalogue
from grassroots.engine.compute import batch_sql, batches, computable, compute_elements, layers
from grassroots.engine.periods import Period

SPP = load_catalogue("spp-case-quality")
# The event columns without the optional handler columns (files without them stay valid).
EVENT_COLUMNS = [c for c in EVENTS.columns if c not in HANDLER_COLUMNS]


def _events(folder: Path, rows: list[tuple[str, str, str, str, date]]) -> None:
    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in EVENT_COLUMNS]
    table = pa.table(
        {name: pa.array(list(values)) for name, values in zip(EVENT_COLUMNS, columns, strict=True)}
    )
    pq.write_table(table, folder / "events.parquet")


def _values(frame: pd.DataFrame, element: str) -> dict[tuple[str, str], float]:
    rows = frame[frame["element"] == element]
    return {(r.unit_code, r.period): r.value for r in rows.itertuples()}


def test_a_row_counts_in_its_quarter_its_ytd_and_its_year(tmp_path: Path) -> None:
    _events(
        tmp_path,
        [
            ("410100", "e1", "c1", "protest", date(2024, 8, 15)),
            ("410100", "e2", "c1", "remand_first", date(2024, 2, 1)),
            ("410100", "e3", "c2", "remand_first", date(2023, 8, 15)),  # outside every period
            ("410200", "e1", "c1", "protest", date(2024, 11, 1)),  # another unit, Q4
        ],
    )
    periods = ["2024-08", "2024Q3", "2024Q3-YTD", "2024"]
    out = compute_elements(read_cases(tmp_path), SPP, periods)
    assert _values(out, "extra_procedures") == {
        ("410100", "2024-08"): 1.0,
        ("410100", "2024Q3"): 1.0,
        ("410100", "2024Q3-YTD"): 2.0,
        ("410100", "2024"): 2.0,
        ("410200", "2024"): 1.0,
    }


def test_distinct_counts_are_distinct_within_each_period(tmp_path: Path) -> None:
    _events(
        tmp_path,
        [
            ("410100", "e1", "c1", "remand_first", date(2024, 2, 1)),
            ("410100", "e2", "c1", "remand_second", date(2024, 8, 1)),
            ("410100", "e3", "c2", "remand_first", date(2024, 8, 2)),
        ],
    )
    out = compute_elements(read_cases(tmp_path), SPP, ["2024Q1", "2024Q3", "2024Q3-YTD"])
    assert _values(out, "remanded_cases") == {
        ("410100", "2024Q1"): 1.0,
        ("410100", "2024Q3"): 2.0,
        ("410100", "2024Q3-YTD"): 2.0,  # c1 remanded twice in the year counts once
    }


def test_counts_are_zero_for_an_active_unit_and_absent_for_an_inactive_one(tmp_path: Path) -> None:
    _events(
        tmp_path,
        [
            ("410100", "e1", "c1", "protest", date(2024, 7, 1)),
            ("410200", "e1", "c9", "remand_first", date(2024, 7, 2)),
        ],
    )
    out = compute_elements(read_cases(tmp_path), SPP, ["2024Q3", "2024Q2"])
    remanded = _values(out, "remanded_cases")
    assert remanded == {("410100", "2024Q3"): 0.0, ("410200", "2024Q3"): 1.0}


def test_elements_of_a_missing_table_or_column_are_absent(tmp_path: Path) -> None:
    (tmp_path / "persons.csv").write_text(
        "unit_code,case_id,person_id,arrest_decision,arrest_decision_date\n"
        "410100,c1,p1,approved,2024-07-01\n",
        encoding="utf-8",
    )
    out = compute_elements(read_cases(tmp_path), SPP, ["2024Q3"])
    assert set(out["element"]) == {
        "arrest_approved_persons",
        "arrest_not_approved_persons",
        "arrest_reviewed_persons",
    }
    assert _values(out, "arrest_not_approved_persons") == {("410100", "2024Q3"): 0.0}
    assert _values(out, "arrest_reviewed_persons") == {("410100", "2024Q3"): 1.0}


def test_there_is_one_query_per_table_and_date_column() -> None:
    chosen = [e for e in SPP.elements.values() if e.rule is not None]
    pairs = {(e.rule.table, e.rule.date) for e in chosen if e.rule is not None}
    work = batches(chosen)
    assert len(work) == len(pairs)
    assert sum(len(b.elements) for b in work) == len(chosen)


def test_each_batch_is_one_statement_scanning_its_source_once() -> None:
    events = [b for b in batches(SPP.elements.values()) if b.table == "events"]
    assert len(events) == 1
    sql = batch_sql(events[0], [Period.parse("2024Q3"), Period.parse("2024Q4")], source="ev")
    assert sql.count("FROM ev ") == 1
    assert "count(*) FILTER (WHERE" in sql
    assert "bool_or(" in sql  # distinct cases: rows collapse to one per unit, bucket and case
    # Plain SQL: it parses as DuckDB and comes out as one Spark SQL statement.
    assert len(sqlglot.transpile(sql, read="duckdb", write="spark")) == 1


def test_overlapping_periods_are_split_into_groups_of_disjoint_periods() -> None:
    periods = [Period.parse(k) for k in ["2024Q1", "2024Q2", "2024Q2-YTD", "2024Q1-YTD", "2024"]]
    groups = [[p.key for p in group] for group in layers(periods)]
    assert groups == [["2024Q1", "2024Q2"], ["2024Q1-YTD"], ["2024Q2-YTD"], ["2024"]]


def test_only_elements_whose_columns_exist_are_computable(tmp_path: Path) -> None:
    _events(tmp_path, [("410100", "e1", "c1", "protest", date(2024, 7, 1))])
    codes = {e.code for e in computable(read_cases(tmp_path), SPP)}
    assert codes == {"extra_procedures", "remanded_cases", "extended_cases"}


EVENT_ROWS = st.lists(
    st.tuples(
        st.sampled_from(["410100", "410200", "410300"]),
        st.sampled_from(["c1", "c2", "c3"]),
        st.sampled_from(["protest", "remand_first", "remand_second", "review_extension_first"]),
        st.integers(min_value=0, max_value=500),
    ),
    min_size=1,
    max_size=40,
)


def _rows(raw: list[tuple[str, str, str, int]]) -> list[tuple[str, str, str, str, date]]:
    start = date(2023, 11, 1)
    return [(u, f"e{i}", c, t, start + timedelta(days=d)) for i, (u, c, t, d) in enumerate(raw)]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=EVENT_ROWS, data=st.data())
def test_element_values_do_not_depend_on_row_order(raw: list[Any], data: st.DataObject) -> None:
    rows = _rows(raw)
    shuffled = data.draw(st.permutations(rows))
    periods = ["2024Q1", "2024Q3", "2024Q3-YTD", "2024"]
    results = []
    for ordering in (rows, shuffled):
        with tempfile.TemporaryDirectory() as tmp:
            _events(Path(tmp), ordering)
            results.append(compute_elements(read_cases(Path(tmp)), SPP, periods))
    pd.testing.assert_frame_equal(results[0], results[1])
    expected = sum(
        1 for r in rows if date(2024, 1, 1) <= r[4] <= date(2024, 12, 31) and r[0] == "410100"
    )
    assert _values(results[0], "extra_procedures").get(("410100", "2024"), 0.0) == expected


PERSON_ROWS = st.lists(
    st.tuples(
        st.sampled_from(["410100", "410200"]),
        st.sampled_from(["c1", "c2", "c3"]),
        st.sampled_from(["approved", "not_approved", None]),
        st.integers(min_value=0, max_value=700),  # arrest decision, days from 2023-07-01
        st.integers(min_value=0, max_value=700),  # arrest review received
        st.sampled_from(["prosecuted", "not_prosecuted", None]),
        st.integers(min_value=0, max_value=700),  # review concluded
    ),
    min_size=1,
    max_size=30,
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    raw=PERSON_ROWS,
    periods=st.sampled_from(
        [
            # Quarters: every case's masks packed into one BIGINT.
            ["2024Q1", "2024Q2", "2024Q2-YTD", "2024", "2023Q4"],
            # Months: 15 buckets, too many to pack for 4 elements: one mask per element.
            ["2024Q1", "2024Q2", "2024Q2-YTD", "2024", "2024-03", "2023Q4"],
        ]
    ),
)
def test_one_scan_per_table_gives_the_values_of_one_query_per_date_column(
    raw: list[Any], periods: list[str]
) -> None:
    """The persons table is read by several date columns: its one scan for counts (bucket
    combinations) and one for distinct cases (bucket masks) must give exactly what one query
    per date column and group of disjoint periods gives, for overlapping periods too."""
    start = date(2023, 7, 1)
    day = lambda n: start + timedelta(days=n)  # noqa: E731
    table = pa.table(
        {
            "unit_code": [r[0] for r in raw],
            "case_id": [r[1] for r in raw],
            "person_id": [str(i) for i in range(len(raw))],
            "arrest_decision": [r[2] for r in raw],
            "arrest_decision_date": [day(r[3]) for r in raw],
            "arrest_review_received": [day(r[4]) for r in raw],
            "prosecution_decision": [r[5] for r in raw],
            "review_concluded_date": [day(r[6]) for r in raw],
        }
    )
    with tempfile.TemporaryDirectory() as tmp:
        pq.write_table(table, Path(tmp) / "persons.parquet")
        cases = read_cases(Path(tmp))
        one = compute_elements(cases, SPP, periods)
        original = compute.plan
        try:
            compute.plan = lambda *a, **k: original(*a, **k, one_scan=False)  # type: ignore[assignment]
            per_date = compute_elements(cases, SPP, periods)
        finally:
            compute.plan = original  # type: ignore[assignment]
    pd.testing.assert_frame_equal(one, per_date)


def test_the_one_scan_plan_reads_each_table_once_per_kind_of_count() -> None:
    chosen = [e for e in SPP.elements.values() if e.rule is not None]
    views = {t: f"v_{t}" for t in ("persons", "events", "matters")}
    periods = [Period.parse(k) for k in ("2024Q3", "2024Q4", "2024")]
    request = compute.plan(batches(chosen), periods, views)
    reads = [sql.count('FROM "v_persons"') for _, sql in request.ctes]
    reads += [sql.count('FROM "v_persons"') for sql, _ in request.queries]
    # Six date columns: one scan for the counts, one for the distinct cases.
    assert sum(reads) == 2
    # Plain SQL: each part comes out as one Spark SQL statement.
    for sql in [s for _, s in request.ctes] + [s for s, _ in request.queries]:
        assert len(sqlglot.transpile(sql, read="duckdb", write="spark")) == 1
