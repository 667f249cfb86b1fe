"""The reports page: choose product, scope, period and format; generate; download; history.
The office's narrative paragraphs and, for the province administrator, the report policy."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from grassroots.organisations.models import Level, Role
from grassroots.organisations.scope import (
    Action,
    can,
    get_unit_for_user,
    membership_of,
    visible_units,
)
from grassroots.reports.errors import ReportError
from grassroots.reports.forms import GenerateForm, NarrativeForm, PolicyForm
from grassroots.reports.models import Format
from grassroots.reports.selectors import documents_for, get_document_for_user, policy_for
from grassroots.reports.services import generate_document, read_document, save_narrative, set_policy

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
    }
    return render(request, "reports/index.html", context)


@login_required
@require_POST
def generate(request: HttpRequest) -> HttpResponse:
    _require(request.user)
    form = GenerateForm(request.POST, scopes=scope_choices(request.user))
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(str(e) for e in errors))
        return redirect("reports:index")
    scope = get_unit_for_user(request.user, form.cleaned_data["scope"])
    try:
        document = generate_document(
            product=form.cleaned_data["product"],
            scope=scope,
            period=form.cleaned_data["period"],
            fmt=form.cleaned_data["format"],
            actor=request.user,
        )
    except ReportError as exc:
        messages.error(request, str(exc))
        return redirect("reports:index")
    messages.success(request, _("Generated: %(name)s") % {"name": document.filename})
    return redirect("reports:index")


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
