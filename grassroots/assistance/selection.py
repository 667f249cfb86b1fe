"""Rules over engine results: candidates, partners, targets, exit checklist, relapse watch.

Everything here reads the engine's long-form result (``unit_code, period, node, level, score,
rank_all, colour, rank_q05, rank_q95, ...``) concatenated over periods: from stored evaluation
runs (``assistance.stored``) on the pages, or from a ``grassroots generate`` folder
(``evaluate_periods``) in the CLI and tests. No Django.

A frame read from stored runs may cover only the viewer's part of the province; it then carries a
``ranked`` column (units ranked in the whole run) so the bottom tier is still the province's.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from grassroots.cells import cell_float, cell_isna
from grassroots.engine.periods import Period
from grassroots.engine.pipeline import Source, prepare, score
from grassroots.engine.scheme import Scheme, load_scheme
from grassroots.engine.scoring.checklist import assess_checklist

ROOT_LEVEL = "whole"  # the scheme root's rows in the long-form result
EXIT_SCHEME = "weak-exit-standard"


def evaluate_periods(
    cases: Path, periods: Sequence[str], *, scheme: str = "core-business", sensitivity: int = 0
) -> pd.DataFrame:
    """The engine's long-form result for each period, concatenated (oldest first)."""
    frames = [
        score(prepare(scheme=scheme, period=p, source=Source(cases=cases)), sensitivity=sensitivity)
        for p in periods
    ]
    return pd.concat(frames, ignore_index=True)


def _root(results: pd.DataFrame) -> pd.DataFrame:
    rows = results[results["level"] == ROOT_LEVEL].copy()
    rows["unit_code"] = rows["unit_code"].astype(str)
    rows["period"] = rows["period"].astype(str)
    return rows


def bottom_tier(results: pd.DataFrame, *, share: float = 1 / 3) -> pd.DataFrame:
    """Per unit and period: whether the unit's overall rank is in the bottom ``share``."""
    root = _root(results)
    ranked = _ranked(root)
    root["bottom"] = root["rank_all"].astype(float) > (1 - share) * ranked
    root["ranked"] = ranked
    return root


def _ranked(root: pd.DataFrame) -> pd.Series:
    """Units ranked in each row's period: the frame's own count, unless the frame says how many
    the whole run ranked (a frame cut down to part of the province)."""
    counted = root.groupby("period")["rank_all"].transform("count")
    if "ranked" not in root.columns:
        return counted
    given = pd.to_numeric(root["ranked"], errors="coerce")
    return given.where(given.notna(), counted)


@dataclass(frozen=True)
class CandidateRule:
    """Bottom tier of the province (``share``) in at least ``k`` of the last ``n`` periods."""

    k: int = 3
    n: int = 4
    share: float = 1 / 3

    def describe(self) -> str:
        return f"bottom {self.share:.0%} of the province in {self.k} of the last {self.n} periods"


def candidates(results: pd.DataFrame, *, rule: CandidateRule) -> pd.DataFrame:
    """Units the rule suggests, with their rank interval in the latest period.

    Columns: unit_code, times_bottom, rank_all, rank_q05, rank_q95, ranked (latest period).
    """
    tier = bottom_tier(results, share=rule.share)
    last = sorted(tier["period"].unique())[-rule.n :]
    window = tier[tier["period"].isin(last)]
    times = window.groupby("unit_code")["bottom"].sum().rename("times_bottom")
    latest = window[window["period"] == last[-1]].set_index("unit_code")
    cols = [c for c in ("rank_all", "rank_q05", "rank_q95", "ranked") if c in latest.columns]
    out: pd.DataFrame = latest[cols].join(times, how="inner")
    out = out[out["times_bottom"] >= rule.k].reset_index()
    return out.sort_values("rank_all", ascending=False, ignore_index=True)


def rank_history(
    results: pd.DataFrame, codes: Sequence[str], *, share: float = 1 / 3
) -> pd.DataFrame:
    """Per unit in ``codes`` and period (oldest first): score, rank_all of ranked, the rank
    interval (rank_q05, rank_q95; NaN without sensitivity) and whether it was in the bottom tier.

    >>> frame = pd.DataFrame({"unit_code": ["a", "b", "c"], "period": "2024Q1", "level": "whole",
    ...                       "score": [80.0, 60.0, 40.0], "rank_all": [1, 2, 3]})
    >>> rank_history(frame, ["c"])[["unit_code", "rank_all", "ranked", "bottom"]].values.tolist()
    [['c', 3, 3, True]]
    """
    tier = bottom_tier(results, share=share)
    rows = tier[tier["unit_code"].isin([str(c) for c in codes])].copy()
    for column in ("rank_q05", "rank_q95"):
        if column not in rows.columns:
            rows[column] = np.nan
    columns = ["unit_code", "period", "score", "rank_all", "ranked", "rank_q05", "rank_q95"]
    return rows[[*columns, "bottom"]].sort_values(["unit_code", "period"], ignore_index=True)


@dataclass(frozen=True)
class Profile:
    """What pairing compares: the city (parent), caseload and staff of a unit."""

    code: str
    city: str
    caseload: float
    staff: float


