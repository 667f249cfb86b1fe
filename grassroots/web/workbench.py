"""The home page's workbench: what waits for this user, by role (issue 18.2).

The clerk sees this period's status of its unit, a returned submission's comment and the
measures due; the city reviewer the units waiting for approval; the province administrator the
cities ready to lock, the runs to publish, new warnings, overdue measures and the open
direct reports; leaders the colour
distribution by city of the latest published run, the biggest movers since the period
before and the weak units' progress. Every figure is
read through the owning app's selectors and scope, so the workbench shows nothing the pages
behind its links would not.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from grassroots.assistance.plans.selectors import measures_due_for
from grassroots.assistance.selectors import designations_for, plan_counts
from grassroots.direct.selectors import listing
from grassroots.evaluation.models import Publication, RunStatus
from grassroots.evaluation.permissions import ranks_allowed, visibility_for
from grassroots.evaluation.schemes import scheme_of
from grassroots.evaluation.selectors import (
    Mover,
    biggest_movers,
    colour_counts_by_city,
    latest_published_run,
    runs_for,
    scope_root,
)
from grassroots.evaluation.warnings import stored_warnings
from grassroots.i18n import period_label, unit_name
from grassroots.intake.selectors import current_period, submission_counts
from grassroots.organisations.models import Level, Role
from grassroots.organisations.scope import membership_of, visible_units
from grassroots.people.assessment_selectors import open_objections
from grassroots.people.models import ObjectionStatus
from grassroots.people.selectors import active_people, person_of


@dataclass
class Item:
    """One line of the workbench: a count (or a word), what it is, and where to act on it."""

    label: str
    count: int | str
    url: str
    tone: str = "info"  # "todo" when something waits for this user, "overdue" when late
    detail: str = ""


@dataclass
class CityColours:
    name: str
    green: int
    yellow: int
    red: int


@dataclass
class Workbench:
    role: str
    period: str
    period_label: str
    items: list[Item] = field(default_factory=list)
    colours: list[CityColours] = field(default_factory=list)
    colours_run: str = ""
    # Leaders: the units whose overall score rose or fell most since the previous period.
    risers: list[Mover] = field(default_factory=list)
    fallers: list[Mover] = field(default_factory=list)
    movers_since: str = ""
    # Where the province's policy hides ranks: how many rose and fell, no list in any order.
    counted: bool = False
    rose: int = 0
    fell: int = 0


def workbench(user: Any, *, today: dt.date) -> Workbench | None:
    """The user's workbench, or None for a user with no membership."""
    membership = membership_of(user)
    if membership is None:
        return None
    role = Role(membership.role)
    period = current_period(today=today)
    bench = Workbench(role=str(role.label), period=period, period_label=period_label(period))
    builders = {
        Role.GRASSROOTS_CLERK: _clerk,
        Role.CITY_REVIEWER: _reviewer,
        Role.PROVINCE_ADMIN: _province,
        Role.LEADER: _leader,
        Role.AUDITOR: _auditor,
        Role.STAFF: _staff,
        Role.COMMITTEE: _committee,
        Role.PERSONNEL_MANAGER: _personnel,
    }
    builder = builders.get(role)
    if builder is not None:
        builder(bench, user, today)
    return bench


def _submissions_url(period: str, **extra: str) -> str:
    return reverse("intake:submissions") + "?" + urlencode({"period": period, **extra})


def _measures(bench: Workbench, user: Any, today: dt.date) -> None:
    due, overdue = measures_due_for(user, today=today)
    if overdue:
        bench.items.append(
            Item(_("Measures overdue"), overdue, reverse("assistance:overdue"), "overdue")
        )
    bench.items.append(
        Item(
            _("Measures due within 30 days"),
            due,
            reverse("assistance:index"),
            "todo" if due else "info",
        )  # fmt: skip
    )


def _clerk(bench: Workbench, user: Any, today: dt.date) -> None:
    counts = submission_counts(units=visible_units(user).filter(level=Level.GRASSROOTS),
                               period=bench.period)  # fmt: skip
    for row in counts.rows:
        tone = "todo" if row.status in ("draft", "returned") else "info"
        detail = row.comment if row.status == "returned" else ""
        label = _("%(unit)s: submission for %(period)s") % {
            "unit": unit_name(row.unit),
            "period": bench.period_label,
        }
        bench.items.append(
            Item(label, row.status_label, _submissions_url(bench.period), tone, detail)
        )
    bench.items.append(
        Item(
            _("Data versions uploaded for the period"), counts.versions, reverse("intake:index")
        )  # fmt: skip
    )
    _measures(bench, user, today)


def _reviewer(bench: Workbench, user: Any, today: dt.date) -> None:
    counts = submission_counts(units=visible_units(user).filter(level=Level.GRASSROOTS),
                               period=bench.period)  # fmt: skip
    waiting = counts.by_status.get("submitted", 0)
    bench.items.append(
        Item(_("Units waiting for your approval"), waiting,
             _submissions_url(bench.period, status="submitted"), "todo" if waiting else "info")
    )  # fmt: skip
    bench.items.append(
        Item(_("Units not yet submitted"), counts.by_status.get("draft", 0)
             + counts.by_status.get("returned", 0), _submissions_url(bench.period, status="draft"))
    )  # fmt: skip
    _warnings(bench, user)
    _measures(bench, user, today)


