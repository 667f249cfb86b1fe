"""Per-person, per-month elements from case records (DuckDB), and the indicators built on them.

A row counts for the person its ``prosecutor_id`` names in its ``unit_code``; rows without a
handler, and tables without the column, count for nobody. Months are ``YYYY-MM``; which date
places a row in a month is fixed per element (below). Rates are built by summing elements over
a period first and dividing after (``pooled``), so a quarter's remand rate is the quarter's
remanded cases over the quarter's concluded cases, not a mean of monthly rates.

| element | counts | month by |
|---|---|---|
| ``arrest_review_cases`` | distinct cases with an arrest decision | ``arrest_decision_date`` |
| ``prosecution_concluded_cases`` | distinct cases whose review concluded | ``review_concluded_date`` |
| ``review_concluded_persons`` | persons whose review concluded | ``review_concluded_date`` |
| ``plea_leniency_persons`` | of them, with plea leniency | ``review_concluded_date`` |
| ``review_days`` | per concluded case: last conclusion minus first receipt (days) | ``review_concluded_date`` |
| ``review_timed_cases`` | concluded cases with a receipt date | ``review_concluded_date`` |
| ``judged_with_recommendation`` | persons judged with a sentencing recommendation | ``judgment_date`` |
| ``sentencing_recommendations_adopted`` | of them, adopted | ``judgment_date`` |
| ``remanded_cases`` | distinct cases with a remand event | ``event_date`` |
| ``extended_cases`` | distinct cases with a review-extension event | ``event_date`` |
| ``protests_concluded`` / ``protests_changed`` | criminal protests decided / changed | ``concluded_date`` |
| ``procuratorial_recommendations_answered`` / ``_adopted`` | other matters answered / adopted or remedied | ``concluded_date`` |
| ``workload`` | Σ coefficient × work items (see ``coefficients.WORK_TYPES``) | each item's own date |

>>> import pandas as pd
>>> persons = pd.DataFrame({"unit_code": ["370102"] * 3, "case_id": ["c1", "c1", "c2"],
...     "person_id": ["1", "2", "1"], "prosecutor_id": ["P0005"] * 3,
...     "prosecution_review_received": pd.to_datetime(["2024-03-01"] * 3).date,
...     "review_concluded_date": pd.to_datetime(["2024-03-21", "2024-03-21", "2024-04-02"]).date})
>>> out = person_elements({"persons": persons}, months=["2024-03", "2024-04"])
>>> [(r.month, r.element, r.value) for r in out.itertuples()
...  if r.element in ("prosecution_concluded_cases", "review_days", "workload")]
[('2024-03', 'workload', 1.0), ('2024-03', 'prosecution_concluded_cases', 1.0), ('2024-03', 'review_days', 20.0), ('2024-04', 'workload', 1.0), ('2024-04', 'prosecution_concluded_cases', 1.0), ('2024-04', 'review_days', 32.0)]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import duckdb
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

from grassroots.engine.caseformat import TABLES
from grassroots.engine.cases import CaseTables
from grassroots.engine.individual.coefficients import (
    CoefficientTable,
    load_coefficients,
)
from grassroots.engine.inputs import quote
from grassroots.engine.periods import Period

ELEMENT_COLUMNS = ["unit_code", "staff_id", "month", "element", "value"]

ELEMENTS: dict[str, str] = {
    "workload": "加权工作量",
    "arrest_review_cases": "审查逮捕案件数",
    "prosecution_concluded_cases": "审查起诉审结案件数",
    "review_concluded_persons": "审查起诉审结人数",
    "plea_leniency_persons": "适用认罪认罚人数",
    "review_days": "审查起诉用时合计（日）",
    "review_timed_cases": "有受理日期的审结案件数",
    "judged_with_recommendation": "判决时提出量刑建议人数",
    "sentencing_recommendations_adopted": "量刑建议被采纳人数",
    "remanded_cases": "退回补充侦查案件数",
    "extended_cases": "延长审查起诉期限案件数",
    "protests_concluded": "抗诉审结件数",
    "protests_changed": "抗诉改变件数",
    "procuratorial_recommendations_answered": "检察建议回复件数",
    "procuratorial_recommendations_adopted": "检察建议采纳（整改）件数",
}


@dataclass(frozen=True)
class Indicator:
    code: str
    name_zh: str
    name_en: str
    numerator: tuple[str, ...]  # elements summed
    denominator: str | None  # None: the numerator itself
    factor: float
    direction: Literal["higher", "lower"]


INDICATORS: dict[str, Indicator] = {
    i.code: i
    for i in (
        Indicator("workload", "加权办案量", "Weighted workload", ("workload",), None, 1, "higher"),
        Indicator(
            "cases_handled",
            "办理案件数",
            "Cases handled",
            ("arrest_review_cases", "prosecution_concluded_cases"),
            None,
            1,
            "higher",
        ),
        Indicator(
            "remand_rate",
            "退回补充侦查率",
            "Remand rate",
            ("remanded_cases",),
            "prosecution_concluded_cases",
            100,
            "lower",
        ),
        Indicator(
            "extension_rate",
            "延长审查起诉期限率",
            "Extension rate",
            ("extended_cases",),
            "prosecution_concluded_cases",
            100,
            "lower",
        ),
        Indicator(
            "average_review_days",
            "平均审查起诉天数",
            "Average review days",
            ("review_days",),
            "review_timed_cases",
            1,
            "lower",
        ),
        Indicator(
            "plea_leniency_rate",
            "认罪认罚从宽制度适用率",
            "Plea leniency rate",
            ("plea_leniency_persons",),
            "review_concluded_persons",
            100,
            "higher",
        ),
        Indicator(
            "sentencing_adoption_rate",
            "量刑建议采纳率",
            "Sentencing recommendation adoption",
            ("sentencing_recommendations_adopted",),
            "judged_with_recommendation",
            100,
            "higher",
        ),
        Indicator(
            "protest_change_rate",
            "抗诉改变率",
            "Protest change rate",
            ("protests_changed",),
            "protests_concluded",
            100,
            "higher",
        ),
        Indicator(
            "procuratorial_adoption_rate",
            "检察建议采纳（整改）率",
            "Procuratorial recommendation adoption",
            ("procuratorial_recommendations_adopted",),
            "procuratorial_recommendations_answered",
            100,
            "higher",
        ),
    )  # fmt: skip
}

_REMANDS = "('remand_first', 'remand_second')"
_EXTENSIONS = "('review_extension_first', 'review_extension_second')"
_RECOMMENDED = "('fixed_term', 'range')"


def _month(column: str) -> str:
    return f"(year({column}) * 12 + month({column}) - 1)"


def _arrow(frame: pa.Table | pd.DataFrame) -> pa.Table:
    if isinstance(frame, pa.Table):
        return frame
    return pa.Table.from_pandas(frame, preserve_index=False)


def _views(
    con: duckdb.DuckDBPyConnection, cases: CaseTables | Mapping[str, pa.Table | pd.DataFrame]
) -> dict[str, str]:
    """Views with every column of the case format (absent ones NULL) for tables naming handlers."""
    views: dict[str, str] = {}
    if isinstance(cases, CaseTables):
        for name, table in cases.tables.items():
            if "prosecutor_id" in table.present:
                views[name] = table.register(con, f"people_{name}")
        return views
    types = {"string": "VARCHAR", "category": "VARCHAR", "date": "DATE", "bool": "BOOLEAN",
             "int": "BIGINT"}  # fmt: skip
    for name, frame in cases.items():
        if name not in TABLES:
            continue
        arrow = _arrow(frame)
        if "prosecutor_id" not in arrow.column_names:
            continue
        con.register(f"people_{name}_in", arrow)
        have = set(arrow.column_names)
        select = ", ".join(
            f'CAST("{c.name}" AS {types[c.kind]}) AS "{c.name}"'
            if c.name in have
            else f'CAST(NULL AS {types[c.kind]}) AS "{c.name}"'
            for c in TABLES[name].columns.values()
        )
        con.execute(
            f'CREATE OR REPLACE TEMP VIEW "people_{name}" AS SELECT {select} FROM "people_{name}_in"'
        )
        views[name] = f"people_{name}"
    return views


def _parts(
    views: dict[str, str], window: tuple[str, str], coef: CoefficientTable
) -> list[tuple[str, list[str]]]:
    """One grouped query per (table, date column), each giving some elements' columns."""
    lo, hi = (f"DATE {quote(d)}" for d in window)
    arrest, review = (
        float(coef.coefficient("arrest_review")),
        float(coef.coefficient("prosecution_review")),
    )
    parts: list[tuple[str, list[str]]] = []

    def where(date: str) -> str:
        return f"prosecutor_id IS NOT NULL AND prosecutor_id <> '' AND {date} BETWEEN {lo} AND {hi}"

    if "persons" in views:
        p = f'"{views["persons"]}"'
        parts.append((
            f"SELECT unit_code, prosecutor_id AS staff_id, {_month('arrest_decision_date')} AS m, "
            f"count(DISTINCT case_id)::DOUBLE AS arrest_review_cases, "
            f"count(DISTINCT case_id)::DOUBLE * {arrest} AS workload FROM {p} "
            f"WHERE arrest_decision IS NOT NULL AND {where('arrest_decision_date')} GROUP BY ALL",
            ["arrest_review_cases", "workload"],
        ))  # fmt: skip
        parts.append((
            "SELECT unit_code, staff_id, m, count(*)::DOUBLE AS prosecution_concluded_cases, "
            f"count(*)::DOUBLE * {review} AS workload, "
            "sum(n)::DOUBLE AS review_concluded_persons, sum(plea)::DOUBLE AS plea_leniency_persons, "
            "coalesce(sum(days), 0)::DOUBLE AS review_days, count(days)::DOUBLE AS review_timed_cases "
            f"FROM (SELECT unit_code, prosecutor_id AS staff_id, {_month('review_concluded_date')} AS m, "
            "case_id, count(*) AS n, count(*) FILTER (WHERE plea_leniency) AS plea, "
            "max(review_concluded_date) - min(prosecution_review_received) AS days "
            f"FROM {p} WHERE {where('review_concluded_date')} GROUP BY ALL) GROUP BY ALL",
            ["prosecution_concluded_cases", "workload", "review_concluded_persons",
             "plea_leniency_persons", "review_days", "review_timed_cases"],
        ))  # fmt: skip
        parts.append((
            f"SELECT unit_code, prosecutor_id AS staff_id, {_month('judgment_date')} AS m, "
            f"count(*) FILTER (WHERE sentencing_recommendation IN {_RECOMMENDED})::DOUBLE "
            "AS judged_with_recommendation, "
            f"count(*) FILTER (WHERE sentencing_recommendation IN {_RECOMMENDED} "
            "AND recommendation_adopted)::DOUBLE AS sentencing_recommendations_adopted "
            f"FROM {p} WHERE {where('judgment_date')} GROUP BY ALL",
            ["judged_with_recommendation", "sentencing_recommendations_adopted"],
        ))  # fmt: skip
    if "events" in views:
        parts.append((
            f"SELECT unit_code, prosecutor_id AS staff_id, {_month('event_date')} AS m, "
            f"count(DISTINCT case_id) FILTER (WHERE event_type IN {_REMANDS})::DOUBLE AS remanded_cases, "
            f"count(DISTINCT case_id) FILTER (WHERE event_type IN {_EXTENSIONS})::DOUBLE AS extended_cases, "
            "coalesce(sum(c.coefficient), 0)::DOUBLE AS workload "
            f'FROM "{views["events"]}" AS e LEFT JOIN __people_coef AS c ON c.work_type = e.event_type '
            f"WHERE {where('event_date')} GROUP BY ALL",
            ["remanded_cases", "extended_cases", "workload"],
        ))  # fmt: skip
    if "matters" in views:
        m = f'"{views["matters"]}"'
        parts.append((
            f"SELECT unit_code, prosecutor_id AS staff_id, {_month('concluded_date')} AS m, "
            "count(*) FILTER (WHERE kind = 'criminal_protest' AND outcome IN ('changed', 'maintained'))"
            "::DOUBLE AS protests_concluded, "
            "count(*) FILTER (WHERE kind = 'criminal_protest' AND outcome = 'changed')::DOUBLE "
            "AS protests_changed, "
            "count(*) FILTER (WHERE kind <> 'criminal_protest' AND outcome IN ('adopted', "
            "'not_adopted', 'remedied', 'not_remedied'))::DOUBLE AS procuratorial_recommendations_answered, "
            "count(*) FILTER (WHERE kind <> 'criminal_protest' AND outcome IN ('adopted', 'remedied'))"
            "::DOUBLE AS procuratorial_recommendations_adopted "
            f"FROM {m} WHERE {where('concluded_date')} GROUP BY ALL",
            ["protests_concluded", "protests_changed", "procuratorial_recommendations_answered",
             "procuratorial_recommendations_adopted"],
        ))  # fmt: skip
        parts.append((
            f"SELECT unit_code, prosecutor_id AS staff_id, {_month('issued_date')} AS m, "
            "coalesce(sum(c.coefficient), 0)::DOUBLE AS workload "
            f"FROM {m} AS t LEFT JOIN __people_coef AS c ON c.work_type = t.kind "
            f"WHERE {where('issued_date')} GROUP BY ALL",
            ["workload"],
        ))  # fmt: skip
    return parts


