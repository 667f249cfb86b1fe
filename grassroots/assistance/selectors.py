"""Reads for pages, API and CLI: plan counts, ledger totals, target checks, the board."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet, Sum
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from grassroots.assistance.models import (
    ActivityKind,
    Designation,
    ExitAssessment,
    ItemStatus,
    Measure,
    MeasureStatus,
    Problem,
    Target,
    WeakStatus,
)
from grassroots.assistance.selection import target_met
from grassroots.engine.catalogue import load_catalogue
from grassroots.engine.periods import Period
from grassroots.engine.scheme import load_scheme
from grassroots.organisations.scope import visible_units

TARGET_SCHEME = "core-business"


def designations_for(user: Any) -> QuerySet[Designation]:
    """Designations of the units the user may see (every page and endpoint starts here)."""
    return Designation.objects.filter(unit__in=visible_units(user)).select_related("unit")


@dataclass(frozen=True)
class PlanCounts:
    problems: int
    measures: int
    done: int
    overdue: int


def plan_counts(designations: QuerySet[Designation], *, today: dt.date) -> PlanCounts:
    """ "35 problems, 99 measures, 81 done, 6 overdue" over these designations."""
    measures = Measure.objects.filter(designation__in=designations)
    return PlanCounts(
        problems=Problem.objects.filter(designation__in=designations).count(),
        measures=measures.count(),
        done=measures.filter(status=MeasureStatus.DONE).count(),
        overdue=overdue_measures(measures, today=today).count(),
    )


def overdue_measures(measures: QuerySet[Measure], *, today: dt.date) -> QuerySet[Measure]:
    return measures.exclude(status=MeasureStatus.DONE).filter(deadline__lt=today)


def posts_exchanged(designations: QuerySet[Designation]) -> int:
    """People sent on temporary post exchanges ("119 posts exchanged")."""
    total = (
        designations.filter(activities__kind=ActivityKind.POST_EXCHANGE)
        .aggregate(n=Sum("activities__people"))
        .get("n")
    )
    return int(total or 0)


def _directions() -> dict[str, str]:
    catalogue_name = load_scheme(TARGET_SCHEME).catalogue or "spp-case-quality"
    catalogue = load_catalogue(catalogue_name)
    return {code: ind.direction.value for code, ind in catalogue.indicators.items()}


@dataclass(frozen=True)
class TargetCheck:
    target: Target
    value: float | None
    met: bool | None


def check_targets(
    designation: Designation, values: dict[tuple[str, str], float]
) -> list[TargetCheck]:
    """Each target against the unit's result for its period (None: no result yet)."""
    directions = _directions()
    checks = []
    for target in designation.targets.all():  # type: ignore[attr-defined]
        value = values.get((target.indicator, target.period))
        direction = directions.get(target.indicator, "higher")
        met = target_met(direction=direction, target=target.value, value=value)
        checks.append(TargetCheck(target, value, met))
    return checks


@dataclass(frozen=True)
class BoardRow:
    designation: Designation
    partner: str
    measures_done: int
    measures_overdue: int
    measures: int
    targets: int
    exit_state: str


def board(user: Any, *, today: dt.date) -> list[BoardRow]:
    """The province's weak-unit board: one row per current or past designation in scope."""
    rows = []
    for d in designations_for(user).prefetch_related("measures"):
        measures = list(d.measures.all())  # type: ignore[attr-defined]
        pairing = getattr(d, "pairing", None)
        rows.append(
            BoardRow(
                designation=d,
                partner=str(pairing.partner) if pairing else "",
                measures=len(measures),
                measures_done=sum(m.status == MeasureStatus.DONE for m in measures),
                measures_overdue=sum(m.is_overdue(today) for m in measures),
                targets=d.targets.count(),  # type: ignore[attr-defined]
                exit_state=_exit_state(d),
            )
        )
    return rows


