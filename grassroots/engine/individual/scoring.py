"""Scores per person and period: items → components → total → grade, rank and band (DuckDB).

Periods of one assessment year, accumulated month by month (逐月累计): each ``month``
(``2024-07``), each running total from January (``ytd``: ``2024-07-YTD``), each ``quarter``
(``2024Q3``) and the ``year`` (``2024``), all cut at ``through`` (the last month assessed so
far: a running year scores its quarters and year to date). For each period:

* a **cases** item pools the person's elements over the period's months, computes its indicator
  and earns ``points × attainment``: ``band`` is linear from ``zero`` (0) to ``full`` (1);
  ``relative`` is value ÷ the best value in the person's department (or unit);
* a **reviewer** item is the mean of the monthly entries (0..points); an **adjustment** item the
  sum of the monthly additions and deductions, kept within ``floor..points``; a **base** item
  its points. A value missing (no cases, nothing entered) earns ``points`` or 0 (``missing``);
* a component's score is ``weight × clip(Σ earned ÷ Σ points, 0, 1)``, optionally divided by the
  best such ratio in the department or unit (``normalise``); the total is Σ component scores;
* within each group (the unit, or the department: ``scheme.group``) the total gives the rank
  (1 = best, ties share), the grade by shares (a grade of share s takes at most ⌊s·n⌋ people
  counted from the top; people tied at a boundary all go to the lower grade, so no share is
  exceeded; a ``below`` grade takes every total under its floor) and the standing band.

>>> import pandas as pd
>>> from grassroots.engine.individual.scheme import SAMPLE, parse_individual_scheme
>>> scheme = parse_individual_scheme(SAMPLE)
>>> roster = pd.DataFrame({"unit_code": ["u"] * 2, "staff_id": ["P1", "P2"],
...     "department": ["D01"] * 2, "category": ["prosecutor"] * 2})
>>> elements = pd.DataFrame({"unit_code": ["u", "u"], "staff_id": ["P1", "P2"],
...     "month": ["2024-01", "2024-01"], "element": ["workload", "workload"], "value": [4.0, 2.0]})
>>> out = score_people(scheme, elements, None, roster, year=2024, through="2024-01", kinds=["month"])
>>> out[out.level == "total"][["staff_id", "score", "grade", "rank"]].to_dict("records")
[{'staff_id': 'P1', 'score': 100.0, 'grade': 'pass', 'rank': 1}, {'staff_id': 'P2', 'score': 70.0, 'grade': 'pass', 'rank': 2}]
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any, Literal

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from grassroots.engine.individual.elements import ELEMENTS, INDICATORS
from grassroots.engine.individual.scheme import IndividualScheme
from grassroots.engine.inputs import quote

PeriodKind = Literal["month", "ytd", "quarter", "year"]
KINDS: tuple[PeriodKind, ...] = ("month", "ytd", "quarter", "year")

RESULT_COLUMNS = [
    "unit_code", "staff_id", "department", "category", "period", "period_kind", "level",
    "component", "code", "value", "score", "max_score", "grade", "rank", "band", "group_size",
]  # fmt: skip


def period_months(year: int, through: int = 12, kinds: Collection[str] = KINDS) -> pd.DataFrame:
    """``period, period_kind, m`` (m = year * 12 + month - 1) for every period of the year cut
    at month ``through``.

    >>> p = period_months(2024, 2)
    >>> p.groupby("period", sort=False).size().to_dict()
    {'2024-01': 1, '2024-02': 1, '2024-01-YTD': 1, '2024-02-YTD': 2, '2024Q1': 2, '2024': 2}
    """
    rows: list[tuple[str, str, int]] = []
    months = range(1, through + 1)
    if "month" in kinds:
        rows += [(f"{year}-{m:02d}", "month", year * 12 + m - 1) for m in months]
    if "ytd" in kinds:
        rows += [
            (f"{year}-{m:02d}-YTD", "ytd", year * 12 + k - 1)
            for m in months
            for k in range(1, m + 1)
        ]
    if "quarter" in kinds:
        rows += [(f"{year}Q{(m + 2) // 3}", "quarter", year * 12 + m - 1) for m in months]
    if "year" in kinds:
        rows += [(str(year), "year", year * 12 + m - 1) for m in months]
    return pd.DataFrame(rows, columns=["period", "period_kind", "m"])


def _items(scheme: IndividualScheme) -> pa.Table:
    rows: list[dict[str, Any]] = []
    for ci, c in enumerate(scheme.components):
        capacity = sum(i.points for i in c.items)
        for i in c.items:
            rows.append({
                "iix": len(rows), "cix": ci, "component": c.code, "weight": c.weight,
                "normalise": c.normalise, "capacity": capacity, "item": i.code,
                "source": i.source.value, "points": i.points, "indicator": i.indicator,
                "method": i.method.value if i.method else None, "full_at": i.full,
                "zero_at": i.zero, "within": i.within, "missing": i.missing, "lowest": i.lowest,
            })  # fmt: skip
    return pa.Table.from_pylist(rows)


def _indicator_sql(code: str) -> str:
    ind = INDICATORS[code]
    top = " + ".join(f'coalesce("{e}", 0)' for e in ind.numerator)
    if ind.denominator is None:
        return f"({top}) * {ind.factor}"
    d = f'coalesce("{ind.denominator}", 0)'
    return f"CASE WHEN {d} > 0 THEN ({top}) / {d} * {ind.factor} END"


def _grade_sql(scheme: IndividualScheme) -> str:
    whens = []
    last = scheme.grades[-1]
    if last.below is not None:
        whens.append(f"WHEN total < {last.below} THEN {len(scheme.grades) - 1}")
    cumulative = 0.0
    for index, g in enumerate(scheme.grades):
        if g.share is not None:
            cumulative += g.share
            whens.append(f"WHEN pos <= floor({cumulative} * n + 1e-9) THEN {index}")
    rest = next(i for i, g in enumerate(scheme.grades) if g.share is None and g.below is None)
    return f"CASE {' '.join(whens)} ELSE {rest} END"


def _band_sql(scheme: IndividualScheme) -> str:
    if not scheme.bands:
        return "CAST(NULL AS INTEGER)"
    whens = " ".join(
        f"WHEN rnk <= floor({b.upto} * n + 1e-9) THEN {i + 1}" for i, b in enumerate(scheme.bands)
    )
    return f"CASE {whens} ELSE {len(scheme.bands)} END"


def scoring_sql(scheme: IndividualScheme) -> str:
    """The one statement over ``__people`` (pid, unit_code, staff_id, department, category,
    unit_key, dept_key), ``__pm`` (pix, m), ``__periods`` (pix, period, period_kind),
    ``__elements``, ``__reviewer`` and ``__items``. Work is done on integer keys; names are
    joined on at the end."""
    wide = ", ".join(
        f'sum(e.value) FILTER (WHERE e.element = {quote(c)}) AS "{c}"' for c in ELEMENTS
    )
    pooled = ", ".join(f'sum("{c}") AS "{c}"' for c in ELEMENTS)
    used = sorted({i.indicator for _, i in scheme.items() if i.indicator})
    indicators = (
        ", ".join(f'{_indicator_sql(c)} AS "{c}"' for c in used) or "NULL::DOUBLE AS __none"
    )
    unpivot_on = ", ".join(f'"{c}"' for c in used) or "__none"
    group = "unit_key" if scheme.group == "unit" else "dept_key"
    return f"""
