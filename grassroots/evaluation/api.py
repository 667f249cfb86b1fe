"""API endpoints of the evaluation app, mounted by grassroots.web.api under /api/evaluation.

Same rules as the pages: runs and results only for callers with a league scope, results only
for units in it, ranks and colours only for the roles the run's scheme allows.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from grassroots.api_caller import auth_user
from grassroots.errors import ERRORS
from grassroots.evaluation.errors import NotAllowed, OutOfScope, RunError
from grassroots.evaluation.forms import source_folders
from grassroots.evaluation.models import EvaluationRun, SchemeVersion
from grassroots.evaluation.permissions import may_run, visibility_for
from grassroots.evaluation.publication import publish_run
from grassroots.evaluation.reasons import group_names, render_why
from grassroots.evaluation.results import why_reason
from grassroots.evaluation.runs import (
    INTAKE_SOURCE,
    MAX_SEED,
    MAX_SENSITIVITY,
    queue_run,
    retry_run,
)
from grassroots.evaluation.schemes import scheme_of
from grassroots.evaluation.selectors import get_run_for_user, runs_for, scope_root
from grassroots.organisations import versions
from grassroots.organisations.models import Unit
from grassroots.organisations.scope import league_root
from grassroots.organisations.versions import province_of

router = Router(tags=["evaluation"])
MAX_LIMIT = 5000


class RunOut(Schema):
    id: int
    scheme: str
    scheme_version: int
    period: str
    status: str
    progress: int
    input_hash: str
    source_kind: str
    # A folder run: {file: SHA-256}. An intake run: {"cases": {unit: version id}, "checksums",
    # "figures": {upload id: SHA-256}, "missing": {unit: ["cases"|"figures"]}, "units"}.
    data_versions: dict[str, Any]
    parameters: dict[str, Any]
    created_at: datetime
    finished_at: datetime | None
    error: str
    # Read data the province had not accepted: never published, never read by a rule.
    provisional: bool
    publication: str  # "draft" | "published" | "superseded"
    published_at: datetime | None
    superseded_by: int | None
    retry_of: int | None  # the failed run this one retries


class RunIn(Schema):
    # The same limits as the page's form and the database columns (issue 19.6-7).
    scheme: str = Field(max_length=60)
    period: str = Field(max_length=20)
    # A case-record folder of the data directory; leave out with from_intake.
    source: str = Field("", max_length=500)
    # Read intake's current data versions (and reported figures) of the period for the units
    # in the caller's scope instead of a folder.
    from_intake: bool = False
    # None: the scheme's replications (its `uncertainty`)
    sensitivity: int | None = Field(None, ge=0, le=MAX_SENSITIVITY)
    seed: int = Field(0, ge=0, le=MAX_SEED)
    # With from_intake: read data the province has not accepted yet too (a provisional run).
    provisional: bool = False


class ResultOut(Schema):
    unit_code: str
    node: str
    level: str
    value: float | None
    score: float | None
    rank_peer: int | None
    rank_all: int | None
    colour: str
    rank_q05: float | None
    rank_median: float | None
    rank_q95: float | None
    why: str  # the engine's English sentence
    why_text: str  # the same reason in the request's language (Accept-Language)
    why_reason: list[dict[str, Any]]  # [{"key": ..., "params": {...}}]: engine.colours.Reason


class ResultPage(Schema):
    provisional: bool  # the run read data the province had not accepted
    count: int
    ranks_shown: bool
    colours_shown: bool
    items: list[ResultOut]


class ResultFilters(Schema):
    node: str | None = Field(None, max_length=80)
    unit: str | None = Field(None, max_length=12)
    limit: int = Field(1000, ge=0, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=10_000_000)


def _covers(root: Unit, run: EvaluationRun) -> bool:
    """Does the reader's scope ``root`` cover every unit the run read?"""
    if not root.path:
        return True
    scope = (
        Unit.objects.filter(code=run.scope_code).only("path").first() if run.scope_code else None
    )
    return scope is not None and scope.path.startswith(root.path)


