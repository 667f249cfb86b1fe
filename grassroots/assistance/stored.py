"""The engine's long-form result read back from stored evaluation runs, for the weak-unit rules.

One run per period: the published run of the scheme for that period of the scope the rules are
defined for, the province (``evaluation.selectors.latest_published_runs``), whichever scheme
version it used. A draft, a provisional run, a city's run or a superseded run is never read. Rows are cut to a part of the province by unit path (the viewer's units);
each frame carries ``ranked``, the number of units the whole run ranked, so the rules' bottom and
top tiers stay the province's even when the viewer sees one city (``selection.bottom_tier``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd
import yaml
from django.db.models import Count, Q

from grassroots.assistance.selection import ROOT_LEVEL
from grassroots.engine.periods import Period
from grassroots.engine.scheme import Visibility
from grassroots.evaluation.models import EvaluationRun, Result, SchemeVersion
from grassroots.evaluation.permissions import Visible, visible_to
from grassroots.evaluation.results import results_frame
from grassroots.evaluation.selectors import (
    latest_published_runs,
    scope_of_path,
)
from grassroots.organisations import versions
from grassroots.organisations.scope import membership_of

SCHEME = "core-business"
COLUMNS = [
    "unit_code",
    "node",
    "level",
    "value",
    "score",
    "rank_peer",
    "rank_all",
    "colour",
    "rank_q05",
    "rank_q95",
]


def rank_visibility(user: Any, *, scheme: str = SCHEME) -> Visible:
    """What of the stored runs' ranks and colours the user's role may see: the newest version
    of the scheme the user's province uses says (its ``visibility``: the province's own, else
    the national default); with no version stored there is nothing to show."""
    version = versions.current(SchemeVersion, province=versions.owner_for(user), code=scheme)
    if version is None:
        return Visible(ranks=False, colours=False)
    # Only the visibility block is read: the stored text was checked whole when it was saved.
    block = (yaml.safe_load(version.yaml_text) or {}).get("visibility") or {}
    return visible_to(user, Visibility.model_validate(block))


def latest_runs(
    *, path: str, scheme: str = SCHEME, periods: Iterable[str] | None = None
) -> dict[str, EvaluationRun]:
    """Period -> the published run of ``scheme`` for it (all published periods when None) of
    the province the unit path ``path`` lies in (the nation's for the empty path)."""
    return latest_published_runs(scheme=scheme, scope=scope_of_path(path), periods=periods)


def _order(period: str) -> tuple[Any, ...]:
    try:
        parsed = Period.parse(period)
    except ValueError:
        return (None, period)
    return (parsed.start, parsed.end, period)


def stored_periods(
    *, path: str | None, scheme: str = SCHEME, kind: str | None = "quarter"
) -> list[str]:
    """Periods with a published run of the province the unit path ``path`` lies in (the
    nation's for the empty path; none for None), oldest first: the periods `latest_runs`
    reads, so a period only a city, another province or the nation published is never one of
    "the last N periods" (it would push one of the province's own periods out). Only periods
    of ``kind`` (None: every kind), so "the last N periods" never mixes months with quarters."""
    if path is None:
        return []
    periods = set(latest_runs(path=path, scheme=scheme))
    if kind is not None:
        periods = {p for p in periods if _kind(p) == kind}
    return sorted(periods, key=_order)


def _kind(period: str) -> str:
    try:
        return str(Period.parse(period).kind)
    except ValueError:
        return ""


def last_periods(
    n: int, *, path: str | None, scheme: str = SCHEME, up_to: str | None = None
) -> list[str]:
    """The last ``n`` quarters with a published run of the province of ``path``
    (`stored_periods`), up to and including ``up_to`` when given, oldest first."""
    periods = stored_periods(path=path, scheme=scheme)
    if up_to is not None:
        periods = [p for p in periods if _order(p) <= _order(up_to)]
    return periods[-n:] if n > 0 else []


def scope_path(user: Any) -> str | None:
    """The path prefix of the user's units; None when the user sees no unit."""
    membership = membership_of(user)
    return None if membership is None else str(membership.unit.path)


def province_path(user: Any) -> str | None:
    """The path prefix of the user's province (the first segment of its unit's path)."""
    path = scope_path(user)
    return None if path is None else path.split("/", 1)[0] + "/"


def stored_results(
    *,
    path: str | None,
    periods: Sequence[str],
    scheme: str = SCHEME,
    levels: Sequence[str] | None = (ROOT_LEVEL,),
) -> pd.DataFrame:
    """The long-form result of the published province run of each period (`latest_runs`), rows
    under ``path`` (the viewer's units; None: no rows), concatenated oldest first, with
    ``ranked`` and ``run_id`` columns. ``levels`` limits the rows read (None: every level)."""
    frames = []
    runs = latest_runs(path=path, scheme=scheme, periods=periods) if path is not None else {}
    ranked = _ranked_per_run([r.pk for r in runs.values()])
    for period in sorted(runs, key=_order):
        run = runs[period]
        frame = results_frame(run, path=path or "", levels=levels, columns=COLUMNS)
        frame["ranked"] = ranked.get(run.pk, 0)
        frame["run_id"] = run.pk
        frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=[*COLUMNS[:1], "period", *COLUMNS[1:], "ranked", "run_id"])
    return pd.concat(frames, ignore_index=True)


def _ranked_per_run(run_ids: list[int]) -> dict[int, int]:
    """How many units each run ranked overall (the whole province, whatever the viewer sees)."""
    counts = (
        Result.objects.filter(run_id__in=run_ids, level=ROOT_LEVEL)
        .values("run_id")
        .annotate(n=Count("id", filter=Q(rank_all__isnull=False)))
    )
    return {row["run_id"]: int(row["n"]) for row in counts}


def results_for(
    user: Any,
    *,
    periods: Sequence[str],
    scheme: str = SCHEME,
    levels: Sequence[str] | None = (ROOT_LEVEL,),
) -> pd.DataFrame:
    """``stored_results`` scoped to the user's units (empty without a membership)."""
    return stored_results(path=scope_path(user), periods=periods, scheme=scheme, levels=levels)