def _province(bench: Workbench, user: Any, today: dt.date) -> None:
    counts = submission_counts(units=visible_units(user).filter(level=Level.GRASSROOTS),
                               period=bench.period)  # fmt: skip
    ready = counts.cities_ready
    bench.items.append(
        Item(
            _("Cities ready to accept and lock"),
            ready,
            _submissions_url(bench.period),
            "todo" if ready else "info",
        )  # fmt: skip
    )
    drafts = runs_for(user).filter(status=RunStatus.DONE, publication=Publication.DRAFT).count()
    bench.items.append(
        Item(
            _("Finished runs waiting to be published"),
            drafts,
            reverse("evaluation:index"),
            "todo" if drafts else "info",
        )  # fmt: skip
    )
    _warnings(bench, user)
    _measures(bench, user, today)
    _direct(bench, user)


def _direct(bench: Workbench, user: Any) -> None:
    """Open direct reports in the user's scope, with how many are past their time limit."""
    now = timezone.now()
    open_items = listing(user, state="open", now=now)
    count = open_items.count()
    overdue = open_items.filter(due_at__lt=now).count()
    bench.items.append(
        Item(
            _("Open direct reports"),
            count,
            f"{reverse('direct:index')}?{urlencode({'state': 'open'})}",
            "overdue" if overdue else ("todo" if count else "info"),
            _("%(n)d overdue") % {"n": overdue} if overdue else "",
        )  # fmt: skip
    )


def _warnings(bench: Workbench, user: Any) -> None:
    run = latest_published_run(user)
    if run is None:
        return
    visible = visibility_for(user, scheme_of(run.scheme_version))
    found = stored_warnings(run=run, path=scope_root(user).path, visible=visible)
    new = sum(1 for w in found if w.state == "new")
    bench.items.append(
        Item(_("New warnings of %(period)s") % {"period": period_label(run.period)}, new,
             reverse("evaluation:warnings", args=[run.pk]), "todo" if new else "info")
    )  # fmt: skip


def _leader(bench: Workbench, user: Any, today: dt.date) -> None:
    run = latest_published_run(user)
    if run is not None:
        visible = visibility_for(user, scheme_of(run.scheme_version))
        if visible.colours:
            bench.colours = [
                CityColours(unit_name(city), *counts)
                for city, counts in colour_counts_by_city(run, scope_root(user))
            ]
            bench.colours_run = period_label(run.period)
        # Leaders see movers by score change (never ranks) unless the province's policy
        # forbids ranking: then how many rose and fell, no list in any order.
        ranking = ranks_allowed(user)
        before, risers, fallers = biggest_movers(user, run, n=3 if ranking else None)
        if before is not None:
            bench.movers_since = period_label(before.period)
            if ranking:
                bench.risers, bench.fallers = risers, fallers
            else:
                bench.counted, bench.rose, bench.fell = True, len(risers), len(fallers)
        bench.items.append(
            Item(
                _("Latest published evaluation"),
                period_label(run.period),
                reverse("evaluation:run", args=[run.pk]),
            )  # fmt: skip
        )
    plans = plan_counts(designations_for(user), today=today)
    bench.items.append(
        Item(
            _("Weak units' measures done"),
            f"{plans.done} / {plans.measures}",
            reverse("assistance:index"),
            "overdue" if plans.overdue else "info",
            _("%(n)d overdue") % {"n": plans.overdue} if plans.overdue else "",
        )  # fmt: skip
    )


def _auditor(bench: Workbench, user: Any, today: dt.date) -> None:
    bench.items.append(Item(_("Audit log"), "→", reverse("audit-log")))


def _staff(bench: Workbench, user: Any, today: dt.date) -> None:
    person = person_of(user)
    if person is not None:
        bench.items.append(
            Item(_("My assessment scores"), person.name, reverse("people:person", args=[person.pk]))
        )


def _committee(bench: Workbench, user: Any, today: dt.date) -> None:
    membership = membership_of(user)
    if membership is None:
        return
    waiting = open_objections(user, membership.unit).filter(status=ObjectionStatus.OPEN).count()
    bench.items.append(
        Item(
            _("Objections waiting for the committee"),
            waiting,
            reverse("people:index"),
            "todo" if waiting else "info",
        )  # fmt: skip
    )


def _personnel(bench: Workbench, user: Any, today: dt.date) -> None:
    membership = membership_of(user)
    if membership is None:
        return
    unit = membership.unit
    bench.items.append(
        Item(
            _("People on the roster of %(unit)s") % {"unit": unit_name(unit)},
            active_people(unit).count(),
            reverse("people:roster", args=[unit.code]),
        )  # fmt: skip
    )
