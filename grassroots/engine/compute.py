"""Case records -> data element values, one SQL aggregate per batch of elements.

A batch is the elements that read the same table and place rows in periods by the same date
column. Each batch is one ``GROUP BY unit_code, period`` query with conditional aggregates
(``count(*) FILTER (WHERE ...)``, ``count(DISTINCT col) FILTER (...)``, ``sum(col) FILTER
(...)``) computing every requested period at once. The SQL is plain enough for Spark SQL.

How a row finds its periods: the requested periods are split into groups of disjoint periods
(the quarters, the YTDs, the years). For each group a row's date gives its *bucket* by plain
arithmetic (``year(d) * 4 + quarter(d) - 1`` for quarters; a CASE for mixed kinds), the
rows are aggregated per unit and bucket (count-distinct: collapsed to one row per unit, bucket
and value with ``bool_or(filter)``), and a tiny (bucket, period) table names the periods. So a
row counts in ``2024Q3``, ``2024Q3-YTD`` and ``2024`` alike, without expanding rows.
All batches and groups run as one DuckDB statement.

>>> import tempfile, pathlib
>>> from grassroots.engine.cases import read_cases
>>> from grassroots.engine.catalogue import load_catalogue
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "events.csv").write_text("unit_code,event_id,case_id,event_type,event_date\\n"
...     "410100,e1,c1,protest,2024-07-01\\n410100,e2,c1,remand_first,2024-02-01\\n")
>>> out = compute_elements(read_cases(folder), load_catalogue("spp-case-quality"), ["2024Q3", "2024"])
>>> out[out.element == "extra_procedures"][["period", "value"]].to_dict("records")
[{'period': '2024', 'value': 2.0}, {'period': '2024Q3', 'value': 1.0}]
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

import duckdb
import pandas as pd
import pyarrow as pa

from grassroots.engine import expressions
from grassroots.engine.cases import CaseTables
from grassroots.engine.catalogue import Catalogue, Element, MeasureKind
from grassroots.engine.inputs import ident, quote
from grassroots.engine.periods import Period

COLUMNS = ["unit_code", "period", "element", "value"]
_PERIODS = "__grassroots_periods"


@dataclass(frozen=True)
class Batch:
    table: str
    date: str
    elements: tuple[Element, ...]

    @property
    def distinct_column(self) -> str | None:
        """The column of the batch's count-distinct elements (a batch has at most one)."""
        for element in self.elements:
            assert element.rule is not None
            if element.rule.measure.kind is MeasureKind.COUNT_DISTINCT:
                return element.rule.measure.column
        return None


def computable(
    cases: CaseTables, catalogue: Catalogue, codes: Collection[str] | None = None
) -> list[Element]:
    """Rule elements whose table and columns are in the case files (others stay absent)."""
    chosen = []
    for element in catalogue.elements.values():
        if element.rule is None or (codes is not None and element.code not in codes):
            continue
        table = cases.tables.get(element.rule.table)
        if table is not None and _columns(element) <= table.present:
            chosen.append(element)
    return chosen


def _columns(element: Element) -> set[str]:
    assert element.rule is not None
    rule = element.rule
    used = expressions.columns_of(expressions.parse(rule.filter, source=element.code))
    used |= {"unit_code", rule.date}
    if rule.measure.column:
        used.add(rule.measure.column)
    return used


def batches(elements: Iterable[Element]) -> list[Batch]:
    """Group elements by (table, date column). Count-distinct elements over a second column
    of the same group get a batch of their own (rare: case counts all use ``case_id``)."""
    grouped: dict[tuple[str, str], list[Element]] = defaultdict(list)
    for element in elements:
        if element.rule is None:  # reported, or supplied by an element source
            continue
        grouped[(element.rule.table, element.rule.date)].append(element)
    work = []
    for (table, date), items in sorted(grouped.items()):
        by_column: dict[str | None, list[Element]] = defaultdict(list)
        for element in items:
            assert element.rule is not None
            measure = element.rule.measure
            distinct = measure.kind is MeasureKind.COUNT_DISTINCT
            by_column[measure.column if distinct else None].append(element)
        columns = [c for c in by_column if c is not None]
        # Counts and sums ride along with the first distinct column's batch.
        first = columns[0] if columns else None
        by_column[first] = by_column.pop(None, []) + (by_column[first] if first else [])
        work += [Batch(table, date, tuple(group)) for group in by_column.values() if group]
    return work


