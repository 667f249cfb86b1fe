"""People benchmark: every per-person score of a province for one year, against a floor.

    .venv/bin/python benchmarks/people.py              # 150 units, 6,000 staff, 2024 by month
    .venv/bin/python benchmarks/people.py --reps 9     # best of 9 (default 5)

Generates once into benchmarks/out/people-41/ (git-ignored): Henan (province 41) with 40 staff
per grassroots unit, 2024Q1–2024Q4, seed 1; the first 150 units are used (6,000 staff). Then,
in this one run and on the same in-memory Arrow tables:

  engine  person_elements (12 months) + score_people for the prosecutor scheme and the
          assistant scheme: items, components, totals, grades, ranks and bands for every
          month, running month-to-date (YTD), quarter and the year
  floor   one hand-written DuckDB statement computing the same per-person aggregates (every
          element for every person and period: months, YTDs, quarters, year)

It checks that both computed the same element totals, prints seconds (best of --reps) and the
ratio engine ÷ floor against the target (≤ 2×) with PASS/FAIL. The two alternate rep by rep,
so the machine's load falls on both. No absolute time is asserted.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grassroots.engine.individual import (  # noqa: E402
    CoefficientTable,
    IndividualScheme,
    load_coefficients,
    load_individual_scheme,
    person_elements,
    score_people,
)
from grassroots.engine.synth import SynthOptions, generate  # noqa: E402

OUT = ROOT / "benchmarks" / "out" / "people-41"
PROVINCE, UNITS, STAFF_PER_UNIT, YEAR = "41", 150, 40, 2024
TARGET_RATIO = 2.0
SCHEMES = ("prosecutor-2021", "assistant-2021")
TABLES = ("persons", "events", "matters")


def ensure_data(folder: Path) -> None:
    if (folder / "roster.csv").exists() and (folder / "persons.parquet").exists():
        return
    print(f"generating {folder} ...", flush=True)
    started = time.perf_counter()
    options = SynthOptions(first=f"{YEAR}Q1", last=f"{YEAR}Q4", provinces=(PROVINCE,), seed=1,
                           staff_per_unit=STAFF_PER_UNIT)  # fmt: skip
    generate(folder, options)
    print(f"generated in {time.perf_counter() - started:.0f} s", flush=True)


def load(folder: Path) -> tuple[dict[str, pa.Table], pd.DataFrame]:
    """The first 150 units' case tables (Arrow, in memory) and roster."""
    roster = pd.read_csv(folder / "roster.csv", dtype={"unit_code": str, "staff_id": str})
    units = sorted(roster.unit_code.unique())[:UNITS]
    roster = roster[roster.unit_code.isin(units)].reset_index(drop=True)
    keep = pa.array(units, pa.string())
    tables = {}
    for name in TABLES:
        table = pq.read_table(folder / f"{name}.parquet")
        tables[name] = table.filter(pc.is_in(table.column("unit_code"), value_set=keep))
    return tables, roster


def reviewer_items(roster: pd.DataFrame) -> pd.DataFrame:
    """A year of monthly entries for every reviewer and adjustment item (seeded)."""
    rng = np.random.default_rng(7)
    parts = []
    items = {"conduct": (24, 30), "overall": (6, 10), "merit": (-3, 3), "assisting": (-5, 5)}
    for month in range(1, 13):
        for item, (low, high) in items.items():
            parts.append(pd.DataFrame({
                "unit_code": roster.unit_code, "staff_id": roster.staff_id,
                "month": f"{YEAR}-{month:02d}", "item": item,
                "value": rng.integers(low, high + 1, len(roster)).astype(float),
            }))  # fmt: skip
    return pd.concat(parts, ignore_index=True)


def engine(
    tables: dict[str, pa.Table],
    roster: pd.DataFrame,
    entered: pd.DataFrame,
    schemes: list[IndividualScheme],
    coefficients: CoefficientTable,
) -> dict[str, Any]:
    con = duckdb.connect()
    try:
        months = [f"{YEAR}-{m:02d}" for m in range(1, 13)]
        elements = person_elements(tables, months=months, coefficients=coefficients, con=con)
        scores = [
            score_people(scheme, elements, entered, roster, year=YEAR, con=con)
            for scheme in schemes
        ]
    finally:
        con.close()
    return {"elements": elements, "rows": sum(len(s) for s in scores), "scores": scores}


