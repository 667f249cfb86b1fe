"""API endpoints of the supervision app, mounted by grassroots.web.api under /api/supervision.

Every read starts from the caller's scope (404 outside it); writes go through the services, so
the same permission rules and audit apply as on the pages. Identity numbers are masked in
every answer; the reveal endpoint answers the clear number only to an allowed role, with a
reason, and logs it.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from ninja import File, Form, Router, Schema
from ninja.errors import HttpError
from ninja.files import UploadedFile

from grassroots.api_caller import auth_user
from grassroots.engine.periods import Period
from grassroots.engine.supervision.datasets import Column
from grassroots.errors import ERRORS, Rejected
from grassroots.organisations.scope import get_unit_for_user, membership_of
from grassroots.supervision import selectors
from grassroots.supervision.models import Lead, Step
from grassroots.supervision.services import (
    SupervisionError,
    advance_lead,
    advance_model_version,
    delete_dataset_version,
    record_export,
    reveal,
    run_model_version,
    save_model_version,
    upload_dataset,
)

router = Router(tags=["supervision"])
T = TypeVar("T")


class _Rejected(Exception):
    def __init__(self, body: dict[str, Any]) -> None:
        self.body = body


def _call(service: Callable[[], T]) -> T:
    try:
        return service()
    except PermissionDenied as exc:
        raise HttpError(403, str(exc) or "Your role may not do this") from None
    except SupervisionError as exc:
        if exc.problems:
            problems = [
                {"source": p.file, "sheet": p.sheet, "row": p.row, "column": p.column, "message": m}
                for p, m in zip(exc.problems, exc.messages, strict=True)
            ]
            raise _Rejected(
                {"detail": "rejected, nothing was written", "problems": problems}
            ) from None
        raise HttpError(422, "; ".join(exc.messages)) from None


class DatasetOut(Schema):
    id: int
    name: str
    title: str
    version: int
    source_agency: str
    data_date: dt.date
    legal_basis: str
    rows: int
    retain_until: dt.date
    owner: str
    deleted: bool
    columns: list[dict[str, Any]]


class ModelVersionOut(Schema):
    id: int
    number: int
    status: str
    sql: str
    parameters: dict[str, Any]


class ModelOut(Schema):
    id: int
    code: str
    name_zh: str
    name_en: str
    business_line: str
    supervision_point: str
    owner: str
    versions: list[ModelVersionOut]


class RunIn(Schema):
    parameters: dict[str, Any] = {}


class ModelRunOut(Schema):
    id: int
    model: str
    version: int
    unit: str
    started_at: dt.datetime
    found: int
    new: int
    seconds: float


class LeadOut(Schema):
    id: int
    model: str
    unit: str
    jurisdiction: str
    subject: str
    fields: dict[str, Any]
    evidence: list[dict[str, Any]]
    risk_score: float
    step: str
    step_since: dt.date
    due: dt.date | None
    overdue: bool


class StepIn(Schema):
    step: Step
    on: dt.date
    note: str = ""
    evidence: str = ""
    document: str = ""
    adopted: bool = False
    recovered: Decimal | None = None


class RevealIn(Schema):
    reason: str


class RevealOut(Schema):
    id_number: str


class ModelMeasureOut(Schema):
    model: str
    unit: str
    leads: int
    filed: int
    rate: float | None
    adopted: int
    recovered: Decimal


def _dataset(v: Any) -> DatasetOut:
    return DatasetOut(
        id=v.pk,
        name=v.dataset.name,
        title=v.dataset.title,
        version=v.number,
        source_agency=v.source_agency,
        data_date=v.data_date,
        legal_basis=v.legal_basis,
        rows=v.rows,
        retain_until=v.retain_until,
        owner=v.dataset.owner.code,
        deleted=v.deleted_at is not None,
        columns=v.columns,
    )


def _lead(lead: Lead) -> LeadOut:
    today = timezone.localdate()
    return LeadOut(
        id=lead.pk,
        model=lead.model.code,
        unit=lead.unit.code,
        jurisdiction=lead.jurisdiction,
        subject=lead.subject_masked,
        fields=lead.fields,
        evidence=lead.evidence,
        risk_score=lead.risk_score,
        step=lead.step,
        step_since=lead.step_since,
        due=selectors.due_date(lead),
        overdue=selectors.is_overdue(lead, today),
    )


def _run(run: Any) -> ModelRunOut:
    return ModelRunOut(
        id=run.pk,
        model=run.version.model.code,
        version=run.version.number,
        unit=run.unit.code,
        started_at=run.started_at,
        found=run.found,
        new=run.new,
        seconds=run.seconds,
    )


@router.get("/datasets", response={200: list[DatasetOut], **ERRORS})
def list_datasets(request: HttpRequest) -> list[DatasetOut]:
    user = auth_user(request)
    return [_dataset(v) for d in selectors.datasets_for(user) for v in d.versions.all()]


@router.get("/datasets/{version_id}", response={200: DatasetOut, **ERRORS})
def get_dataset(request: HttpRequest, version_id: int) -> DatasetOut:
    return _dataset(selectors.dataset_version_for(auth_user(request), version_id))


@router.get("/models", response={200: list[ModelOut], **ERRORS})
def list_models(request: HttpRequest) -> list[ModelOut]:
    user = auth_user(request)
    return [
        ModelOut(
            id=m.pk,
            code=m.code,
            name_zh=m.name_zh,
            name_en=m.name_en,
            business_line=m.business_line,
            supervision_point=m.supervision_point,
            owner=m.owner.code,
            versions=[
                ModelVersionOut(
                    id=v.pk, number=v.number, status=v.status, sql=v.sql, parameters=v.parameters
                )
                for v in m.versions.all()
            ],
        )
        for m in selectors.models_for(user).prefetch_related("versions")
    ]


@router.post("/models/{code}/versions/{number}/run", response={201: ModelRunOut, **ERRORS})
def run(request: HttpRequest, code: str, number: int, payload: RunIn) -> tuple[int, ModelRunOut]:
    user = auth_user(request)
    model = selectors.model_by_code(user, code)
    version = model.versions.filter(number=number).first()
    if version is None:
        raise HttpError(404, "No such model version")
    done = _call(
        lambda: run_model_version(actor=user, version=version, parameters=payload.parameters)
    )
    return 201, _run(selectors.run_for(user, done.pk))


@router.get("/runs/{run_id}", response={200: ModelRunOut, **ERRORS})
def get_run(request: HttpRequest, run_id: int) -> ModelRunOut:
    return _run(selectors.run_for(auth_user(request), run_id))


@router.get("/leads", response={200: list[LeadOut], **ERRORS})
def list_leads(
    request: HttpRequest, model: str = "", step: str = "", overdue: bool = False
) -> list[LeadOut]:
    user = auth_user(request)
    leads = selectors.leads_for(user)
    if model:
        leads = leads.filter(model__code=model)
    if step:
        leads = leads.filter(step=step)
    rows = [_lead(lead) for lead in leads]
    membership = membership_of(user)
    if membership is not None:
        record_export(actor=user, unit=membership.unit, count=len(rows), what="leads (API)")
    return [r for r in rows if r.overdue] if overdue else rows


@router.get("/leads/{lead_id}", response={200: LeadOut, **ERRORS})
def get_lead(request: HttpRequest, lead_id: int) -> LeadOut:
    return _lead(selectors.lead_for(auth_user(request), lead_id))


@router.post("/leads/{lead_id}/steps", response={200: LeadOut, **ERRORS})
def add_step(request: HttpRequest, lead_id: int, payload: StepIn) -> LeadOut:
    user = auth_user(request)
    lead = selectors.lead_for(user, lead_id)
    done = _call(
        lambda: advance_lead(
            actor=user,
            lead=lead,
            step=payload.step,
            on=payload.on,
            note=payload.note,
            evidence=payload.evidence,
            document=payload.document,
            adopted=payload.adopted,
            recovered=payload.recovered,
        )
    )
    return _lead(done)


@router.post("/leads/{lead_id}/reveal", response={200: RevealOut, **ERRORS})
def reveal_subject(request: HttpRequest, lead_id: int, payload: RevealIn) -> RevealOut:
    user = auth_user(request)
    lead = selectors.lead_for(user, lead_id)
    return RevealOut(id_number=_call(lambda: reveal(actor=user, lead=lead, reason=payload.reason)))


@router.get("/measures", response={200: list[ModelMeasureOut], **ERRORS})
def measures(request: HttpRequest, model: str = "") -> list[ModelMeasureOut]:
    user = auth_user(request)
    rows = (
        selectors.model_feedback(user, selectors.model_by_code(user, model))
        if model
        else selectors.measures_for(user)
    )
    return [
        ModelMeasureOut(
            model=m.model_code,
            unit=m.unit_code,
            leads=m.leads,
            filed=m.filed,
            rate=m.rate,
            adopted=m.adopted,
            recovered=m.recovered,
        )
        for m in rows
    ]


class ColumnIn(Schema):
    name: str
    kind: str


class ModelVersionIn(Schema):
    unit: str
    code: str
    name_zh: str
    name_en: str = ""
    business_line: str
    supervision_point: str
    sql: str
    parameters: dict[str, dict[str, Any]] = {}


class ReasonIn(Schema):
    reason: str


@router.post(
    "/datasets",
    response={201: DatasetOut, 400: Rejected, **ERRORS},
    summary="Upload another agency's file (CSV, Excel or Parquet) as a new dataset version",
)
def upload(
    request: HttpRequest,
    unit: Form[str],
    name: Form[str],
    title: Form[str],
    source_agency: Form[str],
    data_date: Form[dt.date],
    legal_basis: Form[str],
    columns: Form[str],
    file: File[UploadedFile],
    retain_until: Form[dt.date | None] = None,
) -> tuple[int, Any]:
    """``columns``: one ``name:kind`` a line or comma-separated (kinds: text, integer, decimal,
    date, id_number). A malformed file is refused whole (400) with every problem located."""
    user = auth_user(request)
    target = get_unit_for_user(user, unit)
    try:
        declared = [
            Column(n.strip(), k.strip() or "text", required=k.strip() == "id_number")
            for n, _sep, k in (
                part.partition(":")
                for part in columns.replace(",", "\n").splitlines()
                if part.strip()
            )
        ]
    except ValueError as exc:
        raise HttpError(422, str(exc)) from None
    suffix = Path(file.name or "").suffix.lower() or ".csv"
    with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
        for chunk in file.chunks():
            handle.write(chunk)
        handle.flush()
        try:
            version = _call(
                lambda: upload_dataset(
                    actor=user,
                    unit=target,
                    name=name,
                    title=title,
                    source_agency=source_agency,
                    data_date=data_date,
                    legal_basis=legal_basis,
                    columns=declared,
                    file=Path(handle.name),
                    filename=file.name or "upload",
                    retain_until=retain_until,
                )
            )
        except _Rejected as exc:
            return 400, exc.body
    return 201, _dataset(version)


@router.delete("/datasets/{version_id}", response={200: DatasetOut, **ERRORS})
def delete_dataset(request: HttpRequest, version_id: int, payload: ReasonIn) -> DatasetOut:
    user = auth_user(request)
    version = selectors.dataset_version_for(user, version_id)
    return _dataset(
        _call(lambda: delete_dataset_version(actor=user, version=version, reason=payload.reason))
    )


@router.post(
    "/models", response={201: ModelVersionOut, **ERRORS}, summary="Save a new draft version"
)
def new_version(request: HttpRequest, payload: ModelVersionIn) -> tuple[int, ModelVersionOut]:
    user = auth_user(request)
    target = get_unit_for_user(user, payload.unit)
    if selectors.model_code_taken_elsewhere(user, payload.code):
        raise HttpError(404, "No such model")  # another unit's model: not there for you
    v = _call(
        lambda: save_model_version(
            actor=user,
            unit=target,
            code=payload.code,
            name_zh=payload.name_zh,
            name_en=payload.name_en,
            business_line=payload.business_line,
            supervision_point=payload.supervision_point,
            sql=payload.sql,
            parameters=payload.parameters,
        )
    )
    return 201, ModelVersionOut(
        id=v.pk, number=v.number, status=v.status, sql=v.sql, parameters=v.parameters
    )


@router.post("/models/{code}/versions/{number}/advance", response={200: ModelVersionOut, **ERRORS})
def advance(request: HttpRequest, code: str, number: int) -> ModelVersionOut:
    user = auth_user(request)
    version = selectors.model_by_code(user, code).versions.filter(number=number).first()
    if version is None:
        raise HttpError(404, "No such model version")
    v = _call(lambda: advance_model_version(actor=user, version=version))
    return ModelVersionOut(
        id=v.pk, number=v.number, status=v.status, sql=v.sql, parameters=v.parameters
    )


class ElementOut(Schema):
    unit_code: str
    period: str
    element: str
    value: float


@router.get(
    "/elements",
    response={200: list[ElementOut], **ERRORS},
    summary="Measures as data elements (leads, filed, 成案率, adopted, recovered) per unit",
)
def elements(request: HttpRequest, period: str) -> list[ElementOut]:
    """The leads first found in ``period`` (2024Q4, 2024, 2024Q3-YTD) per unit in scope, in the
    long format of the engine's element values."""
    user = auth_user(request)
    try:
        parsed = Period.parse(period.strip())
    except ValueError:
        raise HttpError(422, f"'{period}' is not a period such as 2024Q3") from None
    rows = selectors.element_values(user, start=parsed.start, end=parsed.end)
    return [ElementOut(unit_code=u, period=parsed.key, element=e, value=v) for u, e, v in rows]