@dataclass(frozen=True)
class Buckets:
    """How rows find their periods: ``expression`` (over the date column ``{d}``) gives a
    row's bucket; ``mapping`` lists (bucket, period key) pairs, one bucket in several periods
    when periods overlap."""

    expression: str
    mapping: tuple[tuple[int, str], ...]

    @property
    def overlapping(self) -> bool:
        return len({b for b, _ in self.mapping}) < len(self.mapping)


def buckets(periods: Sequence[Period]) -> Buckets:
    kinds = {p.kind for p in periods}
    month = "(year({d}) * 12 + month({d}) - 1)"
    by_month = [(m, p.key) for p in periods for m in p.month_indexes]
    if len({m for m, _ in by_month}) < len(by_month):  # overlapping: roll buckets up
        return _overlapping(periods, by_month, month)
    # Disjoint periods of one kind: plain arithmetic on the date, as a hand-written query would.
    if kinds == {"quarter"}:
        mapping = tuple((p.year * 4 + p.number - 1, p.key) for p in periods)
        return Buckets("(year({d}) * 4 + quarter({d}) - 1)", mapping)
    if kinds == {"month"}:
        return Buckets(month, tuple((p.month_indexes[0], p.key) for p in periods))
    if kinds == {"year"}:
        return Buckets("year({d})", tuple((p.year, p.key) for p in periods))
    ordered = sorted(periods)
    whens = " ".join(
        f"WHEN {{d}} BETWEEN DATE {quote(p.start.isoformat())} AND DATE {quote(p.end.isoformat())} "
        f"THEN {i}"
        for i, p in enumerate(ordered)
    )
    return Buckets(f"CASE {whens} END", tuple((i, p.key) for i, p in enumerate(ordered)))


