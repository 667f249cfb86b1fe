"""Reads behind the province's decision pages, fed from stored evaluation runs: designation
candidates with their rank intervals, the pairing recommendation with its reasons, and the
quarter's contribution ranking. Pages, API and CLI share these; writes stay in services."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from grassroots.assistance.models import (
    Award,
    ContributionWeights,
    Designation,
    Pairing,
    WeakStatus,
)
from grassroots.assistance.selection import (
    CandidateRule,
    ContributionRule,
    Profile,
    candidates,
    contribution_ranking,
    pair_cost,
    profiles,
    rank_history,
    recommend_partners,
    strong_units,
)
from grassroots.assistance.selectors import RankRow, designations_for, measures_completed_in
from grassroots.assistance.stored import (
    last_periods,
    latest_runs,
    province_path,
    rank_visibility,
    results_for,
    scope_path,
    stored_results,
)
from grassroots.cells import cell_int, frame_records
from grassroots.engine.cases import caseloads
from grassroots.engine.periods import Period
from grassroots.intake.selectors import version_folder
from grassroots.library.elements import final_cases_by_level
from grassroots.organisations.models import Level, Unit
from grassroots.organisations.scope import visible_units
from grassroots.people.selectors import staff_team


def _rank_rows(history: pd.DataFrame, code: str, *, ranks: bool) -> list[RankRow]:
    """The unit's periods; ranks and their intervals only when the role may see ranks."""
    rows = []
    for r in history[history["unit_code"] == code].itertuples():
        rank = _num(r.rank_all) if ranks else None
        rows.append(
            RankRow(
                period=str(r.period),
                score=_num(r.score),
                rank=None if rank is None else int(rank),
                ranked=cell_int(r.ranked),
                bottom=bool(r.bottom),
                rank_q05=_num(r.rank_q05) if ranks else None,
                rank_q95=_num(r.rank_q95) if ranks else None,
            )
        )
    return rows


