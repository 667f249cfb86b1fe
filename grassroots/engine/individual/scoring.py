"""Scores per person and period: items → components → total → grade, rank and band.

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
  Totals are compared rounded to 9 decimals, so equal scores reached by different sums tie.

Scoring is dense and vectorised (numpy arrays of people × periods × items): the per-person
aggregates come from DuckDB (:func:`person_elements`), and what is left is small arithmetic on
them, which one pass over arrays does faster than a join-heavy SQL plan.

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
import numpy.typing as npt
import pandas as pd

from grassroots.engine.individual.elements import ELEMENTS, INDICATORS
from grassroots.engine.individual.scheme import Component, IndividualScheme, Item, Method, Source

F = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

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


def _pool(monthly: F, member: F) -> F:
    """[person, month, x] summed into [person, period, x] (a matrix product per person)."""
    return np.ascontiguousarray(np.matmul(monthly.transpose(0, 2, 1), member).transpose(0, 2, 1))


def _strings(column: pd.Series) -> tuple[I64, list[str]]:
    """Codes and names of a text column (categoricals, as person_elements returns, are free)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        names = [str(n) for n in column.cat.categories]
        return np.asarray(column.cat.codes, dtype=np.int64), names
    codes, uniques = pd.factorize(column.astype("str"))
    return np.asarray(codes, dtype=np.int64), [str(n) for n in uniques]


def _lookup(column: pd.Series, index: dict[str, int]) -> I64:
    """Each row's position in ``index`` (-1: not there), resolved once per distinct value."""
    codes, names = _strings(column)
    table = np.array([index.get(n, -1) for n in names] + [-1], dtype=np.int64)
    return table[codes]  # code -1 (missing) reads the trailing -1


def _month_number(column: pd.Series, year: int) -> I64:
    """Month index within ``year`` (0 = January; outside the year: out of 0..11)."""
    codes, names = _strings(column)
    table = np.array(
        [int(n[:4]) * 12 + int(n[5:7]) - 1 - year * 12 if len(n) >= 7 else -1 for n in names]
        + [-1],
        dtype=np.int64,
    )
    return table[codes]


def _positions(frame: pd.DataFrame, people: pd.DataFrame) -> I64:
    """Each row's person index in ``people`` (-1: not scored by this scheme)."""
    units = {u: i for i, u in enumerate(dict.fromkeys(people["unit_code"]))}
    unit = _lookup(frame["unit_code"], units)
    staff_codes, staff_names = _strings(frame["staff_id"])
    staff_at = {n: i for i, n in enumerate(staff_names)}
    person_unit = people["unit_code"].map(units).to_numpy(dtype=np.int64)
    person_staff = people["staff_id"].map(staff_at).fillna(-1).to_numpy(dtype=np.int64)
    width = len(staff_names) + 1
    # People the frame never names get distinct negative keys no row can match.
    absent = -1 - np.arange(len(people), dtype=np.int64)
    known = pd.Index(np.where(person_staff >= 0, person_unit * width + person_staff, absent))
    found = np.asarray(known.get_indexer(pd.Index(unit * width + staff_codes)), dtype=np.int64)
    return np.where((unit >= 0) & (staff_codes >= 0), found, -1)


def _monthly(
    elements: pd.DataFrame, people: pd.DataFrame, year: int, last: int
) -> tuple[F, npt.NDArray[np.bool_]]:
    """Elements as a dense [person, month, element] array, and who was active in each month."""
    codes = list(ELEMENTS)
    values = np.zeros((len(people), last, len(codes)))
    active = np.zeros((len(people), last), dtype=bool)
    if elements.empty:
        return values, active
    person = _positions(elements, people)
    month = _month_number(elements["month"], year)
    element = _lookup(elements["element"], {c: i for i, c in enumerate(codes)})
    keep = (person >= 0) & (month >= 0) & (month < last) & (element >= 0)
    p, m, e = person[keep], month[keep], element[keep]
    np.add.at(values, (p, m, e), elements["value"].to_numpy(dtype=np.float64)[keep])
    active[person[keep], month[keep]] = True
    return values, active


