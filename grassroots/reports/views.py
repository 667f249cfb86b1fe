"""The reports page: choose product, scope, period and format; generate in the background with
progress; download; history. The office's narrative paragraphs and, for the province
administrator, the report policy."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from grassroots.organisations.models import Level, Role
from grassroots.organisations.scope import (
    Action,
    can,
    get_unit_for_user,
    membership_of,
    visible_units,
)
from grassroots.reports.drafts import drafts_for
from grassroots.reports.errors import ReportError
from grassroots.reports.forms import GenerateForm, NarrativeForm, PolicyForm, TemplateForm
from grassroots.reports.jobs import get_job_for_user, jobs_for, queue_document
from grassroots.reports.models import Format, Product, ReportTemplate
from grassroots.reports.selectors import documents_for, get_document_for_user, policy_for
from grassroots.reports.services import (
    read_document,
    save_narrative,
    save_template,
    set_policy,
    template_for,
    template_text,
)
from grassroots.reports.templates_spec import PRODUCT_SECTIONS

# The sections a template may name, in the page's language.
SECTION_LABELS = {
    "summary": _l("summary"),
    "lines": _l("business lines"),
    "trend": _l("trend"),
    "distribution": _l("distribution of units"),
    "heatmap": _l("heat map of colours"),
    "warnings": _l("warnings"),
    "weak_units": _l("weak units' plans"),
    "data_quality": _l("data quality"),
    "league": _l("league table"),
    "consultation": _l("consultation conclusions"),
    "next_steps": _l("next steps"),
    "appendix": _l("appendix"),
    "values": _l("the unit's figures"),
    "plans": _l("plans"),
    "measures": _l("measures"),
    "items": _l("items"),
    "decision": _l("recommendation and decision"),
}

# The user's requests the page lists with their progress: the last few of the last day.
JOBS_SHOWN, JOBS_SHOWN_FOR = 5, dt.timedelta(days=1)

CONTENT_TYPES = {
    Format.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    Format.PDF: "application/pdf",
    Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def scope_choices(user: Any) -> list[tuple[str, str]]:
    units = visible_units(user).exclude(level=Level.NATION).order_by("path")
    return [(u.code, f"{u.code} {u.name_zh}") for u in units]


def _require(user: Any) -> None:
    if not can(user, Action.EXPORT_REPORTS):
        raise Http404("No documents")


def _province_admin_unit(user: Any) -> Any:
    membership = membership_of(user)
    if (
        membership
        and membership.role == Role.PROVINCE_ADMIN
        and membership.unit.level == Level.PROVINCE
    ):
        return membership.unit
    return None


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    _require(request.user)
    scopes = scope_choices(request.user)
    province = _province_admin_unit(request.user)
    policy = policy_for(province) if province else None
    context = {
        "nav": "reports",
        "form": GenerateForm(scopes=scopes, initial={"format": Format.PDF}),
        "narrative_form": NarrativeForm(scopes=scopes, prefix="narrative"),
        "policy_form": PolicyForm(
            prefix="policy",
            initial={"ranking": policy.ranking, "marking": policy.marking, "issuer": policy.issuer},
        )
        if policy
        else None,
        "documents": documents_for(request.user)[:50],
        "drafts": drafts_for(request.user)[:10],
        "jobs": jobs_for(request.user).filter(queued_at__gte=timezone.now() - JOBS_SHOWN_FOR)[
            :JOBS_SHOWN
        ],
        "edits_templates": province is not None,
    }
    return render(request, "reports/index.html", context)


@login_required
@require_POST
def generate(request: HttpRequest) -> HttpResponse:
    """Check the request at once (a bad one is a message, nothing queued) and queue it: the
    background worker makes the document while the page shows its progress."""
    _require(request.user)
    form = GenerateForm(request.POST, scopes=scope_choices(request.user))
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(str(e) for e in errors))
        return redirect("reports:index")
    scope = get_unit_for_user(request.user, form.cleaned_data["scope"])
    try:
        job = queue_document(
            product=form.cleaned_data["product"],
            scope=scope,
            period=form.cleaned_data["period"],
            fmt=form.cleaned_data["format"],
            user=request.user,
            language=get_language() or settings.LANGUAGE_CODE,
        )
    except ReportError as exc:
        messages.error(request, str(exc))
        return redirect("reports:index")
    messages.info(
        request,
        _("Queued: %(product)s, %(scope)s, %(period)s. It is being made in the background.")
        % {"product": job.get_product_display(), "scope": scope.name_zh, "period": job.period},
    )
    return redirect(f"{reverse('reports:index')}#job-{job.pk}")


@login_required
@require_GET
def job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress fragment of one of the user's requests, which the page polls with HTMX;
    once it is finished the page reloads (its history then lists the document)."""
    job = get_job_for_user(request.user, pk)
    response = render(request, "reports/_job.html", {"job": job})
    if job.is_finished and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_GET
