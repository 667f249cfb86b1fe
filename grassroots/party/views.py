"""The party pages, mounted at /party/ (namespace ``party``).

Every page parses its input, asks ``permissions.py`` and the selectors, calls a service, renders.
Anything the viewer may not see is 404 (never 403).
"""

from __future__ import annotations

import contextlib
import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from grassroots.engine.errors import InputError
from grassroots.engine.party import shipped_text
from grassroots.engine.periods import Period
from grassroots.evaluation.permissions import Visible
from grassroots.i18n import period_label
from grassroots.organisations.models import Unit
from grassroots.organisations.scope import (
    Action,
    can,
    get_unit_for_user,
    issuing_unit,
    membership_of,
)
from grassroots.organisations.versions import history, owner_for, province_of
from grassroots.party import compute, selectors, services
from grassroots.party.forms import (
    DeductionForm,
    DoneForm,
    GenerateForm,
    OrgForm,
    PlanForm,
    ProduceForm,
    SchemeForm,
    ScoreForm,
)
from grassroots.party.models import PartyOrg, PartySchemeVersion, SubjectKind, Task, TaskPlan
from grassroots.party.permissions import (
    does_task,
    manages,
    may_edit_scheme,
    may_produce,
    party_units,
    reviews_task,
    sees_task,
    sees_unit,
    visible,
)
from grassroots.party.reasons import hide_ranks, why_text
from grassroots.people.models import Department, Person
from grassroots.people.permissions import person_of
from grassroots.tables import Column, Kind, TableExport, download, wanted_format


def _unit(request: HttpRequest, code: str) -> Unit:
    unit = get_unit_for_user(request.user, code) if membership_of(request.user) else None
    if unit is None:
        own = person_of(request.user)
        if own is None or own.unit.code != code:
            raise Http404("No such page")
        unit = own.unit
    if not sees_unit(request.user, unit):
        raise Http404("No such page")
    return unit


def _managed(request: HttpRequest, code: str) -> Unit:
    unit = _unit(request, code)
    if not manages(request.user, unit):
        raise Http404("No such page")
    return unit


def _task(request: HttpRequest, pk: int) -> Task:
    task = get_object_or_404(Task.objects.select_related("unit", "owner", "reviewer"), pk=pk)
    if not sees_task(request.user, task):
        raise Http404("No such page")
    return task


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    units = party_units(request.user).order_by("code")
    own = person_of(request.user)
    membership = membership_of(request.user)
    province = province_of(membership.unit) if membership else None
    producer = province is not None and may_produce(request.user, province)
    if not units.exists() and own is None:
        raise Http404("No such page")
    periods = selectors.report_periods(request.user)
    period = request.GET.get("period", "") or (periods[0] if periods else "")
    if period and period not in periods:
        with contextlib.suppress(ValueError):  # 2024年第一季度 or 2024q1 in a link
            period = Period.parse(period.strip()).key  # (not a period: no reports found)
    league, seen = selectors.league(request.user, period) if period else ([], None)
    may_export = can(request.user, Action.EXPORT_REPORTS) and units.exists()
    fmt = wanted_format(request)
    if fmt is not None:
        if not may_export or seen is None:
            raise Http404("No such page")
        return download(_standing_table(request.user, period, league, seen), fmt)
    return render(
        request,
        "party/index.html",
        {
            "nav": "party",
            "units": units[:300],
            "own": own,
            "my_tasks": selectors.my_tasks(own)[:50],
            "my_reviews": selectors.my_reviews(own)[:50],
            "my_warnings": [
                (w, why_text(*hide_ranks(w.report.why, w.report.why_reason)))
                for w in selectors.my_warnings(own)[:20]
            ],
            "producer": producer,
            "can_edit_scheme": may_edit_scheme(request.user),
            "produce_form": ProduceForm(periods=selectors.producible_periods(request.user)),
            "period": period,
            "periods": [(p, period_label(p)) for p in periods],
            "league": [(row, why_text(row.why, row.why_reason)) for row in league],
            "seen": seen,
            "may_export": may_export,
        },
    )