# A partner in another city costs as much as being this far apart in log caseload/staff.
OTHER_CITY_PENALTY = 0.5


def pair_cost(weak: Profile, strong: Profile) -> float:
    """Dissimilarity of two units: log-ratio distance of caseload and staff, plus a city penalty."""
    size = abs(math.log1p(weak.caseload) - math.log1p(strong.caseload))
    staff = abs(math.log1p(weak.staff) - math.log1p(strong.staff))
    return size + staff + (0.0 if weak.city == strong.city else OTHER_CITY_PENALTY)


def recommend_partners(
    weak: Sequence[Profile], strong: Sequence[Profile], *, capacity: int = 1
) -> dict[str, str]:
    """One partner per weak unit minimising the total cost, each partner helping at most ``capacity``.

    Solved at once with the Hungarian method; capacity duplicates each strong unit's column.
    Weak units left without a partner (too few strong units) are absent from the answer.

    >>> a, b = Profile("w", "c1", 100, 20), Profile("s", "c1", 110, 22)
    >>> recommend_partners([a], [b])
    {'w': 's'}
    """
    if capacity < 1:
        raise ValueError("capacity must be at least 1")
    columns = [s for s in strong for _ in range(capacity)]
    if not weak or not columns:
        return {}
    cost = np.array([[pair_cost(w, s) for s in columns] for w in weak])
    rows, cols = linear_sum_assignment(cost)
    return {weak[r].code: columns[c].code for r, c in zip(rows, cols, strict=True)}


def indicator_values(results: pd.DataFrame, unit_code: str) -> dict[tuple[str, str], float]:
    """(indicator, period) → value for one unit, read from the indicator rows of the result."""
    rows = results[
        (results["level"] == "indicator") & (results["unit_code"].astype(str) == unit_code)
    ]
    return {
        (str(r.node), str(r.period)): cell_float(r.value)
        for r in rows.itertuples()
        if not cell_isna(r.value)
    }


def target_met(*, direction: str, target: float, value: float | None) -> bool | None:
    """Is the target reached? None when there is no result yet."""
    if value is None:
        return None
    return value <= target if direction == "lower" else value >= target


def exit_checklist(
    results: pd.DataFrame,
    units: pd.DataFrame,
    *,
    unit_code: str,
    periods: Sequence[str],
    standard: Scheme | None = None,
) -> pd.DataFrame:
    """The weak-exit-standard items for one unit over ``periods``: item, heading, kind, status, reason.

    ``units`` gives each unit's peer group: the checklist's peer positions are read within it.
    ``standard`` is the province's exit standard (the shipped default when not given).
    """
    scheme = standard if standard is not None else load_scheme(EXIT_SCHEME)
    chosen = results[results["period"].astype(str).isin(periods)].copy()
    chosen["unit_code"] = chosen["unit_code"].astype(str)
    peer = units.assign(unit_code=units["unit_code"].astype(str)).set_index("unit_code")
    chosen["peer_group"] = chosen["unit_code"].map(peer["peer_group"].astype(str))
    assessed = assess_checklist(scheme, chosen, periods=list(periods))
    return assessed[assessed["unit_code"] == unit_code].reset_index(drop=True)


@dataclass(frozen=True)
class RelapseRule:
    """Warn within ``months`` after exit when the unit is in the bottom tier ``running`` periods
    running, or its overall score falls ``drop`` points below the score of its exit period."""

    running: int = 2
    drop: float = 15.0
    share: float = 1 / 3
    months: int = 24

    def describe(self) -> str:
        return (
            f"bottom {self.share:.0%} {self.running} periods running, or a fall of "
            f"{self.drop:g} points from the exit score, within {self.months} months of exit"
        )


class RelapseKind:
    BOTTOM = "bottom"  # in the bottom tier ``running`` periods running
    DROP = "drop"  # the overall score fell ``drop`` points below the exit score


@dataclass(frozen=True)
class RelapseWarning:
    unit_code: str
    period: str
    evidence: str  # for the command line; it names the rank
    kind: str = RelapseKind.BOTTOM
    score: float | None = None  # the overall score in ``period``
    exit_score: float | None = None
    streak: int = 0  # periods running in the bottom tier, up to ``period``


def relapse_warnings(
    results: pd.DataFrame, exited: Mapping[str, str], *, rule: RelapseRule
) -> list[RelapseWarning]:
    """Warnings for units that exited (unit_code → exit period), each with its evidence."""
    tier = bottom_tier(results, share=rule.share)
    warnings: list[RelapseWarning] = []
    for code, exit_period in exited.items():
        rows = tier[tier["unit_code"] == code].sort_values("period")
        base = rows[rows["period"] == exit_period]
        in_window = [in_watch(p, exit_period, rule.months) for p in rows["period"]]
        after = rows[in_window]
        if base.empty or after.empty:
            continue
        warning = _relapse_of(code, float(base["score"].iloc[0]), after, rule)
        if warning is not None:
            warnings.append(warning)
    return warnings


