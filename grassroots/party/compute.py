"""The monthly and quarterly reports (双报告): tasks and deductions → the engine → stored rows.

A month: every grassroots unit of the province with party work, its departments and its people
are scored by the province's scheme (``grassroots/engine/party``) from the tasks reported in that
month (a task's points are possible once it is due; what the reviewer gave is earned) and the
deductions entered for it. Units are ranked among the province's units, departments and people
within their unit, and coloured as the scheme says. A quarter is made of its months' reports.
A unit that turns yellow or red gets a warning sent to its secretary.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from grassroots.engine.party import (
    LeafInput,
    PartyScheme,
    Standing,
    accumulate,
    months_of,
    parse_party_scheme,
    quarter_of,
    score_subject,
    standings,
)
from grassroots.organisations import audit
from grassroots.organisations.audit import Clock
from grassroots.organisations.models import Level, Unit
from grassroots.party import alerts
from grassroots.party.models import (
    Deduction,
    OrgKind,
    PartyOrg,
    PartyReport,
    PartySchemeVersion,
    PartyWarning,
    ReportKind,
    SubjectKind,
    Task,
    TaskPlan,
    TaskStatus,
)
from grassroots.party.permissions import may_produce
from grassroots.party.services import NotAllowed, PartyError, version_for_reports
from grassroots.people.models import Department, Person

Key = tuple[str, int, int | None, int | None]  # subject, unit id, department id, person id
WARN = ("yellow", "red")


@dataclass(frozen=True)
class Produced:
    period: str
    reports: int
    warnings: list[PartyWarning]


def party_units(province: Unit) -> list[Unit]:
    """The province's grassroots units that have party work (plans or tasks)."""
    with_work = set(TaskPlan.objects.values_list("unit_id", flat=True)) | set(
        Task.objects.values_list("unit_id", flat=True)
    )
    return list(
        Unit.objects.filter(
            path__startswith=province.path, level=Level.GRASSROOTS, pk__in=with_work
        ).order_by("code")
    )


def _inputs(
    tasks: Iterable[Task], deductions: Iterable[Deduction]
) -> dict[Key, dict[str, LeafInput]]:
    earned: dict[Key, dict[str, list[float]]] = defaultdict(
        lambda: defaultdict(lambda: [0.0, 0.0, 0.0])
    )
    for t in tasks:
        got = float(t.score) if t.status == TaskStatus.SCORED and t.score is not None else 0.0
        keys: list[Key] = [
            (SubjectKind.UNIT, t.unit_id, None, None),
            (SubjectKind.PERSON, t.unit_id, None, t.owner_id),
        ]
        if t.department_id is not None:
            keys.append((SubjectKind.DEPARTMENT, t.unit_id, t.department_id, None))
        for k in keys:
            cell = earned[k][t.item]
            cell[0] += got
            cell[1] += float(t.points)
    for d in deductions:
        if d.person_id is not None:
            key: Key = (SubjectKind.PERSON, d.unit_id, None, d.person_id)
        elif d.department_id is not None:
            key = (SubjectKind.DEPARTMENT, d.unit_id, d.department_id, None)
        else:
            key = (SubjectKind.UNIT, d.unit_id, None, None)
        earned[key][d.item][2] += float(d.points)
    return {
        key: {item: LeafInput(e, p, x) for item, (e, p, x) in items.items()}
        for key, items in earned.items()
    }


def _subjects(units: list[Unit], scheme: PartyScheme) -> list[Key]:
    """Every subject the scheme scores in these units (a unit, its active departments and
    people), so a subject with no task is still reported (with what it was not given left out)."""
    wanted = {s.value for s in scheme.subjects}
    keys: list[Key] = []
    ids = [u.pk for u in units]
    if "unit" in wanted:
        keys += [(SubjectKind.UNIT, u.pk, None, None) for u in units]
    if "department" in wanted:
        keys += [
            (SubjectKind.DEPARTMENT, d.unit_id, d.pk, None)
            for d in Department.objects.filter(unit_id__in=ids, active=True).order_by(
                "unit_id", "code"
            )
        ]
    if "person" in wanted:
        keys += [
            (SubjectKind.PERSON, p.unit_id, None, p.pk)
            for p in Person.objects.filter(unit_id__in=ids, active=True).order_by(
                "unit_id", "staff_number"
            )
        ]
    return keys


def _groups(keys: Iterable[Key]) -> dict[tuple[str, int | None], list[Key]]:
    """Who is ranked together: units across the province, others within their unit."""
    out: dict[tuple[str, int | None], list[Key]] = defaultdict(list)
    for key in keys:
        out[(key[0], None if key[0] == SubjectKind.UNIT else key[1])].append(key)
    return out


