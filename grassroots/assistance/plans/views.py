"""Pages where the plan is worked on: "one list, two plans", progress and evidence, the ledger,
overdue warnings and the city's exit recommendation.

Scope first (a unit or record outside the user's scope is 404), then the role (`permissions.Act`:
403 in scope without it), then the form, then the service (which checks both again and audits).
Forms on the plan page post with HTMX and swap the page body in place; without JavaScript they
post and redirect as usual.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from grassroots.assistance.models import (
    Activity,
    ActivityKind,
    Designation,
    Dimension,
    MeasureStatus,
    ProblemSource,
    WeakStatus,
)
from grassroots.assistance.permissions import Act, authorise, may
from grassroots.assistance.plans.forms import (
    ActivityForm,
    EvidenceForm,
    ExitForm,
    MeasureForm,
    ProblemForm,
    ProgressForm,
    ServiceForm,
    TargetForm,
    indicator_choices,
)
from grassroots.assistance.plans.selectors import (
    LedgerTotals,
    OverdueCity,
    evidence_for_user,
    exit_periods,
    ledger_activities,
    ledger_totals,
    measure_for_user,
    overdue_by_city,
    province_standard,
    quarterly_counts,
    stored_exit_checklist,
)
from grassroots.assistance.selectors import (
    designations_for,
    plan_counts,
    posts_exchanged,
    target_checks,
)
from grassroots.assistance.services import (
    AssistanceError,
    add_measure,
    add_problem,
    attach_evidence,
    edit_measure,
    evidence_storage,
    recommend_exit,
    record_activity,
    report_progress,
    set_target,
)
from grassroots.assistance.stored import rank_visibility, stored_periods
from grassroots.i18n import english, unit_name
from grassroots.organisations.exports import unit_table
from grassroots.organisations.models import Unit
from grassroots.organisations.scope import (
    Action,
    can,
    get_unit_for_user,
    visible_units,
)
from grassroots.tables import Column, Kind, TableExport, download, export_cap, wanted_format

Save = Callable[[dict[str, Any]], object]


def designation_for(user: Any, code: str) -> Designation:
    """The unit's latest designation: 404 out of scope or when the unit was never weak."""
    unit = get_unit_for_user(user, code)
    designation = unit.weak_designations.order_by("-designated_on", "-id").first()
    if designation is None:
        raise Http404("No designation")
    return designation


def _quarter_of(day: Any) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def _htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


# --------------------------------------------------------------------------------- plan page


def _plan_forms(request: HttpRequest, d: Designation) -> dict[str, ServiceForm | None]:
    today = timezone.localdate()
    edit = may(request.user, Act.EDIT_PLAN, d.unit)
    recommend = may(request.user, Act.RECOMMEND_EXIT, d.unit) and d.status == WeakStatus.DESIGNATED
    return {
        "problem_form": ProblemForm() if edit else None,
        "measure_form": MeasureForm(designation=d, created_on=today) if edit else None,
        "target_form": TargetForm() if edit else None,
        "exit_form": ExitForm(periods=stored_periods(path=d.unit.path)) if recommend else None,
    }


def _render_plan(
    request: HttpRequest, d: Designation, bound: dict[str, ServiceForm] | None = None
) -> HttpResponse:
    today = timezone.localdate()
    measures = list(d.measures.select_related("problem").prefetch_related("reports", "evidence"))
    names = dict(indicator_choices())
    one = Designation.objects.filter(pk=d.pk)
    context = {
        "nav": "assistance",
        "d": d,
        "measures": [(m, m.is_overdue(today)) for m in measures],
        "overdue": [m for m in measures if m.is_overdue(today)],
        "counts": plan_counts(one, today=today),
        "posts": posts_exchanged(one),
        "quarters": quarterly_counts(d, today=today),
        "targets": [
            (o, names.get(o.target.indicator, o.target.indicator)) for o in target_checks(d)
        ],
        "assessments": d.assessments.order_by("-id"),
        "can_record": may(request.user, Act.RECORD_ACTIVITY, d.unit),
        "ranks_shown": rank_visibility(request.user).ranks,
        **_plan_forms(request, d),
        **(bound or {}),
    }
    invalid = bool(bound) and not _htmx(request)
    return render(request, "assistance/plan.html", context, status=400 if invalid else 200)


@login_required
@require_GET
def plan(request: HttpRequest, code: str) -> HttpResponse:
    return _render_plan(request, designation_for(request.user, code))