def _trim_inputs(versions: dict[str, Any], units: set[str]) -> dict[str, Any]:
    """An intake run's input map with only the reader's units (issue 19.5): the versions,
    checksums and gaps of other units, cities or provinces are not the reader's to see."""

    def by_unit(value: Any) -> Any:
        return {k: v for k, v in (value or {}).items() if k in units}

    cases = by_unit(versions.get("cases"))
    earlier = {p: by_unit(m) for p, m in (versions.get("earlier") or {}).items()}
    spans = {p: by_unit(m) for p, m in (versions.get("spans") or {}).items()}
    kept = {str(v) for v in cases.values()}
    kept |= {str(v) for m in earlier.values() for v in m.values()}
    kept |= {str(v) for m in spans.values() for ids in m.values() for v in ids}
    out: dict[str, Any] = {
        "cases": cases,
        "checksums": {k: v for k, v in (versions.get("checksums") or {}).items() if k in kept},
        "figures": {},
        "missing": by_unit(versions.get("missing")),
        "unaccepted": [c for c in versions.get("unaccepted") or [] if c in units],
        "units": by_unit(versions.get("units")),
    }
    if "accepted" in versions:
        out["accepted"] = {
            p: [c for c in codes if c in units] for p, codes in versions["accepted"].items()
        }
    if earlier:
        out["earlier"] = earlier
    if spans:
        out["spans"] = spans
    return out


def _run_out(run: EvaluationRun, root: Unit | None = None) -> dict[str, Any]:
    versions = run.data_versions
    if root is not None and run.from_intake and not _covers(root, run):
        codes = set(Unit.objects.filter(path__startswith=root.path).values_list("code", flat=True))
        versions = _trim_inputs(versions, codes)
    return {
        "id": run.pk,
        "scheme": run.scheme_version.code,
        "scheme_version": run.scheme_version.version,
        "period": run.period,
        "status": run.status,
        "progress": run.progress,
        "input_hash": run.input_hash,
        "source_kind": run.source_kind,
        "data_versions": versions,
        "parameters": run.parameters,
        "created_at": run.created_at,
        "finished_at": run.finished_at,
        "error": run.error,
        "provisional": run.provisional,
        "publication": run.publication,
        "published_at": run.published_at,
        "superseded_by": run.superseded_by_id,
        "retry_of": run.retry_of_id,
    }


@router.get("/runs", response={200: list[RunOut], **ERRORS}, summary="Evaluation runs")
def list_runs(request: HttpRequest) -> list[dict[str, Any]]:
    user = auth_user(request)
    root = league_root(user)
    if root is None:
        return []
    return [_run_out(r, root) for r in runs_for(user, root=root)[:200]]


@router.get("/runs/{run_id}", response={200: RunOut, **ERRORS}, summary="One run")
def get_run(request: HttpRequest, run_id: int) -> dict[str, Any]:
    user = auth_user(request)
    root = scope_root(user)
    run = runs_for(user, root=root).filter(pk=run_id).first()
    if run is None:
        raise HttpError(404, "No such run")
    return _run_out(run, root)


@router.post("/runs", response={202: RunOut, **ERRORS}, summary="Queue a run")
def create_run(request: HttpRequest, payload: RunIn) -> tuple[int, dict[str, Any]]:
    user = auth_user(request)
    if not may_run(user):
        raise HttpError(403, "your role may not start evaluations")
    root = scope_root(user)
    # The caller's province's own version of the scheme, else the national default.
    version = versions.current(SchemeVersion, province=province_of(root), code=payload.scheme)
    if version is None:
        raise HttpError(422, f"no scheme {payload.scheme!r}")
    if payload.from_intake and payload.source:
        raise HttpError(422, "give either source or from_intake, not both")
    allowed = {str(p) for p in source_folders()}
    if not payload.from_intake and payload.source not in allowed:
        raise HttpError(
            422,
            "source must be one of the case-record folders of the data directory "
            "(or set from_intake)",
        )
    try:
        run = queue_run(
            scheme_version=version,
            period=payload.period,
            source=INTAKE_SOURCE if payload.from_intake else Path(payload.source),
            actor=user,
            sensitivity=payload.sensitivity,
            seed=payload.seed,
            scope=root,
            provisional=payload.provisional,
        )
    except RunError as exc:
        raise HttpError(422, str(exc)) from None
    return 202, _run_out(run)