WITH monthly AS (
  SELECT p.pid, e.m, {wide}
  FROM __elements AS e JOIN __people AS p ON p.unit_code = e.unit_code AND p.staff_id = e.staff_id
  GROUP BY ALL),
pooled AS (
  SELECT e.pid, pm.pix, {pooled}
  FROM monthly AS e JOIN __pm AS pm ON e.m = pm.m GROUP BY ALL),
vals AS (
  SELECT i.pid, i.pix, it.iix, i.value
  FROM (UNPIVOT (SELECT pid, pix, {indicators} FROM pooled)
        ON {unpivot_on} INTO NAME indicator VALUE value) AS i
  JOIN __items AS it ON it.source = 'cases' AND it.indicator = i.indicator
  UNION ALL
  SELECT p.pid, pm.pix, it.iix,
         CASE WHEN any_value(it.source) = 'adjustment' THEN sum(r.value) ELSE avg(r.value) END
  FROM __reviewer AS r JOIN __people AS p ON p.unit_code = r.unit_code AND p.staff_id = r.staff_id
  JOIN __pm AS pm ON r.m = pm.m JOIN __items AS it ON it.item = r.item
  WHERE it.source IN ('reviewer', 'adjustment') GROUP BY ALL),
keyed AS (
  SELECT v.*, CASE it.within WHEN 'unit' THEN p.unit_key ELSE p.dept_key END AS k
  FROM vals AS v JOIN __people AS p USING (pid) JOIN __items AS it USING (iix)),
