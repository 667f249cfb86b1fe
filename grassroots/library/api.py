"""The library API (mounted at /api/library): search, cases and their entries, articles, brands,
honours. The same rules as the pages: what the caller may not see is 404; a write the caller's
role may not make is 404 too (the item is not theirs to change); bad input is 422.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from grassroots.api_caller import auth_user
from grassroots.errors import ERRORS
from grassroots.library import selectors, services
from grassroots.library.models import (
    Article,
    AwardLevel,
    BusinessLine,
    Case,
    CaseEntry,
    CaseKind,
    CaseLevel,
    DocKind,
)
from grassroots.library.permissions import may_write, own_province
from grassroots.organisations.scope import get_unit_for_user
from grassroots.people.models import Person

router = Router(tags=["library"])


class HitOut(Schema):
    kind: str
    id: int
    title: str
    unit_code: str
    level: str
    line: str
    year: int | None
    rank: float


class EntryOut(Schema):
    id: int
    programme: str
    batch: str
    level: str
    status: str
    grade: str
    date: dt.date


class CaseOut(Schema):
    id: int
    unit_code: str
    title: str
    kind: str
    business_line: str
    case_number: str
    keywords: str
    gist: str
    body: str
    prosecutors: list[int]
    entries: list[EntryOut]


class CaseIn(Schema):
    unit_code: str = Field(max_length=12)
    title: str = Field(min_length=1, max_length=200)
    kind: CaseKind
    business_line: BusinessLine
    case_number: str = Field("", max_length=80)
    keywords: str = Field("", max_length=300)
    gist: str = Field("", max_length=20000)
    body: str = Field("", max_length=200000)
    prosecutors: list[int] = []


class EntryIn(Schema):
    programme: str = Field(min_length=1, max_length=200)
    batch: str = Field("", max_length=60)
    level: CaseLevel
    date: dt.date


class AdvanceIn(Schema):
    date: dt.date
    grade: str = Field("", max_length=60)


class ArticleOut(Schema):
    id: int
    unit_code: str
    column: str
    title: str
    status: str
    published_on: dt.date | None
    summary: str
    body: str


class BrandOut(Schema):
    id: int
    unit_code: str
    name: str
    brand_type: str
    goals: list[dict[str, Any]]
    awards: list[dict[str, Any]]


class HonourOut(Schema):
    id: int
    unit_code: str
    person: int | None
    title: str
    level: str
    date: dt.date
    awarding_body: str


class HonourIn(Schema):
    unit_code: str = Field(max_length=12)
    person: int | None = None
    title: str = Field(min_length=1, max_length=200)
    level: AwardLevel
    date: dt.date
    awarding_body: str = Field(min_length=1, max_length=200)


class SearchIn(Schema):
    q: str = Field(min_length=1, max_length=200)
    kind: DocKind | None = None
    level: CaseLevel | None = None
    line: BusinessLine | None = None
    year: int | None = Field(None, ge=2000, le=2100)
    limit: int = Field(50, ge=1, le=200)


class Page(Schema):
    limit: int = Field(100, ge=1, le=500)


def _not_found() -> HttpError:
    return HttpError(404, "Not found")


def _one(queryset: Any, pk: int) -> Any:
    try:
        return selectors.one(queryset, pk)
    except Http404:
        raise _not_found() from None


def _unprocessable(error: services.LibraryError) -> HttpError:
    return HttpError(422, "; ".join(f"{k}: {v}" for k, v in error.problems.items()))


@router.get("/search", response={200: list[HitOut], **ERRORS}, summary="Ranked full-text search")
def search(request: HttpRequest, filters: Query[SearchIn]) -> list[dict[str, Any]]:
    found = selectors.find(
        auth_user(request),
        filters.q,
        kind=filters.kind or "",
        level=filters.level or "",
        line=filters.line or "",
        year=filters.year,
        limit=filters.limit,
    )
    return [
        {
            "kind": f.doc.kind,
            "id": f.doc.object_id,
            "title": f.doc.title,
            "unit_code": f.doc.unit.code,
            "level": f.doc.level,
            "line": f.doc.line,
            "year": f.doc.year,
            "rank": f.hit.rank,
        }  # fmt: skip
        for f in found
    ]


def _entry(e: CaseEntry) -> dict[str, Any]:
    return {
        "id": e.pk, "programme": e.programme, "batch": e.batch, "level": e.level,
        "status": e.status, "grade": e.grade, "date": e.status_date,
    }  # fmt: skip


def _case(c: Case) -> dict[str, Any]:
    return {
        "id": c.pk, "unit_code": c.unit.code, "title": c.title, "kind": c.kind,
        "business_line": c.business_line, "case_number": c.case_number, "keywords": c.keywords,
        "gist": c.gist, "body": c.body,
        "prosecutors": sorted(c.prosecutors.values_list("pk", flat=True)),
        "entries": [_entry(e) for e in c.entries.all()],
    }  # fmt: skip


@router.get("/cases", response={200: list[CaseOut], **ERRORS}, summary="The cases the caller sees")
def cases(request: HttpRequest, page: Query[Page]) -> list[dict[str, Any]]:
    return [_case(c) for c in selectors.cases(auth_user(request))[: page.limit]]


@router.get("/cases/{pk}", response={200: CaseOut, **ERRORS}, summary="One case")
def case(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _case(_one(selectors.cases(auth_user(request)), pk))


@router.post("/cases", response={201: CaseOut, **ERRORS}, summary="Enter a case of a unit")
def create_case(request: HttpRequest, payload: CaseIn) -> tuple[int, dict[str, Any]]:
    user = auth_user(request)
    unit = get_unit_for_user(user, payload.unit_code)
    if not may_write(user, unit):
        raise _not_found()
    people = list(Person.objects.filter(pk__in=payload.prosecutors))
    if len(people) != len(set(payload.prosecutors)):
        raise HttpError(422, "prosecutors: not on any roster you see")
    data = payload.dict()
    try:
        made = services.save_case(
            actor=user,
            unit=unit,
            fields={k: data[k] for k in services.CASE_FIELDS},
            prosecutors=people,
        )
    except services.LibraryError as error:
        raise _unprocessable(error) from None
    return 201, _case(made)


@router.post(
    "/cases/{pk}/entries", response={201: EntryOut, **ERRORS},
    summary="Enter the case in a programme (linked: one case, several entries)",
)  # fmt: skip
def create_entry(request: HttpRequest, pk: int, payload: EntryIn) -> tuple[int, dict[str, Any]]:
    user = auth_user(request)
    found = _one(selectors.cases(user), pk)
    if not may_write(user, found.unit):
        raise _not_found()
    try:
        entry = services.add_entry(
            actor=user,
            case=found,
            programme=payload.programme,
            batch=payload.batch,
            level=payload.level,
            on=payload.date,
        )
    except services.LibraryError as error:
        raise _unprocessable(error) from None
    return 201, _entry(entry)


@router.post(
    "/entries/{pk}/advance", response={200: EntryOut, **ERRORS},
    summary="Move an entry one step (培育 → 推荐 → 初评 → 入围公示 → 定评)",
)  # fmt: skip
def advance(request: HttpRequest, pk: int, payload: AdvanceIn) -> dict[str, Any]:
    user = auth_user(request)
    entry = CaseEntry.objects.select_related("case__unit").filter(pk=pk).first()
    if entry is None or not selectors.cases(user).filter(pk=entry.case_id).exists():
        raise _not_found()
    try:
        services.advance_entry(actor=user, entry=entry, on=payload.date, grade=payload.grade)
    except PermissionDenied:
        raise _not_found() from None
    except services.LibraryError as error:
        raise _unprocessable(error) from None
    return _entry(entry)


def _article(a: Article) -> dict[str, Any]:
    return {
        "id": a.pk, "unit_code": a.unit.code, "column": a.column.name_zh, "title": a.title,
        "status": a.status, "published_on": a.published_on, "summary": a.summary, "body": a.body,
    }  # fmt: skip


@router.get("/articles", response={200: list[ArticleOut], **ERRORS}, summary="Articles")
def articles(request: HttpRequest, page: Query[Page]) -> list[dict[str, Any]]:
    return [_article(a) for a in selectors.articles(auth_user(request))[: page.limit]]


@router.get("/articles/{pk}", response={200: ArticleOut, **ERRORS}, summary="One article")
def article(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _article(_one(selectors.articles(auth_user(request)), pk))


@router.get("/columns", response={200: list[dict[str, Any]], **ERRORS}, summary="Columns")
def columns(request: HttpRequest) -> list[dict[str, Any]]:
    user = auth_user(request)
    if own_province(user) is None:
        return []
    return [
        {"id": c.pk, "name_zh": c.name_zh, "name_en": c.name_en, "position": c.position}
        for c in selectors.columns(user)
    ]


@router.get("/brands", response={200: list[BrandOut], **ERRORS}, summary="Brands")
def brands(request: HttpRequest) -> list[dict[str, Any]]:
    rows = selectors.brands(auth_user(request)).prefetch_related("goals", "awards")
    return [
        {
            "id": b.pk,
            "unit_code": b.unit.code,
            "name": b.name,
            "brand_type": b.brand_type,
            "goals": [
                {"stage": g.stage, "goal": g.goal, "due": g.due.isoformat(), "status": g.status}
                for g in b.goals.all()
            ],
            "awards": [
                {
                    "title": a.title,
                    "level": a.level,
                    "date": a.awarded_on.isoformat(),
                    "awarding_body": a.awarding_body,
                }
                for a in b.awards.all()
            ],
        }  # fmt: skip
        for b in rows
    ]


def _honour(h: Any) -> dict[str, Any]:
    return {
        "id": h.pk, "unit_code": h.unit.code, "person": h.person_id, "title": h.title,
        "level": h.level, "date": h.awarded_on, "awarding_body": h.awarding_body,
    }  # fmt: skip


@router.get("/honours", response={200: list[HonourOut], **ERRORS}, summary="Honours")
def honours(request: HttpRequest) -> list[dict[str, Any]]:
    return [_honour(h) for h in selectors.honours(auth_user(request))]


@router.post("/honours", response={201: HonourOut, **ERRORS}, summary="Record an honour")
def create_honour(request: HttpRequest, payload: HonourIn) -> tuple[int, dict[str, Any]]:
    user = auth_user(request)
    unit = get_unit_for_user(user, payload.unit_code)
    if not may_write(user, unit):
        raise _not_found()
    person = None
    if payload.person is not None:
        person = Person.objects.filter(pk=payload.person, unit=unit).first()
        if person is None:
            raise HttpError(422, "person: not on this unit's roster")
    try:
        made = services.save_honour(
            actor=user,
            unit=unit,
            person=person,
            title=payload.title,
            level=payload.level,
            on=payload.date,
            awarding_body=payload.awarding_body,
        )
    except services.LibraryError as error:
        raise _unprocessable(error) from None
    return 201, _honour(made)