@router.post(
    "/runs/{run_id}/retry", response={202: RunOut, **ERRORS}, summary="Queue a failed run again"
)
def retry(request: HttpRequest, run_id: int) -> tuple[int, dict[str, Any]]:
    user = auth_user(request)
    run = get_run_for_user(user, run_id)  # 404: not a run the caller may see
    if not may_run(user):
        raise HttpError(403, "your role may not start evaluations")
    try:
        return 202, _run_out(retry_run(run=run, actor=user))
    except RunError as exc:
        raise HttpError(422, str(exc)) from None


@router.post(
    "/runs/{run_id}/publish", response={200: RunOut, **ERRORS}, summary="Publish a draft run"
)
def publish(request: HttpRequest, run_id: int) -> dict[str, Any]:
    user = auth_user(request)
    run = get_run_for_user(user, run_id)  # 404: not a run the caller may see
    try:
        return _run_out(publish_run(run=run, actor=user))
    except OutOfScope:
        raise HttpError(404, "No such run") from None
    except NotAllowed as exc:
        raise HttpError(403, str(exc)) from None
    except RunError as exc:
        raise HttpError(422, str(exc)) from None


@router.get(
    "/runs/{run_id}/results",
    response={200: ResultPage, **ERRORS},
    summary="A run's results for the units in the caller's scope",
)
def run_results(request: HttpRequest, run_id: int, filters: Query[ResultFilters]) -> dict[str, Any]:
    user = auth_user(request)
    run = get_run_for_user(user, run_id)
    visible = visibility_for(user, scheme_of(run.scheme_version))
    rows = run.results.filter(unit_path__startswith=scope_root(user).path).order_by(
        "unit_code", "id"
    )
    if filters.node:
        rows = rows.filter(node=filters.node)
    if filters.unit:
        rows = rows.filter(unit_code=filters.unit)
    limit = max(0, min(filters.limit, MAX_LIMIT))
    shows_why = visible.ranks and visible.colours
    items = []
    page = list(rows[filters.offset : filters.offset + limit])
    groups = [
        str((reason.get("params") or {}).get("group", ""))
        for r in page
        for reason in (r.why_reason or [])
    ]
    names = group_names([g for g in groups if g]) if shows_why else {}
    for r in page:
        items.append(
            {
                "unit_code": r.unit_code,
                "node": r.node,
                "level": r.level,
                "value": r.value,
                "score": r.score,
                "rank_peer": r.rank_peer if visible.ranks else None,
                "rank_all": r.rank_all if visible.ranks else None,
                "colour": r.colour if visible.colours else "",
                "rank_q05": r.rank_q05 if visible.ranks else None,
                "rank_median": r.rank_median if visible.ranks else None,
                "rank_q95": r.rank_q95 if visible.ranks else None,
                # The reason names the rank and colour ("rank 11 of 12 … → red").
                "why": r.why if shows_why else "",
                "why_text": render_why(r.why, r.why_reason, names) if shows_why else "",
                "why_reason": (r.why_reason or why_reason(r.why)) if shows_why else [],
            }
        )
    return {
        "provisional": run.provisional,
        "count": rows.count(),
        "ranks_shown": visible.ranks,
        "colours_shown": visible.colours,
        "items": items,
    }
