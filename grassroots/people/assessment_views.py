"""Pages of the individual assessment: a unit's scores by month, reviewer items, objections,
and the province's coefficient tables. Out of scope is 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from grassroots.engine.errors import InputError
from grassroots.engine.individual import (
    WORK_TYPES,
    list_individual_schemes,
    load_coefficients,
    load_individual_scheme,
    parse_coefficients,
)
from grassroots.i18n import in_language
from grassroots.organisations.scope import get_unit_for_user, membership_of
from grassroots.people import assessment as services
from grassroots.people.assessment_selectors import (
    entered_items,
    item_name,
    month_table,
    open_objections,
    parsed_scheme,
)
from grassroots.people.compute import ComputeRefused, compute_assessment
from grassroots.people.forms import (
    AssessmentForm,
    CoefficientForm,
    DecisionForm,
    ObjectionForm,
    ReviewerItemForm,
)
from grassroots.people.models import (
    AssessmentPeriod,
    CoefficientTable,
    Objection,
    PersonScore,
    ReviewerItem,
)
from grassroots.people.permissions import is_committee, is_province, person_of


def _assessment(request: HttpRequest, pk: int) -> AssessmentPeriod:
    """The assessment's table is the committee's and the province's, and a department head's
    (their department only); a person reads their own scores on their own page."""
    period = get_object_or_404(AssessmentPeriod.objects.select_related("unit"), pk=pk)
    if is_committee(request.user, period.unit):
        return period
    own = person_of(request.user)
    if own is not None and own.unit_id == period.unit_id and own.heads_department:
        return period
    raise Http404("No such page")


@login_required
@require_GET
def assessment(request: HttpRequest, pk: int) -> HttpResponse:
    period = _assessment(request, pk)
    months = list(
        PersonScore.objects.filter(assessment=period)
        .values_list("month", flat=True)
        .distinct()
        .order_by("month")
    )
    try:
        month = int(request.GET.get("month", months[-1] if months else 1))
    except ValueError:
        month = months[-1] if months else 1
    rows, shown = month_table(request.user, period, month)
    committee = is_committee(request.user, period.unit)
    context = {
        "nav": "people",
        "assessment": period,
        "months": months,
        "month": month,
        "rows": rows,
        "shown": shown,
        "committee": committee,
        "objections": open_objections(request.user, period.unit).filter(score__assessment=period),
        "items": ReviewerItem.objects.filter(assessment=period).select_related("person")
        if committee
        else [],
        "item_form": ReviewerItemForm(
            people=period.unit.people.filter(active=True), items=_item_choices(period)
        )
        if committee
        else None,
        "title": in_language(
            parsed_scheme(period).title_zh, parsed_scheme(period).title_en or None
        ),
        "decision_form": DecisionForm(),
    }
    return render(request, "people/assessment.html", context)


@login_required
@require_POST
def add_item(request: HttpRequest, pk: int) -> HttpResponse:
    period = get_object_or_404(AssessmentPeriod.objects.select_related("unit"), pk=pk)
    if not is_committee(request.user, period.unit):
        raise Http404("No such page")
    form = ReviewerItemForm(
        request.POST, people=period.unit.people.filter(active=True), items=_item_choices(period)
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.add_reviewer_item(
                assessment=period, person=data["person"], month=data["month"], item=data["item"],
                points=data["points"], note=data["note"], actor=request.user,
            )  # fmt: skip
        except services.Refused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request, _("The item was saved; compute the scores again to include it.")
            )
    else:
        messages.error(request, _("The item was not saved: check the fields."))
    return redirect("people:assessment", pk=period.pk)


@login_required
@require_POST
def compute(request: HttpRequest, pk: int) -> HttpResponse:
    period = get_object_or_404(AssessmentPeriod.objects.select_related("unit"), pk=pk)
    if not is_committee(request.user, period.unit):
        raise Http404("No such page")
    try:
        compute_assessment(assessment=period, actor=request.user)
    except ComputeRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The scores were computed and stored."))
    return redirect("people:assessment", pk=period.pk)


@login_required
@require_POST
def object_to_score(request: HttpRequest, pk: int) -> HttpResponse:
    score = get_object_or_404(
        PersonScore.objects.select_related("person", "person__unit", "assessment"), pk=pk
    )
    if score.person.user_id != request.user.pk:
        raise Http404("No such page")
    form = ObjectionForm(request.POST)
    if form.is_valid():
        try:
            services.raise_objection(
                score=score, text=form.cleaned_data["text"], actor=request.user
            )
        except services.Refused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Your objection was sent to the assessment committee."))
    return redirect("people:person", pk=score.person.pk)


@login_required
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    objection = get_object_or_404(
        Objection.objects.select_related("score__assessment__unit"), pk=pk
    )
    period = objection.score.assessment
    if not is_committee(request.user, period.unit):
        raise Http404("No such page")
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, _("The decision was not saved: a decision and a reason are needed.")
        )
        return redirect("people:assessment", pk=period.pk)
    try:
        services.decide_objection(
            objection=objection, status=form.cleaned_data["status"], reason=form.cleaned_data["reason"],
            corrected_total=form.cleaned_data["corrected_total"], actor=request.user,
        )  # fmt: skip
    except services.Refused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The decision was recorded."))
    return redirect("people:assessment", pk=period.pk)


def _item_choices(period: AssessmentPeriod) -> list[tuple[str, str]]:
    scheme = parsed_scheme(period)
    return [
        (i.code, f"{item_name(scheme, i.code)} (≤ {i.points:g})") for i in entered_items(scheme)
    ]


@login_required
@require_http_methods(["GET", "POST"])
def new_assessment(request: HttpRequest, code: str) -> HttpResponse:
    unit = get_unit_for_user(request.user, code)
    if not is_committee(request.user, unit):
        raise Http404("No such page")
    schemes = [(name, name) for name in list_individual_schemes()]
    form = AssessmentForm(
        request.POST or None, schemes=schemes, initial={"year": timezone.now().year}
    )
    if request.method == "POST" and form.is_valid():
        try:
            period = services.open_assessment(
                unit=unit, year=form.cleaned_data["year"],
                scheme=load_individual_scheme(form.cleaned_data["scheme"]),
                objection_days=form.cleaned_data["objection_days"], actor=request.user,
            )  # fmt: skip
        except services.Refused as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("people:assessment", pk=period.pk)
    return render(
        request, "people/assessment_new.html", {"nav": "people", "unit": unit, "form": form}
    )


@login_required
@require_http_methods(["GET", "POST"])
def coefficients(request: HttpRequest) -> HttpResponse:
    membership = membership_of(request.user)
    if membership is None or not is_province(request.user, membership.unit):
        raise Http404("No such page")
    province = membership.unit
    tables = CoefficientTable.objects.filter(province=province).order_by("-year", "-version")
    asked = request.GET.get("year", "")
    year = int(asked) if asked.isdigit() and 2000 <= int(asked) <= 2100 else timezone.now().year
    current = services.current_coefficients(province, year)
    shipped = load_coefficients(services.EXAMPLE_TABLE)
    parsed = parse_coefficients(current.yaml_text) if current else shipped
    form = CoefficientForm(
        request.POST or None, initial={"year": year, "table": services.coefficient_lines(parsed)}
    )
    if request.method == "POST" and form.is_valid():
        try:
            text = services.coefficients_yaml(
                lines=form.cleaned_data["table"], year=form.cleaned_data["year"],
                sources={**shipped.sources, **parsed.sources},
            )  # fmt: skip
        except InputError as exc:
            form.add_error("table", "; ".join(p.message for p in exc.problems))
        except ValueError as exc:
            form.add_error("table", str(exc))
        else:
            services.save_coefficients(
                province=province, year=form.cleaned_data["year"], yaml_text=text,
                actor=request.user, note=form.cleaned_data["note"],
            )  # fmt: skip
            messages.success(request, _("A new version of the table was saved."))
            return redirect(f"{request.path}?year={form.cleaned_data['year']}")
    rows = [
        (code, WORK_TYPES.get(code, ""), parsed.sources.get(code, ""), value)
        for code, value in parsed.coefficients.items()
    ]
    context = {
        "nav": "people", "form": form, "tables": tables[:50], "current": current, "year": year,
        "rows": rows, "work_types": sorted(WORK_TYPES.items()), "is_example": parsed.example,
    }  # fmt: skip
    return render(request, "people/coefficients.html", context)