def _overlapping(periods: Sequence[Period], by_month: list[tuple[int, str]], month: str) -> Buckets:
    """The coarsest buckets every period is a union of: years, else quarters, else months
    (fewer buckets make the per-bucket aggregate smaller)."""
    for size, expression in ((12, "year({d})"), (3, "(year({d}) * 4 + quarter({d}) - 1)")):
        starts = {p.month_indexes[0] % size for p in periods}
        ends = {(p.month_indexes[-1] + 1) % size for p in periods}
        if starts == ends == {0}:
            mapping = sorted({(m // size, key) for m, key in by_month})
            return Buckets(expression, tuple(mapping))
    return Buckets(month, tuple(by_month))


def _inner(element: Element) -> str:
    assert element.rule is not None
    measure = element.rule.measure
    where = expressions.to_sql(element.rule.filter)
    alias = ident(element.code)
    if measure.kind is MeasureKind.COUNT:
        return f"count(*) FILTER (WHERE {where}) AS {alias}"
    if measure.kind is MeasureKind.COUNT_DISTINCT:
        # Rows collapse to one per unit, bucket and distinct value: does any row match?
        return f"bool_or({where}) AS {alias}"
    return f"sum({ident(measure.column or '')}) FILTER (WHERE {where}) AS {alias}"


def _outer(element: Element, distinct: str | None, overlapping: bool) -> str:
    assert element.rule is not None
    alias = ident(element.code)
    if element.rule.measure.kind is not MeasureKind.COUNT_DISTINCT:
        return f"coalesce(sum(b.{alias}), 0) AS {alias}"
    column = f"b.{ident(distinct or '')}"
    if overlapping:  # one value may sit in several months of a period
        return f"count(DISTINCT {column}) FILTER (WHERE b.{alias}) AS {alias}"
    return f"count(*) FILTER (WHERE b.{alias} AND {column} IS NOT NULL) AS {alias}"


def batch_sql(
    batch: Batch, periods: Sequence[Period], *, source: str, mapping: str = _PERIODS
) -> str:
    """The one aggregate query of a batch over ``source`` (a table, view or read_parquet),
    with ``mapping`` the (bucket, period) table of ``buckets(periods)``. Plain SQL: the inner
    query aggregates the rows, the outer one maps the few buckets to periods."""
    plan = buckets(periods)
    date = ident(batch.date)
    start = min(p.start for p in periods).isoformat()
    end = max(p.end for p in periods).isoformat()
    distinct = batch.distinct_column
    keys = "unit_code, bucket" + (f", {ident(distinct)}" if distinct else "")
    inner = ", ".join(_inner(e) for e in batch.elements)
    outer = ", ".join(_outer(e, distinct, plan.overlapping) for e in batch.elements)
    return (
        f"SELECT b.unit_code, p.period, {outer} FROM ("
        f"SELECT unit_code, {plan.expression.format(d=date)} AS bucket"
        f"{', ' + ident(distinct) if distinct else ''}, {inner} FROM {source} "
        f"WHERE {date} BETWEEN DATE {quote(start)} AND DATE {quote(end)} GROUP BY {keys}) AS b "
        f"JOIN {mapping} AS p ON b.bucket = p.bucket GROUP BY b.unit_code, p.period"
    )


def layers(periods: Sequence[Period]) -> list[list[Period]]:
    """Split periods into groups of disjoint periods (quarters, years, YTDs, ...).

    Each group is computed like a hand-written query: every row in at most one period. That
    costs one scan per group but avoids expanding rows to several periods, which makes
    count-distinct several times slower."""
    order = {"month": 0, "quarter": 1, "ytd": 2, "year": 3}
    groups: list[list[Period]] = []
    for period in sorted(set(periods), key=lambda p: (order[p.kind], p.start, p.end)):
        for group in groups:
            if all(period.end < q.start or q.end < period.start for q in group):
                group.append(period)
                break
        else:
            groups.append([period])
    return groups


def elements_sql(
    work: Sequence[Batch], groups: Sequence[Sequence[Period]], views: dict[str, str]
) -> str:
    """Every batch for every group of disjoint periods in one statement, as long rows with
    real zeros filled in (DuckDB). Group ``i`` maps its buckets with ``{_PERIODS}_{i}``."""
    parts = []
    for batch in work:
        codes = ", ".join(ident(e.code) for e in batch.elements)
        for i, group in enumerate(groups):
            query = batch_sql(
                batch, group, source=ident(views[batch.table]), mapping=f"{_PERIODS}_{i}"
            )
            parts.append(
                f"SELECT unit_code, period, element, CAST(value AS DOUBLE) AS value FROM "
                f"(UNPIVOT ({query}) ON {codes} INTO NAME element VALUE value)"
            )
    return finish_sql(" UNION ALL ".join(parts), [e.code for b in work for e in b.elements])


def finish_sql(long: str, codes: Sequence[str]) -> str:
    """Long rows (``unit_code, period, element, value``, from the query ``long``) with real
    zeros filled in: every element for every unit and period with any row. Shared by the
    executors, so DuckDB's and Spark's results are finished the same way."""
    values = ", ".join(f"({quote(code)})" for code in codes)
    return (
        f"WITH long AS MATERIALIZED ({long}), "
        "active AS (SELECT DISTINCT unit_code, period FROM long), "
        f"codes AS (SELECT * FROM (VALUES {values}) AS c(element)) "
        "SELECT a.unit_code, a.period, c.element, coalesce(l.value, 0.0) AS value "
        "FROM active AS a CROSS JOIN codes AS c LEFT JOIN long AS l "
        "ON l.unit_code = a.unit_code AND l.period = a.period AND l.element = c.element "
        "ORDER BY a.unit_code, a.period, c.element"
    )


def compute_elements(
    cases: CaseTables,
    catalogue: Catalogue,
    periods: Sequence[Period | str],
    *,
    con: duckdb.DuckDBPyConnection | None = None,
    codes: Collection[str] | None = None,
    executor: str | None = None,
) -> pd.DataFrame:
    """Data element values ``unit_code, period, element, value`` for every rule element.

    Missing is absent: an element whose table or columns the case files lack has no rows.
    Counts are real zeros for a unit with any case row in that period (in any table), since
    a case export covers all of a unit's work; a unit without any row in a period is absent.

    ``executor``: ``duckdb`` (default) or ``spark`` (the same batches as Spark SQL, run by
    PySpark: :mod:`grassroots.engine.spark`); None reads ``GRASSROOTS_EXECUTOR``.
    """
    wanted = [p if isinstance(p, Period) else Period.parse(p) for p in periods]
    chosen = computable(cases, catalogue, codes)
    if not wanted or not chosen:
        return pd.DataFrame(
            {c: pd.Series(dtype="str" if c != "value" else "float64") for c in COLUMNS}
        )
    if chosen_executor(executor) == "spark":
        return _run_spark(cases, batches(chosen), wanted)
    own = con is None
    connection = duckdb.connect() if con is None else con
    try:
        return _run(connection, cases, batches(chosen), wanted)
    finally:
        if own:
            connection.close()


EXECUTORS = ("duckdb", "spark")


def chosen_executor(executor: str | None = None) -> str:
    """The executor asked for, else ``GRASSROOTS_EXECUTOR``, else ``duckdb``."""
    name = (executor or os.environ.get("GRASSROOTS_EXECUTOR", "") or "duckdb").strip().lower()
    if name not in EXECUTORS:
        raise ValueError(f"unknown executor {name!r} (choose {' or '.join(EXECUTORS)})")
    return name


def _run_spark(cases: CaseTables, work: list[Batch], periods: list[Period]) -> pd.DataFrame:
    """The same batches on Spark (transpiled there); the few long rows they give are finished
    here by the same DuckDB statement as ``_run``'s, so both executors agree to the value."""
    from grassroots.engine.spark import long_values

    groups = layers(periods)
    views = {name: f"__grassroots_{name}" for name in cases.tables}
    mappings = {
        f"{_PERIODS}_{i}": [(int(b), str(k)) for b, k in buckets(group).mapping]
        for i, group in enumerate(groups)
    }
    queries = [
        (
            batch_sql(batch, group, source=ident(views[batch.table]), mapping=f"{_PERIODS}_{i}"),
            [e.code for e in batch.elements],
        )
        for batch in work
        for i, group in enumerate(groups)
    ]
    long = long_values(cases, views, mappings, queries)
    with duckdb.connect() as con:
        con.register("__spark_long", long)
        frame: pd.DataFrame = con.sql(
            finish_sql(
                "SELECT unit_code, period, element, value FROM __spark_long",
                [e.code for b in work for e in b.elements],
            )
        ).df()
    frame["unit_code"] = frame["unit_code"].astype("str")
    return frame[COLUMNS]


def _run(
    con: duckdb.DuckDBPyConnection, cases: CaseTables, work: list[Batch], periods: list[Period]
) -> pd.DataFrame:
    groups = layers(periods)
    for i, group in enumerate(groups):
        plan = buckets(group)
        name = f"{_PERIODS}_{i}"
        con.register(
            name + "_arrow",
            pa.table(
                {
                    "bucket": pa.array([b for b, _ in plan.mapping], pa.int64()),
                    "period": pa.array([k for _, k in plan.mapping], pa.string()),
                }
            ),
        )
        con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM {name}_arrow")
    views = {n: t.register(con, f"__grassroots_{n}") for n, t in cases.tables.items()}
    frame: pd.DataFrame = con.sql(elements_sql(work, groups, views)).df()
    frame["unit_code"] = frame["unit_code"].astype("str")
    return frame[COLUMNS]
