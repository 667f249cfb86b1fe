"""The reporting-rate page (completeness and timeliness per unit and city), its CSV/Excel
export, and the province administrator's deadline form."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from grassroots.engine.catalogue import list_catalogues
from grassroots.engine.errors import InputError
from grassroots.i18n import period_label, unit_name
from grassroots.intake.cases.forms import DeadlineForm, chosen_period, period_key
from grassroots.intake.reporting.services import (
    Report,
    deadlines_for,
    reporting_rate,
    set_deadline,
)
from grassroots.intake.workflow.services import NotAllowed
from grassroots.organisations.models import Role
from grassroots.organisations.scope import Action, can, issuing_unit, membership_of, role_of
from grassroots.organisations.versions import owner_for
from grassroots.tables import Column, Kind, TableExport, download


@login_required
@require_GET
def reporting(request: HttpRequest) -> HttpResponse:
    period, period_error = chosen_period(request.GET.get("period", ""))
    catalogue = request.GET.get("catalogue", "").strip()
    if catalogue and catalogue not in list_catalogues():
        return HttpResponse(_("No such catalogue."), status=400)
    report = (
        reporting_rate(user=request.user, period=period, catalogue=catalogue) if period else None
    )
    export = request.GET.get("format", "")
    may_export = can(request.user, Action.EXPORT_REPORTS)
    if export in ("csv", "xlsx") and not may_export:
        return HttpResponse(_("Your role may not download reports."), status=403)
    if report is not None and export in ("csv", "xlsx"):
        return download(export_table(report, request.user), export)
    admin = role_of(request.user) == Role.PROVINCE_ADMIN
    context = {
        "nav": "intake", "period": period or request.GET.get("period", ""),
        "period_error": period_error, "catalogue": catalogue, "report": report,
        "catalogues": list_catalogues(), "admin": admin, "may_export": may_export,
        "deadlines": deadlines_for(owner_for(request.user), period) if period else [],
        "form": DeadlineForm(initial={"period": period}, catalogues=list_catalogues()),
    }  # fmt: skip
    return render(request, "intake/reporting.html", context)


def _percent(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.1f}%"


def export_table(report: Report, user: Any) -> TableExport:
    """The page's units, then its cities and the total, as the shared table export writes it."""
    columns = [Column(_("Row")), Column(_("Unit code")), Column(_("Unit")), Column(_("City")),
               Column(_("Status")), Column(_("First submitted")),
               Column(_("On time / late / missing")), Column(_("Expected"), Kind.INTEGER),
               Column(_("Reported"), Kind.INTEGER), Column(_("On time"), Kind.INTEGER),
               Column(_("Completeness")), Column(_("Timeliness"))]  # fmt: skip
    rows: list[list[Any]] = []
    for line in report.lines:
        first = timezone.localtime(line.first_submitted).strftime("%Y-%m-%d %H:%M") if (
            line.first_submitted) else ""  # fmt: skip
        rows.append([_("Unit"), line.unit.code, line.name,
                     unit_name(line.city) if line.city else "", str(line.status.label), first,
                     str(line.timeliness.label), 1, int(line.reported),
                     int(line.timeliness == "on_time"), "", ""])  # fmt: skip
    for tally in [*report.cities, report.total]:
        rows.append([_("City") if tally.unit else _("Total"),
                     tally.unit.code if tally.unit else "",
                     tally.name, "", "", "", "",
                     tally.expected, tally.reported, tally.on_time,
                     _percent(tally.completeness), _percent(tally.timeliness)])  # fmt: skip
    period = period_label(report.period)
    scope = membership_of(user)
    notes = [_("Catalogue: %(code)s") % {"code": report.catalogue}] if report.catalogue else []
    return TableExport(
        title=_("Reporting rate, %(period)s") % {"period": period},
        scope=unit_name(scope.unit) if scope else "",
        period=period,
        issuer=issuing_unit(user),
        columns=columns,
        rows=rows,
        file_stem=f"reporting-{report.period}{'-' + report.catalogue if report.catalogue else ''}",
        notes=notes,
        frozen_columns=3,
    )


@login_required
@require_POST
def deadline(request: HttpRequest) -> HttpResponse:
    if role_of(request.user) != Role.PROVINCE_ADMIN:
        return HttpResponse(_("Only the province administrator sets deadlines."), status=403)
    form = DeadlineForm(request.POST, catalogues=list_catalogues())
    period = period_key(request.POST.get("period", "")) or ""
    if form.is_valid():
        data = form.cleaned_data
        try:
            set_deadline(period=data["period"], due=data["due"], catalogue=data["catalogue"],
                         actor=request.user)  # fmt: skip
        except NotAllowed:
            return HttpResponse(_("Only the province administrator sets deadlines."), status=403)
        except InputError as exc:
            messages.error(request, "; ".join(p.message for p in exc.problems))
        else:
            messages.success(request, _("Deadline saved."))
    else:
        messages.error(
            request,
            "; ".join(
                f"{form.fields[f].label}: {' '.join(str(m) for m in e)}"
                for f, e in form.errors.items()
            ),
        )
    return redirect(reverse("intake:reporting") + "?" + urlencode({"period": period}))
