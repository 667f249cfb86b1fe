"""Reads for the plan pages: quarterly counts, overdue warnings, the ledger and its totals.

Every read starts from the viewer's scope (`selectors.designations_for`), so a record outside it
does not exist for them (404 when asked for by id).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from django.db.models import QuerySet
from django.http import Http404

from grassroots.assistance.exits.standard import latest_standard, province_of, standard_scheme
from grassroots.assistance.models import (
    Activity,
    ActivityKind,
    Designation,
    Evidence,
    Measure,
    MeasureStatus,
    WeakStatus,
)
from grassroots.assistance.selection import exit_checklist
from grassroots.assistance.selectors import designations_for
from grassroots.assistance.stored import last_periods, stored_results
from grassroots.cells import frame_records
from grassroots.engine.periods import Period
from grassroots.engine.scheme import Scheme
from grassroots.organisations.models import Unit
from grassroots.organisations.scope import visible_units


def measure_for_user(user: Any, pk: int) -> Measure:
    """The measure if the user may see its unit; Http404 otherwise."""
    measure = (
        Measure.objects.filter(pk=pk, designation__in=designations_for(user))
        .select_related("designation__unit", "problem")
        .first()
    )
    if measure is None:
        raise Http404("No such measure")
    return measure


def evidence_for_user(user: Any, pk: int) -> Evidence:
    """The evidence file's record if the user may see its unit; Http404 otherwise."""
    evidence = (
        Evidence.objects.filter(pk=pk, measure__designation__in=designations_for(user))
        .select_related("measure__designation__unit")
        .first()
    )
    if evidence is None:
        raise Http404("No such evidence")
    return evidence


@dataclass(frozen=True)
class QuarterCounts:
    """A quarter's state of the rectification plan, as it stood at the quarter's end (or today)."""

    quarter: str
    measures: int
    done: int
    overdue: int
    reports: int


def _done_by(m: Measure, day: dt.date) -> bool:
    return m.status == MeasureStatus.DONE and (m.done_on or m.created_on) <= day


def quarterly_counts(designation: Designation, *, today: dt.date) -> list[QuarterCounts]:
    """One row per quarter from the designation's quarter to today's, newest first.

    Measures count once created; done once done by the quarter's end; overdue when the deadline
    passed before the quarter's end (or today, for the running quarter) and it was not done then.
    """
    measures = list(designation.measures.prefetch_related("reports"))
    reports = Counter(r.quarter for m in measures for r in m.reports.all())
    first = Period.parse(f"{designation.designated_on.year}Q{_quarter(designation.designated_on)}")
    last = Period.parse(f"{today.year}Q{_quarter(today)}")
    rows = []
    for period in Period.range(first, last) if first <= last else []:
        day = min(period.end, today)
        existing = [m for m in measures if m.created_on <= day]
        rows.append(
            QuarterCounts(
                quarter=period.key,
                measures=len(existing),
                done=sum(_done_by(m, day) for m in existing),
                overdue=sum(m.deadline < day and not _done_by(m, day) for m in existing),
                reports=reports.get(period.key, 0),
            )
        )
    return rows[::-1]


def _quarter(day: dt.date) -> int:
    return (day.month - 1) // 3 + 1


@dataclass(frozen=True)
class OverdueMeasure:
    measure: Measure
    days: int
    last_report: str


@dataclass
class OverdueUnit:
    unit: Unit
    measures: list[OverdueMeasure] = field(default_factory=list)


@dataclass
class OverdueCity:
    city: Unit | None
    units: list[OverdueUnit] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(u.measures) for u in self.units)


def overdue_measures_for(user: Any, *, today: dt.date) -> QuerySet[Measure]:
    """Measures past their deadline and not done, of the weak units in the user's scope."""
    return (
        Measure.objects.filter(designation__in=designations_for(user))
        .exclude(designation__status=WeakStatus.EXITED)
        .exclude(status=MeasureStatus.DONE)
        .filter(deadline__lt=today)
        .select_related("designation__unit__parent")
        .prefetch_related("reports")
        .order_by("designation__unit__path", "deadline", "id")
    )


