"""The practice pages (issue 15.4): pilots, contests, rules library, a unit's brands and stars.
Out of scope is 404, never 403."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from grassroots.library.models import Brand, BrandType
from grassroots.organisations.models import Level, Unit
from grassroots.organisations.scope import membership_of, visible_units
from grassroots.party import practice
from grassroots.party.models import Contest, PartyBrand, PartyOrg, RuleResult, Star
from grassroots.party.permissions import manages
from grassroots.party.services import NotAllowed, PartyError
from grassroots.party.views import _unit
from grassroots.people.models import Department, Person
from grassroots.people.permissions import is_province


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise PartyError(_("Write a date as 2024-05-31.")) from None


def _decimal(value: str) -> Decimal:
    try:
        return Decimal(value)
    except InvalidOperation:
        raise PartyError(_("Write a number.")) from None


def _province(request: HttpRequest) -> Unit | None:
    membership = membership_of(request.user)
    if membership is None or membership.unit.level != Level.PROVINCE:
        return None
    return membership.unit if is_province(request.user, membership.unit) else None


@login_required
@require_http_methods(["GET", "POST"])
def overview(request: HttpRequest) -> HttpResponse:
    if membership_of(request.user) is None:
        raise Http404("No such page")
    province = _province(request)
    units = visible_units(request.user)
    if request.method == "POST":
        if province is None:
            raise Http404("No such page")
        form = request.POST.get("form")
        try:
            if form == "pilot":
                unit = units.filter(code=request.POST.get("unit", "")).first()
                if unit is None:
                    raise PartyError(_("No such unit in your scope."))
                department = Department.objects.filter(
                    unit=unit, code=request.POST.get("department", "")
                ).first()
                practice.add_pilot(unit=unit, actor=request.user, project=request.POST.get("project", "").strip(),
                                   started=_date(request.POST.get("started", "")), department=department)  # fmt: skip
                messages.success(request, _("Pilot added."))
            elif form == "contest":
                practice.open_contest(
                    province=province, actor=request.user, title=request.POST.get("title", "").strip(),
                    rounds=int(request.POST.get("rounds") or 2), finalists=int(request.POST.get("finalists") or 20),
                )  # fmt: skip
                messages.success(request, _("Contest opened."))
            else:
                raise Http404("No such page")
        except (PartyError, ValueError) as exc:
            messages.error(request, str(exc))
        else:
            return redirect("party:practice")
    return render(
        request,
        "party/practice.html",
        {
            "nav": "party", "province": province,
            "pilots": practice.pilots_for(request.user)[:200],
            "contests": practice.contests_for(request.user),
            "rules": practice.rules_for(request.user).order_by("unit__code", "code", "-version")[:200],
        },
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def contest(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(Contest.objects.select_related("province"), pk=pk)
    if found not in practice.contests_for(request.user):
        raise Http404("No such page")
    province = _province(request)
    is_panel = province is not None and province.pk == found.province_id
    if request.method == "POST":
        form = request.POST.get("form")
        try:
            if form == "entry":
                unit = visible_units(request.user).filter(code=request.POST.get("unit", "")).first()
                if unit is None:
                    raise PartyError(_("No such unit in your scope."))
                practice.add_entry(contest=found, actor=request.user, unit=unit,
                                   author=request.POST.get("author", "").strip(),
                                   title=request.POST.get("title", "").strip())  # fmt: skip
                messages.success(request, _("Entry added."))
            elif form == "score" and is_panel:
                entry = get_object_or_404(found.entries, pk=int(request.POST.get("entry") or 0))
                practice.panel_score(
                    entry=entry, actor=request.user, score=_decimal(request.POST.get("score", ""))
                )
                messages.success(request, _("Panel score recorded."))
            elif form == "advance" and is_panel:
                chosen = practice.advance(
                    contest=found, actor=request.user, keep=int(request.POST.get("keep") or 1)
                )
                messages.success(
                    request,
                    ngettext(
                        "Round closed: %(n)s entry goes on.",
                        "Round closed: %(n)s entries go on.",
                        len(chosen),
                    )
                    % {"n": len(chosen)},
                )
            else:
                raise Http404("No such page")
        except (PartyError, NotAllowed, ValueError) as exc:
            messages.error(
                request,
                str(exc) if not isinstance(exc, NotAllowed) else _("No such unit in your scope."),
            )
        else:
            return redirect("party:contest", pk=found.pk)
    scope = set(visible_units(request.user).values_list("pk", flat=True))
    rows = [
        (entry, score) for entry, score in practice.standings(found, found.current_round)
        if is_panel or entry.unit_id in scope
    ]  # fmt: skip
    finalists = [
        e
        for e in found.entries.filter(finalist=True).select_related("unit")
        if is_panel or e.unit_id in scope
    ]
    return render(
        request,
        "party/contest.html",
        {
            "nav": "party",
            "contest": found,
            "rows": rows,
            "finalists": finalists,
            "is_panel": is_panel,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def unit_practice(request: HttpRequest, code: str) -> HttpResponse:
    unit = _unit(request, code)
    can_edit = manages(request.user, unit)
    if request.method == "POST":
        if not can_edit:
            raise Http404("No such page")
        form = request.POST.get("form")
        try:
            if form == "brand":
                brand = Brand.objects.filter(
                    unit=unit, pk=int(request.POST.get("library_brand") or 0)
                ).first()
                if brand is None:
                    raise PartyError(
                        _("Link a party-building brand of this unit from the library.")
                    )
                org = PartyOrg.objects.filter(
                    unit=unit, pk=int(request.POST.get("org") or 0)
                ).first()
                practice.link_brand(unit=unit, actor=request.user, library_brand=brand, org=org,
                                    motto=request.POST.get("motto", "").strip())  # fmt: skip
                messages.success(request, _("Brand linked."))
            elif form == "star":
                person = Person.objects.filter(
                    unit=unit, pk=int(request.POST.get("person") or 0)
                ).first()
                if person is None:
                    raise PartyError(_("A star is an active member of the unit's roster."))
                practice.select_star(unit=unit, actor=request.user, quarter=request.POST.get("quarter", "").strip(),
                                     person=person, reason=request.POST.get("reason", "").strip())  # fmt: skip
                messages.success(request, _("Star selected."))
            elif form == "rules":
                practice.save_rules(unit=unit, actor=request.user, code=request.POST.get("code", "").strip(),
                                    title=request.POST.get("title", "").strip(),
                                    adopted=_date(request.POST.get("adopted", "")),
                                    text=request.POST.get("text", ""))  # fmt: skip
                messages.success(request, _("System result saved."))
            else:
                raise Http404("No such page")
        except (PartyError, ValueError) as exc:
            messages.error(request, str(exc))
        else:
            return redirect("party:unit-practice", code=unit.code)
    return render(
        request,
        "party/unit_practice.html",
        {
            "nav": "party", "unit": unit, "can_edit": can_edit,
            "brands": PartyBrand.objects.filter(unit=unit).select_related("library_brand", "org"),
            "library_brands": Brand.objects.filter(unit=unit, brand_type=BrandType.PARTY),
            "orgs": PartyOrg.objects.filter(unit=unit),
            "stars": Star.objects.filter(unit=unit).select_related("person")[:100],
            "people": Person.objects.filter(unit=unit, active=True)[:500] if can_edit else [],
            "rules": RuleResult.objects.filter(unit=unit).order_by("code", "-version"),
        },
    )  # fmt: skip


@login_required
@require_http_methods(["GET"])
def rules(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(practice.rules_for(request.user), pk=pk)
    versions = RuleResult.objects.filter(unit=found.unit, code=found.code).order_by("-version")
    chapters: list[Any] = list(found.chapters.prefetch_related("items"))
    return render(
        request,
        "party/rules.html",
        {"nav": "party", "result": found, "chapters": chapters, "versions": versions},
    )
