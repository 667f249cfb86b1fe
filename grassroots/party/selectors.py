"""Reads of the party app for pages, the API and the CLI (scope is the caller's: these take a
unit already checked, or the user)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from grassroots.engine.party import PartyScheme
from grassroots.evaluation.permissions import Visible
from grassroots.organisations.models import Unit
from grassroots.party.models import (
    PartyOrg,
    PartyReport,
    PartyWarning,
    ReportKind,
    SubjectKind,
    Task,
    TaskStatus,
)
from grassroots.party.permissions import party_units, visible
from grassroots.party.reasons import hide_ranks
from grassroots.party.services import current_scheme
from grassroots.people.models import Person


def open_tasks(unit: Unit) -> QuerySet[Task]:
    return (
        Task.objects.filter(unit=unit)
        .exclude(status=TaskStatus.SCORED)
        .select_related("owner", "reviewer")
        .order_by("due", "id")
    )


def overdue(tasks: QuerySet[Task], today: dt.date | None = None) -> QuerySet[Task]:
    today = today or timezone.localdate()
    return tasks.filter(status=TaskStatus.OPEN, due__lt=today)


def orgs_of(unit: Unit) -> list[PartyOrg]:
    """The unit's party organisations, each after the one above it (a tree read in order)."""
    orgs = list(
        PartyOrg.objects.filter(unit=unit)
        .select_related("secretary", "parent")
        .prefetch_related("departments", "members")
    )
    children: dict[int | None, list[PartyOrg]] = {}
    for org in orgs:
        children.setdefault(org.parent_id, []).append(org)
    out: list[PartyOrg] = []

    def walk(parent: int | None, depth: int) -> None:
        for org in children.get(parent, []):
            org.depth = depth  # type: ignore[attr-defined]
            org.indent = "　" * depth  # type: ignore[attr-defined]
            out.append(org)
            walk(org.pk, depth + 1)

    walk(None, 0)
    return out


@dataclass(frozen=True)
class Shown:
    """A report as a viewer may see it: rank and colour blanked when the policy hides them."""

    period: str
    kind: str
    total: float | None
    rank: int | None
    count: int
    colour: str
    why: str
    why_reason: list[Any]
    points: dict[str, Any]
    name: str
    code: str = ""  # the unit's, in the units' standing (its export names the unit and city)
    city: str = ""


def shown(report: PartyReport, seen: Visible, name: str = "") -> Shown:
    why, why_reason = report.why, list(report.why_reason)
    if not seen.ranks:
        why, why_reason = hide_ranks(why, why_reason)
    return Shown(
        period=report.period,
        kind=report.kind,
        total=report.total,
        rank=report.rank if seen.ranks else None,
        count=report.rank_count if seen.ranks else 0,
        colour=report.colour if seen.colours else "",
        why=why if seen.colours else "",
        why_reason=why_reason if seen.colours else [],
        points=report.points,
        name=name,
    )


@dataclass(frozen=True)
class Display:
    unit: Unit
    scheme: PartyScheme
    seen: Visible
    monthly: Shown | None
    quarterly: Shown | None
    trend: list[Shown]
    open_tasks: list[Task]
    overdue_ids: set[int]
    warnings: list[PartyWarning]


def display(user: Any, unit: Unit, *, today: dt.date | None = None) -> Display:
    scheme = current_scheme(unit)
    seen = visible(user, scheme.visibility, unit)
    mine = PartyReport.objects.filter(unit=unit, subject=SubjectKind.UNIT)
    months = list(mine.filter(kind=ReportKind.MONTHLY).order_by("period"))
    quarters = list(mine.filter(kind=ReportKind.QUARTERLY).order_by("period"))
    tasks = open_tasks(unit)
    late = set(overdue(tasks, today).values_list("pk", flat=True))
    warnings = list(
        PartyWarning.objects.filter(unit=unit).select_related("report", "secretary")[:5]
    )
    return Display(
        unit=unit,
        scheme=scheme,
        seen=seen,
        monthly=shown(months[-1], seen) if months else None,
        quarterly=shown(quarters[-1], seen) if quarters else None,
        trend=[shown(r, seen) for r in months[-12:]],
        open_tasks=list(tasks[:50]),
        overdue_ids=late,
        warnings=warnings if seen.colours else [],
    )