def _entered(
    reviewer: pd.DataFrame | None, people: pd.DataFrame, items: list[Item], year: int, last: int
) -> tuple[F, F]:
    """Reviewer entries as [person, month, item] sums and counts."""
    total = np.zeros((len(people), last, len(items)))
    count = np.zeros_like(total)
    if reviewer is None or reviewer.empty:
        return total, count
    person = _positions(reviewer, people)
    month = _month_number(reviewer["month"], year)
    entered = {
        i.code: n for n, i in enumerate(items) if i.source in (Source.REVIEWER, Source.ADJUSTMENT)
    }
    item = _lookup(reviewer["item"], entered)
    keep = (person >= 0) & (month >= 0) & (month < last) & (item >= 0)
    at = (person[keep], month[keep], item[keep])
    np.add.at(total, at, reviewer["value"].to_numpy(dtype=np.float64)[keep])
    np.add.at(count, at, 1.0)
    return total, count


def _indicator(code: str, pooled: F, active: npt.NDArray[np.bool_]) -> F:
    """An indicator over pooled [person, period, element] values; NaN when it has no value."""
    ind = INDICATORS[code]
    at = {c: i for i, c in enumerate(ELEMENTS)}
    top = sum((pooled[:, :, at[e]] for e in ind.numerator), np.zeros(pooled.shape[:2]))
    if ind.denominator is None:
        value = top * ind.factor
    else:
        below = pooled[:, :, at[ind.denominator]]
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(below > 0, top / below * ind.factor, np.nan)
    return np.where(active, value, np.nan)


def _group_max(values: F, keys: I64) -> F:
    """Per row: the largest non-missing value among the rows with the same key (per column)."""
    best = np.full((int(keys.max()) + 1 if keys.size else 0, values.shape[1]), np.nan)
    np.fmax.at(best, keys, values)
    return best[keys]


def _item_scores(item: Item, value: F, unit_key: I64, dept_key: I64) -> F:
    points = item.points
    if item.source is Source.BASE:
        return np.full(value.shape, points)
    if item.source is Source.ADJUSTMENT:
        return np.clip(np.nan_to_num(value, nan=0.0), item.lowest, points)
    if item.source is Source.REVIEWER:
        earned = np.clip(value, 0.0, points)
    elif item.method is Method.BAND:
        assert item.full is not None
        assert item.zero is not None
        earned = points * np.clip((value - item.zero) / (item.full - item.zero), 0.0, 1.0)
    else:
        best = _group_max(value, unit_key if item.within == "unit" else dept_key)
        with np.errstate(divide="ignore", invalid="ignore"):
            earned = np.where(best > 0, points * np.maximum(value, 0.0) / best, 0.0)
    return np.where(np.isnan(value), points if item.missing == "full" else 0.0, earned)


def _component_scores(component: Component, ratio: F, unit_key: I64, dept_key: I64) -> F:
    if component.normalise == "none":
        return component.weight * ratio
    top = _group_max(ratio, unit_key if component.normalise == "unit_best" else dept_key)
    with np.errstate(divide="ignore", invalid="ignore"):
        return component.weight * np.where(top > 0, ratio / top, 0.0)


