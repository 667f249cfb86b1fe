"""Results of runs: stored as rows from the engine's long form, and read back as that form.

The long form's columns are the engine's (``outputs.RESULT_COLUMNS``); the stored rows and the
frames read back from them follow that one list.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd
from django.db import connection

from grassroots.engine.colours import parse_why
from grassroots.engine.outputs import OPTIONAL_COLUMNS, RESULT_COLUMNS
from grassroots.evaluation.models import EvaluationRun, Result
from grassroots.organisations.models import Unit

BATCH = 2000

_FLOAT_COLUMNS = ("value", "score", "rank_q05", "rank_median", "rank_q95", "colour_share")


def result_rows(run: EvaluationRun, frame: pd.DataFrame) -> list[Result]:
    return [Result(run=run, **values) for values in _stored_values(frame)]


def _stored_values(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Each row of the engine's long form as the Result fields it is stored in (no run)."""
    paths = dict(Unit.objects.values_list("code", "path"))
    rows = []
    columns = {c: frame[c].tolist() for c in frame.columns}  # plain values, column by column
    for i in range(len(frame)):
        rec = {c: values[i] for c, values in columns.items()}
        code = str(rec["unit_code"])
        rows.append(
            {
                "unit_code": code,
                "unit_path": paths.get(code, ""),
                "node": str(rec["node"]),
                "level": _text(rec.get("level")),
                "rank_peer": _int(rec.get("rank_peer")),
                "rank_all": _int(rec.get("rank_all")),
                "colour": _text(rec.get("colour")),
                "flags": _text(rec.get("flags"))[:200],
                "why": _text(rec.get("why")),
                "why_reason": why_reason(_text(rec.get("why"))),
                **{c: _float(rec.get(c)) for c in _FLOAT_COLUMNS},
            }
        )
    return rows


def store_results(run: EvaluationRun, frame: pd.DataFrame) -> int:
    """Store the run's long-form result as its Result rows (in the caller's transaction).

    On PostgreSQL one COPY: 2,760 rows of a province run took ~0.2 s of the worker's CPU
    through ``bulk_create`` (every value quoted in Python into one statement), a tenth of
    that as COPY rows (issue 20.4). Elsewhere (SQLite) ``bulk_create``."""
    values = _stored_values(frame)
    if connection.vendor != "postgresql":
        Result.objects.bulk_create([Result(run=run, **v) for v in values], batch_size=BATCH)
        return len(values)
    fields = [f for f in Result._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
    table = connection.ops.quote_name(Result._meta.db_table)
    # The values are already the plain str / int / float / None the columns take; only the
    # JSON field needs its adapter (what bulk_create would have sent).
    json = [f for f in fields if f.get_internal_type() == "JSONField"]
    with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in values:
            row["run"] = run.pk
            for field in json:
                row[field.name] = field.get_db_prep_save(row[field.name], connection)
            copy.write_row([row[f.name] for f in fields])
    return len(values)


def why_reason(text: str) -> list[dict[str, object]]:
    """The why text as template keys and parameters, [] when it is not an engine sentence."""
    reasons = parse_why(text)
    return [r.as_json() for r in reasons] if reasons else []


# Every column a Result row stores of the long form (``period`` is the run's).
STORED_COLUMNS = tuple(c for c in (*RESULT_COLUMNS, *OPTIONAL_COLUMNS) if c != "period")


def results_frame(
    run: EvaluationRun,
    *,
    path: str = "",
    levels: Sequence[str] | None = None,
    columns: Sequence[str] = STORED_COLUMNS,
) -> pd.DataFrame:
    """A run's stored results as the engine's long form: ``unit_code, period`` then ``columns``
    (in the engine's order), rows under unit ``path`` ("" all) at ``levels`` (None all)."""
    wanted = ["unit_code", *(c for c in STORED_COLUMNS if c in columns and c != "unit_code")]
    rows = run.results.all()
    if path:
        rows = rows.filter(unit_path__startswith=path)
    if levels is not None:
        rows = rows.filter(level__in=list(levels))
    frame = pd.DataFrame(
        list(rows.order_by("unit_code", "id").values_list(*wanted)), columns=wanted
    )
    frame.insert(1, "period", run.period)
    return frame


def stored_frame(run: EvaluationRun, *, path: str = "") -> pd.DataFrame:
    """A run's stored results as the engine's long form (for exports and reproduction)."""
    return results_frame(run, path=path)


def row_key(r: Result) -> dict[str, Any]:
    return {
        "unit_code": r.unit_code,
        "node": r.node,
        "level": r.level,
        "score": None if r.score is None else round(r.score, 9),
        "value": None if r.value is None else round(r.value, 9),
        "rank_peer": r.rank_peer,
        "rank_all": r.rank_all,
        "colour": r.colour,
        "rank_median": r.rank_median,
    }


def _float(v: Any) -> float | None:
    if v is None or v is pd.NA:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _int(v: Any) -> int | None:
    f = _float(v)
    return None if f is None else int(f)


def _text(v: Any) -> str:
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return ""
    return str(v)
