"""API endpoints of the plan: problems, measure edits, targets, the ledger, overdue warnings.

Mounted under /api/assistance by `api.router`. As on the pages: a unit or record outside the
caller's scope is 404, a role that may not act is 403, bad input 422 with the services' messages
(the services check the rules and write the audit).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from grassroots.api_caller import auth_user
from grassroots.assistance.models import (
    ActivityKind,
    Designation,
    Dimension,
    MeasureStatus,
    Problem,
    ProblemSource,
)
from grassroots.assistance.permissions import Act, authorise
from grassroots.assistance.plans.selectors import ledger_totals, measure_for_user, overdue_by_city
from grassroots.assistance.plans.views import designation_for
from grassroots.assistance.services import (
    AssistanceError,
    add_problem,
    edit_measure,
    record_activity,
    set_target,
)
from grassroots.errors import ERRORS
from grassroots.organisations.models import Unit
from grassroots.organisations.scope import get_unit_for_user

router = Router(tags=["assistance"])
T = TypeVar("T")


def call_service(service: Callable[[], T]) -> T:
    """Run a service, turning its refusals into API answers (403; 422 with the field messages)."""
    try:
        return service()
    except PermissionDenied as exc:
        raise HttpError(403, str(exc) or "Your role may not do this") from None
    except AssistanceError as exc:
        raise HttpError(422, "; ".join(f"{k}: {v}" for k, v in exc.problems.items())) from None


class ProblemIn(Schema):
    # The same limits as the page's forms (issue 19.7).
    dimension: Dimension
    source: ProblemSource
    description: str = Field(min_length=1, max_length=2000)


class PlanProblemOut(Schema):
    id: int
    dimension: str
    source: str
    description: str


class MeasureEditIn(Schema):
    title: str = Field(min_length=1, max_length=300)
    leader: str = Field(min_length=1, max_length=100)
    department: str = Field(min_length=1, max_length=100)
    deadline: dt.date
    status: MeasureStatus
    problem_id: int | None = None


class MeasureEditOut(Schema):
    id: int
    title: str
    leader: str
    department: str
    created_on: dt.date
    deadline: dt.date
    status: str
    done_on: dt.date | None
    problem_id: int | None
    overdue: bool


class TargetIn(Schema):
    indicator: str = Field(min_length=1, max_length=60)
    period: str = Field(min_length=1, max_length=10)
    value: float = Field(allow_inf_nan=False)


class TargetOut(Schema):
    id: int
    indicator: str
    period: str
    value: float


class ActivityIn(Schema):
    kind: ActivityKind
    start: dt.date
    end: dt.date
    people: int = Field(0, ge=0, le=2_147_483_647)
    partner: str | None = Field(None, max_length=12)
    outcome: str = Field("", max_length=4000)


class ActivityOut(Schema):
    id: int
    unit: str
    kind: str
    partner: str | None
    people: int
    start: dt.date
    end: dt.date
    outcome: str


class LedgerRow(Schema):
    code: str
    name_zh: str
    status: str
    activities: int
    by_kind: dict[str, int]
    posts_exchanged: int


class LedgerOut(Schema):
    activities: int
    by_kind: dict[str, int]
    posts_exchanged: int
    units: list[LedgerRow]


class OverdueOut(Schema):
    id: int
    unit: str
    city: str | None
    title: str
    leader: str
    department: str
    deadline: dt.date
    days_overdue: int
    status: str
    last_report: str


@router.post(
    "/weak-units/{code}/problems",
    response={201: PlanProblemOut, **ERRORS},
    summary="Add a problem to a weak unit's list (city reviewer or province)",
)
def create_problem(request: HttpRequest, code: str, payload: ProblemIn) -> tuple[int, Problem]:
    user = auth_user(request)
    d = designation_for(user, code)
    problem = call_service(
        lambda: add_problem(
            designation=d,
            dimension=payload.dimension,
            source=payload.source,
            description=payload.description,
            actor=user,
        )
    )
    return 201, problem


@router.put(
    "/measures/{measure_id}",
    response={200: MeasureEditOut, **ERRORS},
    summary="Edit a measure (city reviewer or province); the audit keeps the previous values",
)
def change_measure(request: HttpRequest, measure_id: int, payload: MeasureEditIn) -> Any:
    user = auth_user(request)
    measure = measure_for_user(user, measure_id)
    problem = None
    if payload.problem_id is not None:
        problem = Problem.objects.filter(
            pk=payload.problem_id, designation=measure.designation
        ).first()
        if problem is None:
            raise HttpError(422, "problem_id: no such problem on this unit's list")
    today = timezone.localdate()
    m = call_service(
        lambda: edit_measure(
            measure=measure,
            title=payload.title,
            leader=payload.leader,
            department=payload.department,
            deadline=payload.deadline,
            problem=problem,
            status=payload.status,
            on=today,
            actor=user,
        )
    )
    return {
        "id": m.pk,
        "title": m.title,
        "leader": m.leader,
        "department": m.department,
        "created_on": m.created_on,
        "deadline": m.deadline,
        "status": m.status,
        "done_on": m.done_on,
        "problem_id": m.problem_id,
        "overdue": m.is_overdue(today),
    }


@router.post(
    "/weak-units/{code}/targets",
    response={201: TargetOut, **ERRORS},
    summary="Set a quality-improvement target (422 for an indicator the scheme lacks)",
)
def create_target(request: HttpRequest, code: str, payload: TargetIn) -> tuple[int, Any]:
    user = auth_user(request)
    d = designation_for(user, code)
    target = call_service(
        lambda: set_target(
            designation=d,
            indicator=payload.indicator,
            period=payload.period,
            value=payload.value,
            actor=user,
        )
    )
    return 201, target


@router.post(
    "/weak-units/{code}/activities",
    response={201: ActivityOut, **ERRORS},
    summary="Record an assistance activity in the ledger (city reviewer or province)",
)
def create_activity(request: HttpRequest, code: str, payload: ActivityIn) -> tuple[int, Any]:
    user = auth_user(request)
    d = designation_for(user, code)
    call_service(lambda: authorise(user, Act.RECORD_ACTIVITY, d.unit))
    partner = _partner(user, d, payload.partner) if payload.partner else None
    a = call_service(
        lambda: record_activity(
            designation=d,
            kind=payload.kind,
            start=payload.start,
            end=payload.end,
            people=payload.people,
            partner=partner,
            outcome=payload.outcome,
            actor=user,
        )
    )
    return 201, {
        "id": a.pk,
        "unit": d.unit.code,
        "kind": a.kind,
        "partner": partner.code if partner else None,
        "people": a.people,
        "start": a.start,
        "end": a.end,
        "outcome": a.outcome,
    }


def _partner(user: Any, d: Designation, code: str) -> Unit:
    """The helping unit: one the user can see, or the weak unit's paired partner (which may sit
    in another city)."""
    pairing = getattr(d, "pairing", None)
    if pairing is not None and pairing.partner.code == code:
        return pairing.partner  # type: ignore[no-any-return]
    return get_unit_for_user(user, code)


def _kinds(counts: tuple[int, ...]) -> dict[str, int]:
    return dict(zip(ActivityKind.values, counts, strict=True))


@router.get(
    "/ledger",
    response={200: LedgerOut, **ERRORS},
    summary="Assistance totals per weak unit in scope and in all (posts exchanged)",
)
def ledger(request: HttpRequest) -> dict[str, Any]:
    rows, total = ledger_totals(auth_user(request))
    return {
        "activities": total.activities,
        "by_kind": _kinds(total.by_kind),
        "posts_exchanged": total.posts,
        "units": [
            {
                "code": r.designation.unit.code,  # type: ignore[union-attr]
                "name_zh": r.designation.unit.name_zh,  # type: ignore[union-attr]
                "status": r.designation.status,  # type: ignore[union-attr]
                "activities": r.activities,
                "by_kind": _kinds(r.by_kind),
                "posts_exchanged": r.posts,
            }
            for r in rows
        ],
    }


@router.get(
    "/overdue",
    response={200: list[OverdueOut], **ERRORS},
    summary="Overdue measures of the weak units in scope (deadline passed, not done)",
)
def overdue(request: HttpRequest) -> list[dict[str, Any]]:
    today = timezone.localdate()
    return [
        {
            "id": o.measure.pk,
            "unit": u.unit.code,
            "city": c.city.code if c.city else None,
            "title": o.measure.title,
            "leader": o.measure.leader,
            "department": o.measure.department,
            "deadline": o.measure.deadline,
            "days_overdue": o.days,
            "status": o.measure.status,
            "last_report": o.last_report,
        }
        for c in overdue_by_city(auth_user(request), today=today)
        for u in c.units
        for o in u.measures
    ]
