"""Supervision benchmark: a shipped model over a large generated dataset vs the same query by hand.

    .venv/bin/python benchmarks/supervision.py                        # 10M payments, 1M persons
    .venv/bin/python benchmarks/supervision.py --rows 500000 --persons 50000   # a quick run

Generates (with DuckDB, into benchmarks/out/supervision-<rows>-<persons>/, git-ignored) the two
tables of the custody × pension model in the stored layout of a dataset version: ``--rows``
pension payments (ten months for each of rows/10 pensioners) and ``--persons`` people in
custody records (every 50th serving a prison term from 2024-03, every 50th + 1 on probation,
the rest released in 2020). Identity columns hold opaque 64-hex strings standing in for the
keyed hashes (the join only compares them); the sealed column holds a placeholder.

Then it measures, best of ``--reps``:

  model      grassroots.engine.supervision.runner.run_model: the SQL guard, the views, the
             locked DuckDB connection, the model's SQL with its parameter, the lead rows
  by hand    the same SQL on a plain DuckDB connection with read_parquet() in place of the
             table names, fetching the same rows

and prints both times and their ratio against the target (model within 1.5x of by hand).
The leads' evidence is a separate step (``--evidence`` times it too).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grassroots.engine.supervision.runner import Source, run_model  # noqa: E402
from grassroots.engine.supervision.synth import CUSTODY_PENSION  # noqa: E402

TARGET_RATIO = 1.5


def generate(folder: Path, *, rows: int, persons: int) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    payments, custody = folder / "pension_payments.parquet", folder / "custody_records.parquet"
    if payments.exists() and custody.exists():
        return {"pension_payments": payments, "custody_records": custody}
    pensioners = max(1, rows // 10)
    con = duckdb.connect()
    con.execute(f"""
        COPY (
            SELECT md5(CAST(i AS VARCHAR)) || md5(CAST(-i AS VARCHAR)) AS id_number,
                   '3701**********' || lpad(CAST(i % 10000 AS VARCHAR), 4, '0') AS id_number__masked,
                   'sealed' AS id_number__sealed,
                   '某' || CAST(i AS VARCHAR) AS name,
                   ['370102', '370103', '370104', '370202'][1 + i % 4] AS region_code,
                   CAST(DATE '2024-01-01' + INTERVAL (m) MONTH AS DATE) AS pay_month,
                   CAST(2000 + i % 2000 AS DECIMAL(18, 2)) AS amount,
                   '企业职工基本养老保险' AS scheme
            FROM range({pensioners}) AS p(i), range(10) AS t(m)
            LIMIT {rows}
        ) TO '{payments}' (FORMAT parquet)""")
    con.execute(f"""
        COPY (
            SELECT md5(CAST(i AS VARCHAR)) || md5(CAST(-i AS VARCHAR)) AS id_number,
                   '3701**********' || lpad(CAST(i % 10000 AS VARCHAR), 4, '0') AS id_number__masked,
                   'sealed' AS id_number__sealed,
                   '某' || CAST(i AS VARCHAR) AS name,
                   ['370102', '370103', '370104', '370202'][1 + i % 4] AS region_code,
                   '服刑' AS status,
                   CASE i % 50 WHEN 0 THEN '有期徒刑' WHEN 1 THEN '缓刑' ELSE '有期徒刑' END
                       AS sentence_type,
                   CASE WHEN i % 50 IN (0, 1) THEN DATE '2024-03-01' ELSE DATE '2018-01-01' END
                       AS start_date,
                   CASE WHEN i % 50 IN (0, 1) THEN NULL ELSE DATE '2020-06-30' END AS end_date
            FROM range({persons}) AS p(i)
        ) TO '{custody}' (FORMAT parquet)""")
    con.close()
    return {"pension_payments": payments, "custody_records": custody}


def by_hand(files: dict[str, Path], params: dict[str, object]) -> int:
    sql = CUSTODY_PENSION.sql
    for name, path in files.items():
        sql = sql.replace(f"FROM {name} ", f"FROM read_parquet('{path}') ").replace(
            f"JOIN {name} ", f"JOIN read_parquet('{path}') "
        )
    con = duckdb.connect()
    try:
        return len(con.execute(sql, params).fetchall())
    finally:
        con.close()


def best(reps: int, work: object) -> tuple[float, int]:
    times, result = [], 0
    for _ in range(reps):
        started = time.perf_counter()
        result = work()  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    return min(times), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000, help="pension payment rows")
    parser.add_argument("--persons", type=int, default=1_000_000, help="custody record persons")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--evidence", action="store_true", help="time the evidence step too")
    args = parser.parse_args()
    folder = ROOT / "benchmarks" / "out" / f"supervision-{args.rows}-{args.persons}"
    started = time.perf_counter()
    files = generate(folder, rows=args.rows, persons=args.persons)
    print(
        f"data: {args.rows:,} payments, {args.persons:,} persons ({time.perf_counter() - started:.1f} s to prepare)"
    )
    params = {"min_months": 1}
    sources = {name: Source([path], ["id_number"]) for name, path in files.items()}
    model_s, leads = best(
        args.reps,
        lambda: len(
            run_model(CUSTODY_PENSION.sql, sources, params=params, with_evidence=False).leads
        ),
    )
    hand_s, hand_rows = best(args.reps, lambda: by_hand(files, params))
    if leads != hand_rows:
        print(f"FAIL: the model found {leads} leads, the hand-written query {hand_rows}")
        return 1
    ratio = model_s / hand_s
    print(f"model    {model_s:8.3f} s  {leads:,} leads")
    print(f"by hand  {hand_s:8.3f} s  {hand_rows:,} rows")
    verdict = "PASS" if ratio <= TARGET_RATIO else "FAIL"
    print(f"ratio    {ratio:8.2f}x  (target <= {TARGET_RATIO}x)  {verdict}")
    if args.evidence:
        with_evidence, _ = best(
            1, lambda: len(run_model(CUSTODY_PENSION.sql, sources, params=params).leads)
        )
        print(f"model with evidence rows {with_evidence:.3f} s")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
