"""API endpoints of the assistance app, mounted by grassroots.web.api under /api/assistance.

Every read starts from the caller's scope (404 outside it); writes go through the services, so
the same permission rules and audit apply as on the pages.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from grassroots.api_caller import auth_user
from grassroots.assistance.decisions import selectors as decisions
from grassroots.assistance.models import Designation, Measure, MeasureStatus
from grassroots.assistance.plans.api import call_service
from grassroots.assistance.plans.api import router as plan_router
from grassroots.assistance.selectors import (
    board,
    designations_for,
    plan_counts,
    posts_exchanged,
    target_checks,
)
from grassroots.assistance.services import add_measure, report_progress
from grassroots.assistance.stored import scope_path, stored_periods
from grassroots.errors import ERRORS
from grassroots.organisations.models import Role
from grassroots.organisations.scope import get_unit_for_user, membership_of

router = Router(tags=["assistance"])


class WeakUnitOut(Schema):
    code: str
    name_zh: str
    level: str
    status: str
    designated_on: dt.date
    partner: str
    measures: int
    measures_done: int
    measures_overdue: int
    targets: int
    targets_met: int = 0
    relapse_period: str | None = None


class BoardOut(Schema):
    problems: int
    measures: int
    done: int
    overdue: int
    posts_exchanged: int
    units: list[WeakUnitOut]


class MeasureOut(Schema):
    id: int
    title: str
    leader: str
    department: str
    created_on: dt.date
    deadline: dt.date
    status: str
    overdue: bool


class PlanOut(Schema):
    code: str
    level: str
    status: str
    designated_on: dt.date
    reasons: dict[str, str]
    history: list[dict[str, str]]
    problems: list[dict[str, str]]
    measures: list[MeasureOut]
    targets: list[dict[str, Any]]


class MeasureIn(Schema):
    # The same limits as the page's forms (issue 19.7).
    title: str = Field(min_length=1, max_length=300)
    leader: str = Field(min_length=1, max_length=100)
    department: str = Field(min_length=1, max_length=100)
    deadline: dt.date
    created_on: dt.date | None = None


class ProgressIn(Schema):
    quarter: str = Field(min_length=1, max_length=10)
    text: str = Field(min_length=1, max_length=4000)
    status: MeasureStatus


def _measure_out(m: Measure, today: dt.date) -> dict[str, Any]:
    return {
        "id": m.pk,
        "title": m.title,
        "leader": m.leader,
        "department": m.department,
        "created_on": m.created_on,
        "deadline": m.deadline,
        "status": m.status,
        "overdue": m.is_overdue(today),
    }


def _designation(user: Any, code: str) -> Designation:
    unit = get_unit_for_user(user, code)
    designation = unit.weak_designations.order_by("-designated_on").first()
    if designation is None:
        raise Http404("No designation")
    return designation


@router.get("/weak-units", response={200: BoardOut, **ERRORS}, summary="The weak-unit board")
def weak_units(request: HttpRequest) -> dict[str, Any]:
    user = auth_user(request)
    today = timezone.localdate()
    designations = designations_for(user)
    counts = plan_counts(designations, today=today)
    rows = [
        {
            "code": r.designation.unit.code,
            "name_zh": r.designation.unit.name_zh,
            "level": r.designation.level,
            "status": r.designation.status,
            "designated_on": r.designation.designated_on,
            "partner": r.partner,
            "measures": r.measures,
            "measures_done": r.measures_done,
            "measures_overdue": r.measures_overdue,
            "targets": r.targets,
            "targets_met": r.targets_met,
            "relapse_period": r.relapse.warning.period
            if r.relapse is not None and r.relapse.warning
            else None,
        }
        for r in board(user, today=today)
    ]
    return {**counts.__dict__, "posts_exchanged": posts_exchanged(designations), "units": rows}


@router.get(
    "/weak-units/{code}",
    response={200: PlanOut, **ERRORS},
    summary="A weak unit's plan (404 out of scope)",
)
def weak_unit(request: HttpRequest, code: str) -> dict[str, Any]:
    d = _designation(auth_user(request), code)
    today = timezone.localdate()
    return {
        "code": d.unit.code,
        "level": d.level,
        "status": d.status,
        "designated_on": d.designated_on,
        "reasons": {r.dimension: r.text for r in d.reasons.all()},
        "history": [
            {"status": h.status, "on": h.on.isoformat(), "by": h.actor_name}
            for h in d.history.all()
        ],
        "problems": [
            {"dimension": p.dimension, "source": p.source, "description": p.description}
            for p in d.problems.all()
        ],
        "measures": [_measure_out(m, today) for m in d.measures.all()],
        "targets": [
            {"indicator": t.indicator, "period": t.period, "value": t.value}
            for t in d.targets.all()
        ],
    }


@router.post(
    "/weak-units/{code}/measures",
    response={201: MeasureOut, **ERRORS},
    summary="Add a rectification measure (city reviewer or province)",
)
def create_measure(
    request: HttpRequest, code: str, payload: MeasureIn
) -> tuple[int, dict[str, Any]]:
    user = auth_user(request)
    d = _designation(user, code)
    today = timezone.localdate()
    measure = call_service(
        lambda: add_measure(
            designation=d,
            title=payload.title,
            leader=payload.leader,
            department=payload.department,
            created_on=payload.created_on or today,
            deadline=payload.deadline,
            actor=user,
        )
    )
    return 201, _measure_out(measure, today)


@router.post(
    "/measures/{measure_id}/progress",
    response={200: MeasureOut, **ERRORS},
    summary="Report a quarter's progress on a measure (the unit's clerk)",
)
def progress(request: HttpRequest, measure_id: int, payload: ProgressIn) -> dict[str, Any]:
    user = auth_user(request)
    measure = Measure.objects.filter(pk=measure_id, designation__in=designations_for(user)).first()
    if measure is None:
        raise Http404("No measure")
    today = timezone.localdate()
    call_service(
        lambda: report_progress(
            measure=measure,
            quarter=payload.quarter,
            text=payload.text,
            status=payload.status,
            on=today,
            actor=user,
        )
    )
    measure.refresh_from_db()
    return _measure_out(measure, today)


# ---------------------------------------------------------------------------------------------
# Decisions fed from stored evaluation runs (candidates, pairing, target checks)


class RankOut(Schema):
    period: str
    score: float | None
    rank: int | None
    ranked: int
    rank_q05: float | None
    rank_q95: float | None
    bottom: bool


class CandidateOut(Schema):
    code: str
    name_zh: str
    times_bottom: int
    designated: bool
    history: list[RankOut]


class CandidatesOut(Schema):
    k: int
    n: int
    share: int
    periods: list[str]
    candidates: list[CandidateOut]


class PairingRowOut(Schema):
    code: str
    recommended: str | None
    cost: float | None
    same_city: bool | None
    partner: str | None
    contact_leader: str


class PairingOut(Schema):
    period: str | None
    capacity: int
    strong_units: int
    rows: list[PairingRowOut]


class TargetCheckOut(Schema):
    indicator: str
    period: str
    target: float
    value: float | None
    met: bool | None
    run_id: int | None
    stored: bool


def _province_admin(user: Any) -> None:
    membership = membership_of(user)
    if membership is None or membership.role != Role.PROVINCE_ADMIN:
        raise HttpError(403, "only the province administrator decides this")


@router.get(
    "/candidates",
    response={200: CandidatesOut, **ERRORS},
    summary="Designation candidates from stored runs (province administrator)",
)
def candidates(request: HttpRequest, k: int = 3, n: int = 4, share: int = 33) -> dict[str, Any]:
    user = auth_user(request)
    _province_admin(user)
    if not (1 <= k <= n <= 12 and 1 <= share <= 99):
        raise HttpError(422, "k, n, share: need 1 <= k <= n <= 12 and 1 <= share <= 99")
    found = decisions.candidate_rows(user, k=k, n=n, share=share)
    rows = [
        {
            "code": r.unit.code,
            "name_zh": r.unit.name_zh,
            "times_bottom": r.times_bottom,
            "designated": r.designation is not None,
            "history": [h.__dict__ for h in r.history],
        }
        for r in found.rows
    ]
    return {"k": k, "n": n, "share": share, "periods": found.periods, "candidates": rows}


@router.get(
    "/pairing",
    response={200: PairingOut, **ERRORS},
    summary="Recommended partners for every weak unit (province administrator)",
)
def pairing(request: HttpRequest, period: str | None = None, capacity: int = 1) -> dict[str, Any]:
    user = auth_user(request)
    _province_admin(user)
    if capacity < 1:
        raise HttpError(422, "capacity: must be at least 1")
    periods = stored_periods(path=scope_path(user))
    if period is not None and period not in periods:
        raise HttpError(422, f"period: no finished core-business run for {period}")
    plan = decisions.pairing_plan(
        user, period=period or (periods[-1] if periods else None), capacity=capacity
    )
    rows = [
        {
            "code": r.designation.unit.code,
            "recommended": r.recommended.code if r.recommended else None,
            "cost": r.why.cost if r.why else None,
            "same_city": r.why.same_city if r.why else None,
            "partner": r.current.partner.code if r.current else None,
            "contact_leader": r.current.contact_leader if r.current else "",
        }
        for r in plan.rows
    ]
    return {"period": plan.period, "capacity": capacity, "strong_units": plan.pool, "rows": rows}


@router.get(
    "/weak-units/{code}/target-checks",
    response={200: list[TargetCheckOut], **ERRORS},
    summary="A weak unit's targets against the latest stored run of each period",
)
def weak_unit_target_checks(request: HttpRequest, code: str) -> list[dict[str, Any]]:
    d = _designation(auth_user(request), code)
    return [
        {
            "indicator": o.target.indicator,
            "period": o.target.period,
            "target": o.target.value,
            "value": o.value,
            "met": o.met,
            "run_id": o.run.pk if o.run else None,
            "stored": o.stored,
        }
        for o in target_checks(d)
    ]


# The plan's endpoints (problems, measure edits, targets, ledger, overdue) live in plans/api.py.
router.add_router("", plan_router)
