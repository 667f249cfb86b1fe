"""Checklist schemes (the weak-unit exit standard): quantitative items tested on results.

A quantitative item's condition reads ``measure op value`` on one node's evaluation result over
the last ``periods`` periods (see docs/schemes.md); a qualitative item waits for a reviewer.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

import numpy as np
import pandas as pd

from grassroots.engine.errors import InputError, Problem
from grassroots.engine.scheme import (
    ChecklistItem,
    Condition,
    ItemKind,
    Measure,
    Op,
    Require,
    Scheme,
    SchemeKind,
)

TOLERANCE = 1e-9  # comparisons treat values this close as equal (2/3 vs 4/6 computed)


class ItemStatus(StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    UNDECIDED = "undecided"


def assess_checklist(
    scheme: Scheme, results: pd.DataFrame, *, periods: Sequence[str] | None = None
) -> pd.DataFrame:
    """Per unit × item: ``status`` (met / not_met / undecided) and the ``reason``, in English.

    ``results`` is the long-form output of ``evaluate`` for one or more periods (concatenated);
    ``periods`` lists them oldest first (default: the sorted periods found in ``results``).
    """
    if scheme.kind is not SchemeKind.CHECKLIST:
        raise InputError([Problem(scheme.name, None, None, "is not a checklist scheme")])
    order = list(periods) if periods is not None else sorted(results["period"].astype(str).unique())
    units = results["unit_code"].astype(str).drop_duplicates().tolist()
    frames = [_assess_item(item, results, order, units) for item in scheme.items]
    return pd.concat(frames, ignore_index=True)


def _assess_item(
    item: ChecklistItem, results: pd.DataFrame, periods: list[str], units: list[str]
) -> pd.DataFrame:
    base = {"unit_code": units, "item": item.code, "heading": item.heading, "kind": item.kind.value}
    if item.kind is ItemKind.QUALITATIVE or item.condition is None:
        note = "qualitative: a reviewer decides on the evidence" + (
            f" ({item.evidence})" if item.evidence else ""
        )
        return pd.DataFrame({**base, "status": ItemStatus.UNDECIDED.value, "reason": note})
    status, reason = _assess_condition(item.condition, results, periods, units)
    return pd.DataFrame({**base, "status": status, "reason": reason})


def _assess_condition(
    cond: Condition, results: pd.DataFrame, periods: list[str], units: list[str]
) -> tuple[list[str], list[str]]:
    text = f"{cond.node} {cond.measure.value} {cond.op.value} {_show(cond.value)}"
    if len(periods) < cond.periods:
        why = f"needs {cond.periods} periods of results, have {len(periods)}"
        return [ItemStatus.UNDECIDED.value] * len(units), [why] * len(units)
    last = periods[-cond.periods :]
    table = _measure_table(cond, results, last, units)  # units × periods, NaN/None = no result
    statuses: list[str] = []
    reasons: list[str] = []
    for unit in units:
        row = table.loc[unit]
        gaps = [p for p in last if _absent(row[p])]
        passed = {p: _compare(row[p], cond.op, cond.value) for p in last if p not in gaps}
        status = _combine(passed, gaps, cond.require)
        shown = ", ".join(f"{p}: {_show(row[p])}" for p in last)
        note = (
            f" (no result for {', '.join(gaps)})" if gaps and status is ItemStatus.UNDECIDED else ""
        )
        statuses.append(status.value)
        reasons.append(f"{text} [{cond.require.value} of {', '.join(last)}]; {shown}{note}")
    return statuses, reasons


def _combine(passed: dict[str, bool], gaps: list[str], require: Require) -> ItemStatus:
    if require is Require.ALL:
        if any(not ok for ok in passed.values()):
            return ItemStatus.NOT_MET
        return ItemStatus.UNDECIDED if gaps else ItemStatus.MET
    if any(passed.values()):
        return ItemStatus.MET
    return ItemStatus.UNDECIDED if gaps else ItemStatus.NOT_MET


def _measure_table(
    cond: Condition, results: pd.DataFrame, periods: list[str], units: list[str]
) -> pd.DataFrame:
    rows = results[
        (results["node"] == cond.node) & results["period"].astype(str).isin(periods)
    ].copy()
    rows["unit_code"] = rows["unit_code"].astype(str)
    rows["period"] = rows["period"].astype(str)
    if cond.measure is Measure.PEER_POSITION:
        rank = pd.to_numeric(rows["rank_peer"], errors="coerce").astype(np.float64)
        ranked = rank.notna().groupby([rows["period"], rows["peer_group"]]).transform("sum")
        rows["measure"] = (rank - 1) / ranked
    elif cond.measure is Measure.COLOUR:
        rows["measure"] = rows["colour"].astype(object)
    else:
        rows["measure"] = pd.to_numeric(rows[cond.measure.value], errors="coerce")
    wide = rows.pivot(index="unit_code", columns="period", values="measure")
    return wide.reindex(index=units, columns=periods)


def _absent(x: object) -> bool:
    return x is None or x is pd.NA or (isinstance(x, float) and np.isnan(x))


def _compare(x: object, op: Op, target: float | str) -> bool:
    if isinstance(target, str):
        return (str(x) == target) == (op is Op.EQ)
    a, b = float(x), float(target)  # type: ignore[arg-type]
    checks = {
        Op.LT: a < b - TOLERANCE,
        Op.LE: a <= b + TOLERANCE,
        Op.GT: a > b + TOLERANCE,
        Op.GE: a >= b - TOLERANCE,
        Op.EQ: abs(a - b) <= TOLERANCE,
        Op.NE: abs(a - b) > TOLERANCE,
    }
    return checks[op]


def _show(x: object) -> str:
    if isinstance(x, float):
        return f"{x:.4g}"
    return "no result" if _absent(x) else str(x)
