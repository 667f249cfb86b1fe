"""The submissions page: each unit's status for a period, and the actions the user may take."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_POST

from grassroots.i18n import period_label, unit_name
from grassroots.intake.cases.forms import chosen_period, period_key
from grassroots.intake.models import Submission, SubmissionStatus
from grassroots.intake.workflow import services as workflow
from grassroots.organisations.models import Level, Unit
from grassroots.organisations.scope import (
    Action,
    can,
    get_unit_for_user,
    issuing_unit,
    membership_of,
    visible_units,
)
from grassroots.responses import bad_input
from grassroots.tables import Column, TableExport, download, wanted_format

DONE = {
    "submit": _lazy("Submitted: %(unit)s %(period)s."),
    "approve": _lazy("Approved: %(unit)s %(period)s."),
    "return": _lazy("Returned for correction: %(unit)s %(period)s."),
    "accept": _lazy("Accepted and locked: every unit of %(unit)s for %(period)s."),
    "unlock": _lazy("Unlocked: %(unit)s %(period)s."),
}


@dataclass
class Row:
    unit: Unit
    status: SubmissionStatus
    comment: str
    actions: list[str]


@dataclass
class CityCount:
    city: Unit
    cells: list[int]  # units per status, in the order of SubmissionStatus
    total: int
    waiting: int
    may_accept: bool


@login_required
@require_GET
def submissions(request: HttpRequest) -> HttpResponse:
    """Each unit's status for the period, the counts per city, and only the actions the user
    may take now; filters by city and status (issue 18.4)."""
    period, period_error = chosen_period(request.GET.get("period", ""))
    city_code = request.GET.get("city", "").strip()
    status_filter = request.GET.get("status", "").strip()
    rows: list[Row] = []
    counts: list[CityCount] = []
    cities = list(visible_units(request.user).filter(level=Level.CITY))
    if period:
        units = visible_units(request.user).filter(level=Level.GRASSROOTS).select_related("parent")
        found = {s.unit_id: s for s in Submission.objects.filter(unit__in=units, period=period)}
        every: list[Row] = []
        for unit in units:
            s = found.get(unit.pk)
            status = SubmissionStatus(s.status) if s else SubmissionStatus.DRAFT
            actions = workflow.allowed_actions(actor=request.user, unit=unit, status=status)
            every.append(Row(unit, status, s.comment if s else "", actions))
        counts = _city_counts(request.user, cities, every)
        fmt = wanted_format(request)
        if fmt is not None:  # every unit the filters keep, also where the page shows counts
            return _export(request, period, every, city_code, status_filter, fmt)
        # Over several cities the counts are the overview; the units are listed once a city
        # or a status is chosen (no 138-row page of buttons).
        listed = len(counts) <= 1 or bool(city_code or status_filter)
        rows = [
            r
            for r in (every if listed else [])
            if (not city_code or (r.unit.parent is not None and r.unit.parent.code == city_code))
            and (not status_filter or r.status == status_filter)
        ]
    context = {
        "nav": "intake", "period": period or request.GET.get("period", ""),
        "period_error": period_error, "rows": rows, "cities": cities, "counts": counts,
        "city": city_code, "status": status_filter, "statuses": SubmissionStatus.choices,
        "bulk_approve": any("approve" in r.actions for r in rows),
        "any_ready": any(c.may_accept for c in counts),
        "listed": not period or len(counts) <= 1 or bool(city_code or status_filter),
        "S": SubmissionStatus, "may_export": can(request.user, Action.EXPORT_REPORTS),
    }  # fmt: skip
    return render(request, "intake/submissions.html", context)


def _export(
    request: HttpRequest, period: str, every: list[Row], city: str, status: str, fmt: str
) -> HttpResponse:
    if not can(request.user, Action.EXPORT_REPORTS):
        raise Http404("No such page")
    rows = [
        r
        for r in every
        if (not city or (r.unit.parent is not None and r.unit.parent.code == city))
        and (not status or r.status == status)
    ]
    notes = []
    if city:
        notes.append(
            _("City: %(city)s") % {"city": unit_name(get_unit_for_user(request.user, city))}
        )
    if status in SubmissionStatus.values:
        notes.append(_("Status: %(status)s") % {"status": SubmissionStatus(status).label})
    membership = membership_of(request.user)
    table = TableExport(
        title=_("Submissions, %(period)s") % {"period": period_label(period)},
        scope=unit_name(membership.unit) if membership else "",
        period=period_label(period),
        issuer=issuing_unit(request.user),
        columns=[
            Column(_("Unit code")),
            Column(_("Unit")),
            Column(_("City")),
            Column(_("Status")),
            Column(_("Comment")),
        ],  # fmt: skip
        rows=[
            [
                r.unit.code,
                unit_name(r.unit),
                unit_name(r.unit.parent) if r.unit.parent else "",
                r.status.label,
                r.comment,
            ]  # fmt: skip
            for r in rows
        ],
        file_stem=f"submissions-{period}",
        notes=notes,
        frozen_columns=2,
    )
    return download(table, fmt)


def _city_counts(user: Any, cities: list[Unit], rows: list[Row]) -> list[CityCount]:
    found = []
    for city in cities:
        mine = [r for r in rows if r.unit.parent_id == city.pk]
        if not mine:
            continue
        tally = {str(value): 0 for value in SubmissionStatus.values}
        for r in mine:
            tally[str(r.status)] += 1
        waiting = len(mine) - tally[SubmissionStatus.APPROVED] - tally[SubmissionStatus.ACCEPTED]
        ready = tally[SubmissionStatus.APPROVED] == len(mine)
        found.append(
            CityCount(
                city,
                list(tally.values()),
                len(mine),
                waiting,
                ready and workflow.may_accept(actor=user, city=city),
            )
        )
    return found


def _back(period: str, request: HttpRequest, *, city: str = "") -> HttpResponse:
    """Back to the page the action came from (its filters kept); ``city``: show that city's
    units (after accepting one city, its units are what the user wants to see)."""
    query = {"period": period}
    for key in ("city", "status"):
        if request.POST.get(key):
            query[key] = request.POST[key]
    if city:
        query["city"] = city
    return redirect(reverse("intake:submissions") + "?" + urlencode(query))


@login_required
@require_POST
def act(request: HttpRequest) -> HttpResponse:
    unit = get_unit_for_user(request.user, request.POST.get("unit", ""))  # 404 out of scope
    period = period_key(request.POST.get("period", ""))
    action = request.POST.get("action", "")
    text = request.POST.get("comment", "")
    if period is None:
        return bad_input(
            request, _("Not a period such as 2024年第四季度, 2024Q4, 2024-07 or 2024.")
        )
    if action not in DONE:
        return bad_input(request, _("This action does not exist."))
    try:
        _do(action, unit=unit, period=period, actor=request.user, text=text)
    except workflow.NotAllowed:
        raise PermissionDenied(action) from None  # the styled 403 page
    except workflow.WorkflowError as exc:
        messages.error(request, str(exc))
        return _back(period, request)
    messages.success(request, DONE[action] % workflow.named(unit, period))
    return _back(period, request)


def _do(action: str, *, unit: Unit, period: str, actor: Any, text: str) -> object:
    calls: dict[str, Callable[[], object]] = {
        "submit": lambda: workflow.submit(unit=unit, period=period, actor=actor, comment=text),
        "approve": lambda: workflow.approve(unit=unit, period=period, actor=actor, comment=text),
        "return": lambda: workflow.return_for_correction(
            unit=unit, period=period, actor=actor, comment=text
        ),
        "accept": lambda: workflow.accept_city(city=unit, period=period, actor=actor),
        "unlock": lambda: workflow.unlock(unit=unit, period=period, actor=actor, reason=text),
    }
    return calls[action]()


@login_required
@require_POST
def act_bulk(request: HttpRequest) -> HttpResponse:
    """Approve the ticked units (a city reviewer) or accept the ticked cities (the province)
    in one go; each unit is its own transaction, and the page says what was done and what
    was not, and why."""
    period = period_key(request.POST.get("period", ""))
    action = request.POST.get("action", "")
    if period is None:
        return bad_input(
            request, _("Not a period such as 2024年第四季度, 2024Q4, 2024-07 or 2024.")
        )
    if action not in ("approve", "accept"):
        return bad_input(request, _("This action does not exist."))
    codes = request.POST.getlist("units")
    units = [get_unit_for_user(request.user, code) for code in codes]  # 404 out of scope
    done, refused = 0, []
    for unit in units:
        try:
            _do(action, unit=unit, period=period, actor=request.user, text="")
            done += 1
        except workflow.NotAllowed:
            refused.append(_("%(unit)s: your role may not do this") % workflow.named(unit, period))
        except workflow.WorkflowError as exc:
            refused.append(str(exc))
    if done:
        messages.success(
            request,
            _("%(action)s: %(count)d of %(total)d for %(period)s.")
            % {
                "action": ACTION_NAMES[action],
                "count": done,
                "total": len(units),
                "period": period_label(period),
            },  # fmt: skip
        )
    for reason in refused:
        messages.error(request, reason)
    if not units:
        messages.error(request, _("Tick the units to act on first."))
    one_city = units[0].code if action == "accept" and len(units) == 1 else ""
    return _back(period, request, city=one_city)


ACTION_NAMES = {"approve": _lazy("Approved"), "accept": _lazy("Accepted and locked")}