FLOOR_SQL = """
WITH coef(work_type, c) AS (SELECT * FROM coef_in),
monthly AS (
  SELECT unit_code, staff_id, m, sum(arrest) AS arrest_review_cases,
         sum(concluded) AS prosecution_concluded_cases, sum(persons) AS review_concluded_persons,
         sum(plea) AS plea_leniency_persons, sum(days) AS review_days, sum(timed) AS review_timed_cases,
         sum(judged_rec) AS judged_with_recommendation, sum(adopted) AS sentencing_recommendations_adopted,
         sum(remanded) AS remanded_cases, sum(extended) AS extended_cases,
         sum(p_concluded) AS protests_concluded, sum(p_changed) AS protests_changed,
         sum(r_answered) AS procuratorial_recommendations_answered,
         sum(r_adopted) AS procuratorial_recommendations_adopted, sum(work) AS workload
  FROM (
    SELECT unit_code, prosecutor_id AS staff_id,
           year(arrest_decision_date) * 12 + month(arrest_decision_date) - 1 AS m,
           count(DISTINCT case_id) AS arrest, 0 AS concluded, 0 AS persons, 0 AS plea, 0 AS days,
           0 AS timed, 0 AS judged_rec, 0 AS adopted, 0 AS remanded, 0 AS extended,
           0 AS p_concluded, 0 AS p_changed, 0 AS r_answered, 0 AS r_adopted,
           count(DISTINCT case_id) * (SELECT c FROM coef WHERE work_type = 'arrest_review') AS work
    FROM persons WHERE prosecutor_id IS NOT NULL AND arrest_decision IS NOT NULL
      AND year(arrest_decision_date) = {year} GROUP BY ALL
    UNION ALL
    SELECT unit_code, staff_id, m, 0, count(*), sum(n), sum(plea), coalesce(sum(days), 0),
           count(days), 0, 0, 0, 0, 0, 0, 0, 0,
           count(*) * (SELECT c FROM coef WHERE work_type = 'prosecution_review')
    FROM (SELECT unit_code, prosecutor_id AS staff_id,
                 year(review_concluded_date) * 12 + month(review_concluded_date) - 1 AS m, case_id,
                 count(*) AS n, count(*) FILTER (WHERE plea_leniency) AS plea,
                 max(review_concluded_date) - min(prosecution_review_received) AS days
          FROM persons WHERE prosecutor_id IS NOT NULL AND year(review_concluded_date) = {year}
          GROUP BY ALL) GROUP BY ALL
    UNION ALL
    SELECT unit_code, prosecutor_id, year(judgment_date) * 12 + month(judgment_date) - 1,
           0, 0, 0, 0, 0, 0,
           count(*) FILTER (WHERE sentencing_recommendation IN ('fixed_term', 'range')),
           count(*) FILTER (WHERE sentencing_recommendation IN ('fixed_term', 'range')
                            AND recommendation_adopted), 0, 0, 0, 0, 0, 0, 0
    FROM persons WHERE prosecutor_id IS NOT NULL AND year(judgment_date) = {year} GROUP BY ALL
    UNION ALL
    SELECT unit_code, prosecutor_id, year(event_date) * 12 + month(event_date) - 1,
           0, 0, 0, 0, 0, 0, 0, 0,
           count(DISTINCT case_id) FILTER (WHERE event_type IN ('remand_first', 'remand_second')),
           count(DISTINCT case_id) FILTER (WHERE event_type IN ('review_extension_first',
                                                                'review_extension_second')),
           0, 0, 0, 0, coalesce(sum(coef.c), 0)
    FROM events LEFT JOIN coef ON coef.work_type = events.event_type
    WHERE prosecutor_id IS NOT NULL AND year(event_date) = {year} GROUP BY ALL
    UNION ALL
    SELECT unit_code, prosecutor_id, year(concluded_date) * 12 + month(concluded_date) - 1,
           0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
           count(*) FILTER (WHERE kind = 'criminal_protest' AND outcome IN ('changed', 'maintained')),
           count(*) FILTER (WHERE kind = 'criminal_protest' AND outcome = 'changed'),
           count(*) FILTER (WHERE kind <> 'criminal_protest' AND outcome IN
                            ('adopted', 'not_adopted', 'remedied', 'not_remedied')),
           count(*) FILTER (WHERE kind <> 'criminal_protest' AND outcome IN ('adopted', 'remedied')), 0
    FROM matters WHERE prosecutor_id IS NOT NULL AND year(concluded_date) = {year} GROUP BY ALL
    UNION ALL
    SELECT unit_code, prosecutor_id, year(issued_date) * 12 + month(issued_date) - 1,
           0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, coalesce(sum(coef.c), 0)
    FROM matters LEFT JOIN coef ON coef.work_type = matters.kind
    WHERE prosecutor_id IS NOT NULL AND year(issued_date) = {year} GROUP BY ALL
  ) GROUP BY ALL),
periods(period, m) AS (
  SELECT printf('%d-%02d', {year}, k), {year} * 12 + k - 1 FROM range(1, 13) t(k)
  UNION ALL SELECT printf('%d-%02d-YTD', {year}, k), {year} * 12 + j - 1
    FROM range(1, 13) t(k), range(1, 13) s(j) WHERE j <= k
  UNION ALL SELECT printf('%dQ%d', {year}, (k + 2) // 3), {year} * 12 + k - 1 FROM range(1, 13) t(k)
  UNION ALL SELECT CAST({year} AS VARCHAR), {year} * 12 + k - 1 FROM range(1, 13) t(k))
SELECT unit_code, staff_id, period, sum(arrest_review_cases) AS arrest_review_cases,
       sum(prosecution_concluded_cases) AS prosecution_concluded_cases,
       sum(review_concluded_persons) AS review_concluded_persons,
       sum(plea_leniency_persons) AS plea_leniency_persons, sum(review_days) AS review_days,
       sum(review_timed_cases) AS review_timed_cases,
       sum(judged_with_recommendation) AS judged_with_recommendation,
       sum(sentencing_recommendations_adopted) AS sentencing_recommendations_adopted,
       sum(remanded_cases) AS remanded_cases, sum(extended_cases) AS extended_cases,
       sum(protests_concluded) AS protests_concluded, sum(protests_changed) AS protests_changed,
       sum(procuratorial_recommendations_answered) AS procuratorial_recommendations_answered,
       sum(procuratorial_recommendations_adopted) AS procuratorial_recommendations_adopted,
       sum(workload) AS workload
FROM monthly JOIN periods USING (m) GROUP BY ALL
"""


