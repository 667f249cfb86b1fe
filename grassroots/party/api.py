"""The party API (mounted at /api/party): organisations, tasks (done with evidence, scored),
the unit's standing and the reports. The same rules as the pages: out of scope is 404; ranks
and colours as the province's scheme lets the caller see them; every change audited."""

from __future__ import annotations

import base64
import binascii
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.errors import HttpError

from grassroots.api_caller import auth_user
from grassroots.errors import ERRORS
from grassroots.organisations.scope import get_unit_for_user, membership_of
from grassroots.organisations.versions import province_of
from grassroots.party import compute, selectors, services
from grassroots.party.models import Task
from grassroots.party.permissions import does_task, manages, reviews_task, sees_task, sees_unit
from grassroots.people.permissions import person_of

router = Router(tags=["party"])


class OrgOut(Schema):
    id: int
    kind: str
    name: str
    parent: int | None
    secretary: str | None
    departments: list[str]
    members: int


class TaskOut(Schema):
    id: int
    unit_code: str
    title: str
    item: str
    period: str
    owner: str
    owner_post: str
    reviewer: str
    due: str
    points: float
    status: str
    score: float | None
    evidence: str | None


class StandingOut(Schema):
    period: str
    kind: str
    total: float | None
    rank: int | None
    colour: str
    why: str


class DisplayOut(Schema):
    unit_code: str
    monthly: StandingOut | None
    quarterly: StandingOut | None
    trend: list[StandingOut]
    open_tasks: list[TaskOut]
    overdue: list[int]


class DoneIn(Schema):
    report: str
    evidence_name: str
    evidence_base64: str


class ScoreIn(Schema):
    score: Decimal
    note: str = ""


class ProduceIn(Schema):
    period: str


class ProducedOut(Schema):
    period: str
    reports: int
    warnings: int


def _not_found() -> HttpError:
    return HttpError(404, "Not found")


def _unit(request: HttpRequest, code: str) -> Any:
    user = auth_user(request)
    unit = get_unit_for_user(user, code)
    if not sees_unit(user, unit):
        raise _not_found()
    return unit


def task_out(t: Task) -> dict[str, Any]:
    return {
        "id": t.pk, "unit_code": t.unit.code, "title": t.title, "item": t.item,
        "period": t.period, "owner": t.owner.name, "owner_post": t.owner_post,
        "reviewer": t.reviewer.name, "due": t.due.isoformat(), "points": float(t.points),
        "status": t.status, "score": float(t.score) if t.score is not None else None,
        "evidence": t.evidence_name or None,
    }  # fmt: skip


def _standing(s: Any) -> dict[str, Any] | None:
    if s is None:
        return None
    return {
        "period": s.period, "kind": s.kind, "total": s.total, "rank": s.rank,
        "colour": s.colour, "why": s.why,
    }  # fmt: skip


@router.get(
    "/units/{code}/orgs",
    response={200: list[OrgOut], **ERRORS},
    summary="A unit's party organisations",
)
def unit_orgs(request: HttpRequest, code: str) -> list[dict[str, Any]]:
    unit = _unit(request, code)
    return [
        {
            "id": o.pk,
            "kind": o.kind,
            "name": o.name,
            "parent": o.parent_id,
            "secretary": o.secretary.name if o.secretary else None,
            "departments": [d.code for d in o.departments.all()],
            "members": o.members.count(),
        }  # fmt: skip
        for o in selectors.orgs_of(unit)
    ]


@router.get(
    "/units/{code}/display",
    response={200: DisplayOut, **ERRORS},
    summary="A unit's standing, trend and open tasks",
)
def unit_display(request: HttpRequest, code: str) -> dict[str, Any]:
    unit = _unit(request, code)
    d = selectors.display(auth_user(request), unit)
    return {
        "unit_code": unit.code, "monthly": _standing(d.monthly), "quarterly": _standing(d.quarterly),
        "trend": [_standing(s) for s in d.trend], "open_tasks": [task_out(t) for t in d.open_tasks],
        "overdue": sorted(d.overdue_ids),
    }  # fmt: skip