def league(user: Any, period: str) -> tuple[list[Shown], Visible]:
    """The units' reports of ``period`` the user may see: by rank when ranks are shown, else by
    unit code (a list sorted by score is a ranking)."""
    units = party_units(user)
    rows = list(
        PartyReport.objects.filter(
            unit__in=units, subject=SubjectKind.UNIT, period=period
        ).select_related("unit__parent")
    )
    first = rows[0].unit if rows else None
    scheme = current_scheme(first)
    seen = visible(user, scheme.visibility)
    from grassroots.i18n import unit_name

    out = [
        (
            r,
            replace(
                shown(r, seen, unit_name(r.unit)),
                code=r.unit.code,
                city=unit_name(r.unit.parent) if r.unit.parent else "",
            ),
        )
        for r in rows
    ]
    if seen.ranks:
        out.sort(key=lambda p: (p[0].rank or 10**6, p[0].unit.code))
    else:
        out.sort(key=lambda p: p[0].unit.code)
    return [s for _, s in out], seen


def report_periods(user: Any) -> list[str]:
    """The months and quarters with unit reports the user may see, newest first (a quarter
    before its last month)."""
    from grassroots.engine.periods import Period

    keys = (
        PartyReport.objects.filter(unit__in=party_units(user), subject=SubjectKind.UNIT)
        .values_list("period", flat=True)
        .distinct()
    )
    periods = [Period.parse(k) for k in keys]
    newest = sorted(periods, key=lambda p: (p.end, -p.start.toordinal()), reverse=True)
    return [p.key for p in newest]


def producible_periods(user: Any, *, today: dt.date | None = None) -> list[str]:
    """The months and quarters reports can be produced for: from the first task's month to the
    last task's (never past today), newest first, a quarter before its last month."""
    from django.db.models import Max, Min

    from grassroots.engine.periods import Period

    span = Task.objects.filter(unit__in=party_units(user)).aggregate(Min("due"), Max("due"))
    if span["due__min"] is None:
        return []
    last = min(span["due__max"], today or timezone.localdate())
    months = Period.range(f"{span['due__min']:%Y-%m}", f"{max(last, span['due__min']):%Y-%m}")[-36:]
    keys = dict.fromkeys(k for m in months for k in (f"{m.year}Q{(m.number - 1) // 3 + 1}", m.key))
    periods = [Period.parse(k) for k in keys]
    newest = sorted(periods, key=lambda p: (p.end, -p.start.toordinal()), reverse=True)
    return [p.key for p in newest]


def subject_reports(unit: Unit, subject: str, period: str) -> QuerySet[PartyReport]:
    return (
        PartyReport.objects.filter(unit=unit, subject=subject, period=period)
        .select_related("department", "person")
        .order_by("department__code", "person__staff_number")
    )


def my_tasks(person: Person | None) -> QuerySet[Task]:
    if person is None:
        return Task.objects.none()
    return Task.objects.filter(owner=person).select_related("unit").order_by("status", "due")


def my_reviews(person: Person | None) -> QuerySet[Task]:
    if person is None:
        return Task.objects.none()
    return (
        Task.objects.filter(reviewer=person, status=TaskStatus.DONE)
        .select_related("owner", "unit")
        .order_by("due")
    )


def my_warnings(person: Person | None) -> QuerySet[PartyWarning]:
    if person is None:
        return PartyWarning.objects.none()
    return PartyWarning.objects.filter(secretary=person).select_related("report", "unit")
