"""Pages: the weak-unit board, the wall chart and the exit assessment form (the plan's pages:
plans/views.py; candidates, pairing and awards: decisions/views.py; the exit standard:
exits/views.py)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from grassroots.assistance.models import ExitAssessment, ExitDecision, ItemStatus
from grassroots.assistance.permissions import Act, may
from grassroots.assistance.selectors import (
    BoardRow,
    board,
    designations_for,
    exit_rows,
    exit_shortfalls,
    plan_counts,
    posts_exchanged,
    wall_chart_option,
)
from grassroots.assistance.services import AssistanceError, decide_exit, review_exit_item
from grassroots.assistance.stored import rank_visibility
from grassroots.assistance.targets import indicator_names
from grassroots.i18n import english, unit_name
from grassroots.organisations.exports import unit_table
from grassroots.organisations.models import Level, Role
from grassroots.organisations.scope import Action, can, membership_of
from grassroots.tables import Column, Kind, TableExport, download, wanted_format


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    designations = designations_for(request.user)
    rows = board(request.user, today=today)
    membership = membership_of(request.user)
    fmt = wanted_format(request)
    if fmt is not None:
        if not can(request.user, Action.EXPORT_REPORTS):
            raise Http404("No such page")
        return download(_board_table(request.user, rows), fmt)
    names = indicator_names(english=english())
    context = {
        "nav": "assistance",
        "may_export": can(request.user, Action.EXPORT_REPORTS),
        "rows": rows,
        "counts": plan_counts(designations, today=today),
        "posts": posts_exchanged(designations),
        "missed": [(r, o, names.get(o.target.indicator, "")) for r in rows for o in r.missed],
        "relapsing": [r for r in rows if r.relapse is not None and r.relapse.warning],
        "is_province": membership is not None and membership.role == Role.PROVINCE_ADMIN,
        "province_code": (
            membership.unit.code
            if membership is not None and membership.unit.level == Level.PROVINCE
            else ""
        ),
    }
    return render(request, "assistance/board.html", context)


def _board_table(user: Any, rows: list[BoardRow]) -> TableExport:
    """The board's rows as sent upward: unit and city names, status, partner, measures and
    targets in figures (the relapse watch's ranks stay on the page, which the policy governs)."""
    columns = [
        Column(_("Unit code")),
        Column(_("Unit")),
        Column(_("City of the unit")),
        Column(_("Level")),
        Column(_("Since")),
        Column(_("Status")),
        Column(_("Partner")),
        Column(_("Measures"), Kind.INTEGER),
        Column(_("Measures done"), Kind.INTEGER),
        Column(_("Measures overdue"), Kind.INTEGER),
        Column(_("Targets set"), Kind.INTEGER),
        Column(_("Targets met"), Kind.INTEGER),
        Column(_("Exit")),
    ]
    body: list[list[object]] = []
    for row in rows:
        unit = row.designation.unit
        body.append(
            [
                unit.code,
                unit_name(unit),
                unit_name(unit.parent) if unit.parent else "",
                row.designation.get_level_display(),
                row.designation.designated_on.isoformat(),
                row.designation.get_status_display(),
                unit_name(row.partner_unit) if row.partner_unit else "",
                row.measures,
                row.measures_done,
                row.measures_overdue,
                row.targets,
                row.targets_met if row.targets else None,
                row.exit_state,
            ]
        )
    return unit_table(user, title=_("Weak units"), columns=columns, rows=body)


@login_required
@require_GET
def wall_chart(request: HttpRequest) -> HttpResponse:
    option = wall_chart_option(designations_for(request.user), today=timezone.localdate())
    return render(request, "assistance/wall_chart.html", {"nav": "assistance", "option": option})


@login_required
@require_http_methods(["GET", "POST"])
def exit_form(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = ExitAssessment.objects.filter(
        pk=pk, designation__in=designations_for(request.user)
    ).first()
    if assessment is None:
        raise Http404("No assessment")
    unit = assessment.designation.unit
    can_decide = may(request.user, Act.DECIDE_EXIT, unit) and not assessment.decision
    errors: list[str] = []
    if request.method == "POST":
        if not can_decide:
            raise PermissionDenied("only the province decides exit")
        errors = _apply_exit_form(request, assessment)
        if not errors:
            return redirect("assistance:exit", pk=assessment.pk)
    context = {
        "nav": "assistance",
        "a": assessment,
        "unit": unit,
        "rows": exit_rows(assessment, ranks=rank_visibility(request.user).ranks),
        "shortfalls": exit_shortfalls(assessment),
        "can_decide": can_decide,
        "statuses": ItemStatus.choices,
        "decisions": ExitDecision.choices,
        "errors": errors,
    }
    return render(request, "assistance/exit_form.html", context)


def _apply_exit_form(request: HttpRequest, assessment: ExitAssessment) -> list[str]:
    try:
        for item in assessment.items.filter(quantitative=False):
            status = request.POST.get(f"status-{item.code}", item.status)
            evidence = request.POST.get(f"evidence-{item.code}", item.evidence)
            if status in ItemStatus.values and (status, evidence) != (item.status, item.evidence):
                review_exit_item(
                    item=item, status=ItemStatus(status), evidence=evidence, actor=request.user
                )
        decision = request.POST.get("decision", "")
        if decision in ExitDecision.values:
            decide_exit(
                assessment=assessment,
                decision=ExitDecision(decision),
                exit_period=(assessment.periods or [""])[-1],
                on=timezone.localdate(),
                actor=request.user,
                override_reason=request.POST.get("override_reason", "")[:2000],
            )
    except AssistanceError as exc:
        return list(exc.problems.values())
    return []