def _standing_table(
    user: Any, period: str, league: list[selectors.Shown], seen: Visible
) -> TableExport:
    """The units' standing the page shows for ``period``, in its order, with the unit's and its
    city's names; the rank only where the page shows it, colour and reason likewise."""
    columns = [
        Column(_("Code")),
        Column(_("Unit")),
        Column(_("City of the unit")),
        Column(_("Total"), Kind.NUMBER, digits=2),
    ]
    columns += [Column(_("Rank"), Kind.INTEGER)] if seen.ranks else []
    columns += [Column(_("Colour"), Kind.COLOUR), Column(_("Why"))] if seen.colours else []
    rows: list[list[object]] = []
    for row in league:
        cells: list[object] = [row.code, row.name, row.city, row.total]
        cells += [row.rank] if seen.ranks else []
        cells += [row.colour, why_text(row.why, row.why_reason)] if seen.colours else []
        rows.append(cells)
    label = period_label(period)
    scope = issuing_unit(user)
    title = _("Units' standing, %(period)s") % {"period": label}
    return TableExport(
        title=title,
        scope=scope,
        period=label,
        issuer=issuing_unit(user),
        columns=columns,
        rows=rows,
        file_stem=f"{title}-{scope}",
        notes=() if seen.ranks else (_("in unit-code order (ranks are not shown)"),),
        frozen_columns=2,
    )


@login_required
@require_POST
def produce(request: HttpRequest) -> HttpResponse:
    membership = membership_of(request.user)
    province = province_of(membership.unit) if membership else None
    if province is None or not may_produce(request.user, province):
        raise Http404("No such page")
    form = ProduceForm(request.POST, periods=selectors.producible_periods(request.user))
    if not form.is_valid():
        messages.error(request, _("Choose a month or a quarter from the list."))
        return redirect("party:index")
    period = form.cleaned_data["period"]
    try:
        if "Q" in period:
            done = compute.produce_quarter(province=province, quarter=period, actor=request.user)
        else:
            done = compute.produce_month(province=province, month=period, actor=request.user)
    except services.PartyError as exc:
        messages.error(request, str(exc))
        return redirect("party:index")
    messages.success(request, produced_message(period, done.reports, len(done.warnings)))
    return redirect(f"{request.path.rsplit('produce/', 1)[0]}?period={period}")


def produced_message(period: str, reports: int, warnings: int) -> str:
    """What producing a period's reports did, with each count in its number (1 row, 2 rows)."""
    return _("Reports of %(period)s produced: %(rows)s, %(warnings)s.") % {
        "period": period_label(period),
        "rows": ngettext("%(n)s row", "%(n)s rows", reports) % {"n": reports},
        "warnings": ngettext("%(n)s warning sent", "%(n)s warnings sent", warnings)
        % {"n": warnings},
    }


@login_required
@require_GET
def unit_display(request: HttpRequest, code: str) -> HttpResponse:
    """The display page (质效展示): standing, trend and open tasks of one unit."""
    unit = _unit(request, code)
    shown = selectors.display(request.user, unit)
    chart = {
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 40, "right": 20, "top": 20, "bottom": 30},
        "xAxis": {"type": "category", "data": [r.period for r in shown.trend]},
        "yAxis": {"type": "value", "min": 0, "max": shown.scheme.total},
        "series": [
            {
                "type": "line",
                "data": [
                    {
                        "value": r.total,
                        "itemStyle": {"color": _CHART_COLOURS.get(r.colour, "#5470c6")},
                    }
                    for r in shown.trend
                ],
                "symbolSize": 10,
                "showAllSymbol": True,
            }
        ],
    }
    return render(
        request,
        "party/display.html",
        {
            "nav": "party",
            "unit": unit,
            "d": shown,
            "monthly_why": why_text(shown.monthly.why, shown.monthly.why_reason)
            if shown.monthly
            else "",
            "quarterly_why": why_text(shown.quarterly.why, shown.quarterly.why_reason)
            if shown.quarterly
            else "",
            "chart": chart,
            "tree": _tree_rows(shown.scheme, shown.quarterly or shown.monthly),
            "orgs": selectors.orgs_of(unit),
            "manages": manages(request.user, unit),
        },
    )


_CHART_COLOURS = {"green": "#2e7d32", "yellow": "#f9a825", "red": "#c62828", "grey": "#9e9e9e"}


def _tree_rows(scheme: Any, report: Any) -> list[dict[str, Any]]:
    from django.utils.translation import get_language

    english = (get_language() or "").startswith("en")
    rows = []

    def walk(node: Any, depth: int) -> None:
        rows.append(
            {
                "depth": depth,
                "indent": "　" * depth,
                "name": (node.name_en or node.name) if english else node.name,
                "weight": node.weight,
                "kind": node.resolved_kind.value,
                "floor": node.floor,
                "points": report.points.get(node.code) if report else None,
            }
        )
        for child in node.children:
            walk(child, depth + 1)

    for node in scheme.tree:
        walk(node, 0)
    return rows