def elements_sql(parts: Sequence[tuple[str, Sequence[str]]], months: Sequence[int]) -> str:
    """The parts summed per person and month, one column per element (0 where a part had no
    row: a person active in a month has every element that month), ordered by person and month."""
    wanted = ", ".join(str(m) for m in months)
    given = {c for _, codes in parts for c in codes}
    columns = ", ".join(
        f'coalesce(sum("{c}"), 0)::DOUBLE AS "{c}"' if c in given else f'0.0::DOUBLE AS "{c}"'
        for c in ELEMENTS
    )
    union = " UNION ALL BY NAME ".join(f"({query})" for query, _ in parts)
    return (
        f"SELECT unit_code, staff_id, m, {columns} "
        f"FROM ({union}) WHERE m IN ({wanted}) "
        "GROUP BY unit_code, staff_id, m ORDER BY unit_code, staff_id, m"
    )


def _long(wide: dict[str, Any]) -> pd.DataFrame:
    """One row per person, month and element from the wide rows (numpy: no SQL unpivot)."""
    codes = list(ELEMENTS)
    rows = len(wide["m"])
    values = np.stack([np.asarray(wide[c], dtype=np.float64) for c in codes], axis=1).reshape(-1)
    m = np.asarray(wide["m"], dtype=np.int64)
    months, month_at = np.unique(m, return_inverse=True)
    month_names = [f"{k // 12:04d}-{k % 12 + 1:02d}" for k in months]
    frame = {
        "unit_code": _categorical(np.asarray(wide["unit_code"], dtype=object)),
        "staff_id": _categorical(np.asarray(wide["staff_id"], dtype=object)),
        "month": pd.Categorical.from_codes(month_at, categories=pd.Index(month_names)),
    }
    out = pd.DataFrame({name: np.repeat(column, len(codes)) for name, column in frame.items()})
    out["element"] = pd.Categorical.from_codes(
        np.tile(np.arange(len(codes)), rows), categories=pd.Index(codes)
    )
    out["value"] = values
    return out


