"""Pages for reported figures: template download, upload with a dry run then confirm, history.

Between the dry run and the confirmation the uploaded file waits in the data directory's private
area (``pending.py``), named by a random token that only this session knows; it expires after an
hour and is removed on the next upload or by ``grassroots intake cleanup``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from grassroots.engine.catalogue import list_catalogues, load_catalogue
from grassroots.engine.errors import InputError, Problem
from grassroots.engine.periods import Period
from grassroots.files import disk_name, private_tmp
from grassroots.intake.cases.services import UploadRefused
from grassroots.intake.figures import pending, workbook
from grassroots.intake.figures.services import (
    FigureResult,
    FiguresChanged,
    build_template,
    import_figures,
)
from grassroots.intake.models import FigureUpload, ReportedValue
from grassroots.intake.permissions import uploadable_units
from grassroots.intake.selectors import element_labels, element_names, finding_rows, unit_label
from grassroots.organisations.scope import get_unit_for_user, visible_units
from grassroots.problem_wording import all_in_language
from grassroots.responses import bad_input

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SESSION_KEY = "intake_pending"


def reporting_catalogues() -> list[str]:
    return [c for c in list_catalogues() if workbook.reported_elements(load_catalogue(c))]


def _keep(request: HttpRequest, data: bytes, name: str, **extra: Any) -> str:
    token = pending.keep(data)
    pending_uploads = request.session.get(SESSION_KEY, {})
    pending_uploads[token] = {"name": name, **extra}
    request.session[SESSION_KEY] = pending_uploads
    return token


def _kept(request: HttpRequest, token: str) -> tuple[Path, dict[str, Any]]:
    info = request.session.get(SESSION_KEY, {}).get(token)
    path = pending.kept(token)
    if info is None or path is None:
        raise Http404("No such upload, or it expired: upload the file again")
    return path, info


@login_required
@require_GET
def figures_index(request: HttpRequest) -> HttpResponse:
    uploads = FigureUpload.objects.filter(unit__in=visible_units(request.user)).select_related(
        "unit"
    )[:50]
    context = {
        "nav": "intake",
        "uploads": uploads,
        "units": visible_units(request.user).order_by("path"),
        "catalogues": reporting_catalogues(),
        "can_upload": uploadable_units(request.user).exists(),
    }
    return render(request, "intake/figures.html", context)


@login_required
@require_GET
def download_template(request: HttpRequest) -> HttpResponse:
    unit = get_unit_for_user(request.user, request.GET.get("unit", ""))
    catalogue = request.GET.get("catalogue", "")
    try:
        period = Period.parse(request.GET.get("period", "").strip()).key
    except ValueError:
        return bad_input(
            request, _("Not a period such as 2024年第四季度, 2024Q4, 2024-07 or 2024.")
        )
    if catalogue not in reporting_catalogues():
        return bad_input(request, _("No such catalogue."))
    data = build_template(unit=unit, catalogue=catalogue, period=period)
    response = HttpResponse(data, content_type=XLSX)
    filename = f"figures-{catalogue}-{period}-{unit.code}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def upload_figures(request: HttpRequest) -> HttpResponse:
    if not uploadable_units(request.user).exists():
        raise Http404("No such page")
    context: dict[str, Any] = {"nav": "intake", "catalogues": reporting_catalogues()}
    upload = request.FILES.get("file")
    if request.method == "POST" and upload is not None:
        name = disk_name(upload.name or "upload")
        data = upload.read()
        catalogue = request.POST.get("catalogue") or None
        period = request.POST.get("period", "").strip() or None
        try:
            result = _dry_run(data, name, request.user, catalogue, period)
        except InputError as exc:
            context.update(_rejection(request, exc.problems, data, name))
            return render(request, "intake/figures_upload.html", context, status=400)
        token = _keep(request, data, name, catalogue=result.catalogue, period=result.period,
                      basis=[[u, e, old] for (u, e), old in result.basis().items()])  # fmt: skip
        context.update({"result": result, "token": token, **dry_run_rows(result)})
    return render(request, "intake/figures_upload.html", context)


def dry_run_rows(result: FigureResult) -> dict[str, Any]:
    """Each change with its unit's name and its element's name in the page's language."""
    labels = element_labels(result.catalogue)
    changes = [
        (c, unit_label(result.units[c.unit_code]) if c.unit_code in result.units else "",
         labels.get(c.element, ""))
        for c in result.changes
    ]  # fmt: skip
    return {"changes": changes, "findings": finding_rows(result.findings, result.catalogue)}


def _dry_run(
    data: bytes, name: str, user: Any, catalogue: str | None, period: str | None
) -> FigureResult:
    with tempfile.TemporaryDirectory(prefix="figures-", dir=private_tmp()) as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        try:
            return import_figures(
                path=path, actor=user, source_name=name, catalogue=catalogue, period=period,
                dry_run=True,
            )  # fmt: skip
        except UploadRefused:
            raise Http404("No such page") from None


def _rejection(
    request: HttpRequest, problems: list[Problem], data: bytes, name: str
) -> dict[str, Any]:
    marked = None
    problems = all_in_language(problems)
    if name.lower().endswith(".xlsx") and any(p.row for p in problems):
        try:
            marked = _keep(request, workbook.mark_problems(data, problems), "marked-" + name)
        except Exception:  # an unreadable workbook cannot be marked; the list still stands
            marked = None
    return {"problems": problems, "marked": marked}


@login_required
@require_POST
def confirm_figures(request: HttpRequest, token: str) -> HttpResponse:
    path, info = _kept(request, token)
    basis = {(u, e): old for u, e, old in info.get("basis", [])}
    try:
        named = path.with_name(token + Path(info["name"]).suffix)
        path.rename(named)
        result = import_figures(
            path=named, actor=request.user, source_name=info["name"], catalogue=info["catalogue"],
            period=info["period"], dry_run=False, expected=basis,
        )  # fmt: skip
    except (FiguresChanged, InputError) as exc:
        message = str(exc)
        context = {"nav": "intake", "catalogues": reporting_catalogues(), "error": message}
        return render(request, "intake/figures_upload.html", context, status=409)
    finally:
        pending.discard(token)
        request.session[SESSION_KEY] = {
            k: v for k, v in request.session.get(SESSION_KEY, {}).items() if k != token
        }
    assert result.upload is not None
    return redirect("intake:figures")


@login_required
@require_GET
def marked_workbook(request: HttpRequest, token: str) -> FileResponse:
    path, info = _kept(request, token)
    return FileResponse(path.open("rb"), as_attachment=True, filename=info["name"])


@login_required
@require_GET
def value_history(request: HttpRequest) -> HttpResponse:
    unit = get_unit_for_user(request.user, request.GET.get("unit", ""))
    period = request.GET.get("period", "").strip()[:16]
    values = (
        ReportedValue.objects.filter(unit=unit, period=period)
        .prefetch_related("changes__upload")
        .order_by("catalogue", "element")
    )
    names = {c: element_names(c) for c in {v.catalogue for v in values}}
    rows = [(v, names[v.catalogue].get(v.element, "")) for v in values]
    context = {"nav": "intake", "unit": unit, "period": period, "rows": rows}
    return render(request, "intake/value_history.html", context)
