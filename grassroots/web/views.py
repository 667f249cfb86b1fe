"""The pages. Each view parses its input, asks the organisations scope/selectors, renders."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from grassroots.organisations.models import Level
from grassroots.organisations.scope import Action, can, get_unit_for_user, visible_units
from grassroots.organisations.selectors import TreeNode, audit_entries, unit_tree
from grassroots.web.forms import AuditFilterForm

UNITS_PER_PAGE = 50
AUDIT_ENTRIES_PER_PAGE = 50


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability, for load balancers and monitoring."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        db_ok = True
    except Exception:
        db_ok = False
    return JsonResponse(
        {"status": "ok" if db_ok else "degraded", "database": db_ok}, status=200 if db_ok else 503
    )


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    tree = unit_tree(request.user)
    counts = Counter(node.level for node in _walk(tree))
    levels = [(level.label, counts[level.value]) for level in Level if counts[level.value]]
    return render(request, "web/home.html", {"nav": "home", "tree": tree, "levels": levels})


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
    context = {"nav": "units", "unit": unit, "parent_visible": parent_visible, "children": children}
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


def _walk(nodes: Iterable[TreeNode]) -> Iterable[TreeNode]:
    for node in nodes:
        yield node
        yield from _walk(node.children)


def _page(request: HttpRequest, items: object, per_page: int) -> Page:  # type: ignore[type-arg]
    return Paginator(items, per_page).get_page(request.GET.get("page"))  # type: ignore[arg-type]