def floor(tables: dict[str, pa.Table], coef_rows: pa.Table) -> pd.DataFrame:
    con = duckdb.connect()
    try:
        for name, table in tables.items():
            con.register(name, table)
        con.register("coef_in", coef_rows)
        return con.sql(FLOOR_SQL.format(year=YEAR)).df()
    finally:
        con.close()


def best_of(reps: int, *runs: Callable[[], Any]) -> list[tuple[float, Any]]:
    """Each run's best time and last result; the runs alternate, so a busy spell of the machine
    slows both sides rather than one."""
    times: list[list[float]] = [[] for _ in runs]
    results: list[Any] = [None for _ in runs]
    for _ in range(reps):
        for i, run in enumerate(runs):
            started = time.perf_counter()
            results[i] = run()
            times[i].append(time.perf_counter() - started)
    return [(min(t), r) for t, r in zip(times, results, strict=True)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5, help="repetitions; the best is kept")
    args = parser.parse_args(argv)
    ensure_data(OUT)
    tables, roster = load(OUT)
    entered = reviewer_items(roster)
    table = load_coefficients("example-2021")
    coef_rows = pa.table({
        "work_type": list(table.coefficients),
        "c": [float(v) for v in table.coefficients.values()],
    })  # fmt: skip
    rows = ", ".join(f"{n} {t.num_rows:,}" for n, t in tables.items())
    print(f"{roster.unit_code.nunique()} units, {len(roster):,} staff; {rows} case rows in {YEAR}")

    schemes = [load_individual_scheme(name) for name in SCHEMES]  # parsed once, as the app does
    (floor_s, floor_frame), (engine_s, result) = best_of(
        args.reps,
        lambda: floor(tables, coef_rows),
        lambda: engine(tables, roster, entered, schemes, table),
    )

    # The floor must compute what the engine computes: the year's totals per element agree.
    elements = result["elements"]
    yearly = floor_frame[floor_frame.period == str(YEAR)]
    mismatched = [
        code for code in sorted(set(elements.element))
        if not np.isclose(elements.loc[elements.element == code, "value"].sum(), yearly[code].sum())
    ]  # fmt: skip
    if mismatched:
        print(f"FAIL: the floor and the engine disagree on {', '.join(mismatched)}")
        return 1
    scored = {
        name: int((s.level == "total").sum())
        for name, s in zip(SCHEMES, result["scores"], strict=True)
    }
    ratio = engine_s / floor_s
    verdict = "PASS" if ratio <= TARGET_RATIO else "FAIL"
    print(
        f"floor  one hand-written DuckDB query, {len(floor_frame):,} person-period rows: {floor_s:.2f} s"
    )
    print(f"engine person_elements + score_people ({', '.join(f'{k} {v:,} person-periods' for k, v in scored.items())}; "
          f"{result['rows']:,} result rows): {engine_s:.2f} s")  # fmt: skip
    print(f"engine / floor = {ratio:.2f}x (target <= {TARGET_RATIO:.0f}x): {verdict}")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
