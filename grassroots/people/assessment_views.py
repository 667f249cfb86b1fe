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

from grassroots.organisations.scope import membership_of
from grassroots.people import assessment as services
from grassroots.people.assessment_selectors import month_table, open_objections
from grassroots.people.compute import ComputeRefused, compute_assessment
from grassroots.people.forms import CoefficientForm, DecisionForm, ObjectionForm, ReviewerItemForm
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
        PersonScore.objects.filter(assessment=period).values_list("month", flat=True).distinct().order_by("month")
    )
    try:
        month = int(request.GET.get("month", months[-1] if months else 1))
    except ValueError:
        month = months[-1] if months else 1
    rows, show_ranks = month_table(request.user, period, month)
    committee = is_committee(request.user, period.unit)
    context = {
        "nav": "people",
        "assessment": period,
        "months": months,
        "month": month,
        "rows": rows,
        "show_ranks": show_ranks,
        "committee": committee,
        "objections": open_objections(request.user, period.unit).filter(score__assessment=period),
        "items": ReviewerItem.objects.filter(assessment=period).select_related("person") if committee else [],
        "item_form": ReviewerItemForm(people=period.unit.people.filter(active=True)) if committee else None,
        "decision_form": DecisionForm(),
    }
    return render(request, "people/assessment.html", context)


@login_required
@require_POST
def add_item(request: HttpRequest, pk: int) -> HttpResponse:
    period = get_object_or_404(AssessmentPeriod.objects.select_related("unit"), pk=pk)
    if not is_committee(request.user, period.unit):
        raise Http404("No such page")
    form = ReviewerItemForm(request.POST, people=period.unit.people.filter(active=True))
    if form.is_valid():
        data = form.cleaned_data
        services.add_reviewer_item(
            assessment=period, person=data["person"], month=data["month"], kind=data["kind"],
            points=data["points"], note=data["note"], actor=request.user,
        )  # fmt: skip
        messages.success(request, _("The item was saved; compute the scores again to include it."))
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
    score = get_object_or_404(PersonScore.objects.select_related("person", "person__unit", "assessment"), pk=pk)
    if score.person.user_id != request.user.pk:
        raise Http404("No such page")
    form = ObjectionForm(request.POST)
    if form.is_valid():
        try:
            services.raise_objection(score=score, text=form.cleaned_data["text"], actor=request.user)
        except services.Refused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Your objection was sent to the assessment committee."))
    return redirect("people:person", pk=score.person.pk)


@login_required
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    objection = get_object_or_404(Objection.objects.select_related("score__assessment__unit"), pk=pk)
    period = objection.score.assessment
    if not is_committee(request.user, period.unit):
        raise Http404("No such page")
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The decision was not saved: a decision and a reason are needed."))
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
    initial = {"year": year, "table": services.coefficient_text(current.rows) if current else
               services.coefficient_text([{"case_type": t, "coefficient": c} for t, c in services.EXAMPLE_COEFFICIENTS])}  # fmt: skip
    form = CoefficientForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            rows = services.parse_coefficients(form.cleaned_data["table"])
        except ValueError as exc:
            form.add_error("table", str(exc))
        else:
            services.save_coefficients(
                province=province, year=form.cleaned_data["year"], rows=rows, actor=request.user,
                note=form.cleaned_data["note"],
            )  # fmt: skip
            messages.success(request, _("A new version of the table was saved."))
            return redirect(f"{request.path}?year={form.cleaned_data['year']}")
    context = {"nav": "people", "form": form, "tables": tables[:50], "current": current, "year": year}
    return render(request, "people/coefficients.html", context)