def _plan_post(
    request: HttpRequest, code: str, act: Act, key: str, form: ServiceForm, save: Save
) -> HttpResponse:
    """Validate, save through the service, redirect to the section; else the page with errors."""
    d = designation_for(request.user, code)
    authorise(request.user, act, d.unit)
    if form.is_valid():
        try:
            save({**form.cleaned_data, "designation": d})
        except AssistanceError as exc:
            form.add_service_errors(exc)
        else:
            return redirect(reverse("assistance:plan", args=[d.unit.code]) + f"#{key}")
    return _render_plan(request, d, {f"{key}_form": form})


@login_required
@require_POST
def new_problem(request: HttpRequest, code: str) -> HttpResponse:
    def save(data: dict[str, Any]) -> object:
        return add_problem(
            designation=data["designation"],
            dimension=Dimension(data["dimension"]),
            source=ProblemSource(data["source"]),
            description=data["description"],
            actor=request.user,
        )

    return _plan_post(request, code, Act.EDIT_PLAN, "problem", ProblemForm(request.POST), save)


@login_required
@require_POST
def new_measure(request: HttpRequest, code: str) -> HttpResponse:
    today = timezone.localdate()
    d = designation_for(request.user, code)
    form = MeasureForm(request.POST, designation=d, created_on=today)

    def save(data: dict[str, Any]) -> object:
        return add_measure(
            designation=data["designation"],
            title=data["title"],
            leader=data["leader"],
            department=data["department"],
            created_on=today,
            deadline=data["deadline"],
            problem=data["problem"],
            status=MeasureStatus(data["status"]),
            actor=request.user,
        )

    return _plan_post(request, code, Act.EDIT_PLAN, "measure", form, save)


@login_required
@require_POST
def new_target(request: HttpRequest, code: str) -> HttpResponse:
    def save(data: dict[str, Any]) -> object:
        return set_target(
            designation=data["designation"],
            indicator=data["indicator"],
            period=data["period"],
            value=data["value"],
            actor=request.user,
        )

    return _plan_post(request, code, Act.EDIT_PLAN, "target", TargetForm(request.POST), save)


@login_required
@require_POST
def recommend(request: HttpRequest, code: str) -> HttpResponse:
    """The city recommends exit: the quantitative items are evaluated from the stored runs."""
    # The periods the unit's province published (get_unit_for_user: 404 out of scope).
    form = ExitForm(
        request.POST, periods=stored_periods(path=get_unit_for_user(request.user, code).path)
    )
    created: list[Any] = []

    def save(data: dict[str, Any]) -> object:
        unit = data["designation"].unit
        periods = exit_periods(unit, data["up_to"], province_standard(unit))
        assessment = recommend_exit(
            designation=data["designation"],
            periods=periods,
            checklist=stored_exit_checklist(data["designation"], periods),
            reviews={},
            on=timezone.localdate(),
            actor=request.user,
        )
        created.append(assessment)
        return assessment

    response = _plan_post(request, code, Act.RECOMMEND_EXIT, "exit", form, save)
    if created:
        return redirect("assistance:exit", pk=created[0].pk)
    return response


# ------------------------------------------------------------------------------ measure page


def _render_measure(
    request: HttpRequest, measure: Any, bound: dict[str, ServiceForm] | None = None
) -> HttpResponse:
    today = timezone.localdate()
    d, unit = measure.designation, measure.designation.unit
    edit = may(request.user, Act.EDIT_PLAN, unit)
    report = may(request.user, Act.REPORT_PROGRESS, unit)
    initial = {
        "title": measure.title,
        "leader": measure.leader,
        "department": measure.department,
        "deadline": measure.deadline,
        "problem": measure.problem_id,
        "status": measure.status,
    }
    context = {
        "nav": "assistance",
        "m": measure,
        "unit": unit,
        "overdue": measure.is_overdue(today),
        "reports": measure.reports.order_by("-quarter"),
        "evidence": measure.evidence.select_related("uploaded_by").order_by("-id"),
        "edit_form": MeasureForm(initial=initial, designation=d, created_on=measure.created_on)
        if edit
        else None,
        "progress_form": ProgressForm(
            today=today, initial={"status": measure.status, "quarter": _quarter_of(today)}
        )
        if report
        else None,
        "evidence_form": EvidenceForm() if report else None,
        **(bound or {}),
    }
    return render(request, "assistance/measure.html", context, status=400 if bound else 200)


