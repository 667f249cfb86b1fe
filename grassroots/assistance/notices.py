"""What assistance tells people (grassroots/notifications): measures due within 7 days and
overdue (a scan the worker runs), relapse warnings after a run is published (a follow-up).

Told: the weak unit's clerks and whoever manages assistance over it (the city's reviewers, the
province's administrators). Each measure, deadline and warning is told once (the key).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone

from grassroots.assistance.models import Designation, Measure, MeasureStatus, WeakStatus
from grassroots.notifications import kinds, texts
from grassroots.notifications.recipients import members, overseers
from grassroots.notifications.services import notify, period_ref, unit_ref
from grassroots.organisations.models import Role, Unit
from grassroots.organisations.versions import province_of

DUE_DAYS = 7
MANAGERS = (Role.CITY_REVIEWER, Role.PROVINCE_ADMIN)


def concerned(unit: Unit) -> list[Any]:
    """The unit's clerks and the users managing assistance over it."""
    return members([unit], [Role.GRASSROOTS_CLERK]) + overseers(unit, MANAGERS)


def scan_measures(now: dt.datetime) -> int:
    """Tell about open measures of designated units due within 7 days, or overdue."""
    today = timezone.localtime(now).date()
    open_measures = (
        Measure.objects.exclude(status=MeasureStatus.DONE)
        .filter(
            designation__status=WeakStatus.DESIGNATED,
            deadline__lte=today + dt.timedelta(days=DUE_DAYS),
        )
        .select_related("designation__unit")
    )
    told = 0
    for measure in open_measures:
        unit = measure.designation.unit
        overdue = measure.deadline < today
        params = {
            "measure": measure.title,
            "deadline": measure.deadline.isoformat(),
            "unit": unit_ref(unit),
            "leader": measure.leader,
            "department": measure.department,
        }
        state = "overdue" if overdue else "due"
        told += len(
            notify(
                concerned(unit),
                kind=kinds.MEASURE_OVERDUE if overdue else kinds.MEASURE_DUE,
                title=texts.MEASURE_OVERDUE if overdue else texts.MEASURE_DUE,
                body=texts.MEASURE_BODY,
                params=params,
                link=reverse("assistance:measure", args=[measure.pk]),
                key=f"measure:{measure.pk}:{state}:{measure.deadline.isoformat()}",
                clock=lambda: now,
            )
        )
    return told


def tell_relapses(run: Any, *, rule: Any = None) -> int:
    """After a run is published: relapse warnings of exited units, each told once (``rule``:
    the relapse watch's, the default one unless a test gives another)."""
    from grassroots.assistance.selection import RelapseRule

    if not getattr(run, "is_published", False):
        return 0
    exited = list(
        Designation.objects.filter(status=WeakStatus.EXITED)
        .exclude(exit_period="")
        .select_related("unit")
    )
    if not exited:
        return 0
    rule = rule or RelapseRule()

    # Each province's units are ranked in its own published runs.
    by_province: dict[str, list[Designation]] = {}
    for d in exited:
        province = province_of(d.unit)
        by_province.setdefault(province.path if province else "", []).append(d)
    told = 0
    for path, designations in by_province.items():
        told += _tell_province(path, designations, rule)
    return told


def _tell_province(path: str, exited: list[Designation], rule: Any) -> int:
    from grassroots.assistance.selection import RelapseKind, relapse_warnings
    from grassroots.assistance.stored import stored_periods, stored_results

    frame = stored_results(path=path, periods=stored_periods(path=path))
    if frame.empty:
        return 0
    codes = {d.unit.code: d.exit_period for d in exited}
    by_code = {d.unit.code: d for d in exited}
    told = 0
    for warning in relapse_warnings(frame, codes, rule=rule):
        d = by_code[warning.unit_code]
        told += len(
            notify(
                concerned(d.unit),
                kind=kinds.RELAPSE_WARNING,
                title=texts.RELAPSE,
                body=(
                    texts.RELAPSE_DROP_BODY
                    if warning.kind == RelapseKind.DROP
                    else texts.RELAPSE_BOTTOM_BODY
                ),
                params={
                    "unit": unit_ref(d.unit),
                    "period": period_ref(warning.period),
                    "exit": period_ref(d.exit_period),
                    "periods": warning.streak,
                    "score": _points(warning.score),
                    "exit_score": _points(warning.exit_score),
                    "fall": _points(
                        None
                        if warning.score is None or warning.exit_score is None
                        else warning.exit_score - warning.score
                    ),
                },
                link=reverse("assistance:relapse"),
                key=f"relapse:{d.pk}:{warning.period}",
            )
        )
    return told


def _points(value: float | None) -> str:
    return "—" if value is None or value != value else f"{value:.1f}"