def _exit_state(d: Designation) -> str:
    """Exit readiness: the status once past designation, else the latest checklist's items met."""
    if d.status != WeakStatus.DESIGNATED:
        return str(WeakStatus(d.status).label)
    latest = ExitAssessment.objects.filter(designation=d).order_by("-id").first()
    if latest is None:
        return ""
    items = list(latest.items.values_list("status", flat=True))  # type: ignore[attr-defined]
    return f"{items.count(ItemStatus.MET)}/{len(items)}"


STATUS_COLOURS = {"done": "#2e7d32", "in_progress": "#f0a202", "planned": "#6c7a89"}
OVERDUE_COLOUR = "#c62828"


def wall_chart_option(designations: QuerySet[Designation], *, today: dt.date) -> dict[str, Any]:
    """An ECharts option: one bar per measure from creation to deadline, coloured by status.

    Bars are a custom-free encoding (a stacked bar: an invisible offset, then the duration) so
    the chart needs no JS callbacks beyond date labels and no inline styles; overdue measures are red.
    """
    measures = list(
        Measure.objects.filter(designation__in=designations)
        .select_related("designation__unit")
        .order_by("deadline", "id")
    )
    labels = [f"{m.designation.unit.name_zh} · {m.title}" for m in measures]
    start = min((m.created_on for m in measures), default=today)
    offsets = [(m.created_on - start).days for m in measures]
    bars = [
        {
            "value": (m.deadline - m.created_on).days,
            "itemStyle": {
                "color": OVERDUE_COLOUR if m.is_overdue(today) else STATUS_COLOURS[m.status]
            },
            "name": f"{m.deadline.isoformat()} {m.get_status_display()}",
        }
        for m in measures
    ]
    ends = [o + b["value"] for o, b in zip(offsets, bars, strict=True)]
    span = max(ends, default=30) + 14
    today_days = (today - start).days
    series: list[dict[str, Any]] = [
        {
            "type": "bar",
            "stack": "t",
            "data": offsets,
            "itemStyle": {"color": "transparent"},
            "tooltip": {"show": False},
        },
        {"type": "bar", "stack": "t", "data": bars},
    ]
    if 0 <= today_days <= span:
        # Only when today falls on the chart: a line far to the right would squash every bar.
        series[1]["markLine"] = {
            "symbol": "none",
            "silent": True,
            "label": {"formatter": str(_("today"))},
            "data": [{"xAxis": today_days}],
        }
    return {
        "start": start.isoformat(),
        "grid": {"left": 260, "right": 30, "top": 30, "bottom": 40},
        "tooltip": {"trigger": "item", "renderMode": "richText"},
        "xAxis": {"type": "value", "min": 0, "max": span},
        "yAxis": {"type": "category", "data": labels, "inverse": True},
        "series": series,
    }


@dataclass(frozen=True)
class ExitRow:
    item: Any  # ExitItem
    name: str
    heading: str


def exit_rows(assessment: ExitAssessment) -> list[ExitRow]:
    """The assessment's items with their names and headings from the exit standard, in the
    page's language (the record keeps codes, so a renamed item still reads as it was decided)."""
    scheme = load_scheme("weak-exit-standard")
    english = (get_language() or "").startswith("en")
    names = {i.code: i.name_en if english else i.name_zh for i in scheme.items}
    headings = {h.code: h.name_en if english else h.name_zh for h in scheme.headings}
    return [
        ExitRow(item, names.get(item.code, item.code), headings.get(item.heading, item.heading))
        for item in assessment.items.all()  # type: ignore[attr-defined]
    ]


def measures_completed_in(quarter: str) -> dict[str, int]:
    """Measures done within the quarter, per unit code (an input of the contribution ranking)."""
    period = Period.parse(quarter)
    done = Measure.objects.filter(
        status=MeasureStatus.DONE, done_on__gte=period.start, done_on__lte=period.end
    ).values_list("designation__unit__code", flat=True)
    counts: dict[str, int] = {}
    for code in done:
        counts[code] = counts.get(code, 0) + 1
    return counts
