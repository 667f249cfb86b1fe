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
from grassroots.intake.cases.forms import DeadlineForm, chosen_period, period_key
from grassroots.intake.figures import workbook
from grassroots.intake.figures.views import XLSX
from grassroots.intake.reporting.services import (
    Report,
    deadlines_for,
    reporting_rate,
    set_deadline,
)
from grassroots.intake.workflow.services import NotAllowed
from grassroots.organisations.models import Role
from grassroots.organisations.scope import Action, can, role_of
from grassroots.organisations.versions import owner_for


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
        return _export(report, export)
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


def export_rows(report: Report) -> tuple[list[str], list[list[Any]]]:
    header = [_("Row"), _("Unit code"), _("Unit"), _("City"), _("Status"), _("First submitted"),
              _("On time / late / missing"), _("Expected"), _("Reported"), _("On time"),
              _("Completeness"), _("Timeliness")]  # fmt: skip
    rows: list[list[Any]] = []
    for line in report.lines:
        first = timezone.localtime(line.first_submitted).strftime("%Y-%m-%d %H:%M") if (
            line.first_submitted) else ""  # fmt: skip
        rows.append([_("Unit"), line.unit.code, line.name,
                     line.city.code if line.city else "", str(line.status.label), first,
                     str(line.timeliness.label), 1, int(line.reported),
                     int(line.timeliness == "on_time"), "", ""])  # fmt: skip
    for tally in [*report.cities, report.total]:
        rows.append([_("City") if tally.unit else _("Total"),
                     tally.unit.code if tally.unit else "",
                     tally.name, "", "", "", "",
                     tally.expected, tally.reported, tally.on_time,
                     _percent(tally.completeness), _percent(tally.timeliness)])  # fmt: skip
    return header, rows


def _export(report: Report, kind: str) -> HttpResponse:
    header, rows = export_rows(report)
    name = f"reporting-{report.period}{'-' + report.catalogue if report.catalogue else ''}"
    if kind == "csv":
        response = HttpResponse(workbook.export_csv(header, rows), content_type="text/csv")
    else:
        response = HttpResponse(workbook.export_xlsx(report.period, header, rows),
                                content_type=XLSX)  # fmt: skip
    response["Content-Disposition"] = f'attachment; filename="{name}.{kind}"'
    return response


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
