"""API endpoints of the intake app, mounted by grassroots.web.api under /api/intake."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema
from ninja.errors import HttpError
from ninja.files import UploadedFile

from grassroots.api_caller import auth_user
from grassroots.engine.catalogue import list_catalogues
from grassroots.engine.errors import InputError
from grassroots.engine.periods import Period
from grassroots.errors import ERRORS, Error, Rejected
from grassroots.files import disk_name, private_tmp
from grassroots.intake.cases.forms import period_key
from grassroots.intake.cases.services import ConcurrentUpload, UploadRefused
from grassroots.intake.cases.views import save_upload
from grassroots.intake.figures.services import FiguresChanged, build_template, import_figures
from grassroots.intake.figures.views import XLSX, reporting_catalogues
from grassroots.intake.models import (
    DataVersion,
    Submission,
    SubmissionStatus,
    Trigger,
    ValidationFinding,
)
from grassroots.intake.permissions import can_run_validation, visible_versions
from grassroots.intake.reporting.services import Tally, reporting_rate, set_deadline
from grassroots.intake.validation.services import run_all, units_to_check
from grassroots.intake.validation.views import checked_units, latest_findings
from grassroots.intake.workflow import services as workflow
from grassroots.intake.workflow.services import NotAllowed
from grassroots.organisations.models import Level, Unit
from grassroots.organisations.scope import get_unit_for_user, membership_of, visible_units
from grassroots.problem_wording import message_in_language

router = Router(tags=["intake"])
MAX_LIST = 500


class FindingOut(Schema):
    unit_code: str
    period: str
    kind: str
    code: str
    importance: str
    left: float | None
    right: float | None
    value: float | None
    median: float | None
    z: float | None
    basis: str
    references: int | None
    message: str


def _finding(f: ValidationFinding) -> dict[str, Any]:
    return {
        "unit_code": f.unit.code, "period": f.period, "kind": f.kind, "code": f.code,
        "importance": f.importance, "left": f.left, "right": f.right, "value": f.value,
        "median": f.median, "z": f.z, "basis": f.basis, "references": f.references,
        "message": f.message,
    }  # fmt: skip


class VersionOut(Schema):
    id: int
    unit_code: str
    period: str
    periods: list[str]
    row_counts: dict[str, int]
    checksum: str
    source_name: str
    uploader: str
    created: dt.datetime
    supersedes: int | None


class ElementValueOut(Schema):
    unit_code: str
    period: str
    element: str
    value: float


class VersionDetail(VersionOut):
    element_values: list[ElementValueOut]


def _problems(exc: InputError) -> list[dict[str, Any]]:
    return [
        {
            "source": p.source,
            "sheet": p.sheet,
            "row": p.row,
            "column": p.column,
            "message": message_in_language(p.message),
        }  # fmt: skip
        for p in exc.problems
    ]


def _out(version: DataVersion) -> dict[str, Any]:
    return {
        "id": version.pk,
        "unit_code": version.unit.code,
        "period": version.period,
        "periods": version.periods,
        "row_counts": version.row_counts,
        "checksum": version.checksum,
        "source_name": version.source_name,
        "uploader": version.uploader_name,
        "created": version.created,
        "supersedes": version.supersedes_id,
    }


@router.get(
    "/versions", response={200: list[VersionOut], **ERRORS}, summary="Data versions in scope"
)
def list_versions(
    request: HttpRequest, unit: str | None = None, period: str | None = None
) -> list[dict[str, Any]]:
    versions = visible_versions(auth_user(request))
    if unit:
        versions = versions.filter(unit__code=unit)
    if period:
        versions = versions.filter(period=period)
    return [_out(v) for v in versions[:MAX_LIST]]


@router.get(
    "/versions/{version_id}",
    response={200: VersionDetail, **ERRORS},
    summary="One data version and its element values (404 outside scope)",
)
def get_version(request: HttpRequest, version_id: int) -> dict[str, Any]:
    version = get_object_or_404(visible_versions(auth_user(request)), pk=version_id)
    values = version.element_values.select_related("unit").order_by("unit__path", "element")
    return {
        **_out(version),
        "element_values": [
            {"unit_code": v.unit.code, "period": v.period, "element": v.element, "value": v.value}
            for v in values
        ],
    }


@router.post(
    "/cases",
    response={201: VersionOut, 400: Rejected, 409: Error, **ERRORS},
    summary="Upload a case-system export (csv/parquet/zip) as a new data version",
)
def upload_cases(
    request: HttpRequest,
    unit: Form[str],
    period: Form[str],
    file: File[UploadedFile],
) -> tuple[int, dict[str, Any]]:
    user = auth_user(request)
    target = get_unit_for_user(user, unit)  # 404 first: out of scope reveals nothing
    try:
        key = Period.parse(period.strip()).key
    except ValueError:
        raise HttpError(422, f"'{period}' is not a period such as 2024Q3") from None
    try:
        version = save_upload(file, target, key, request)
    except UploadRefused:
        raise HttpError(403, "Your role may not upload data for this unit") from None
    except ConcurrentUpload as exc:
        return 409, {"detail": str(exc)}
    except InputError as exc:
        problems = [
            {
                "source": p.source,
                "sheet": p.sheet,
                "row": p.row,
                "column": p.column,
                "message": message_in_language(p.message),
            }  # fmt: skip
            for p in exc.problems
        ]
        return 400, {"detail": "rejected, nothing was written", "problems": problems}
    return 201, _out(version)


class ChangeOut(Schema):
    unit_code: str
    element: str
    old: float | None
    new: float


class FiguresOut(Schema):
    catalogue: str
    period: str
    rows: int
    dry_run: bool
    upload: int | None
    changes: list[ChangeOut]
    findings: list[FindingOut]


@router.post(
    "/figures",
    response={200: FiguresOut, 400: Rejected, 409: Error, **ERRORS},
    summary="Check (dry_run=true) or import a filled template (.xlsx) or element-values CSV",
)
def upload_figures(
    request: HttpRequest,
    file: File[UploadedFile],
    dry_run: Form[bool] = True,
    catalogue: Form[str | None] = None,
    period: Form[str | None] = None,
) -> tuple[int, dict[str, Any]]:
    name = disk_name(file.name or "upload")
    with tempfile.TemporaryDirectory(prefix="figures-", dir=private_tmp()) as tmp:
        path = Path(tmp) / name
        with path.open("wb") as out:  # in chunks, never the whole upload in memory
            for chunk in file.chunks():
                out.write(chunk)
        try:
            result = import_figures(
                path=path, actor=auth_user(request), source_name=name,
                catalogue=catalogue or None, period=period or None, dry_run=dry_run,
            )  # fmt: skip
        except UploadRefused:
            raise HttpError(403, "Your role may not upload figures") from None
        except FiguresChanged as exc:
            return 409, {"detail": str(exc)}
        except InputError as exc:
            return 400, {"detail": "rejected, nothing was written", "problems": _problems(exc)}
    return 200, {
        "catalogue": result.catalogue,
        "period": result.period,
        "rows": result.rows,
        "dry_run": dry_run,
        "upload": result.upload.pk if result.upload else None,
        "changes": [vars(c) for c in result.changes],
        "findings": [_finding(f) for f in result.findings],
    }


@router.get(
    "/figures/template",
    response={200: None, **ERRORS},
    summary="The protected Excel template for a unit (or a city's units), catalogue and period",
)
def figures_template(request: HttpRequest, unit: str, catalogue: str, period: str) -> HttpResponse:
    target = get_unit_for_user(auth_user(request), unit)
    try:
        key = Period.parse(period.strip()).key
    except ValueError:
        raise HttpError(422, f"'{period}' is not a period such as 2024Q3") from None
    if catalogue not in reporting_catalogues():
        raise HttpError(422, f"no catalogue with reported figures named {catalogue!r}")
    response = HttpResponse(build_template(unit=target, catalogue=catalogue, period=key),
                            content_type=XLSX)  # fmt: skip
    response["Content-Disposition"] = (
        f'attachment; filename="figures-{catalogue}-{key}-{unit}.xlsx"'
    )
    return response


class UnitValidationOut(Schema):
    unit_code: str
    run: int | None
    checked: dt.datetime | None
    trigger: str | None
    findings: list[FindingOut]


class ValidationRunOut(Schema):
    id: int
    period: str
    catalogue: str
    trigger: str
    units: list[str]
    findings: list[FindingOut]


def _period_or_422(period: str) -> str:
    try:
        return Period.parse(period.strip()).key
    except ValueError:
        raise HttpError(422, f"'{period}' is not a period such as 2024Q3") from None


@router.get(
    "/validation",
    response={200: list[UnitValidationOut], **ERRORS},
    summary="Each unit's latest rule violations and outlier flags for a period (in scope)",
)
def list_validation(
    request: HttpRequest, period: str, unit: str | None = None
) -> list[dict[str, Any]]:
    key = _period_or_422(period)
    units = checked_units(auth_user(request), unit or "")
    runs, findings = latest_findings(units, key)
    mine: dict[int, list[Any]] = {}
    for f in findings:
        mine.setdefault(f.unit_id, []).append(f)
    return [
        {
            "unit_code": u.code,
            "run": runs[u.pk].pk if u.pk in runs else None,
            "checked": runs[u.pk].at if u.pk in runs else None,
            "trigger": runs[u.pk].trigger if u.pk in runs else None,
            "findings": [_finding(f) for f in mine.get(u.pk, [])],
        }
        for u in units
    ]


@router.post(
    "/validation",
    response={201: list[ValidationRunOut], **ERRORS},
    summary="Run the validation rules and outlier checks now for a unit (default: your own); "
    "one run per checked catalogue",
)
def run_validation_now(
    request: HttpRequest, period: Form[str], unit: Form[str | None] = None
) -> tuple[int, list[dict[str, Any]]]:
    user = auth_user(request)
    membership = membership_of(user)
    if membership is None:
        raise HttpError(403, "You have no unit")
    target = get_unit_for_user(user, unit) if unit else membership.unit  # 404 outside scope
    key = _period_or_422(period)
    if not can_run_validation(user, target):
        raise HttpError(403, "Your role may not run the checks")
    done = run_all(scope=target, units=units_to_check(target), period=key, actor=user,
                   trigger=Trigger.ON_DEMAND, source="API")  # fmt: skip
    return 201, [
        {
            "id": run.pk,
            "period": run.period,
            "catalogue": run.catalogue,
            "trigger": run.trigger,
            "units": sorted(run.units.values_list("code", flat=True)),
            "findings": [_finding(f) for f in run.findings.select_related("unit")],
        }  # fmt: skip
        for run in done
    ]


class UnitReportOut(Schema):
    unit_code: str
    city_code: str | None
    status: str
    first_submitted: dt.datetime | None
    timeliness: str


class TallyOut(Schema):
    city_code: str | None
    expected: int
    reported: int
    on_time: int
    completeness: float | None
    timeliness: float | None


class ReportOut(Schema):
    period: str
    catalogue: str
    deadline: dt.date | None
    units: list[UnitReportOut]
    cities: list[TallyOut]
    total: TallyOut


def _tally(t: Tally) -> dict[str, Any]:
    return {"city_code": t.unit.code if t.unit else None, "expected": t.expected,
            "reported": t.reported, "on_time": t.on_time, "completeness": t.completeness,
            "timeliness": t.timeliness if t.on_time or t.expected else None}  # fmt: skip


@router.get(
    "/reporting",
    response={200: ReportOut, **ERRORS},
    summary="Completeness and timeliness of a period for the units in scope (DHIS2's reporting rate)",
)
def get_reporting(request: HttpRequest, period: str, catalogue: str = "") -> dict[str, Any]:
    key = _period_or_422(period)
    if catalogue and catalogue not in list_catalogues():
        raise HttpError(422, f"no catalogue named {catalogue!r}")
    report = reporting_rate(user=auth_user(request), period=key, catalogue=catalogue)
    return {
        "period": report.period, "catalogue": report.catalogue,
        "deadline": report.deadline.due if report.deadline else None,
        "units": [
            {"unit_code": line.unit.code, "city_code": line.city.code if line.city else None,
             "status": line.status.value, "first_submitted": line.first_submitted,
             "timeliness": line.timeliness.value}
            for line in report.lines
        ],
        "cities": [_tally(t) for t in report.cities], "total": _tally(report.total),
    }  # fmt: skip


class DeadlineOut(Schema):
    period: str
    catalogue: str
    due: dt.date


@router.post(
    "/deadlines",
    response={200: DeadlineOut, 400: Rejected, **ERRORS},
    summary="Set the due date of a period (optionally of one catalogue): province administrator",
)
def put_deadline(
    request: HttpRequest, period: Form[str], due: Form[dt.date], catalogue: Form[str] = ""
) -> tuple[int, dict[str, Any]]:
    try:
        found = set_deadline(period=period, due=due, catalogue=catalogue, actor=auth_user(request))
    except NotAllowed:
        raise HttpError(403, "Only the province administrator sets deadlines") from None
    except InputError as exc:
        return 400, {"detail": "rejected, nothing was written", "problems": _problems(exc)}
    return 200, {"period": found.period, "catalogue": found.catalogue, "due": found.due}


# ------------------------------------------------ the workflow: submit, approve, accept (lock)


class SubmissionOut(Schema):
    unit_code: str
    city_code: str | None
    period: str
    status: str  # draft | submitted | approved | accepted (locked) | returned
    comment: str
    updated: dt.datetime | None
    updated_by: str
    first_submitted: dt.datetime | None
    actions: list[str]  # what the caller may do now (as the submissions page offers)


def _submission_out(user: Any, unit: Unit, period: str, found: Submission | None) -> dict[str, Any]:
    status = SubmissionStatus(found.status) if found else SubmissionStatus.DRAFT
    return {
        "unit_code": unit.code, "city_code": unit.parent.code if unit.parent else None,
        "period": period, "status": status.value, "comment": found.comment if found else "",
        "updated": found.updated if found else None,
        "updated_by": found.updated_by if found else "",
        "first_submitted": found.first_submitted if found else None,
        "actions": workflow.allowed_actions(actor=user, unit=unit, status=status),
    }  # fmt: skip


def _workflow_period(period: str) -> str:
    key = period_key(period)
    if key is None:  # the submissions page's words
        raise HttpError(422, _("Not a period such as 2024年第四季度, 2024Q4, 2024-07 or 2024."))
    return key


@router.get(
    "/submissions",
    response={200: list[SubmissionOut], **ERRORS},
    summary="Each unit's workflow status for a period (in scope), and the actions you may take",
)
def list_submissions(
    request: HttpRequest, period: str, unit: str | None = None
) -> list[dict[str, Any]]:
    user = auth_user(request)
    key = _workflow_period(period)
    units = visible_units(user).filter(level=Level.GRASSROOTS).select_related("parent")
    if unit:
        below = get_unit_for_user(user, unit)  # 404 outside scope
        units = units.filter(path__startswith=below.path)
    units = units.order_by("path")
    if units.count() > MAX_LIST:  # never a list silently cut short
        message = _("More than %(n)s units: name a province or city with unit=.") % {"n": MAX_LIST}
        raise HttpError(422, message)
    found = {s.unit_id: s for s in Submission.objects.filter(unit__in=units, period=key)}
    return [_submission_out(user, u, key, found.get(u.pk)) for u in units]


Step = Literal["submit", "approve", "return", "accept", "unlock"]


@router.post(
    "/submissions/{action}",
    response={200: list[SubmissionOut], 409: Error, **ERRORS},
    summary="Submit (clerk), approve (city reviewer), return (reviewer or province), accept and "
    "lock a whole city (province administrator) or unlock (province administrator, with a "
    "reason in comment) one unit's data for a period; audited",
)
def act_on_submission(
    request: HttpRequest, action: Step, unit: Form[str], period: Form[str], comment: Form[str] = ""
) -> tuple[int, Any]:
    user = auth_user(request)
    target = get_unit_for_user(user, unit)  # 404 first: out of scope reveals nothing
    key = _workflow_period(period)
    steps = {
        "submit": lambda: [workflow.submit(unit=target, period=key, actor=user, comment=comment)],
        "approve": lambda: [workflow.approve(unit=target, period=key, actor=user, comment=comment)],
        "return": lambda: [
            workflow.return_for_correction(unit=target, period=key, actor=user, comment=comment)
        ],
        "accept": lambda: workflow.accept_city(city=target, period=key, actor=user),
        "unlock": lambda: [workflow.unlock(unit=target, period=key, actor=user, reason=comment)],
    }
    try:
        done = steps[action]()
    except NotAllowed:
        raise HttpError(403, _("Your role may not do this")) from None
    except workflow.WorkflowError as exc:
        return 409, {"detail": str(exc)}
    units = {u.pk: u for u in Unit.objects.filter(pk__in=[s.unit_id for s in done])}
    return 200, [_submission_out(user, units[s.unit_id], key, s) for s in done]