def in_watch(period: str, exit_period: str, months: int) -> bool:
    """Is ``period`` after the exit and starting within ``months`` of the exit period's end?"""
    exit_end = Period.parse(exit_period).end
    start = Period.parse(period).start
    return exit_end < start <= exit_end + dt.timedelta(days=round(months * 30.44))


def _relapse_of(
    code: str, exit_score: float, after: pd.DataFrame, rule: RelapseRule
) -> RelapseWarning | None:
    streak = 0
    for r in after.itertuples():
        streak = streak + 1 if bool(r.bottom) else 0
        fall = exit_score - cell_float(r.score)
        # No rank: the evidence goes into notifications whoever reads them, also in analysis
        # mode (the relapse page shows ranks where the ranking policy lets it).
        shown = f"{r.period}: score {cell_float(r.score):.1f}"
        score = cell_float(r.score)
        if streak >= rule.running:
            evidence = f"bottom tier {streak} periods; {shown}"
            return RelapseWarning(
                code, str(r.period), evidence, RelapseKind.BOTTOM, score, exit_score, streak
            )
        if fall >= rule.drop:
            evidence = f"score fell {fall:.1f} from {exit_score:.1f}; {shown}"
            return RelapseWarning(
                code, str(r.period), evidence, RelapseKind.DROP, score, exit_score, streak
            )
    return None


def strong_units(results: pd.DataFrame, *, period: str, share: float = 1 / 3) -> list[str]:
    """Units in the top ``share`` of the province by overall rank in ``period``: the partner pool."""
    root = _root(results)
    root = root[root["period"] == period]
    ranked = _ranked(root)
    return sorted(root[root["rank_all"].astype(float) <= share * ranked]["unit_code"])


def profiles(units: pd.DataFrame, load: pd.DataFrame, codes: Sequence[str]) -> list[Profile]:
    """Profiles of ``codes`` from a units table (unit_code, parent, headcount) and caseloads;
    units without a caseload or a headcount are left out (nothing to compare them on)."""
    table = units.assign(unit_code=units["unit_code"].astype(str)).set_index("unit_code")
    cases = load.assign(unit_code=load["unit_code"].astype(str)).set_index("unit_code")
    out = []
    for code in codes:
        if code not in table.index or code not in cases.index:
            continue
        staff = pd.to_numeric(cast(Any, table.loc[code, "headcount"]), errors="coerce")
        if pd.isna(staff):
            continue
        caseload_ = cell_float(cases.loc[code, "caseload"])
        out.append(Profile(code, str(table.loc[code, "parent"]), caseload_, float(staff)))
    return out


# The levels a selected case is counted at, highest first (the library's CaseLevel values).
CASE_LEVELS = ("spp_guiding", "spp_typical", "provincial", "city")


@dataclass(frozen=True)
class ContributionRule:
    """Points = score gain over the previous quarter + the level's weight per case selected in
    the quarter (``per_level``: level -> points) + ``per_measure`` per rectification measure
    completed in the quarter. The province edits the weights (assistance.ContributionWeights)."""

    per_level: Mapping[str, float] = field(
        default_factory=lambda: {
            "spp_guiding": 8.0,
            "spp_typical": 5.0,
            "provincial": 2.0,
            "city": 1.0,
        }
    )
    per_measure: float = 1.0

    def describe(self) -> str:
        cases = ", ".join(f"{level} {self.per_level.get(level, 0.0):g}" for level in CASE_LEVELS)
        return (
            f"score gain + per case selected ({cases}) + {self.per_measure:g} per measure completed"
        )


def contribution_ranking(
    results: pd.DataFrame,
    *,
    quarter: str,
    cases: Mapping[str, Mapping[str, int]],
    measures_completed: Mapping[str, int],
    rule: ContributionRule,
) -> pd.DataFrame:
    """The quarter's ranked list: unit_code, score_gain, typical_cases (cases selected at any
    level), case_points, measures_completed, points, rank (1 = most points; units without both
    quarters' scores are left out). ``cases``: unit code -> level -> cases selected."""
    previous = Period.parse(quarter).previous().key
    root = _root(results)
    scores = root.pivot_table(index="unit_code", columns="period", values="score")
    columns = ["unit_code", "score_gain", "typical_cases", "case_points", "measures_completed"]
    if quarter not in scores.columns or previous not in scores.columns:
        return pd.DataFrame(columns=[*columns, "points"])
    table = pd.DataFrame({"score_gain": scores[quarter] - scores[previous]}).dropna()
    held = [cases.get(c, {}) for c in table.index]
    table["typical_cases"] = [int(sum(levels.values())) for levels in held]
    table["case_points"] = [
        float(sum(rule.per_level.get(level, 0.0) * n for level, n in levels.items()))
        for levels in held
    ]
    table["measures_completed"] = [int(measures_completed.get(c, 0)) for c in table.index]
    table["points"] = (
        table["score_gain"] + table["case_points"] + rule.per_measure * table["measures_completed"]
    )
    table = table.sort_values(["points", "score_gain"], ascending=False).reset_index()
    table["rank"] = range(1, len(table) + 1)
    return table
