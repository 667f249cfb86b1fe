"""The people pages: rosters, a person's page, the access log, and the individual assessment.

Every page parses its input, asks ``permissions.py`` and the selectors, calls a service, renders.
Anything the viewer may not see is 404 (never 403), so a colleague's page cannot be told apart
from a page that does not exist.
"""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from grassroots.engine.errors import InputError
from grassroots.i18n import unit_name
from grassroots.intake.figures.workbook import mark_problems
from grassroots.organisations.models import Unit
from grassroots.organisations.scope import (
    get_unit_for_user,
    issuing_unit,
    membership_of,
    visible_units,
)
from grassroots.people import assessment_selectors as scores
from grassroots.people.forms import DepartmentForm, PersonForm, RosterUploadForm
from grassroots.people.models import Category, Department, Person, PersonAccess
from grassroots.people.panels import panels_for as person_panels
from grassroots.people.permissions import (
    can_edit_roster,
    can_read_access_log,
    can_see_person,
    is_committee,
    is_province,
    manages,
    person_of,
    roster_units,
)
from grassroots.people.selectors import AGE_BANDS, staff_figures
from grassroots.people.services import (
    import_roster,
    link_login,
    record_access,
    record_export_access,
    save_department,
    save_person,
)
from grassroots.people.workbook import DepartmentRow, PersonRow, build_template
from grassroots.tables import Column, TableExport, download, wanted_format

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MARKED_KEY = "people_marked"


def _managed_unit(request: HttpRequest, code: str) -> Unit:
    unit = get_unit_for_user(request.user, code)
    if not manages(request.user, unit):
        raise Http404("No such page")
    return unit


def _visible_person(request: HttpRequest, pk: int) -> Person:
    person = get_object_or_404(Person.objects.select_related("unit", "department"), pk=pk)
    if not can_see_person(request.user, person):
        raise Http404("No such page")
    return person


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    units = roster_units(request.user).order_by("path")
    own = person_of(request.user)
    assessments = scores.assessments_for(request.user)
    if (
        not units.exists()
        and own is None
        and not assessments
        and not can_read_access_log(request.user)
    ):
        raise Http404("No such page")
    membership = membership_of(request.user)
    committee_units = [
        u for u in units[:200] if is_committee(request.user, u) and u.level == "grassroots"
    ]
    context = {
        "nav": "people",
        "committee_units": committee_units,
        "can_edit_coefficients": membership is not None
        and is_province(request.user, membership.unit),
        "units": units[:200],
        "own": own,
        "assessments": assessments,
        "can_read_access_log": can_read_access_log(request.user),
    }
    return render(request, "people/index.html", context)


@login_required
@require_GET
def roster(request: HttpRequest, code: str) -> HttpResponse:
    unit = _managed_unit(request, code)
    people = (
        Person.objects.filter(unit=unit)
        .select_related("department")
        .order_by("-active", "staff_number")
    )
    fmt = wanted_format(request)
    if fmt is not None:  # the same role rule as the page; every person exported is logged
        return _roster_export(request, unit, list(people), fmt)
    context = {
        "nav": "people",
        "unit": unit,
        "people": people,
        "departments": Department.objects.filter(unit=unit).order_by("code"),
        "figures": staff_figures(unit, year=timezone.now().year),
        "age_bands": AGE_BANDS,
        "can_edit": can_edit_roster(request.user, unit),
        "upload_form": RosterUploadForm(),
        "department_form": DepartmentForm(),
    }
    return render(request, "people/roster.html", context)


def _roster_export(
    request: HttpRequest, unit: Unit, people: list[Person], fmt: str
) -> HttpResponse:
    table = TableExport(
        title=_("Staff roster"),
        scope=unit_name(unit),
        period="",
        issuer=issuing_unit(request.user),
        columns=[
            Column(_("Staff number")),
            Column(_("Person's name")),
            Column(_("Category")),
            Column(_("Department")),
            Column(_("Post")),
            Column(_("Status")),
        ],  # fmt: skip
        rows=[
            [
                p.staff_number,
                p.name,
                p.get_category_display(),
                p.department.name if p.department else "",
                p.post,
                _("Active") if p.active else _("Inactive"),
            ]  # fmt: skip
            for p in people
        ],
        file_stem=f"{_('Staff roster')}-{unit.code}",
        notes=[_("Personal data: every export is written to the access log.")],
        frozen_columns=2,
    )
    response = download(table, fmt)
    record_export_access(people=people, viewer=request.user)
    return response