@login_required
@require_GET
def measure_page(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_measure(request, measure_for_user(request.user, pk))


def _measure_post(
    request: HttpRequest, measure: Any, act: Act, key: str, form: ServiceForm, save: Save
) -> HttpResponse:
    authorise(request.user, act, measure.designation.unit)
    if form.is_valid():
        try:
            save(form.cleaned_data)
        except AssistanceError as exc:
            form.add_service_errors(exc)
        else:
            return redirect(reverse("assistance:measure", args=[measure.pk]) + f"#{key}")
    return _render_measure(request, measure, {f"{key}_form": form})


@login_required
@require_POST
def change_measure(request: HttpRequest, pk: int) -> HttpResponse:
    measure = measure_for_user(request.user, pk)
    form = MeasureForm(request.POST, designation=measure.designation, created_on=measure.created_on)

    def save(data: dict[str, Any]) -> object:
        return edit_measure(
            measure=measure,
            title=data["title"],
            leader=data["leader"],
            department=data["department"],
            deadline=data["deadline"],
            problem=data["problem"],
            status=MeasureStatus(data["status"]),
            on=timezone.localdate(),
            actor=request.user,
        )

    return _measure_post(request, measure, Act.EDIT_PLAN, "edit", form, save)


@login_required
@require_POST
def progress(request: HttpRequest, pk: int) -> HttpResponse:
    measure = measure_for_user(request.user, pk)
    today = timezone.localdate()

    def save(data: dict[str, Any]) -> object:
        return report_progress(
            measure=measure,
            quarter=data["quarter"],
            text=data["text"],
            status=MeasureStatus(data["status"]),
            on=today,
            actor=request.user,
        )

    form = ProgressForm(request.POST, today=today)
    return _measure_post(request, measure, Act.REPORT_PROGRESS, "progress", form, save)


@login_required
@require_POST
def evidence(request: HttpRequest, pk: int) -> HttpResponse:
    measure = measure_for_user(request.user, pk)

    def save(data: dict[str, Any]) -> object:
        return attach_evidence(measure=measure, upload=data["file"], actor=request.user)

    form = EvidenceForm(request.POST, request.FILES)
    return _measure_post(request, measure, Act.REPORT_PROGRESS, "evidence", form, save)


@login_required
@require_GET
def evidence_file(request: HttpRequest, pk: int) -> FileResponse:
    """An evidence file, to users who can see its unit (there is no public URL for it)."""
    record = evidence_for_user(request.user, pk)
    storage = evidence_storage()
    if not storage.exists(record.file):
        raise Http404("The file is missing from the evidence store")
    return FileResponse(storage.open(record.file, "rb"), as_attachment=True, filename=record.name)


# ------------------------------------------------------------------------ overdue and ledger


@login_required
@require_GET
def overdue(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    cities = overdue_by_city(request.user, today=today)
    fmt = wanted_format(request)
    if fmt is not None:
        if not can(request.user, Action.EXPORT_REPORTS):
            raise Http404("No such page")
        return download(_overdue_table(request.user, cities, today), fmt)
    context = {
        "nav": "assistance",
        "may_export": can(request.user, Action.EXPORT_REPORTS),
        "cities": cities,
        "total": sum(c.count for c in cities),
        "units": sum(len(c.units) for c in cities),
        "today": today,
    }
    return render(request, "assistance/overdue.html", context)


def _overdue_table(user: Any, cities: list[OverdueCity], today: dt.date) -> TableExport:
    """The overdue measures as the page lists them: by city, then unit, then deadline."""
    columns = [
        Column(_("Unit code")),
        Column(_("Unit")),
        Column(_("City of the unit")),
        Column(_("Measure")),
        Column(_("Responsible leader")),
        Column(_("Department")),
        Column(_("Deadline")),
        Column(_("Days overdue"), Kind.INTEGER),
        Column(_("Status")),
        Column(_("Last report")),
    ]
    body: list[list[object]] = [
        [
            u.unit.code,
            unit_name(u.unit),
            unit_name(c.city) if c.city else "",
            o.measure.title,
            o.measure.leader,
            o.measure.department,
            o.measure.deadline.isoformat(),
            o.days,
            o.measure.get_status_display(),
            o.last_report,
        ]
        for c in cities
        for u in c.units
        for o in u.measures
    ]
    return unit_table(
        user,
        title=_("Overdue measures"),
        columns=columns,
        rows=body,
        notes=(_("Overdue as of %(day)s") % {"day": today.isoformat()},),
        frozen_columns=2,
    )


def _activity_form(request: HttpRequest, data: Any = None) -> ActivityForm | None:
    """The ledger's add form, offering the weak units the user may record for (None: none)."""
    active = designations_for(request.user).exclude(status=WeakStatus.EXITED)
    allowed = [
        d for d in active.order_by("unit__path") if may(request.user, Act.RECORD_ACTIVITY, d.unit)
    ]
    if not allowed:
        return None
    partners = list(visible_units(request.user).order_by("path"))
    paired = [d.pairing.partner for d in allowed if hasattr(d, "pairing")]
    partners += [u for u in paired if u not in partners]
    code = request.GET.get("unit", "")
    chosen = next((d for d in allowed if d.unit.code == code), None)
    pairing = getattr(chosen, "pairing", None)
    initial = {
        "unit": code,
        "kind": ActivityKind.POST_EXCHANGE,
        "partner": pairing.partner.code if pairing else "",
    }
    return ActivityForm(data, designations=allowed, partners=partners, initial=initial)


@login_required
@require_http_methods(["GET", "POST"])
def ledger(request: HttpRequest) -> HttpResponse:
    form = _activity_form(request, request.POST if request.method == "POST" else None)
    if request.method == "POST":
        # The weak unit named must be in scope (404) and the user may record for it (403).
        d = designation_for(request.user, request.POST.get("unit", ""))
        authorise(request.user, Act.RECORD_ACTIVITY, d.unit)
        if form is not None and form.is_valid() and _record(request, form):
            return redirect(reverse("assistance:ledger") + "#activities")
    unit_code = request.GET.get("unit", "")
    may_export = can(request.user, Action.EXPORT_REPORTS)
    fmt = wanted_format(request) if request.method == "GET" else None
    if fmt is not None:
        if not may_export:
            raise Http404("No such page")
        if request.GET.get("table") == "totals":  # the totals per weak unit and the scope's
            return download(_totals_table(request.user, *ledger_totals(request.user)), fmt)
        listed = ledger_activities(request.user, unit_code=unit_code)[: export_cap() + 1]
        return download(_ledger_table(request.user, list(listed), unit_code), fmt)
    rows, total = ledger_totals(request.user)
    context = {
        "nav": "assistance",
        "rows": rows,
        "total": total,
        "kinds": ActivityKind.choices,
        "activities": ledger_activities(request.user, unit_code=unit_code),
        "unit_code": unit_code,
        "form": form,
        "may_export": may_export,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "assistance/ledger.html", context, status=status)


def _ledger_table(user: Any, activities: list[Activity], unit_code: str) -> TableExport:
    """The ledger's activities as the page lists them (one weak unit's when it asks), with the
    weak unit's and its city's names and the helping unit's."""
    columns = [
        Column(_("Unit code")),
        Column(_("Weak unit")),
        Column(_("City of the unit")),
        Column(_("Type")),
        Column(_("Helping unit")),
        Column(_("People"), Kind.INTEGER),
        Column(_("Start")),
        Column(_("End")),
        Column(_("Outcome")),
    ]
    body: list[list[object]] = []
    for a in activities:
        unit = a.designation.unit
        body.append(
            [
                unit.code,
                unit_name(unit),
                unit_name(unit.parent) if unit.parent else "",
                a.get_kind_display(),
                unit_name(a.partner) if a.partner else "",
                a.people,
                a.start.isoformat(),
                a.end.isoformat(),
                a.outcome,
            ]
        )
    colon = ": " if english() else "："
    return unit_table(
        user,
        title=_("Assistance ledger"),
        columns=columns,
        rows=body,
        notes=(f"{_('Weak unit')}{colon}{unit_code}",) if unit_code else (),
        frozen_columns=2,
    )


def _totals_table(user: Any, rows: list[LedgerTotals], total: LedgerTotals) -> TableExport:
    """The ledger's totals as the page shows them: a line per weak unit (activities per type,
    posts exchanged), then the scope's total line."""
    columns = [
        Column(_("Unit code")),
        Column(_("Weak unit")),
        Column(_("City of the unit")),
        *[Column(str(label), Kind.INTEGER) for _value, label in ActivityKind.choices],
        Column(_("Activities"), Kind.INTEGER),
        Column(_("Posts exchanged"), Kind.INTEGER),
    ]

    def line(code: str, name: str, city: str, t: LedgerTotals) -> list[object]:
        return [code, name, city, *t.by_kind, t.activities, t.posts]

    body: list[list[object]] = []
    for r in rows:
        assert r.designation is not None
        unit = r.designation.unit
        name = unit_name(unit)
        if r.designation.status == WeakStatus.EXITED:
            name += f" ({r.designation.get_status_display()})"
        body.append(line(unit.code, name, unit_name(unit.parent) if unit.parent else "", r))
    table = unit_table(
        user, title=_("Totals per weak unit"), columns=columns, rows=body, frozen_columns=2
    )
    return replace(table, footer=[line("", _("Total"), "", total)] if rows else [])


def _record(request: HttpRequest, form: ActivityForm) -> bool:
    data = form.cleaned_data
    d = designation_for(request.user, data["unit"])
    partner = Unit.objects.filter(code=data["partner"]).first() if data["partner"] else None
    try:
        record_activity(
            designation=d,
            kind=ActivityKind(data["kind"]),
            start=data["start"],
            end=data["end"],
            people=data["people"],
            partner=partner,
            outcome=data["outcome"],
            actor=request.user,
        )
    except AssistanceError as exc:
        form.add_service_errors(exc)
        return False
    return True