@router.get(
    "/units/{code}/tasks",
    response={200: list[TaskOut], **ERRORS},
    summary="A unit's tasks (its managers)",
)
def unit_tasks(request: HttpRequest, code: str, period: str = "") -> list[dict[str, Any]]:
    unit = _unit(request, code)
    if not manages(auth_user(request), unit):
        raise _not_found()
    tasks = Task.objects.filter(unit=unit).select_related("unit", "owner", "reviewer")
    if period:
        tasks = tasks.filter(period=period) | tasks.filter(month=period)
    return [task_out(t) for t in tasks.order_by("due", "id")[:1000]]


@router.get(
    "/tasks/mine", response={200: list[TaskOut], **ERRORS}, summary="The caller's own tasks"
)
def my_tasks(request: HttpRequest) -> list[dict[str, Any]]:
    own = person_of(auth_user(request))
    return [task_out(t) for t in selectors.my_tasks(own).select_related("owner", "reviewer")[:500]]


def _task(request: HttpRequest, pk: int) -> Task:
    task = get_object_or_404(Task.objects.select_related("unit", "owner", "reviewer"), pk=pk)
    if not sees_task(auth_user(request), task):
        raise _not_found()
    return task


@router.get("/tasks/{pk}", response={200: TaskOut, **ERRORS}, summary="One task")
def task(request: HttpRequest, pk: int) -> dict[str, Any]:
    return task_out(_task(request, pk))


@router.post(
    "/tasks/{pk}/done",
    response={200: TaskOut, **ERRORS},
    summary="The owner marks a task done with its evidence",
)
def task_done(request: HttpRequest, pk: int, body: DoneIn) -> dict[str, Any]:
    found = _task(request, pk)
    user = auth_user(request)
    if not does_task(user, found):
        raise _not_found()
    try:
        data = base64.b64decode(body.evidence_base64, validate=True)
    except (binascii.Error, ValueError):
        raise HttpError(422, "evidence_base64 is not base64") from None
    try:
        done = services.complete_task(
            task=found,
            actor=user,
            report=body.report,
            evidence_name=body.evidence_name,
            evidence=data,
        )
    except services.PartyError as exc:
        raise HttpError(422, str(exc)) from None
    return task_out(done)


@router.post(
    "/tasks/{pk}/score",
    response={200: TaskOut, **ERRORS},
    summary="The reviewer scores a done task",
)
def task_score(request: HttpRequest, pk: int, body: ScoreIn) -> dict[str, Any]:
    found = _task(request, pk)
    user = auth_user(request)
    if not reviews_task(user, found):
        raise _not_found()
    try:
        return task_out(
            services.score_task(task=found, actor=user, score=body.score, note=body.note)
        )
    except services.PartyError as exc:
        raise HttpError(422, str(exc)) from None


@router.get(
    "/reports",
    response={200: list[StandingOut], **ERRORS},
    summary="Units' standing in a period (ranked only if the caller may see ranks)",
)
def reports(request: HttpRequest, period: str) -> list[dict[str, Any]]:
    rows, _seen = selectors.league(auth_user(request), period)
    return [{**(_standing(r) or {}), "unit": r.name} for r in rows]


@router.post(
    "/reports",
    response={200: ProducedOut, **ERRORS},
    summary="Produce a month's or quarter's reports (province)",
)
def produce(request: HttpRequest, body: ProduceIn) -> dict[str, Any]:
    user = auth_user(request)
    membership = membership_of(user)
    province = province_of(membership.unit) if membership else None
    if province is None:
        raise _not_found()
    try:
        if "Q" in body.period:
            done = compute.produce_quarter(province=province, quarter=body.period, actor=user)
        else:
            done = compute.produce_month(province=province, month=body.period, actor=user)
    except services.NotAllowed:
        raise _not_found() from None
    except services.PartyError as exc:
        raise HttpError(422, str(exc)) from None
    return {"period": done.period, "reports": done.reports, "warnings": len(done.warnings)}


# ------------------------------------------------------------------------------ practice


class PilotOut(Schema):
    id: int
    unit_code: str
    department: str | None
    project: str
    started: str
    status: str
    results: str


class EntryOut(Schema):
    id: int
    unit_code: str
    author: str
    title: str
    reached: int
    finalist: bool
    panel_score: float | None