@login_required
@require_GET
def subject_reports(request: HttpRequest, code: str, period: str) -> HttpResponse:
    unit = _managed(request, code)
    if not re.fullmatch(r"\d{4}(-\d{2}|Q[1-4])", period):
        raise Http404("No such page")
    scheme = services.current_scheme(unit)
    seen = visible(request.user, scheme.visibility, unit)
    departments = [
        (r, selectors.shown(r, seen, r.department.name if r.department else ""))
        for r in selectors.subject_reports(unit, SubjectKind.DEPARTMENT, period)
    ]
    people = [
        (r, selectors.shown(r, seen, r.person.name if r.person else ""))
        for r in selectors.subject_reports(unit, SubjectKind.PERSON, period)
    ]
    return render(
        request,
        "party/subjects.html",
        {
            "nav": "party",
            "unit": unit,
            "period": period,
            "departments": departments,
            "people": people,
            "seen": seen,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def orgs(request: HttpRequest, code: str) -> HttpResponse:
    unit = _unit(request, code)
    can_edit = manages(request.user, unit)
    form = _org_form(unit, request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not can_edit:
            raise Http404("No such page")
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.save_org(
                    unit=unit, actor=request.user, kind=data["kind"], name=data["name"],
                    parent=PartyOrg.objects.filter(unit=unit, pk=data["parent"]).first() if data["parent"] else None,
                    secretary=Person.objects.filter(unit=unit, pk=data["secretary"]).first() if data["secretary"] else None,
                    departments=list(Department.objects.filter(unit=unit, pk__in=data["departments"])),
                    members=list(Person.objects.filter(unit=unit, pk__in=data["members"])),
                )  # fmt: skip
            except services.PartyError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Party organisation saved."))
                return redirect("party:orgs", code=unit.code)
    return render(
        request,
        "party/orgs.html",
        {
            "nav": "party",
            "unit": unit,
            "orgs": selectors.orgs_of(unit),
            "form": form,
            "can_edit": can_edit,
        },
    )


def _org_form(unit: Unit, data: Any) -> OrgForm:
    form = OrgForm(data)
    people = [
        (p.pk, f"{p.name}（{p.post or p.staff_number}）")
        for p in Person.objects.filter(unit=unit, active=True)
    ]
    orgs = [(o.pk, o.name) for o in PartyOrg.objects.filter(unit=unit)]
    form.fields["parent"].choices = [("", "—"), *orgs]  # type: ignore[attr-defined]
    form.fields["secretary"].choices = [("", "—"), *people]  # type: ignore[attr-defined]
    form.fields["members"].choices = people  # type: ignore[attr-defined]
    departments = [(d.pk, d.name) for d in Department.objects.filter(unit=unit, active=True)]
    form.fields["departments"].choices = departments  # type: ignore[attr-defined]
    return form


@login_required
@require_http_methods(["GET", "POST"])
def plans(request: HttpRequest, code: str) -> HttpResponse:
    unit = _managed(request, code)
    scheme = services.current_scheme(unit)
    form = PlanForm(request.POST if request.POST.get("form") == "plan" else None)
    people = [
        (p.pk, f"{p.name}（{p.post or p.staff_number}）")
        for p in Person.objects.filter(unit=unit, active=True)
    ]
    items = [(n.code, n.name) for n in scheme.leaves() if n.resolved_kind.value == "tasks"]
    form.fields["item"].choices = items  # type: ignore[attr-defined]
    form.fields["owner_person"].choices = [("", "—"), *people]  # type: ignore[attr-defined]
    form.fields["reviewer"].choices = people  # type: ignore[attr-defined]
    generate = GenerateForm(request.POST if request.POST.get("form") == "generate" else None)
    deduction = DeductionForm(request.POST if request.POST.get("form") == "deduction" else None)
    cuts = [(n.code, n.name) for n in scheme.leaves() if n.resolved_kind.value == "deduction"]
    deduction.fields["item"].choices = cuts  # type: ignore[attr-defined]
    deduction.fields["person"].choices = [("", "—"), *people]  # type: ignore[attr-defined]
    if request.method == "POST":
        try:
            if form.is_bound and form.is_valid():
                d = form.cleaned_data
                services.save_plan(
                    unit=unit, actor=request.user, title=d["title"], item=d["item"],
                    recurrence=d["recurrence"], points=d["points"],
                    reviewer=Person.objects.get(unit=unit, pk=d["reviewer"]),
                    owner_post=d["owner_post"],
                    owner_person=Person.objects.filter(unit=unit, pk=d["owner_person"]).first() if d["owner_person"] else None,
                )  # fmt: skip
                messages.success(request, _("Plan saved."))
                return redirect("party:plans", code=unit.code)
            if generate.is_bound and generate.is_valid():
                made = services.generate_tasks(
                    unit=unit,
                    start=generate.cleaned_data["start"],
                    end=generate.cleaned_data["end"],
                    actor=request.user,
                )
                messages.success(
                    request,
                    ngettext(
                        "%(count)s task generated from the plan.",
                        "%(count)s tasks generated from the plan.",
                        len(made),
                    )
                    % {"count": len(made)},
                )
                return redirect("party:plans", code=unit.code)
            if deduction.is_bound and deduction.is_valid():
                d = deduction.cleaned_data
                services.add_deduction(
                    unit=unit, actor=request.user, item=d["item"], month=d["month"], points=d["points"],
                    reason=d["reason"], person=Person.objects.filter(unit=unit, pk=d["person"]).first() if d["person"] else None,
                )  # fmt: skip
                messages.success(request, _("Deduction recorded."))
                return redirect("party:plans", code=unit.code)
        except (services.PartyError, Person.DoesNotExist) as exc:
            messages.error(request, str(exc))
    return render(
        request,
        "party/plans.html",
        {
            "nav": "party", "unit": unit, "form": form, "generate": generate, "deduction": deduction,
            "plans": _named(TaskPlan.objects.filter(unit=unit).select_related("owner_person", "reviewer"), scheme),
            "tasks": selectors.open_tasks(unit)[:100],
            "overdue_ids": set(selectors.overdue(selectors.open_tasks(unit)).values_list("pk", flat=True)),
        },
    )  # fmt: skip


def _named(plans: Any, scheme: Any) -> list[TaskPlan]:
    english = (get_language() or "").startswith("en")
    out = list(plans)
    for plan in out:
        node = scheme.node(plan.item)
        name = ((node.name_en or node.name) if english else node.name) if node else plan.item
        plan.item_name = name
    return out


@login_required
@require_http_methods(["GET", "POST"])
def task(request: HttpRequest, pk: int) -> HttpResponse:
    found = _task(request, pk)
    done_form = DoneForm()
    score_form = ScoreForm()
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "done" and does_task(request.user, found):
                done_form = DoneForm(request.POST, request.FILES)
                if done_form.is_valid():
                    upload = done_form.cleaned_data["evidence"]
                    services.complete_task(
                        task=found, actor=request.user, report=done_form.cleaned_data["report"],
                        evidence_name=upload.name, evidence=upload.read(),
                    )  # fmt: skip
                    messages.success(
                        request, _("Task done; the reviewer has been asked to score it.")
                    )
                    return redirect("party:task", pk=found.pk)
            elif action == "score" and reviews_task(request.user, found):
                score_form = ScoreForm(request.POST)
                if score_form.is_valid():
                    services.score_task(
                        task=found, actor=request.user, score=score_form.cleaned_data["score"],
                        note=score_form.cleaned_data["note"],
                    )  # fmt: skip
                    messages.success(request, _("Score recorded."))
                    return redirect("party:task", pk=found.pk)
            else:
                raise Http404("No such page")
        except services.PartyError as exc:
            messages.error(request, str(exc))
    return render(
        request,
        "party/task.html",
        {
            "nav": "party", "task": found, "done_form": done_form, "score_form": score_form,
            "may_do": does_task(request.user, found) and found.status != "scored",
            "may_score": reviews_task(request.user, found) and found.status == "done",
        },
    )  # fmt: skip


@login_required
@require_GET
def evidence(request: HttpRequest, pk: int) -> FileResponse:
    found = _task(request, pk)
    path = services.evidence_path(found)
    if path is None:
        raise Http404("No such file")
    response = FileResponse(path.open("rb"), as_attachment=True, filename=found.evidence_name)
    response["Content-Type"] = found.evidence_type or "application/octet-stream"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def scheme(request: HttpRequest) -> HttpResponse:
    if not may_edit_scheme(request.user):
        raise Http404("No such page")
    province = owner_for(request.user)
    current = services.current_version(province)
    text = current.yaml_text if current else shipped_text(services.SCHEME_CODE)
    form = SchemeForm(request.POST or None, initial={"yaml_text": text})
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_scheme(
                actor=request.user,
                yaml_text=form.cleaned_data["yaml_text"],
                note=form.cleaned_data["note"],
            )
        except InputError as exc:
            problems = [str(p) for p in exc.problems]
        else:
            messages.success(request, _("Scheme saved as version %(v)s.") % {"v": saved.version})
            return redirect("party:scheme")
    return render(
        request,
        "party/scheme.html",
        {
            "nav": "party", "form": form, "problems": problems, "current": current,
            "history": history(PartySchemeVersion, province=province, code=services.SCHEME_CODE),
        },
    )  # fmt: skip
