"""The validation page: each unit's latest rule violations and outlier flags for a period,
and a button to run the checks again."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from grassroots.engine.periods import Period
from grassroots.intake.cases.forms import chosen_period
from grassroots.intake.models import (
    FindingKind,
    Trigger,
    ValidationFinding,
    ValidationRun,
)
from grassroots.intake.permissions import can_run_validation
from grassroots.intake.selectors import FindingRow, finding_rows, unit_label
from grassroots.intake.validation.services import latest_runs, run_all, units_to_check
from grassroots.organisations.models import Level, Unit
from grassroots.organisations.scope import get_unit_for_user, membership_of, visible_units
from grassroots.responses import bad_input


def checked_message(units: int, findings: int) -> str:
    """What a check run did, each count in its number (1 unit, 2 units)."""
    return _("Checked %(units)s: %(findings)s.") % {
        "units": ngettext("%(n)s unit", "%(n)s units", units) % {"n": units},
        "findings": ngettext("%(n)s finding", "%(n)s findings", findings) % {"n": findings},
    }


def _period(text: str) -> str | None:
    try:
        return Period.parse(text.strip()).key
    except ValueError:
        return None


def checked_units(user: Any, code: str) -> QuerySet[Unit]:
    """The active grassroots units in scope, within ``code``'s subtree if given (404 outside)."""
    units = visible_units(user).filter(level=Level.GRASSROOTS, active=True)
    if code:
        units = units.filter(path__startswith=get_unit_for_user(user, code).path)
    return units.order_by("path")


# Findings listed per page: a province's units checked against every rule are thousands of
# rows, and the page once listed them all (past the worker's 30 s).
FINDINGS_PER_PAGE = 100


def latest_finding_query(
    units: QuerySet[Unit], period: str
) -> tuple[dict[int, ValidationRun], QuerySet[ValidationFinding]]:
    """Each unit's newest run for ``period``, and a query of the findings of its newest run per
    catalogue (in the page's order: unit, kind, code), for the database to count and cut."""
    latest = latest_runs(units=units, period=period)
    runs = ValidationRun.objects.in_bulk(set(latest.values()))
    units_of: dict[int, list[int]] = {}  # a run -> the units it is the newest run of
    for (unit_id, _catalogue), run_id in latest.items():
        units_of.setdefault(run_id, []).append(unit_id)
    wanted = Q(pk__in=[])
    for run_id, unit_ids in units_of.items():
        wanted |= Q(run_id=run_id, unit_id__in=unit_ids)
    findings = ValidationFinding.objects.filter(wanted, period=period).order_by(
        "unit__path", "kind", "code", "pk"
    )
    newest: dict[int, ValidationRun] = {}
    for (unit_id, _catalogue), run_id in latest.items():
        if unit_id not in newest or run_id > newest[unit_id].pk:
            newest[unit_id] = runs[run_id]
    return newest, findings


def latest_findings(
    units: QuerySet[Unit], period: str
) -> tuple[dict[int, ValidationRun], list[ValidationFinding]]:
    """Each unit's newest run for ``period`` and the findings of its newest run per catalogue."""
    newest, findings = latest_finding_query(units, period)
    return newest, list(findings.select_related("unit", "run"))


@login_required
@require_GET
def validation(request: HttpRequest) -> HttpResponse:
    period, period_error = chosen_period(request.GET.get("period", ""))
    code = request.GET.get("unit", "").strip()
    units = checked_units(request.user, code)
    rows: list[tuple[Unit, str, ValidationRun | None, int, int]] = []
    details: list[FindingRow] = []
    page = None
    if period:
        runs, findings = latest_finding_query(units, period)
        counted: Counter[tuple[int, str]] = Counter()  # (unit, kind) -> findings, counted there
        for c in findings.order_by().values("unit_id", "kind").annotate(n=Count("pk")):
            counted[(c["unit_id"], c["kind"])] = c["n"]
        for unit in units:
            rules, outliers = (
                counted[(unit.pk, FindingKind.RULE)],
                counted[(unit.pk, FindingKind.OUTLIER)],
            )
            rows.append((unit, unit_label(unit), runs.get(unit.pk), rules, outliers))
        listed = findings.select_related("unit", "run")
        page = Paginator(listed, FINDINGS_PER_PAGE).get_page(request.GET.get("page"))
        details = finding_rows(page)
    context = {
        "nav": "intake", "period": period or request.GET.get("period", ""),
        "period_error": period_error, "unit": code, "rows": rows,
        "details": details, "page": page, "can_run": _may_run(request.user, code),
    }  # fmt: skip
    return render(request, "intake/validation.html", context)


def _may_run(user: Any, code: str) -> bool:
    membership = membership_of(user)
    if membership is None:
        return False
    target = get_unit_for_user(user, code) if code else membership.unit
    return can_run_validation(user, target)


@login_required
@require_POST
def run(request: HttpRequest) -> HttpResponse:
    period = _period(request.POST.get("period", ""))
    membership = membership_of(request.user)
    code = request.POST.get("unit", "").strip()
    if membership is None:
        return HttpResponse(_("You have no unit."), status=403)
    unit = get_unit_for_user(request.user, code) if code else membership.unit  # 404 outside
    if period is None:
        return bad_input(
            request, _("Not a period such as 2024年第四季度, 2024Q4, 2024-07 or 2024.")
        )
    if not can_run_validation(request.user, unit):
        return HttpResponse(_("Your role may not run the checks."), status=403)
    done = run_all(
        scope=unit, units=units_to_check(unit), period=period, actor=request.user,
        trigger=Trigger.ON_DEMAND, source="web",
    )  # fmt: skip
    findings = ValidationFinding.objects.filter(run__in=done).count()
    messages.success(request, checked_message(len(units_to_check(unit)), findings))
    query = urlencode({"period": period, **({"unit": code} if code else {})})
    return redirect(reverse("intake:validation") + "?" + query)