best AS (SELECT pix, iix, k, max(value) AS best FROM keyed GROUP BY ALL),
grid AS (
  SELECT p.pid, pr.pix, it.iix, it.cix, v.value,
         CASE it.within WHEN 'unit' THEN p.unit_key ELSE p.dept_key END AS k
  FROM __people AS p CROSS JOIN __periods AS pr CROSS JOIN __items AS it
  LEFT JOIN vals AS v ON v.pid = p.pid AND v.pix = pr.pix AND v.iix = it.iix),
earned AS (
  SELECT g.pid, g.pix, g.iix, g.cix, g.value, CASE
    WHEN it.source = 'base' THEN it.points
    WHEN it.source = 'adjustment' THEN least(greatest(coalesce(g.value, 0), it.lowest), it.points)
    WHEN g.value IS NULL THEN CASE it.missing WHEN 'full' THEN it.points ELSE 0 END
    WHEN it.source = 'reviewer' THEN least(greatest(g.value, 0), it.points)
    WHEN it.method = 'band' THEN it.points
         * least(greatest((g.value - it.zero_at) / (it.full_at - it.zero_at), 0), 1)
    ELSE CASE WHEN b.best > 0 THEN it.points * greatest(g.value, 0) / b.best ELSE 0 END
  END AS score
  FROM grid AS g JOIN __items AS it USING (iix)
  LEFT JOIN best AS b ON b.pix = g.pix AND b.iix = g.iix AND b.k = g.k),
comp AS (
  SELECT e.pid, e.pix, e.cix,
         least(greatest(sum(e.score) / any_value(it.capacity), 0), 1) AS ratio
  FROM earned AS e JOIN __items AS it USING (iix) GROUP BY ALL),
comp_keyed AS (
  SELECT c.*, CASE it.normalise WHEN 'unit_best' THEN p.unit_key ELSE p.dept_key END AS k,
         it.normalise, it.weight
  FROM comp AS c JOIN __people AS p USING (pid)
  JOIN (SELECT DISTINCT cix, normalise, weight FROM __items) AS it USING (cix)),
tops AS (SELECT pix, cix, k, max(ratio) AS top FROM comp_keyed GROUP BY ALL),
comp_scored AS (
  SELECT c.pid, c.pix, c.cix, c.ratio, c.weight, c.weight * CASE c.normalise
      WHEN 'none' THEN c.ratio
      ELSE CASE WHEN t.top > 0 THEN c.ratio / t.top ELSE 0 END END AS score
  FROM comp_keyed AS c JOIN tops AS t USING (pix, cix, k)),
total AS (
  SELECT c.pid, c.pix, any_value(p.{group}) AS grp, sum(c.score) AS total
  FROM comp_scored AS c JOIN __people AS p USING (pid) GROUP BY ALL),
