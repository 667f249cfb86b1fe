"""The warnings page of a run (stored warnings, scoped) and the form that acknowledges or
resolves one with a note."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from grassroots.evaluation.charts import node_name
from grassroots.evaluation.exports import warnings_export
from grassroots.evaluation.forms import WarningStateForm
from grassroots.evaluation.models import EarlyWarning, RunStatus, WarningState
from grassroots.evaluation.permissions import may_export, visibility_for
from grassroots.evaluation.schemes import scheme_of
from grassroots.evaluation.selectors import get_run_for_user, scope_root
from grassroots.evaluation.warning_facets import filter_warnings
from grassroots.evaluation.warnings import (
    change_warning_state,
    evidence_text,
    hidden_kinds,
    stored_warnings,
)
from grassroots.i18n import unit_name
from grassroots.organisations.models import Role
from grassroots.organisations.scope import get_unit_for_user, role_of
from grassroots.tables import download, wanted_format

WARNINGS_PER_PAGE = 100
# Who acknowledges and resolves warnings: the province and the cities, in their scope.
HANDLERS = frozenset({Role.PROVINCE_ADMIN, Role.CITY_REVIEWER})


@login_required
@require_GET
def warnings_view(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_run_for_user(request.user, pk)
    if run.status != RunStatus.DONE:
        raise Http404("Run not finished")
    scheme = scheme_of(run.scheme_version)
    visible = visibility_for(request.user, scheme)
    root = scope_root(request.user)
    found = stored_warnings(run=run, path=root.path, visible=visible)
    node_names = {node.code: node_name(node) for node, _ in scheme.nodes()}
    shown = filter_warnings(found, request.GET, node_names, hidden_kinds(visible))
    page = Paginator(shown.warnings, WARNINGS_PER_PAGE).get_page(request.GET.get("page"))
    for w in page:
        w.evidence_text = evidence_text(w, node_names)  # type: ignore[attr-defined]
        w.unit_name = shown.unit_names.get(w.unit_code, "")  # type: ignore[attr-defined]
    fmt = wanted_format(request)  # the page's export links: every warning its filters keep
    if fmt is not None:
        if not may_export(request.user):
            raise Http404("No such page")
        export = warnings_export(
            run=run, found=shown.warnings, node_names=node_names, user=request.user
        )
        return download(export, fmt)
    context = {
        "nav": "evaluation",
        "run": run,
        "may_export": may_export(request.user),
        "page": page,
        "total": len(shown.warnings),
        "in_scope": len(found),
        "shown": shown,
        "scope_name": unit_name(root),
        # The rank-drop rule is news only to a role that sees rank drops (analysis mode: none).
        "threshold": scheme.warnings.rank_drop_places if visible.ranks else None,
        "may_handle": role_of(request.user) in HANDLERS,
        "states": WarningState.choices,
    }
    return render(request, "evaluation/warnings.html", context)


@login_required
@require_POST
def warning_state(request: HttpRequest, pk: int) -> HttpResponse:
    warning = _warning_for_user(request.user, pk)
    if role_of(request.user) not in HANDLERS:
        raise PermissionDenied("Only the province and city roles handle warnings")
    form = WarningStateForm(request.POST)
    if not form.is_valid():
        return HttpResponse(form.errors.as_text(), status=400)
    change_warning_state(
        warning=warning,
        state=WarningState(form.cleaned_data["state"]),
        note=form.cleaned_data["note"],
        actor=request.user,
    )
    return redirect("evaluation:warnings", pk=warning.run_id)


def _warning_for_user(user: Any, pk: int) -> EarlyWarning:
    """The warning if its unit is in the user's scope (404 otherwise)."""
    warning = EarlyWarning.objects.filter(pk=pk).first()
    if warning is None:
        raise Http404("No such warning")
    get_unit_for_user(user, warning.unit_code)
    get_run_for_user(user, warning.run_id)
    return warning
