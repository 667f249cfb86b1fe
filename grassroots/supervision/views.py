"""Pages of the supervision app (thin: forms in, services and selectors out)."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from grassroots.engine.supervision.runner import preview
from grassroots.i18n import in_language, unit_name
from grassroots.organisations.scope import issuing_unit, membership_of
from grassroots.organisations.security.middleware import export_audited
from grassroots.supervision import selectors
from grassroots.supervision.forms import DatasetUploadForm, ModelVersionForm, ReasonForm, StepForm
from grassroots.supervision.models import ModelStatus, Step
from grassroots.supervision.permissions import Act, may, role_may
from grassroots.supervision.services import (
    NEXT_STEPS,
    SupervisionError,
    advance_lead,
    advance_model_version,
    delete_dataset_version,
    record_export,
    reveal,
    run_model_version,
    save_model_version,
    schedule_runs,
    upload_dataset,
)
from grassroots.supervision.wording import KINDS, field_label
from grassroots.tables import Column, Kind, TableExport, download, wanted_format


def _page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    return render(request, f"supervision/{template}", {"nav": "supervision", **context})


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    measures = selectors.measures_for(request.user)
    return _page(
        request,
        "index.html",
        {
            "models": selectors.models_for(request.user).prefetch_related("versions"),
            "datasets": selectors.registered_tables(request.user),
            "overdue": selectors.overdue_leads(request.user, today)[:20],
            "open_leads": selectors.leads_for(request.user)
            .exclude(step__in=selectors.TERMINAL)
            .count(),
            "totals": selectors.totals(measures),
            "runs": selectors.runs_for(request.user)[:10],
        },
    )


# Datasets ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def datasets(request: HttpRequest) -> HttpResponse:
    membership = membership_of(request.user)
    can_upload = membership is not None and may(request.user, Act.UPLOAD, membership.unit)
    form = DatasetUploadForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST":
        if not can_upload or membership is None:
            raise PermissionDenied
        if form.is_valid():
            upload = form.cleaned_data["file"]
            suffix = Path(upload.name or "").suffix.lower() or ".csv"
            with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
                for chunk in upload.chunks():
                    handle.write(chunk)
                handle.flush()
                data = form.cleaned_data
                try:
                    version = upload_dataset(
                        actor=request.user,
                        unit=membership.unit,
                        name=data["name"],
                        title=data["title"],
                        source_agency=data["source_agency"],
                        data_date=data["data_date"],
                        legal_basis=data["legal_basis"],
                        columns=data["columns"],
                        file=Path(handle.name),
                        filename=upload.name or "upload",
                        retain_until=data["retain_until"],
                    )
                except SupervisionError as exc:
                    errors = exc.messages
                else:
                    messages.success(
                        request,
                        _("Dataset %(name)s version %(n)d stored")
                        % {"name": version.dataset.name, "n": version.number},
                    )
                    return redirect("supervision:dataset-version", pk=version.pk)
    versions = [
        v
        for d in selectors.datasets_for(request.user)
        for v in d.versions.select_related("dataset__owner").all()
    ]
    return _page(
        request,
        "datasets.html",
        {"versions": versions, "form": form, "errors": errors, "can_upload": can_upload},
    )


@login_required
@require_GET
def dataset_version(request: HttpRequest, pk: int) -> HttpResponse:
    version = selectors.dataset_version_for(request.user, pk)
    names: list[str] = []
    rows: list[list[Any]] = []
    if version.deleted_at is None and version.path.exists():
        names, rows = preview(version.path, version.id_columns)
    return _page(
        request,
        "dataset_version.html",
        {
            "version": version,
            "columns": [
                {**c, "kind_label": KINDS.get(c["kind"], c["kind"])} for c in version.columns
            ],
            "names": [field_label(n) for n in names],
            "rows": rows,
            "can_delete": may(request.user, Act.UPLOAD, version.dataset.owner)
            and version.deleted_at is None,
            "form": ReasonForm(),
        },
    )


@login_required
@require_POST
def delete_dataset(request: HttpRequest, pk: int) -> HttpResponse:
    version = selectors.dataset_version_for(request.user, pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("A reason is required"))
    else:
        try:
            delete_dataset_version(
                actor=request.user, version=version, reason=form.cleaned_data["reason"]
            )
            messages.success(
                request, _("The data was deleted; the record and the audit entry remain")
            )
        except SupervisionError as exc:
            messages.error(request, "; ".join(exc.messages))
    return redirect("supervision:dataset-version", pk=version.pk)


# Models ------------------------------------------------------------------------------------


@login_required
@require_GET
def model_detail(request: HttpRequest, pk: int) -> HttpResponse:
    model = selectors.model_for(request.user, pk)
    feedback = selectors.model_feedback(request.user, model)
    return _page(
        request,
        "model.html",
        {
            "model": model,
            "versions": model.versions.all(),
            "feedback": feedback,
            "totals": selectors.totals(feedback),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def new_model_version(request: HttpRequest) -> HttpResponse:
    membership = membership_of(request.user)
    if membership is None or not may(request.user, Act.AUTHOR, membership.unit):
        raise PermissionDenied
    initial: dict[str, Any] = {}
    code = request.GET.get("model", "")
    if code:
        model = selectors.model_by_code(request.user, code)
        last = model.versions.order_by("-number").first()
        initial = {
            "code": model.code,
            "name_zh": model.name_zh,
            "name_en": model.name_en,
            "business_line": model.business_line,
            "supervision_point": model.supervision_point,
            "sql": last.sql if last else "",
            "parameters": _json(last.parameters if last else {}),
        }
    form = ModelVersionForm(request.POST or None, initial=initial)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            version = save_model_version(
                actor=request.user, unit=membership.unit, **form.cleaned_data
            )
        except SupervisionError as exc:
            errors = exc.messages
        else:
            return redirect("supervision:model-version", pk=version.pk)
    return _page(
        request,
        "model_form.html",
        {"form": form, "errors": errors, "tables": selectors.registered_tables(request.user)},
    )


def _json(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


@login_required
@require_http_methods(["GET", "POST"])
def model_version(request: HttpRequest, pk: int) -> HttpResponse:
    version = selectors.model_version_for(request.user, pk)
    membership = membership_of(request.user)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "advance":
                advance_model_version(actor=request.user, version=version)
                messages.success(
                    request, _("Status changed to %(s)s") % {"s": version.get_status_display()}
                )
            elif action == "schedule":
                every = int(request.POST.get("every_days") or 0)
                first = dt.date.fromisoformat(request.POST.get("first_on") or "")
                schedule_runs(actor=request.user, version=version, every_days=every, first_on=first)
                messages.success(request, _("The runs are scheduled"))
            elif action == "run":
                params = {k: request.POST.get(f"param_{k}") for k in version.parameters}
                values = {
                    k: int(v)
                    if version.parameters[k].get("type") == "integer" and v not in (None, "")
                    else v
                    for k, v in params.items()
                    if v not in (None, "")
                }
                run = run_model_version(actor=request.user, version=version, parameters=values)
                return redirect("supervision:run", pk=run.pk)
        except SupervisionError as exc:
            messages.error(request, "; ".join(exc.messages))
        except ValueError:
            messages.error(request, _("A number or a date is not valid"))
        return redirect("supervision:model-version", pk=version.pk)
    return _page(
        request,
        "model_version.html",
        {
            "version": version,
            "model": version.model,
            "can_review": may(request.user, Act.REVIEW, version.model.owner)
            and version.status != ModelStatus.LISTED,
            "can_run": membership is not None and may(request.user, Act.RUN, membership.unit),
            "runs": selectors.runs_for(request.user).filter(version=version)[:20],
            "schedules": selectors.schedules_for(request.user).filter(version=version),
            "today": timezone.localdate(),
        },
    )


# Runs and leads ----------------------------------------------------------------------------


@login_required
@require_GET
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = selectors.run_for(request.user, pk)
    leads = selectors.leads_for(request.user).filter(last_run=run)
    return _page(request, "run.html", {"run": run, "leads": leads})


def _filtered_leads(request: HttpRequest) -> Any:
    leads = selectors.leads_for(request.user)
    if request.GET.get("model"):
        leads = leads.filter(model__code=request.GET["model"])
    if request.GET.get("step"):
        leads = leads.filter(step=request.GET["step"])
    if request.GET.get("unit"):  # a run's trace links here for the leads it counted
        leads = leads.filter(unit__code=request.GET["unit"])
    return leads


def _lead_rows(request: HttpRequest) -> list[tuple[Any, dt.date | None, bool]]:
    """The leads the page lists (its filters applied): each with its due date and lateness."""
    today = timezone.localdate()
    rows = [
        (lead, selectors.due_date(lead), selectors.is_overdue(lead, today))
        for lead in _filtered_leads(request).select_related("model", "unit")
    ]
    if request.GET.get("overdue"):
        rows = [r for r in rows if r[2]]
    return rows


@login_required
@require_GET
def leads(request: HttpRequest) -> HttpResponse:
    return _page(
        request,
        "leads.html",
        {
            "rows": _lead_rows(request),
            "steps": Step.choices,
            "models": selectors.models_for(request.user),
            "query": request.GET.urlencode(),
        },
    )


@login_required
@require_GET
def export_leads(request: HttpRequest) -> HttpResponse:
    """The leads the page lists, as Excel (``?format=xlsx``) or CSV (the default); subjects stay
    masked."""
    membership = membership_of(request.user)
    if membership is None:
        raise PermissionDenied
    rows = _lead_rows(request)
    table = TableExport(
        title=_("Supervision leads"),
        scope=unit_name(membership.unit),
        period="",
        issuer=issuing_unit(request.user),
        columns=[
            Column(_("Subject")),
            Column(_("Model")),
            Column(_("Responsible unit")),
            Column(_("Step")),
            Column(_("Due date of the lead")),
            Column(_("Overdue")),
            Column(_("Risk score"), Kind.NUMBER, digits=2),
            Column(_("Key fields")),
        ],
        rows=[
            [
                lead.subject_masked,
                in_language(lead.model.name_zh, lead.model.name_en),
                unit_name(lead.unit),
                lead.get_step_display(),
                due.isoformat() if due else "",
                _("Yes") if late else "",
                lead.risk_score,
                "; ".join(f"{field_label(k)}={v}" for k, v in lead.fields.items()),
            ]
            for lead, due, late in rows
        ],
        file_stem=f"{_('Supervision leads')}-{unit_name(membership.unit)}",
        notes=_lead_filter_notes(request),
    )
    response = download(table, wanted_format(request) or "csv")
    record_export(actor=request.user, unit=membership.unit, count=len(rows), what="leads")
    return export_audited(response)  # one audit entry for one export


def _lead_filter_notes(request: HttpRequest) -> list[str]:
    notes = []
    if request.GET.get("step") in Step.values:
        notes.append(_("Step: %(step)s") % {"step": Step(request.GET["step"]).label})
    if request.GET.get("overdue"):
        notes.append(_("Overdue leads only"))
    if request.GET.get("model"):
        code = request.GET["model"]
        names = [in_language(m.name_zh, m.name_en) for m in selectors.models_for(request.user)
                 if m.code == code]  # fmt: skip
        notes.append(_("Model: %(model)s") % {"model": names[0] if names else code[:60]})
    return notes


@login_required
@require_http_methods(["GET", "POST"])
def lead_detail(request: HttpRequest, pk: int) -> HttpResponse:
    lead = selectors.lead_for(request.user, pk)
    form = StepForm(request.POST or None, initial={"on": timezone.localdate()})
    allowed = NEXT_STEPS[Step(lead.step)]
    step_field = form.fields["step"]
    assert isinstance(step_field, forms.ChoiceField)
    step_field.choices = [(s.value, s.label) for s in allowed]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            advance_lead(
                actor=request.user,
                lead=lead,
                step=Step(data["step"]),
                on=data["on"],
                note=data["note"],
                evidence=data["evidence"],
                document=data["document"],
                adopted=data["adopted"],
                recovered=data["recovered"],
            )
            messages.success(request, _("The lead moved to %(s)s") % {"s": lead.get_step_display()})
            return redirect("supervision:lead", pk=lead.pk)
        except SupervisionError as exc:
            for message in exc.messages:
                form.add_error(None, message)
    titles = {d.name: d.title for d in selectors.datasets_for(request.user)}
    evidence_names: list[str] = []
    for row in lead.evidence:
        evidence_names += [k for k in row if k not in evidence_names]
    return _page(
        request,
        "lead.html",
        {
            "lead": lead,
            "fields": [(field_label(k), v) for k, v in lead.fields.items()],
            "evidence_head": [field_label(n) for n in evidence_names],
            "evidence": [
                [
                    titles.get(row[n], row[n]) if n == "table" else row.get(n, "")
                    for n in evidence_names
                ]
                for row in lead.evidence
            ],
            "steps": lead.steps.select_related("owner"),
            "due": selectors.due_date(lead),
            "overdue": selectors.is_overdue(lead, timezone.localdate()),
            "form": form if allowed and may(request.user, Act.WORK, lead.unit) else None,
            "can_reveal": bool(lead.subject_sealed) and may(request.user, Act.REVEAL, lead.unit),
            "reveal_form": ReasonForm(),
        },
    )


@login_required
@require_POST
def reveal_subject(request: HttpRequest, pk: int) -> HttpResponse:
    lead = selectors.lead_for(request.user, pk)
    form = ReasonForm(request.POST)
    if not role_may(request.user, Act.REVEAL):
        raise PermissionDenied
    if not form.is_valid():
        messages.error(request, _("A reason is required to reveal an identity number"))
        return redirect("supervision:lead", pk=lead.pk)
    clear = reveal(actor=request.user, lead=lead, reason=form.cleaned_data["reason"])
    response = _page(
        request,
        "revealed.html",
        {"lead": lead, "clear": clear, "reason": form.cleaned_data["reason"]},
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def measures(request: HttpRequest) -> HttpResponse:
    rows = selectors.measures_for(request.user)
    return _page(request, "measures.html", {"rows": rows, "totals": selectors.totals(rows)})
