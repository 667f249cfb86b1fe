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
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

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


# ---- one scan per table (issue 20.2) ----------------------------------------------------
#
# A table whose elements place rows by several date columns (persons: six) is scanned once for
# its counts and sums and once per count-distinct column, whatever the date columns and periods:
#
# * counts and sums: rows aggregated per unit and *combination* of fine buckets (one bucket
#   column per date column: few combinations per unit), then each date column's elements summed
#   per unit and period over the combinations whose bucket lies in the period;
# * count-distinct: rows collapsed per unit and case, each element a bit mask of the fine
#   buckets in which the case has a matching row (``bit_or``), the cases then counted per unit
#   and combination of masks, and a period counts a case when their masks intersect. Exact for
#   overlapping periods too (a quarter and its year), so one scan serves every period.
#
# Fine buckets are years, quarters or months (the coarsest every period is made of), at most
# MAX_FINE of them (bits of a BIGINT); beyond that, or for a table read by one batch, the
# per-batch queries above are used.

MAX_FINE = 62
_FINE = "__grassroots_fine"  # (bucket, period): fine bucket index -> each period holding it
_MASKS = "__grassroots_masks"  # (bucket, period): the period's fine buckets as a bit mask


@dataclass(frozen=True)
class Fine:
    """Fine buckets: ``expression`` (over the date ``{d}``) numbers them absolutely; bucket
    ``i`` is number ``first + i``; ``members`` lists each period's bucket indexes."""

    expression: str
    first: int
    count: int
    start: str
    end: str
    members: tuple[tuple[str, tuple[int, ...]], ...]

    def bucket(self, date: str) -> str:
        """A date's bucket index, NULL outside the periods' span."""
        d = ident(date)
        return (
            f"CASE WHEN {d} BETWEEN DATE {quote(self.start)} AND DATE {quote(self.end)} "
            f"THEN {self.expression.format(d=d)} - {self.first} END"
        )

    def bit(self, date: str) -> str:
        return f"(CAST(1 AS BIGINT) << ({self.bucket(date)}))"

    def in_span(self, dates: Iterable[str]) -> str:
        return " OR ".join(
            f"{ident(d)} BETWEEN DATE {quote(self.start)} AND DATE {quote(self.end)}"
            for d in sorted(set(dates))
        )

    def mapping(self) -> list[tuple[int, str]]:
        return [(i, key) for key, indexes in self.members for i in indexes]

    def masks(self) -> list[tuple[int, str]]:
        return [(sum(1 << i for i in indexes), key) for key, indexes in self.members]