class ContestOut(Schema):
    id: int
    title: str
    rounds: int
    current_round: int
    finalists: int
    entries: list[EntryOut]


class StarOut(Schema):
    quarter: str
    person: str
    reason: str


class StarIn(Schema):
    quarter: str
    person_id: int
    reason: str


class RuleOut(Schema):
    id: int
    unit_code: str
    code: str
    version: int
    title: str
    adopted: str
    chapters: list[dict[str, Any]]


@router.get(
    "/pilots", response={200: list[PilotOut], **ERRORS}, summary="Pilots in the caller's scope"
)
def pilots(request: HttpRequest) -> list[dict[str, Any]]:
    from grassroots.party.practice import pilots_for

    return [
        {
            "id": p.pk,
            "unit_code": p.unit.code,
            "department": p.department.code if p.department else None,
            "project": p.project,
            "started": p.started.isoformat(),
            "status": p.status,
            "results": p.results,
        }  # fmt: skip
        for p in pilots_for(auth_user(request))[:1000]
    ]


@router.get(
    "/contests/{pk}",
    response={200: ContestOut, **ERRORS},
    summary="A research contest (entries in the caller's scope)",
)
def contest(request: HttpRequest, pk: int) -> dict[str, Any]:
    from grassroots.organisations.scope import visible_units
    from grassroots.party.practice import contests_for
    from grassroots.party.practice import standings as contest_standings

    user = auth_user(request)
    found = contests_for(user).filter(pk=pk).first()
    if found is None:
        raise _not_found()
    scope = set(visible_units(user).values_list("pk", flat=True))
    rows = contest_standings(found, 1)
    best = {e.pk: s for e, s in contest_standings(found, found.current_round)}
    return {
        "id": found.pk, "title": found.title, "rounds": found.rounds,
        "current_round": found.current_round, "finalists": found.finalists,
        "entries": [
            {"id": e.pk, "unit_code": e.unit.code, "author": e.author, "title": e.title,
             "reached": e.reached, "finalist": e.finalist, "panel_score": best.get(e.pk)}
            for e, _s in sorted(rows, key=lambda p: p[0].pk) if e.unit_id in scope
        ],
    }  # fmt: skip


@router.get(
    "/units/{code}/stars",
    response={200: list[StarOut], **ERRORS},
    summary="A unit's party member stars",
)
def stars(request: HttpRequest, code: str) -> list[dict[str, Any]]:
    from grassroots.party.models import Star

    unit = _unit(request, code)
    return [
        {"quarter": s.quarter, "person": s.person.name, "reason": s.reason}
        for s in Star.objects.filter(unit=unit).select_related("person")
    ]


@router.post(
    "/units/{code}/stars",
    response={200: StarOut, **ERRORS},
    summary="Select a quarter's party member star (the unit's managers)",
)
def select_star(request: HttpRequest, code: str, body: StarIn) -> dict[str, Any]:
    from grassroots.party.practice import select_star as select
    from grassroots.people.models import Person

    user = auth_user(request)
    unit = _unit(request, code)
    person = Person.objects.filter(unit=unit, pk=body.person_id).first()
    if person is None or not manages(user, unit):
        raise _not_found()
    try:
        star = select(
            unit=unit, actor=user, quarter=body.quarter, person=person, reason=body.reason
        )
    except services.PartyError as exc:
        raise HttpError(422, str(exc)) from None
    return {"quarter": star.quarter, "person": person.name, "reason": star.reason}


@router.get(
    "/rules/{pk}", response={200: RuleOut, **ERRORS}, summary="A system result of the rules library"
)
def rules(request: HttpRequest, pk: int) -> dict[str, Any]:
    from grassroots.party.practice import rules_for

    found = rules_for(auth_user(request)).filter(pk=pk).first()
    if found is None:
        raise _not_found()
    return {
        "id": found.pk, "unit_code": found.unit.code, "code": found.code,
        "version": found.version, "title": found.title, "adopted": found.adopted.isoformat(),
        "chapters": [
            {"number": c.number, "title": c.title, "items": [i.text for i in c.items.all()]}
            for c in found.chapters.prefetch_related("items")
        ],
    }  # fmt: skip
