"""The organisations pages: units, a unit, and the audit log; each parses its input, asks the
scope and selectors, renders."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from grassroots.organisations.forms import AuditFilterForm
from grassroots.organisations.panels import panels_for
from grassroots.organisations.scope import Action, can, get_unit_for_user, visible_units
from grassroots.organisations.selectors import audit_entries

UNITS_PER_PAGE = 50
AUDIT_ENTRIES_PER_PAGE = 50


@login_required
@require_GET
def unit_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    units = visible_units(request.user).select_related("parent")
    if query:
        units = units.filter(
            Q(code__startswith=query) | Q(name_zh__icontains=query) | Q(name_en__icontains=query)
        )
    page = _page(request, units, UNITS_PER_PAGE)
    return render(
        request, "organisations/unit_list.html", {"nav": "units", "page": page, "q": query}
    )


@login_required
@require_GET
def unit_detail(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_unit_for_user(request.user, code)
    visible = visible_units(request.user)
    parent_visible = unit.parent_id is not None and visible.filter(pk=unit.parent_id).exists()
    children = visible.filter(parent=unit).order_by("path")
    context = {
        "nav": "units",
        "unit": unit,
        "parent_visible": parent_visible,
        "children": children,
        "panels": (panels := panels_for(request.user, unit)),
        "staff_replaced": any(p.replaces == "staff" for p in panels),
    }
    return render(request, "organisations/unit_detail.html", context)


@login_required
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    # 404, not 403: for everyone but auditors the page does not exist.
    if not can(request.user, Action.VIEW_AUDIT_LOG):
        raise Http404("No such page")
    models = list(
        audit_entries(request.user).order_by("model").values_list("model", flat=True).distinct()
    )
    # Always bound: every filter is optional, so no filters means every entry in scope.
    form = AuditFilterForm(request.GET, models=models)
    if form.is_valid():
        entries = audit_entries(request.user, **form.selector_kwargs())
    else:
        entries = audit_entries(request.user).none()  # the form shows what to correct
    page = _page(request, entries, AUDIT_ENTRIES_PER_PAGE)
    return render(
        request, "organisations/audit_list.html", {"nav": "audit", "form": form, "page": page}
    )


def _page(request: HttpRequest, items: object, per_page: int) -> Page:  # type: ignore[type-arg]
    return Paginator(items, per_page).get_page(request.GET.get("page"))  # type: ignore[arg-type]