def fine_buckets(periods: Sequence[Period]) -> Fine | None:
    """The coarsest buckets every period is a union of, or None when they exceed MAX_FINE."""
    month = "(year({d}) * 12 + month({d}) - 1)"
    quarter = "(year({d}) * 4 + quarter({d}) - 1)"
    for size, expression in ((12, "year({d})"), (3, quarter), (1, month)):
        if all(p.month_indexes[0] % size == 0 and (p.month_indexes[-1] + 1) % size == 0
               for p in periods):  # fmt: skip
            numbers = {p.key: sorted({m // size for m in p.month_indexes}) for p in periods}
            first = min(n for ns in numbers.values() for n in ns)
            count = max(n for ns in numbers.values() for n in ns) - first + 1
            if count > MAX_FINE:
                return None
            members = tuple(
                (key, tuple(n - first for n in ns)) for key, ns in sorted(numbers.items())
            )
            start = min(p.start for p in periods).isoformat()
            end = max(p.end for p in periods).isoformat()
            return Fine(expression, first, count, start, end, members)
    return None


@dataclass(frozen=True)
class Plan:
    """The element SQL of a request: ``ctes`` (name, query) computed once and read by the
    ``queries`` (each giving wide rows ``unit_code, period, <codes>``, with its codes), over
    the (bucket, period) tables ``mappings``."""

    ctes: tuple[tuple[str, str], ...]
    queries: tuple[tuple[str, tuple[str, ...]], ...]
    mappings: dict[str, list[tuple[int, str]]]

    @property
    def codes(self) -> list[str]:
        """Every element code, once (a batch run per group of periods repeats its codes)."""
        return list(dict.fromkeys(c for _, codes in self.queries for c in codes))


def plan(
    work: Sequence[Batch],
    periods: Sequence[Period],
    views: dict[str, str],
    *,
    one_scan: bool = True,
) -> Plan:
    """One scan per table (and count-distinct column) where it helps, else the batches
    (always with ``one_scan=False``: the tests compare the two)."""
    groups = layers(periods)
    fine = fine_buckets(periods) if one_scan else None
    mappings: dict[str, list[tuple[int, str]]] = {}
    ctes: list[tuple[str, str]] = []
    queries: list[tuple[str, tuple[str, ...]]] = []
    by_table: dict[str, list[Batch]] = defaultdict(list)
    for batch in work:
        by_table[batch.table].append(batch)
    for table, table_batches in sorted(by_table.items()):
        source = ident(views[table])
        if fine is None or len(table_batches) == 1:
            for batch in table_batches:
                for i, group in enumerate(groups):
                    name = f"{_PERIODS}_{i}"
                    mappings[name] = [(int(b), str(k)) for b, k in buckets(group).mapping]
                    sql = batch_sql(batch, group, source=source, mapping=name)
                    queries.append((sql, tuple(e.code for e in batch.elements)))
            continue
        mappings[_FINE] = fine.mapping()
        mappings[_MASKS] = fine.masks()
        elements = [e for b in table_batches for e in b.elements]
        plain = [e for e in elements if not _is_distinct(e)]
        if plain:
            name = f"__grassroots_counts_{table}"
            ctes.append((name, _counts_sql(plain, fine, source)))
            queries += _counts_queries(plain, name)
        distinct: dict[str, list[Element]] = defaultdict(list)
        for element in elements:
            if _is_distinct(element):
                assert element.rule is not None
                distinct[element.rule.measure.column or ""].append(element)
        for n, (column, items) in enumerate(sorted(distinct.items())):
            name = f"__grassroots_cases_{table}_{n}"
            ctes.append((name, _cases_sql(items, column, fine, source)))
            queries.append(_cases_query(items, name, fine))
    return Plan(tuple(ctes), tuple(queries), mappings)


def _is_distinct(element: Element) -> bool:
    assert element.rule is not None
    return element.rule.measure.kind is MeasureKind.COUNT_DISTINCT


def _date(element: Element) -> str:
    assert element.rule is not None
    return element.rule.date


def _counts_sql(elements: Sequence[Element], fine: Fine, source: str) -> str:
    """Counts and sums per unit and combination of buckets (one per date column)."""
    dates = sorted({_date(e) for e in elements})
    cols = [f"{fine.bucket(d)} AS __b{i}" for i, d in enumerate(dates)]
    keys = ", ".join(["unit_code"] + [f"__b{i}" for i in range(len(dates))])
    inner = ", ".join(_inner(e) for e in elements)
    return (
        f"SELECT unit_code, {', '.join(cols)}, {inner} FROM {source} "
        f"WHERE {fine.in_span(dates)} GROUP BY {keys}"
    )


def _counts_queries(elements: Sequence[Element], cte: str) -> list[tuple[str, tuple[str, ...]]]:
    """Each date column's elements summed per unit and period over the combinations."""
    dates = sorted({_date(e) for e in elements})
    out = []
    for i, date in enumerate(dates):
        mine = [e for e in elements if _date(e) == date]
        sums = ", ".join(f"coalesce(sum(a.{ident(e.code)}), 0) AS {ident(e.code)}" for e in mine)
        out.append(
            (
                f"SELECT a.unit_code, p.period, {sums} FROM {cte} AS a JOIN {_FINE} AS p "
                f"ON a.__b{i} = p.bucket GROUP BY a.unit_code, p.period",
                tuple(e.code for e in mine),
            )
        )
    return out


def _cases_sql(elements: Sequence[Element], column: str, fine: Fine, source: str) -> str:
    """Cases per unit and combination of bucket masks: per case, each element's mask of the
    buckets with a matching row, and ``__any`` the buckets with any row at all. Each row's
    buckets and filters are computed once, in the innermost query. When they fit in 63 bits,
    the masks are packed into one (``__m``: element ``j`` at bit ``j * fine.count``, ``__any``
    last), so each case carries one aggregate instead of one per element."""
    dates = sorted({_date(e) for e in elements})
    col = ident(column)
    rows = [f"{fine.bucket(d)} AS __q{i}" for i, d in enumerate(dates)]
    for j, e in enumerate(elements):
        assert e.rule is not None
        rows.append(f"coalesce(({expressions.to_sql(e.rule.filter)}), false) AS __f{j}")
    inner = f"SELECT unit_code, {col}, {', '.join(rows)} FROM {source} WHERE {fine.in_span(dates)}"

    def bit(i: int, shift: int = 0) -> str:
        return f"(CAST(1 AS BIGINT) << (__q{i}{f' + {shift}' if shift else ''}))"

    slot = {e.code: dates.index(_date(e)) for e in elements}
    if _packed(elements, fine):
        width, last = fine.count, len(elements) * fine.count
        parts = [
            f"coalesce(CASE WHEN __f{j} AND {col} IS NOT NULL THEN {bit(slot[e.code], j * width)} "
            "END, 0)"
            for j, e in enumerate(elements)
        ]
        parts += [f"coalesce({bit(i, last)}, 0)" for i in range(len(dates))]
        return (
            f"SELECT unit_code, __m, count(*) AS __n FROM (SELECT unit_code, "
            f"bit_or({' | '.join(parts)}) AS __m FROM ({inner}) AS r GROUP BY unit_code, {col}) "
            "AS k GROUP BY unit_code, __m"
        )
    masks = [
        f"bit_or(CASE WHEN __f{j} AND {col} IS NOT NULL THEN {bit(slot[e.code])} END) "
        f"AS {ident(e.code)}"
        for j, e in enumerate(elements)
    ]
    every = " | ".join(f"coalesce({bit(i)}, 0)" for i in range(len(dates)))
    masks.append(f"bit_or({every}) AS __any")
    names = ", ".join([ident(e.code) for e in elements] + ["__any"])
    return (
        f"SELECT unit_code, {names}, count(*) AS __n FROM (SELECT unit_code, {', '.join(masks)} "
        f"FROM ({inner}) AS r GROUP BY unit_code, {col}) AS k GROUP BY unit_code, {names}"
    )


def _packed(elements: Sequence[Element], fine: Fine) -> bool:
    return (len(elements) + 1) * fine.count <= 63


def _cases_query(elements: Sequence[Element], cte: str, fine: Fine) -> tuple[str, tuple[str, ...]]:
    codes = tuple(e.code for e in elements)
    if _packed(elements, fine):
        width = fine.count
        counts = ", ".join(
            f"sum(CASE WHEN (c.__m & (p.bucket << {j * width})) <> 0 THEN c.__n ELSE 0 END) "
            f"AS {ident(e.code)}"
            for j, e in enumerate(elements)
        )
        on = f"(c.__m & (p.bucket << {len(elements) * width})) <> 0"
    else:
        counts = ", ".join(
            f"sum(CASE WHEN (c.{ident(e.code)} & p.bucket) <> 0 THEN c.__n ELSE 0 END) "
            f"AS {ident(e.code)}"
            for e in elements
        )
        on = "(c.__any & p.bucket) <> 0"
    return (
        f"SELECT c.unit_code, p.period, {counts} FROM {cte} AS c JOIN {_MASKS} AS p "
        f"ON {on} GROUP BY c.unit_code, p.period",
        codes,
    )


def wide_sql(request: Plan) -> str:
    """The whole plan as one DuckDB statement: the queries' wide rows stacked by column name
    (a row holds one query's elements; the others are NULL), values as DOUBLE."""
    first = ", ".join(f"{name} AS MATERIALIZED ({sql})" for name, sql in request.ctes)
    parts = []
    for sql, codes in request.queries:
        values = ", ".join(f"CAST(w.{ident(c)} AS DOUBLE) AS {ident(c)}" for c in codes)
        parts.append(f"SELECT w.unit_code, w.period, {values} FROM ({sql}) AS w")
    return (f"WITH {first} " if first else "") + " UNION ALL BY NAME ".join(parts)


def finish(
    unit: pa.Array,
    period: pa.Array,
    cells: Sequence[tuple[np.ndarray, np.ndarray]],
    codes: Sequence[str],
) -> pd.DataFrame:
    """Long rows ``unit_code, period, element, value`` with real zeros filled in: every
    element for every unit and period with any row, sorted by unit, period and element.

    ``unit`` and ``period`` name the result rows of the executor; ``cells[i]`` gives element
    ``codes[i]``'s (row indexes, values). Shared by the executors, so DuckDB's and Spark's
    results are finished the same way; done with arrays (a join and sort of ~1M long rows in
    SQL cost more than the national aggregates)."""
    rank = np.empty(len(codes), dtype=np.int64)
    rank[sorted(range(len(codes)), key=lambda i: codes[i])] = np.arange(len(codes))
    units, unit_ix = _factorize(unit)
    periods, period_ix = _factorize(period)
    width = max(len(periods), 1)
    active, pair = np.unique(unit_ix * width + period_ix, return_inverse=True)
    grid = np.zeros((len(active), len(codes)), dtype=np.float64)
    for i, (rows, values) in enumerate(cells):
        grid[pair[rows], rank[i]] = values
    n = len(codes)
    frame: pd.DataFrame = pa.table(
        {
            "unit_code": units.take(pa.array(np.repeat(active // width, n))),
            "period": periods.take(pa.array(np.repeat(active % width, n))),
            "element": pa.array(sorted(codes), pa.string()).take(
                pa.array(np.tile(np.arange(n), len(active)))
            ),
            "value": pa.array(grid.ravel(), pa.float64()),
        }
    ).to_pandas()
    return frame


def _factorize(values: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Sorted distinct values and each value's index among them."""
    encoded = pc.cast(values, pa.string()).dictionary_encode()
    order = pc.array_sort_indices(encoded.dictionary)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order.to_numpy()] = np.arange(len(order))
    return encoded.dictionary.take(order), rank[encoded.indices.to_numpy(zero_copy_only=False)]


def finish_wide(table: pa.Table, codes: Sequence[str]) -> pd.DataFrame:
    """``finish`` of ``wide_sql``'s rows: each element's non-NULL cells are its values."""
    cells = []
    for code in codes:
        values = table.column(code).combine_chunks()
        rows = np.flatnonzero(pc.is_valid(values).to_numpy(zero_copy_only=False))
        cells.append((rows, values.drop_null().to_numpy(zero_copy_only=False).astype(np.float64)))
    return finish(
        table.column("unit_code").combine_chunks(),
        table.column("period").combine_chunks(),
        cells,
        codes,
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
    """The same plan on Spark (transpiled there); the few long rows it gives are finished
    here by the same DuckDB statement as ``_run``'s, so both executors agree to the value."""
    from grassroots.engine.spark import long_values

    views = {name: f"__grassroots_{name}" for name in cases.tables}
    request = plan(work, periods, views)
    queries = [(sql, list(codes)) for sql, codes in request.queries]
    long = long_values(cases, views, request.mappings, queries, ctes=request.ctes)
    codes = request.codes
    elements = long["element"].to_numpy(dtype=object)
    values = long["value"].to_numpy(dtype=np.float64)
    cells = []
    for code in codes:
        rows = np.flatnonzero(elements == code)
        cells.append((rows, values[rows]))
    return finish(
        pa.array(long["unit_code"].to_numpy(dtype=object), pa.string()),
        pa.array(long["period"].to_numpy(dtype=object), pa.string()),
        cells,
        codes,
    )


def _run(
    con: duckdb.DuckDBPyConnection, cases: CaseTables, work: list[Batch], periods: list[Period]
) -> pd.DataFrame:
    views = {n: t.register(con, f"__grassroots_{n}") for n, t in cases.tables.items()}
    request = plan(work, periods, views)
    for name, rows in request.mappings.items():
        con.register(
            name + "_arrow",
            pa.table(
                {
                    "bucket": pa.array([b for b, _ in rows], pa.int64()),
                    "period": pa.array([k for _, k in rows], pa.string()),
                }
            ),
        )
        con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM {name}_arrow")
    # Each scan's aggregate is a temp table of its own statement, one after the other: in one
    # statement (``wide_sql``'s CTEs) DuckDB ran them side by side, and the hash tables of
    # the persons' and the events' cases were held at once (the nation at --scale 20: peak
    # 3.26 GB in one statement, 2.17 GB one by one, CPU the same).
    try:
        for name, sql in request.ctes:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {ident(name)} AS {sql}")
        wide = con.sql(wide_sql(Plan((), request.queries, request.mappings))).to_arrow_table()
    finally:
        for name, _ in request.ctes:
            con.execute(f"DROP TABLE IF EXISTS {ident(name)}")
    return finish_wide(wide, request.codes)