def _num(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


# ------------------------------------------------------------------------------ candidates


@dataclass(frozen=True)
class CandidateRow:
    unit: Unit
    times_bottom: int
    history: list[RankRow]
    designation: Designation | None  # the unit's active designation, if already weak


@dataclass(frozen=True)
class Candidates:
    rule: CandidateRule
    periods: list[str]
    rows: list[CandidateRow]


def candidate_rows(user: Any, *, k: int, n: int, share: int) -> Candidates:
    """Units the rule suggests from the last ``n`` stored quarters (``share`` in percent), each
    with its rank and rank interval in every period read, most often bottom first."""
    rule = CandidateRule(k=k, n=n, share=share / 100)
    periods = last_periods(n, path=scope_path(user))
    frame = results_for(user, periods=periods)
    if frame.empty:
        return Candidates(rule, periods, [])
    found = candidates(frame, rule=rule)
    codes = [str(c) for c in found["unit_code"]]
    history = rank_history(frame, codes, share=rule.share)
    units = {u.code: u for u in visible_units(user).filter(code__in=codes)}
    active = {
        d.unit.code: d
        for d in designations_for(user)
        .exclude(status=WeakStatus.EXITED)
        .filter(unit__code__in=codes)
    }
    ranks = rank_visibility(user).ranks
    rows = [
        CandidateRow(units[c], int(t), _rank_rows(history, c, ranks=ranks), active.get(c))
        for c, t in zip(codes, found["times_bottom"], strict=True)
        if c in units
    ]
    if ranks:
        rows.sort(key=lambda r: (-r.times_bottom, -(r.history[-1].rank or 0) if r.history else 0))
    else:
        rows.sort(key=lambda r: r.unit.code)  # an order by rank would show the rank
    return Candidates(rule, periods, rows)


def unit_rank_history(user: Any, code: str, *, n: int = 8) -> list[RankRow]:
    """One unit's overall rank (with interval) in the last ``n`` stored quarters."""
    frame = results_for(user, periods=last_periods(n, path=scope_path(user)))
    if frame.empty:
        return []
    return _rank_rows(rank_history(frame, [code]), code, ranks=rank_visibility(user).ranks)


# --------------------------------------------------------------------------------- pairing


@dataclass(frozen=True)
class Why:
    """Why a partner is recommended: how alike the two units are and whether in one city."""

    cost: float
    caseload: float
    partner_caseload: float
    staff: float
    partner_staff: float
    same_city: bool

    def words(self) -> list[str]:
        """The match said in words (issue 18.7): how the caseloads and staff compare, and
        whether the two are in one city; the distance number is kept for the curious."""

        def compare(mine: float, theirs: float) -> str:
            if theirs <= 0 or mine <= 0:
                return gettext("no figure to compare")
            ratio = theirs / mine
            if ratio < 1 / ALIKE or ratio > ALIKE:
                return (
                    gettext("the partner's is %(x).1f times as large") % {"x": ratio}
                    if ratio > 1
                    else gettext("the partner's is smaller (%(pct)d%%)") % {"pct": ratio * 100}
                )
            return gettext("alike")

        return [
            gettext("caseload %(a)d and %(b)d: %(how)s")
            % {
                "a": self.caseload,
                "b": self.partner_caseload,
                "how": compare(self.caseload, self.partner_caseload),
            },  # fmt: skip
            gettext("staff %(a)d and %(b)d: %(how)s")
            % {
                "a": self.staff,
                "b": self.partner_staff,
                "how": compare(self.staff, self.partner_staff),
            },  # fmt: skip
            gettext("in the same city") if self.same_city else gettext("in another city"),
        ]


# Two figures within this factor of each other read as "alike" in the pairing's words.
ALIKE = 1.5


@dataclass(frozen=True)
class PairingRow:
    designation: Designation
    recommended: Unit | None
    why: Why | None
    current: Pairing | None
    profiled: bool  # False: no caseload or staff figure, so no recommendation


@dataclass(frozen=True)
class PairingPlan:
    period: str | None
    capacity: int
    rows: list[PairingRow]
    pool: int  # strong units that could partner
    caseload_from: str  # the case-record folder the caseloads were counted in ("" if none)
    missing: list[str] = field(default_factory=list)


def pairing_plan(user: Any, *, period: str | None, capacity: int) -> PairingPlan:
    """The recommended partner for every active weak unit in scope, solved at once: strong units
    are the top third of ``period``'s stored run (minus weak units), caseloads are counted in
    that run's case records and staff is each unit's headcount."""
    weak = list(
        designations_for(user)
        .exclude(status=WeakStatus.EXITED)
        .select_related("unit", "pairing__partner")
        .order_by("unit__code")
    )
    if period is None:
        return PairingPlan(None, capacity, [_row(d, None, None) for d in weak], 0, "")
    frame = results_for(user, periods=[period])
    weak_codes = [d.unit.code for d in weak]
    strong = sorted(set(strong_units(frame, period=period)) - set(weak_codes)) if len(frame) else []
    load, folder = _caseload(period, path=scope_path(user) or "")
    table = _units_table(user)
    weak_p = {p.code: p for p in profiles(table, load, weak_codes)}
    strong_p = {p.code: p for p in profiles(table, load, strong)}
    pairs = recommend_partners(list(weak_p.values()), list(strong_p.values()), capacity=capacity)
    units = {u.code: u for u in visible_units(user).filter(code__in=set(pairs.values()))}
    rows = []
    for d in weak:
        partner = pairs.get(d.unit.code)
        why = _why(weak_p[d.unit.code], strong_p[partner]) if partner else None
        rows.append(_row(d, units.get(partner or ""), why, profiled=d.unit.code in weak_p))
    missing = [c for c in weak_codes if c not in weak_p]
    return PairingPlan(period, capacity, rows, len(strong_p), folder, missing)


def _row(
    d: Designation, partner: Unit | None, why: Why | None, *, profiled: bool = False
) -> PairingRow:
    return PairingRow(d, partner, why, getattr(d, "pairing", None), profiled)


def _why(weak: Profile, strong: Profile) -> Why:
    return Why(
        cost=round(pair_cost(weak, strong), 3),
        caseload=weak.caseload,
        partner_caseload=strong.caseload,
        staff=weak.staff,
        partner_staff=strong.staff,
        same_city=weak.city == strong.city,
    )


def _caseload(period: str, *, path: str) -> tuple[pd.DataFrame, str]:
    """Persons handled per unit in the case records the period's published province run read
    (the province of the unit path ``path``)."""
    run = latest_runs(path=path, periods=[period]).get(period)
    if run is not None and run.from_intake:
        # The data versions the run read, each with the units it supplied to the run.
        used: dict[Path, list[str]] = {}
        for code, version in run.data_versions.get("cases", {}).items():
            folder = version_folder(int(version))
            if (folder / "persons.parquet").is_file():
                used.setdefault(folder, []).append(str(code))
        return caseloads(used), f"data versions of run #{run.pk}" if used else ""
    source = Path(run.source_path) if run is not None else None
    if source is None or not source.is_dir() or not any(source.glob("persons*.parquet")):
        return pd.DataFrame(columns=["unit_code", "caseload"]), ""
    return caseloads(source), str(source)


def _units_table(user: Any) -> pd.DataFrame:
    """unit_code, parent, headcount of the units in scope; a unit with a roster counts its
    people (people/selectors.py:staff_team), one without keeps its typed headcount."""
    units = list(visible_units(user).select_related("parent"))
    staff = staff_team(units, year=timezone.localdate().year)
    rows = [
        (u.code, u.parent.code if u.parent else None, staff[u.code]["staff_headcount"])
        for u in units
    ]
    return pd.DataFrame(rows, columns=["unit_code", "parent", "headcount"])


# ---------------------------------------------------------------------------------- awards


@dataclass(frozen=True)
class AwardRow:
    unit: Unit
    rank: int | None  # None for a role that may not see ranks
    score_gain: float
    typical_cases: int
    measures_completed: int
    points: float
    case_points: float = 0.0


@dataclass(frozen=True)
class AwardsRanking:
    quarter: str
    previous: str
    rows: list[AwardRow]  # the viewer's units, ranked within the province
    records: list[dict[str, Any]]  # the province's whole ranked list (what confirmation stores)
    confirmed: list[Award]
    ranks_shown: bool = True

    @property
    def codes(self) -> set[str]:
        return {str(r["unit_code"]) for r in self.records}


def province_unit(user: Any) -> Unit | None:
    """The province the user belongs to (the first segment of their unit's path)."""
    path = province_path(user)
    if path is None:
        return None
    return Unit.objects.filter(path=path, level=Level.PROVINCE).first()


def weights_of(province: Unit | None) -> ContributionWeights:
    """The province's award weights (unsaved defaults when it has not set any)."""
    found = None if province is None else ContributionWeights.objects.filter(province=province)
    return (found.first() if found is not None else None) or ContributionWeights(province=province)


def contribution_rule(user: Any) -> ContributionRule:
    """The award's rule with the weights the user's province set."""
    weights = weights_of(province_unit(user))
    return ContributionRule(per_level=weights.per_level(), per_measure=weights.per_measure)


def awards_ranking(user: Any, *, quarter: str) -> AwardsRanking:
    """The quarter's contribution ranking from the stored runs of the quarter and the one before
    and the library's cases selected in the quarter (at 定评, each case once at its highest
    level), weighted by the province's weights, ranked over the whole province and shown for
    the viewer's units."""
    previous = Period.parse(quarter).previous().key
    frame = stored_results(path=province_path(user), periods=[previous, quarter])
    codes = sorted({str(c) for c in frame["unit_code"]}) if len(frame) else []
    ranking = (
        contribution_ranking(
            frame,
            quarter=quarter,
            cases=final_cases_by_level(codes, quarter),
            measures_completed=measures_completed_in(quarter),
            rule=contribution_rule(user),
        )
        if len(frame)
        else pd.DataFrame()
    )
    records = frame_records(ranking) if "rank" in ranking.columns else []
    units = {
        u.code: u for u in visible_units(user).filter(code__in=[r["unit_code"] for r in records])
    }
    ranks = rank_visibility(user).ranks
    rows = [
        AwardRow(
            unit=units[str(r["unit_code"])],
            rank=int(r["rank"]) if ranks else None,
            score_gain=float(r["score_gain"]),
            typical_cases=int(r["typical_cases"]),
            measures_completed=int(r["measures_completed"]),
            points=float(r["points"]),
            case_points=float(r["case_points"]),
        )
        for r in records
        if str(r["unit_code"]) in units
    ]
    if not ranks:
        rows.sort(key=lambda r: r.unit.code)  # the ranked order would show the ranks
    confirmed = list(
        Award.objects.filter(quarter=quarter, unit__in=visible_units(user)).select_related("unit")
    )
    return AwardsRanking(quarter, previous, rows, records, confirmed, ranks)


def award_history(user: Any) -> list[tuple[Unit, list[Award]]]:
    """Every confirmed award of the viewer's units, grouped by unit (newest quarter first)."""
    grouped: dict[int, tuple[Unit, list[Award]]] = {}
    awards = Award.objects.filter(unit__in=visible_units(user)).select_related("unit")
    for award in awards.order_by("unit__code", "-quarter"):
        grouped.setdefault(award.unit_id, (award.unit, []))[1].append(award)
    return list(grouped.values())


def weak_codes(user: Any) -> set[str]:
    """Codes of the units in the user's scope that are weak now (designated, not exited)."""
    return set(
        designations_for(user)
        .exclude(status=WeakStatus.EXITED)
        .values_list("unit__code", flat=True)
    )


# ------------------------------------------------------------------ staff team (issue 14.5)


@dataclass(frozen=True)
class StaffRow:
    code: str
    label: str
    value: float | None
    city_median: float | None
    province_median: float | None
    percent: bool


# The "staff team" elements the staff-capability dimension of a designation is argued with.
STAFF_SHOWN = (
    ("staff_headcount", gettext_lazy("Staff on the roster"), False),
    ("staff_procurators", gettext_lazy("Quota-seat prosecutors"), False),
    ("staff_under_45_share", gettext_lazy("Share under 45"), True),
    ("staff_talent_pool_share", gettext_lazy("Share in the talent pool"), True),
    ("staff_born_1980_on_share", gettext_lazy("Share born in 1980 or later"), True),
)


def staff_comparison(user: Any, unit: Unit) -> tuple[list[StaffRow], bool]:
    """The unit's staff-team elements beside the medians of its city and of the units the
    user sees (people/selectors.py:staff_team: from the roster, else the typed figures), and
    whether the unit's own come from its roster."""
    from statistics import median

    from grassroots.organisations.models import Level
    from grassroots.people.selectors import staff_figures

    peers = list(visible_units(user).filter(level=Level.GRASSROOTS, active=True))
    if unit not in peers:
        peers.append(unit)
    year = timezone.localdate().year
    staff = staff_team(peers, year=year)
    city = [u.code for u in peers if u.parent_id == unit.parent_id]

    def mid(codes: list[str], element: str) -> float | None:
        values = [v for c in codes if (v := staff[c].get(element)) is not None]
        return float(median(values)) if values else None

    rows = [
        StaffRow(
            code,
            str(label),
            staff[unit.code].get(code),
            mid(city, code),
            mid([u.code for u in peers], code),
            percent,
        )  # fmt: skip
        for code, label, percent in STAFF_SHOWN
    ]
    return rows, staff_figures(unit, year=year).from_roster