def _store(
    *,
    scheme: PartyScheme,
    version: PartySchemeVersion,
    kind: ReportKind,
    period: str,
    scored: dict[Key, tuple[dict[str, float | None], float | None]],
    actor: Any,
    clock: Clock,
) -> tuple[int, list[PartyWarning]]:
    now = clock()
    warnings: list[PartyWarning] = []
    count = 0
    for group in _groups(scored).values():
        names = {"/".join(str(x) for x in k): k for k in group}
        placed: dict[str, Standing] = standings(
            scheme.colour, {name: scored[k][1] for name, k in names.items()}
        )
        for name, key in names.items():
            subject, unit_id, department_id, person_id = key
            standing = placed[name]
            report = PartyReport.objects.filter(  # type: ignore[misc]
                unit_id=unit_id, subject=subject, department_id=department_id,
                person_id=person_id, period=period,
            ).first() or PartyReport(
                unit_id=unit_id, subject=subject, department_id=department_id,
                person_id=person_id, period=period,
            )  # fmt: skip
            with audit.tracked(report, actor=actor, reason=f"{kind} report {period}", clock=clock):
                report.kind = kind
                report.scheme = version
                report.points = scored[key][0]
                report.total = scored[key][1]
                report.rank = standing.rank
                report.rank_count = standing.count
                report.colour = standing.colour
                report.why = standing.why[:300]
                report.why_reason = [r.as_json() for r in standing.reasons]
                report.produced = now
                report.save()
            count += 1
            if subject == SubjectKind.UNIT and standing.colour in WARN:
                warnings.append(_warn(report, actor=actor, clock=clock))
    return count, warnings


def secretary_of(unit_id: int) -> Person | None:
    """The secretary a unit's warning goes to: its leading group's, else its organ committee's."""
    for kind in (OrgKind.LEADING_GROUP, OrgKind.ORGAN_COMMITTEE):
        org = (
            PartyOrg.objects.filter(unit_id=unit_id, kind=kind, secretary__isnull=False)
            .select_related("secretary")
            .first()
        )
        if org is not None:
            return org.secretary
    return None


def _warn(report: PartyReport, *, actor: Any, clock: Clock) -> PartyWarning:
    warning = PartyWarning.objects.filter(report=report).first()
    if warning is not None and warning.colour == report.colour:
        return warning
    warning = warning or PartyWarning(unit_id=report.unit_id, report=report)
    with audit.tracked(warning, actor=actor, reason="integration warning", clock=clock):
        warning.secretary = secretary_of(report.unit_id)
        warning.colour = report.colour
        warning.why = report.why
        warning.created = clock()
        warning.read = None
        warning.save()
    alerts.send_warning(warning)
    return warning


@transaction.atomic
def produce_month(
    *, province: Unit, month: str, actor: Any, clock: Clock = timezone.now
) -> Produced:
    """The monthly report of every unit, department and person of the province's party work."""
    if not may_produce(actor, province):
        raise NotAllowed(province.code)
    try:
        quarter_of(month)
    except ValueError:
        raise PartyError(f"{month}: write a month as 2024-05") from None
    version = version_for_reports(province, actor)
    scheme = parse_party_scheme(version.yaml_text)
    units = party_units(province)
    ids = [u.pk for u in units]
    tasks = Task.objects.filter(unit_id__in=ids, month=month)
    deductions = Deduction.objects.filter(unit_id__in=ids, month=month)
    inputs = _inputs(tasks, deductions)
    scored: dict[Key, tuple[dict[str, float | None], float | None]] = {}
    for key in _subjects(units, scheme):
        result = score_subject(scheme, inputs.get(key, {}))
        scored[key] = (result.points, result.total)
    count, warnings = _store(
        scheme=scheme, version=version, kind=ReportKind.MONTHLY, period=month,
        scored=scored, actor=actor, clock=clock,
    )  # fmt: skip
    return Produced(month, count, warnings)


@transaction.atomic
def produce_quarter(
    *, province: Unit, quarter: str, actor: Any, clock: Clock = timezone.now
) -> Produced:
    """The quarterly report, made of the quarter's monthly reports (the scheme's ``quarter``)."""
    if not may_produce(actor, province):
        raise NotAllowed(province.code)
    try:
        months = months_of(quarter)
    except ValueError:
        raise PartyError(f"{quarter}: write a quarter as 2024Q2") from None
    version = version_for_reports(province, actor)
    scheme = parse_party_scheme(version.yaml_text)
    units = party_units(province)
    monthly = PartyReport.objects.filter(
        unit__in=units, kind=ReportKind.MONTHLY, period__in=months
    ).order_by("period")
    by_key: dict[Key, list[dict[str, float | None]]] = defaultdict(list)
    for r in monthly:
        key: Key = (r.subject, r.unit_id, r.department_id, r.person_id)
        by_key[key].append({**r.points, "__total__": r.total})
    if not by_key:
        raise PartyError(f"{quarter}: produce the months' reports first")
    scored: dict[Key, tuple[dict[str, float | None], float | None]] = {}
    for key, months_points in by_key.items():
        summed = accumulate(months_points, scheme.quarter)
        total = summed.pop("__total__", None)
        scored[key] = (summed, total)
    count, warnings = _store(
        scheme=scheme, version=version, kind=ReportKind.QUARTERLY, period=quarter,
        scored=scored, actor=actor, clock=clock,
    )  # fmt: skip
    return Produced(quarter, count, warnings)