def _categorical(values: npt.NDArray[Any]) -> Any:
    codes, names = pd.factorize(values)
    return pd.Categorical.from_codes(
        codes, categories=pd.Index([str(n) for n in names]), validate=False
    )


def _empty() -> pd.DataFrame:
    return pd.DataFrame(
        {c: pd.Series(dtype="float64" if c == "value" else "str") for c in ELEMENT_COLUMNS}
    )


def person_elements(
    cases: CaseTables | Mapping[str, pa.Table | pd.DataFrame],
    *,
    months: Sequence[Period | str],
    coefficients: CoefficientTable | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> pd.DataFrame:
    """Elements ``unit_code, staff_id, month, element, value`` per handling prosecutor and month
    (the four key columns are pandas categoricals), ordered by unit, staff number and month.

    ``cases``: checked case tables (``read_cases`` of a folder or a data version's Parquet
    folder) or frames by table name (Arrow or pandas, any subset of the case-format columns).
    ``months``: month keys (``2024-07``). ``coefficients``: the workload weights (default: the
    shipped example table). A person with any attributed row in a month gets every element
    for it (zeros real); a person without any is absent for that month.
    """
    wanted = [p if isinstance(p, Period) else Period.parse(p) for p in months]
    if any(p.kind != "month" for p in wanted):
        raise ValueError("person_elements takes month keys such as 2024-07")
    if not wanted:
        return _empty()
    table = coefficients if coefficients is not None else load_coefficients("example-2021")
    own = con is None
    connection = duckdb.connect() if con is None else con
    try:
        views = _views(connection, cases)
        if not views:
            return _empty()
        connection.register(
            "__people_coef",
            pa.table({
                "work_type": pa.array(list(table.coefficients), pa.string()),
                "coefficient": pa.array([float(v) for v in table.coefficients.values()], pa.float64()),
            }),
        )  # fmt: skip
        window = (min(p.start for p in wanted).isoformat(), max(p.end for p in wanted).isoformat())
        sql = elements_sql(_parts(views, window, table), [p.month_indexes[0] for p in wanted])
        wide = connection.sql(sql).fetchnumpy()
    finally:
        if own:
            connection.close()
    return _long(wide)[ELEMENT_COLUMNS]
