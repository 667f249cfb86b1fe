"""Results of runs: stored as rows from the engine's long form, and read back as that form.

The long form's columns are the engine's (``outputs.RESULT_COLUMNS``); the stored rows and the
frames read back from them follow that one list.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from grassroots.engine.colours import parse_why
from grassroots.engine.outputs import OPTIONAL_COLUMNS, RESULT_COLUMNS
from grassroots.evaluation.models import EvaluationRun, Result
from grassroots.organisations.models import Unit

BATCH = 2000

_FLOAT_COLUMNS = ("value", "score", "rank_q05", "rank_median", "rank_q95", "colour_share")


def result_rows(run: EvaluationRun, frame: pd.DataFrame) -> list[Result]:
    paths = dict(Unit.objects.values_list("code", "path"))
    rows = []
    for rec in frame.to_dict("records"):
        code = str(rec["unit_code"])
        rows.append(
            Result(
                run=run,
                unit_code=code,
                unit_path=paths.get(code, ""),
                node=str(rec["node"]),
                level=_text(rec.get("level")),
                rank_peer=_int(rec.get("rank_peer")),
                rank_all=_int(rec.get("rank_all")),
                colour=_text(rec.get("colour")),
                flags=_text(rec.get("flags"))[:200],
                why=_text(rec.get("why")),
                why_reason=why_reason(_text(rec.get("why"))),
                **{c: _float(rec.get(c)) for c in _FLOAT_COLUMNS},
            )
        )
    return rows


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