def _standing(scheme: IndividualScheme, total: F, group: I64) -> tuple[I64, I64, I64, I64]:
    """(rank, grade index, band index or -1, group size) per [person, period]."""
    n_people, n_periods = total.shape
    frame = pd.DataFrame({
        "g": np.repeat(group, n_periods) * max(n_periods, 1) + np.tile(np.arange(n_periods), n_people),
        "t": np.round(total.reshape(-1), 9),
    })  # fmt: skip
    by = frame.groupby("g").t
    rank = by.rank(method="min", ascending=False).to_numpy(dtype=np.int64)
    pos = by.rank(method="max", ascending=False).to_numpy(dtype=np.int64)
    n = by.transform("size").to_numpy(dtype=np.int64)
    t = frame["t"].to_numpy()
    rest = next(i for i, g in enumerate(scheme.grades) if g.share is None and g.below is None)
    grade = np.full(t.shape, rest, dtype=np.int64)
    decided = np.zeros(t.shape, dtype=bool)
    last = scheme.grades[-1]
    if last.below is not None:
        decided = t < last.below
        grade[decided] = len(scheme.grades) - 1
    cumulative = 0.0
    for index, g in enumerate(scheme.grades):
        if g.share is None:
            continue
        cumulative += g.share
        hit = ~decided & (pos <= np.floor(cumulative * n + 1e-9))
        grade[hit] = index
        decided |= hit
    band = np.full(t.shape, -1, dtype=np.int64)
    for index in reversed(range(len(scheme.bands))):
        band = np.where(rank <= np.floor(scheme.bands[index].upto * n + 1e-9), index, band)
    if scheme.bands:
        band = np.where(band < 0, len(scheme.bands) - 1, band)
    shape = (n_people, n_periods)
    return rank.reshape(shape), grade.reshape(shape), band.reshape(shape), n.reshape(shape)


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
    default December). ``kinds``: which of month, ytd, quarter, year to return. ``con`` is
    accepted so one connection can be passed to both calls; scoring itself needs none.

    Rows per person and period: one ``total`` (``score`` of the full score, ``grade`` code,
    ``rank`` 1 = best, ``band`` 1-based index into ``scheme.bands``, ``group_size`` the number
    ranked together), then per component one ``component`` row (``value`` its attainment ratio
    0..1, ``score`` of ``max_score`` = its weight) followed by its ``item`` rows (``value`` the
    indicator or entered value, ``score`` of ``max_score`` = the item's points). Rows are
    ordered by unit, staff number, period (months, YTDs, quarters, year).
    """
    del con  # see the docstring
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
    twice = people[people.duplicated(["unit_code", "staff_id"])]
    if not twice.empty:
        named = ", ".join(
            f"{u}/{s}" for u, s in twice[["unit_code", "staff_id"]].head(5).to_numpy()
        )
        raise ValueError(f"the roster names a staff number twice in one unit: {named}")
    unit_key = pd.factorize(people["unit_code"])[0].astype(np.int64)
    dept_key = pd.factorize(people["unit_code"] + "\x1f" + people["department"])[0].astype(np.int64)
    pm = period_months(year, last, kinds)
    periods = pm.drop_duplicates("period")[["period", "period_kind"]].reset_index(drop=True)
    member = np.zeros((last, len(periods)))
    member[
        pm["m"].to_numpy() - year * 12, pd.Index(periods["period"]).get_indexer(pm["period"])
    ] = 1

    monthly, active_months = _monthly(elements, people, year, last)
    pooled = _pool(monthly, member)
    active = (active_months.astype(np.float64) @ member) > 0
    items = [i for _, i in scheme.items()]
    entered_sum, entered_count = (
        _pool(a, member) for a in _entered(reviewer_items, people, items, year, last)
    )
    values, scores = [], []
    for index, item in enumerate(items):
        if item.source is Source.CASES:
            value = _indicator(item.indicator or "", pooled, active)
        elif item.source is Source.BASE:
            value = np.full(active.shape, np.nan)
        else:
            count = entered_count[:, :, index]
            per = entered_sum[:, :, index] / np.where(count > 0, count, 1.0)
            value = np.where(
                count > 0,
                entered_sum[:, :, index] if item.source is Source.ADJUSTMENT else per,
                np.nan,
            )
        values.append(value)
        scores.append(_item_scores(item, value, unit_key, dept_key))
    ratios, component_scores = [], []
    at = 0
    for component in scheme.components:
        mine = scores[at : at + len(component.items)]
        at += len(component.items)
        capacity = sum(i.points for i in component.items)
        ratio = np.clip(sum(mine, np.zeros(active.shape)) / capacity, 0.0, 1.0)
        ratios.append(ratio)
        component_scores.append(_component_scores(component, ratio, unit_key, dept_key))
    total = sum(component_scores, np.zeros(active.shape))
    group = unit_key if scheme.group == "unit" else dept_key
    rank, grade, band, size = _standing(scheme, total, group)
    return _long(scheme, people, periods, total, (rank, grade, band, size),
                 list(zip(ratios, component_scores, strict=True)), list(zip(values, scores, strict=True)))  # fmt: skip


def _long(
    scheme: IndividualScheme,
    people: pd.DataFrame,
    periods: pd.DataFrame,
    total: F,
    standing: tuple[I64, I64, I64, I64],
    components: list[tuple[F, F]],
    items: list[tuple[F, F]],
) -> pd.DataFrame:
    """Rows in blocks per person and period: total, then each component and its items."""
    n_people, n_periods = total.shape
    nan = np.full(total.shape, np.nan)
    missing = np.full(total.shape, -1, dtype=np.int64)
    slots: list[
        tuple[int, int, int, F, F, float]
    ] = []  # level, component, code index, value, score, max
    names = list(dict.fromkeys(["total", *(c.code for c in scheme.components),
                                *(i.code for _, i in scheme.items())]))  # fmt: skip
    slots.append((0, -1, 0, nan, total, scheme.full_score))
    at = 0
    for ci, component in enumerate(scheme.components):
        ratio, score = components[ci]
        slots.append((1, ci, names.index(component.code), ratio, score, component.weight))
        for item in component.items:
            value, earned = items[at]
            at += 1
            slots.append((2, ci, names.index(item.code), value, earned, item.points))
    width = len(slots)
    rows = n_people * n_periods * width

    def block(per_slot: list[Any], dtype: Any) -> Any:
        return np.broadcast_to(
            np.asarray(per_slot, dtype=dtype), (n_people * n_periods, width)
        ).reshape(-1)

    def stacked(arrays: list[Any]) -> Any:
        out = np.empty((n_people * n_periods, width), dtype=np.asarray(arrays[0]).dtype)
        for k, a in enumerate(arrays):
            out[:, k] = np.asarray(a).reshape(-1)
        return out.reshape(-1)

    def on_totals(values: I64) -> I64:
        out = np.full(rows, -1, dtype=np.int64)
        out[::width] = np.asarray(values).reshape(-1)
        return out

    person = np.repeat(np.arange(n_people), n_periods * width)
    period = np.tile(np.repeat(np.arange(n_periods), width), n_people)
    is_total = block([s[0] == 0 for s in slots], bool)
    rank, grade, band, size = standing
    return pd.DataFrame({
        "unit_code": _take(people["unit_code"], person),
        "staff_id": _take(people["staff_id"], person),
        "department": _take(people["department"], person),
        "category": _take(people["category"], person),
        "period": _take(periods["period"], period),
        "period_kind": _take(periods["period_kind"], period),
        "level": _categorical(block([s[0] for s in slots], np.int64), ["total", "component", "item"]),
        "component": _categorical(block([s[1] for s in slots], np.int64), [c.code for c in scheme.components]),
        "code": _categorical(block([s[2] for s in slots], np.int64), names),
        "value": stacked([s[3] for s in slots]),
        "score": stacked([s[4] for s in slots]),
        "max_score": block([s[5] for s in slots], np.float64),
        "grade": _categorical(on_totals(grade), [g.code for g in scheme.grades]),
        "rank": _ints(on_totals(rank), is_total),
        "band": _ints(on_totals(band + 1 if scheme.bands else missing), is_total & bool(scheme.bands)),
        "group_size": _ints(on_totals(size), is_total),
    }, index=pd.RangeIndex(rows))  # fmt: skip


def _categorical(codes: npt.NDArray[Any], names: Sequence[str]) -> Any:
    # The codes are built here and always in range: skip pandas' O(n) validation.
    return pd.Categorical.from_codes(codes, categories=pd.Index(list(names)), validate=False)


def _take(values: pd.Series, index: npt.NDArray[Any]) -> Any:
    """``values[index]`` as a categorical (the values repeat across periods and items)."""
    names, inverse = np.unique(values.to_numpy(dtype=str), return_inverse=True)
    return _categorical(inverse[index], [str(n) for n in names])


def _ints(values: I64, valid: npt.NDArray[np.bool_]) -> pd.arrays.IntegerArray:
    return pd.arrays.IntegerArray(
        np.asarray(values, dtype=np.int64), ~np.asarray(valid, dtype=bool)
    )