def download(request: HttpRequest, pk: int) -> FileResponse:
    document = get_document_for_user(request.user, pk)
    try:
        data = read_document(document)
    except (ReportError, OSError) as exc:
        raise Http404("Document file missing") from exc
    return FileResponse(
        iter([data]),
        as_attachment=True,
        filename=document.filename,
        content_type=CONTENT_TYPES[Format(document.format)],
    )


@login_required
@require_POST
def narrative(request: HttpRequest) -> HttpResponse:
    _require(request.user)
    form = NarrativeForm(request.POST, scopes=scope_choices(request.user), prefix="narrative")
    if form.is_valid():
        scope = get_unit_for_user(request.user, form.cleaned_data["scope"])
        try:
            save_narrative(
                product="bulletin",
                scope=scope,
                period=form.cleaned_data["period"],
                section=form.cleaned_data["section"],
                text=form.cleaned_data["text"],
                actor=request.user,
            )
        except ReportError as exc:
            messages.error(request, str(exc))
    else:
        for errors in form.errors.values():
            messages.error(request, " ".join(str(e) for e in errors))
    return redirect("reports:index")


@login_required
@require_POST
def policy(request: HttpRequest) -> HttpResponse:
    province = _province_admin_unit(request.user)
    if province is None:
        raise Http404("No policy to set")
    form = PolicyForm(request.POST, prefix="policy")
    if form.is_valid():
        set_policy(province=province, actor=request.user, **form.cleaned_data)
    return redirect("reports:index")


def _templates_province(request: HttpRequest) -> Any:
    province = _province_admin_unit(request.user)
    if province is None:
        raise Http404("No templates to edit")
    return province


@login_required
@require_GET
def templates(request: HttpRequest) -> HttpResponse:
    """The province's templates: each product's version in use and its history."""
    province = _templates_province(request)
    stored = ReportTemplate.objects.filter(province=province).select_related("created_by")
    rows = [
        {
            "product": product,
            "current": template_for(province, product.value).version,
            "versions": [t for t in stored if t.product == product.value],
        }
        for product in Product
    ]
    return render(request, "reports/templates.html", {"nav": "reports", "rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, product: str) -> HttpResponse:
    """Edit a product's template (section order, indicators, titles, marking): saving adds a
    version; an unknown section or an indicator the catalogue lacks stores nothing."""
    province = _templates_province(request)
    if product not in Product.values:
        raise Http404("No such product")
    current = template_for(province, product)
    form = TemplateForm(request.POST or None, initial={"text": template_text(current)})
    if request.method == "POST" and form.is_valid():
        try:
            saved = save_template(
                province=province,
                product=product,
                spec=form.cleaned_data["text"],
                actor=request.user,
            )
        except ReportError as exc:
            form.add_error("text", str(exc))
        else:
            messages.success(
                request, _("Saved as version %(version)d.") % {"version": saved.version}
            )
            return redirect("reports:template-edit", product=product)
    context = {
        "nav": "reports",
        "product": Product(product),
        "form": form,
        "current": current,
        "sections": [(s, SECTION_LABELS.get(s, "")) for s in PRODUCT_SECTIONS[product]],
        "indicators": _catalogue_indicators(current.scheme),
        "versions": ReportTemplate.objects.filter(province=province, product=product)
        .select_related("created_by")
        .order_by("-version"),
    }
    return render(request, "reports/template_edit.html", context)


def _catalogue_indicators(scheme_code: str) -> list[tuple[str, str]]:
    from grassroots.evaluation.schemes import latest_scheme_version, scheme_of

    scheme = scheme_of(latest_scheme_version(scheme_code))
    return [(leaf.indicator or leaf.code, leaf.name_zh) for leaf in scheme.leaves()]