def overdue_by_city(user: Any, *, today: dt.date) -> list[OverdueCity]:
    """The overdue warnings grouped by city, then by unit (each unit's city sees them)."""
    cities: dict[int | None, OverdueCity] = {}
    units: dict[int, OverdueUnit] = {}
    for m in overdue_measures_for(user, today=today):
        unit = m.designation.unit
        city = cities.setdefault(unit.parent_id, OverdueCity(unit.parent))
        if unit.pk not in units:
            units[unit.pk] = OverdueUnit(unit)
            city.units.append(units[unit.pk])
        quarters = [r.quarter for r in m.reports.all()]
        units[unit.pk].measures.append(
            OverdueMeasure(m, (today - m.deadline).days, max(quarters, default=""))
        )
    return list(cities.values())


@dataclass(frozen=True)
class LedgerTotals:
    """A weak unit's (or the whole scope's) assistance: activities per type and posts exchanged."""

    designation: Designation | None
    by_kind: tuple[int, ...]  # in the order of ActivityKind
    activities: int
    posts: int


def _totals(designation: Designation | None, activities: list[Activity]) -> LedgerTotals:
    counts = Counter(a.kind for a in activities)
    return LedgerTotals(
        designation=designation,
        by_kind=tuple(counts.get(kind, 0) for kind in ActivityKind.values),
        activities=len(activities),
        posts=sum(a.people for a in activities if a.kind == ActivityKind.POST_EXCHANGE),
    )


def ledger_activities(user: Any, *, unit_code: str = "") -> QuerySet[Activity]:
    """The ledger lines in the user's scope (one weak unit's when ``unit_code`` is given)."""
    rows = Activity.objects.filter(designation__in=designations_for(user))
    if unit_code:
        rows = rows.filter(designation__unit__code=unit_code)
    return rows.select_related("designation__unit__parent", "partner").order_by("-start", "-id")


def ledger_totals(user: Any) -> tuple[list[LedgerTotals], LedgerTotals]:
    """Totals per weak unit in scope (units without activities included) and for the scope."""
    activities = list(ledger_activities(user))
    per: dict[int, list[Activity]] = {}
    for a in activities:
        per.setdefault(a.designation_id, []).append(a)
    rows = [
        _totals(d, per.get(d.pk, []))
        for d in designations_for(user).order_by("unit__path", "-designated_on")
    ]
    return rows, _totals(None, activities)


def exit_periods_needed(standard: Scheme | None = None) -> int:
    """How many periods of results the exit standard's quantitative items read at most."""
    items = (standard or standard_scheme(None)).items
    return max((i.condition.periods for i in items if i.condition is not None), default=1)


def exit_periods(unit: Unit, up_to: str, standard: Scheme | None = None) -> list[str]:
    """The quarters with a published run of the unit's province that an exit assessment reads,
    ending at ``up_to``, oldest first."""
    return last_periods(exit_periods_needed(standard), path=unit.path, up_to=up_to)


def province_standard(unit: Unit) -> Scheme:
    """The exit standard the unit's province assesses by now (its newest stored version, or the
    shipped default it will copy on first use)."""
    return standard_scheme(latest_standard(province_of(unit)))


def stored_exit_checklist(designation: Designation, periods: list[str]) -> list[dict[str, str]]:
    """The unit's weak-exit-standard items over ``periods``, quantitative ones evaluated from the
    stored runs. Peer positions are read among the whole province's units, whoever asks."""
    unit = designation.unit
    province = unit.path.split("/", 1)[0] + "/"
    results = stored_results(path=province, periods=periods, levels=None)
    if results.empty:
        return []
    peers = Unit.objects.filter(path__startswith=province).values_list("code", "peer_group")
    units = pd.DataFrame(list(peers), columns=["unit_code", "peer_group"])
    rows = exit_checklist(
        results, units, unit_code=unit.code, periods=periods, standard=province_standard(unit)
    )
    return [{k: str(v) for k, v in row.items()} for row in frame_records(rows)]


def measures_due_for(user: Any, *, today: dt.date, within_days: int = 30) -> tuple[int, int]:
    """(open measures due within ``within_days``, overdue measures) of the weak units the user
    may see."""
    measures = Measure.objects.filter(designation__unit__in=visible_units(user)).exclude(
        status=MeasureStatus.DONE
    )
    due = measures.filter(deadline__gte=today, deadline__lte=today + dt.timedelta(within_days))
    return due.count(), measures.filter(deadline__lt=today).count()


def measures_due_by(designation: Designation, day: dt.date) -> int:
    """How many of the designation's measures (created by ``day``) had their deadline by ``day``:
    the "due" beside done and overdue in the reports' plan progress."""
    return designation.measures.filter(created_on__lte=day, deadline__lte=day).count()