@login_required
@require_GET
def roster_template(request: HttpRequest, code: str) -> HttpResponse:
    unit = _managed_unit(request, code)
    people = Person.objects.filter(unit=unit, active=True).select_related("department")
    data = build_template(
        unit_code=unit.code,
        departments=[
            DepartmentRow(d.code, d.name) for d in Department.objects.filter(unit=unit, active=True)
        ],
        people=[
            PersonRow(
                p.staff_number,
                p.name,
                Category(p.category),
                p.department.code if p.department else "",
                p.post,
                p.grade,
                p.birth_year,
                p.joined_year,
                p.quota_seat,
                p.talent_pool,
                p.heads_department,
            )  # fmt: skip
            for p in people
        ],
    )
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="roster-{unit.code}.xlsx"'
    return response


@login_required
@require_POST
def roster_import(request: HttpRequest, code: str) -> HttpResponse:
    unit = _managed_unit(request, code)
    if not can_edit_roster(request.user, unit):
        raise Http404("No such page")
    form = RosterUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return redirect("people:roster", code=unit.code)
    upload = form.cleaned_data["file"]
    name = Path(upload.name or "roster.xlsx").name
    data = upload.read()
    try:
        result = import_roster(unit=unit, data=data, source_name=name, actor=request.user)
    except InputError as exc:
        marked = None
        if any(p.row for p in exc.problems):
            try:
                marked_data = mark_problems(data, exc.problems)
                request.session[MARKED_KEY] = {"name": "marked-" + name, "unit": unit.code}
                request.session[MARKED_KEY + "_data"] = marked_data.hex()
                marked = True
            except Exception:  # an unreadable workbook cannot be marked; the list still stands
                marked = None
        context = {"nav": "people", "unit": unit, "problems": exc.problems, "marked": marked}
        return render(request, "people/roster_rejected.html", context, status=400)
    context = {"nav": "people", "unit": unit, "result": result}
    return render(request, "people/roster_imported.html", context)


@login_required
@require_GET
def roster_marked(request: HttpRequest, code: str) -> HttpResponse:
    unit = _managed_unit(request, code)
    info = request.session.get(MARKED_KEY)
    data = request.session.get(MARKED_KEY + "_data")
    if not info or not data or info.get("unit") != unit.code:
        raise Http404("No such file")
    response = HttpResponse(bytes.fromhex(data), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{info["name"]}"'
    return response


@login_required
@require_POST
def department_add(request: HttpRequest, code: str) -> HttpResponse:
    unit = _managed_unit(request, code)
    if not can_edit_roster(request.user, unit):
        raise Http404("No such page")
    form = DepartmentForm(request.POST)
    if form.is_valid():
        department = Department.objects.filter(unit=unit, code=form.cleaned_data["code"]).first()
        save_department(
            department=department or Department(unit=unit),
            actor=request.user,
            code=form.cleaned_data["code"],
            name=form.cleaned_data["name"],
        )
    return redirect("people:roster", code=unit.code)


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, code: str, pk: int | None = None) -> HttpResponse:
    unit = _managed_unit(request, code)
    if not can_edit_roster(request.user, unit):
        raise Http404("No such page")
    person = get_object_or_404(Person, pk=pk, unit=unit) if pk is not None else Person(unit=unit)
    form = PersonForm(request.POST or None, instance=person, unit=unit)
    if request.method == "POST" and form.is_valid():
        # The form has already set its values on ``person``: the service starts from the stored
        # record, so the audit entry holds what changed.
        stored = Person.objects.get(pk=person.pk) if person.pk else Person(unit=unit)
        saved = save_person(
            person=stored, actor=request.user, values=form.values(),
            reason=request.POST.get("reason", "")[:300],
        )  # fmt: skip
        if saved.user_id != getattr(form.cleaned_data["login"], "pk", None):
            link_login(person=saved, user=form.cleaned_data["login"], actor=request.user)
        return redirect("people:person", pk=saved.pk)
    return render(
        request,
        "people/person_form.html",
        {"nav": "people", "unit": unit, "form": form, "person": person},
    )


@login_required
@require_GET
def person_page(request: HttpRequest, pk: int) -> HttpResponse:
    person = _visible_person(request, pk)
    record_access(person=person, viewer=request.user, what="page")
    context = {
        "nav": "people",
        "person": person,
        "unit": person.unit,
        "is_self": person.user_id == request.user.pk,
        "can_edit": can_edit_roster(request.user, person.unit),
        "age": timezone.now().year - person.birth_year,
        "panels": person_panels(request.user, person),
        **scores.person_context(request.user, person),
    }
    return render(request, "people/person.html", context)


@login_required
@require_GET
def access_log(request: HttpRequest) -> HttpResponse:
    if not can_read_access_log(request.user):
        raise Http404("No such page")
    codes = visible_units(request.user).values("code")
    entries = PersonAccess.objects.filter(unit_code__in=codes).select_related(
        "person", "person__unit"
    )
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "people/access_log.html", {"nav": "people", "page": page})
