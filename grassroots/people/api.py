"""The people API (mounted at /api/people): staff figures, rosters, a person and their scores.

The same rules as the pages (``permissions.py``): out of scope is 404; each read of a person
leaves a line in the access log, like a view of their page.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Router, Schema
from ninja.errors import HttpError

from grassroots.api_caller import auth_user
from grassroots.errors import ERRORS
from grassroots.organisations.scope import get_unit_for_user
from grassroots.people.assessment_selectors import person_context
from grassroots.people.models import Person
from grassroots.people.permissions import can_see_person, manages, person_of
from grassroots.people.selectors import staff_figures
from grassroots.people.services import record_access

router = Router(tags=["people"])


class StaffOut(Schema):
    unit_code: str
    from_roster: bool
    headcount: int | None
    procurators: int | None
    under_45_share: float | None
    talent_pool_share: float | None
    leaders: int | None
    quota_seats: int | None
    born_1980_on_share: float | None
    age_bands: dict[str, int]
    elements: dict[str, float | None]


class PersonRef(Schema):
    id: int
    staff_number: str
    name: str
    category: str
    department: str | None
    active: bool


class PersonOut(PersonRef):
    unit_code: str
    post: str
    grade: str
    birth_year: int
    joined_year: int | None
    quota_seat: bool
    talent_pool: bool
    heads_department: bool


class ScoreOut(Schema):
    assessment: int
    year: int
    month: int
    performance: float
    common: float
    overall: float
    total: float
    grade: str | None
    band: str | None
    rank: int | None


def _not_found() -> HttpError:
    return HttpError(404, "Not found")


@router.get(
    "/units/{code}/staff", response={200: StaffOut, **ERRORS},
    summary="A unit's staff figures (from its roster, else the typed figures)",
)  # fmt: skip
def unit_staff(request: HttpRequest, code: str) -> dict[str, Any]:
    unit = get_unit_for_user(auth_user(request), code)
    figures = staff_figures(unit, year=timezone.now().year)
    return {**figures.__dict__, "elements": figures.elements()}


@router.get(
    "/units/{code}/people", response={200: list[PersonRef], **ERRORS},
    summary="A unit's roster (the unit's managers and the province; 404 otherwise)",
)  # fmt: skip
def unit_people(request: HttpRequest, code: str) -> list[dict[str, Any]]:
    user = auth_user(request)
    unit = get_unit_for_user(user, code)
    if not manages(user, unit):
        raise _not_found()
    return [_ref(p) for p in Person.objects.filter(unit=unit).select_related("department")]


@router.get("/people/{pk}", response={200: PersonOut, **ERRORS}, summary="One person (logged)")
def person(request: HttpRequest, pk: int) -> dict[str, Any]:
    found = _person(request, pk)
    record_access(person=found, viewer=auth_user(request), what="api")
    return {
        **_ref(found), "unit_code": found.unit.code, "post": found.post, "grade": found.grade,
        "birth_year": found.birth_year, "joined_year": found.joined_year,
        "quota_seat": found.quota_seat, "talent_pool": found.talent_pool,
        "heads_department": found.heads_department,
    }  # fmt: skip


@router.get(
    "/people/{pk}/scores", response={200: list[ScoreOut], **ERRORS},
    summary="A person's monthly accumulated scores, as the caller may see them",
)  # fmt: skip
def person_scores(request: HttpRequest, pk: int) -> list[dict[str, Any]]:
    found = _person(request, pk)
    user = auth_user(request)
    record_access(person=found, viewer=user, what="api")
    out = []
    for group in person_context(user, found)["score_groups"]:
        for row in group["rows"]:
            out.append(
                {
                    "assessment": group["assessment"].pk,
                    "year": group["assessment"].year,
                    "month": row.score.month,
                    "performance": row.score.performance,
                    "common": row.score.common,
                    "overall": row.score.overall,
                    "total": row.score.total,
                    "grade": row.grade or None,
                    "band": row.band or None,
                    "rank": row.rank,
                }  # fmt: skip
            )
    return out


@router.get(
    "/me", response={200: PersonRef, **ERRORS}, summary="The person the caller is (404 if none)"
)
def me(request: HttpRequest) -> dict[str, Any]:
    own = person_of(auth_user(request))
    if own is None:
        raise _not_found()
    return _ref(own)


def _person(request: HttpRequest, pk: int) -> Person:
    found = get_object_or_404(Person.objects.select_related("unit", "department"), pk=pk)
    if not can_see_person(auth_user(request), found):
        raise _not_found()
    return found


def _ref(p: Person) -> dict[str, Any]:
    return {
        "id": p.pk, "staff_number": p.staff_number, "name": p.name, "category": p.category,
        "department": p.department.code if p.department else None, "active": p.active,
    }  # fmt: skip