ranked AS (
  SELECT *, count(*) OVER g AS n, rank() OVER (g ORDER BY total DESC) AS rnk,
         count(*) OVER (g ORDER BY total DESC RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS pos
  FROM total WINDOW g AS (PARTITION BY pix, grp)),
graded AS (SELECT *, {_grade_sql(scheme)} AS grade, {_band_sql(scheme)} AS band FROM ranked),
long AS (
  SELECT pid, pix, 2 AS lv, cix, iix, value, score, NULL::INTEGER AS grade,
         NULL::BIGINT AS rank, NULL::INTEGER AS band, NULL::BIGINT AS group_size
  FROM earned
  UNION ALL
  SELECT pid, pix, 1, cix, -1, ratio, score, NULL, NULL, NULL, NULL FROM comp_scored
  UNION ALL
  SELECT pid, pix, 0, -1, -1, NULL, total, grade, rnk, band, n FROM graded)
SELECT * FROM long ORDER BY pid, pix, lv > 0, cix, lv, iix
"""


def _month_index(frame: pd.DataFrame) -> pd.Series:
    text = frame["month"].astype("str")
    return text.str[:4].astype("int64") * 12 + text.str[5:7].astype("int64") - 1


def score_people(
    scheme: IndividualScheme,
    elements: pd.DataFrame,
    reviewer_items: pd.DataFrame | None,
    roster: pd.DataFrame,
    *,
    year: int,
    through: str | None = None,
    kinds: Collection[str] = KINDS,
    con: duckdb.DuckDBPyConnection | None = None,
) -> pd.DataFrame:
    """Scores of every roster member in ``scheme.categories``, long form (``RESULT_COLUMNS``).

    ``elements``: :func:`person_elements` output (``unit_code, staff_id, month, element,
    value``). ``reviewer_items``: ``unit_code, staff_id, month, item, value`` for the scheme's
    reviewer and adjustment items (None: nothing entered). ``roster``: at least ``unit_code,
    staff_id, department, category``. ``through``: the last month assessed (``2024-07``;
    default December). ``kinds``: which of month, ytd, quarter, year to return.

    Rows per person and period: one per item (``level`` ``item``: ``value`` the indicator or
    entered value, ``score`` of ``max_score`` = the item's points), one per component
    (``component``: ``value`` its attainment ratio 0..1, ``score`` of ``max_score`` = its
    weight) and one ``total`` (``score`` of the full score, ``grade`` code, ``rank`` 1 = best,
    ``band`` 1-based index into ``scheme.bands``, ``group_size`` the number ranked together).
    """
    last = int(through[5:7]) if through else 12
    if through and int(through[:4]) != year:
        raise ValueError(f"through {through} is not in {year}")
    unknown = set(kinds) - set(KINDS)
    if unknown:
        raise ValueError(f"unknown period kinds {sorted(unknown)}; use {', '.join(KINDS)}")
    categories = {c.value for c in scheme.categories}
    people = roster.loc[
        roster["category"].astype("str").isin(categories),
        ["unit_code", "staff_id", "department", "category"],
    ].astype("str")
    people = people.sort_values(["unit_code", "staff_id"]).reset_index(drop=True)
    people.insert(0, "pid", range(len(people)))
    people["unit_key"] = pd.factorize(people["unit_code"])[0]
    people["dept_key"] = pd.factorize(people["unit_code"] + "\x1f" + people["department"])[0]
    pm = period_months(year, last, kinds)
    periods = pm.drop_duplicates("period")[["period", "period_kind"]].reset_index(drop=True)
    periods.insert(0, "pix", range(len(periods)))
    pm = pm.merge(periods[["pix", "period"]], on="period")[["pix", "m"]]
    reviewer = (
        reviewer_items
        if reviewer_items is not None
        else pd.DataFrame({"unit_code": [], "staff_id": [], "month": [], "item": [], "value": []})
    )
    own = con is None
    connection = duckdb.connect() if con is None else con
    try:
        tables = {
            "__people": people, "__pm": pm, "__periods": periods, "__items": _items(scheme),
            "__elements": _with_month(elements, ["unit_code", "staff_id", "element", "value"]),
            "__reviewer": _with_month(reviewer, ["unit_code", "staff_id", "item", "value"]),
        }  # fmt: skip
        for name, data in tables.items():
            _register(connection, name, data)
        long = connection.sql(scoring_sql(scheme)).fetchnumpy()
    finally:
        if own:
            connection.close()
    return _named(long, people, periods, scheme)


def _named(
    long: dict[str, Any], people: pd.DataFrame, periods: pd.DataFrame, scheme: IndividualScheme
) -> pd.DataFrame:
    """The integer-keyed rows with names put back (numpy takes: cheaper than SQL joins)."""
    pid = np.asarray(long["pid"], dtype=np.int64)
    pix = np.asarray(long["pix"], dtype=np.int64)
    lv = np.asarray(long["lv"], dtype=np.int64)
    cix = np.asarray(long["cix"], dtype=np.int64)
    iix = np.asarray(long["iix"], dtype=np.int64)
    components = [c.code for c in scheme.components]
    weights = np.array([c.weight for c in scheme.components] + [scheme.full_score])
    items = [i for _, i in scheme.items()]
    points = np.array([i.points for i in items] + [np.nan])
    # Codes into small tables of names: categorical columns build fast and stay small.
    names = list(dict.fromkeys(["total", *components, *(i.code for i in items)]))
    component_at = np.array([names.index(c) for c in components], dtype=np.int64)
    item_at = np.array([names.index(i.code) for i in items], dtype=np.int64)
    code = np.where(lv == 2, item_at[iix], np.where(lv == 1, component_at[cix], 0))
    grade = np.ma.filled(np.ma.asarray(long["grade"]).astype(np.int64), -1)
    return pd.DataFrame({
        "unit_code": _take(people["unit_code"], pid),
        "staff_id": _take(people["staff_id"], pid),
        "department": _take(people["department"], pid),
        "category": _take(people["category"], pid),
        "period": _take(periods["period"], pix),
        "period_kind": _take(periods["period_kind"], pix),
        "level": _categorical(lv, ["total", "component", "item"]),
        "component": _categorical(np.where(lv == 0, -1, cix), components),
        "code": _categorical(code, names),
        "value": _floats(long["value"]),
        "score": _floats(long["score"]),
        "max_score": np.where(lv == 2, points[iix], weights[np.where(lv == 0, -1, cix)]),
        "grade": _categorical(grade, [g.code for g in scheme.grades]),
        "rank": _ints(long["rank"]),
        "band": _ints(long["band"]),
        "group_size": _ints(long["group_size"]),
    })  # fmt: skip


def _categorical(codes: np.ndarray[Any, Any], names: Sequence[str]) -> Any:
    return pd.Categorical.from_codes(codes, categories=pd.Index(list(names)))


def _take(values: pd.Series, index: np.ndarray[Any, Any]) -> Any:
    """``values[index]`` as a categorical (the values repeat across periods and items)."""
    names, inverse = np.unique(values.to_numpy(dtype=str), return_inverse=True)
    return _categorical(inverse[index], [str(n) for n in names])


def _floats(values: Any) -> np.ndarray[Any, Any]:
    return np.asarray(np.ma.filled(np.ma.asarray(values).astype(np.float64), np.nan))


def _ints(values: Any) -> pd.arrays.IntegerArray:
    data = np.asarray(np.ma.getdata(values)).astype(np.int64)
    return pd.arrays.IntegerArray(data, np.ma.getmaskarray(values).copy())


def _with_month(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    if frame.empty:  # also a frame without columns
        empty = {c: pd.Series(dtype="float64" if c == "value" else "str") for c in columns}
        return pd.DataFrame({**empty, "m": pd.Series(dtype="int64")})
    out = frame[columns].copy()
    for c in columns:
        if c != "value":
            out[c] = out[c].astype("str")
    out["value"] = out["value"].astype("float64")
    out["m"] = _month_index(frame)
    return out


def _register(con: duckdb.DuckDBPyConnection, name: str, data: pd.DataFrame | pa.Table) -> None:
    arrow = data if isinstance(data, pa.Table) else pa.Table.from_pandas(data, preserve_index=False)
    con.register(name, arrow)
