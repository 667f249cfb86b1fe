"""Deadlines per period and the reporting rate (DHIS2's completeness and timeliness).

Expected: the active grassroots units in the viewer's scope. A unit has *reported* when its
submission for the period is submitted, approved or accepted; a returned one has not (it is
back with the unit). Completeness = reported / expected; timeliness = reported on or before
the deadline / expected, judged on the first submission (a reviewer's return does not make a
unit late). The deadline is a date in the installation's time zone: a submission any time on
that day is on time. A catalogue's own deadline replaces the period's on that catalogue's view.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grassroots.engine.catalogue import list_catalogues
from grassroots.engine.errors import InputError, Problem
from grassroots.engine.periods import Period
from grassroots.intake.models import Deadline, Submission, SubmissionStatus
from grassroots.intake.selectors import unit_label
from grassroots.intake.workflow.services import NotAllowed
from grassroots.organisations import audit
from grassroots.organisations.audit import Clock
from grassroots.organisations.models import Level, Role, Unit
from grassroots.organisations.scope import role_of, visible_units
from grassroots.organisations.versions import owner_for

REPORTED = frozenset({SubmissionStatus.SUBMITTED, SubmissionStatus.APPROVED,
                      SubmissionStatus.ACCEPTED})  # fmt: skip


class Timeliness(models.TextChoices):
    ON_TIME = "on_time", _("On time")
    LATE = "late", _("Late")
    REPORTED = "reported", _("Reported (no deadline set)")
    NOT_DUE = "not_due", _("Not yet due")
    MISSING = "missing", _("Missing")


def set_deadline(
    *,
    period: str,
    due: dt.date,
    actor: Any,
    catalogue: str = "",
    clock: Clock = timezone.now,
) -> Deadline:
    """The province administrator sets (or moves) the due date of a period's reports."""
    if role_of(actor) != Role.PROVINCE_ADMIN:
        raise NotAllowed("set deadline")
    try:
        key = Period.parse(period.strip()).key
    except ValueError:
        raise InputError(
            [Problem("period", None, None, f"'{period}' is not a period such as 2024Q3")]
        ) from None
    if catalogue and catalogue not in list_catalogues():
        raise InputError([Problem("catalogue", None, None, f"no catalogue named {catalogue!r}")])
    province = owner_for(actor)  # the administrator's province owns the deadline
    with transaction.atomic():
        found = Deadline.objects.select_for_update().filter(
            province=province, period=key, catalogue=catalogue
        )
        deadline = found.first() or Deadline(province=province, period=key, catalogue=catalogue)
        with audit.tracked(
            deadline, actor=actor, reason=f"deadline {key} {catalogue}", clock=clock
        ):
            deadline.due = due
            deadline.updated = clock()
            deadline.updated_by = actor.get_username()
            deadline.save()
    return deadline


def deadlines_for(province: Unit | None, period: str) -> list[Deadline]:
    """The deadlines of ``period`` a province's units follow: its own, and the national ones
    for what it has not set itself."""
    rows = Deadline.objects.filter(period=period).filter(
        Q(province=province) | Q(province__isnull=True)
    )
    chosen: dict[str, Deadline] = {}
    for d in sorted(rows, key=lambda d: d.province_id is not None):  # national first
        chosen[d.catalogue] = d
    return sorted(chosen.values(), key=lambda d: d.catalogue)


def deadline_for(
    period: str, catalogue: str = "", *, province: Unit | None = None
) -> Deadline | None:
    found = {d.catalogue: d for d in deadlines_for(province, period)}
    return found.get(catalogue) or found.get("")


@dataclass(frozen=True)
class UnitLine:
    unit: Unit
    city: Unit | None
    status: SubmissionStatus
    first_submitted: dt.datetime | None
    timeliness: Timeliness

    @property
    def reported(self) -> bool:
        return self.status in REPORTED

    @property
    def name(self) -> str:
        return unit_label(self.unit)


@dataclass
class Tally:
    """Counts of one city (or the total) and its rates, None when nothing is expected."""

    unit: Unit | None
    expected: int = 0
    reported: int = 0
    on_time: int = 0

    @property
    def name(self) -> str:
        return unit_label(self.unit) if self.unit else ""

    def add(self, line: UnitLine) -> None:
        self.expected += 1
        self.reported += line.reported
        self.on_time += line.timeliness == Timeliness.ON_TIME

    @property
    def completeness(self) -> float | None:
        return self.reported / self.expected if self.expected else None

    @property
    def timeliness(self) -> float | None:
        return self.on_time / self.expected if self.expected else None


@dataclass
class Report:
    period: str
    catalogue: str
    deadline: Deadline | None
    lines: list[UnitLine] = field(default_factory=list)
    cities: list[Tally] = field(default_factory=list)
    total: Tally = field(default_factory=lambda: Tally(None))


def _timeliness(
    status: SubmissionStatus, first: dt.datetime | None, due: dt.date | None, today: dt.date
) -> Timeliness:
    if status in REPORTED:
        if due is None or first is None:
            return Timeliness.REPORTED
        return Timeliness.ON_TIME if timezone.localdate(first) <= due else Timeliness.LATE
    if due is not None and today <= due:
        return Timeliness.NOT_DUE
    return Timeliness.MISSING


def reporting_rate(
    *, user: Any, period: str, catalogue: str = "", clock: Clock = timezone.now
) -> Report:
    """Completeness and timeliness of ``period`` for the units in ``user``'s scope."""
    deadline = deadline_for(period, catalogue, province=owner_for(user))
    due = deadline.due if deadline else None
    today = timezone.localdate(clock())
    units = (
        visible_units(user)
        .filter(level=Level.GRASSROOTS, active=True)
        .select_related("parent")
        .order_by("path")
    )
    found = {s.unit_id: s for s in Submission.objects.filter(unit__in=units, period=period)}
    report = Report(period, catalogue, deadline)
    cities: dict[int | None, Tally] = {}
    for unit in units:
        s = found.get(unit.pk)
        status = SubmissionStatus(s.status) if s else SubmissionStatus.DRAFT
        first = s.first_submitted if s else None
        line = UnitLine(unit, unit.parent, status, first, _timeliness(status, first, due, today))
        report.lines.append(line)
        cities.setdefault(unit.parent_id, Tally(unit.parent)).add(line)
        report.total.add(line)
    report.cities = list(cities.values())
    return report
