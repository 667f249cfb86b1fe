"""API endpoints of the intake app, mounted by grassroots.api.main under /api/intake."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import File, Form, Router, Schema
from ninja.errors import HttpError
from ninja.files import UploadedFile

from grassroots.api.schemas import ERRORS, Error
from grassroots.engine.errors import InputError
from grassroots.engine.periods import Period
from grassroots.intake.figure_views import XLSX, reporting_catalogues
from grassroots.intake.figures import FiguresChanged, build_template, import_figures
from grassroots.intake.models import DataVersion
from grassroots.intake.permissions import visible_versions
from grassroots.intake.services import ConcurrentUpload, UploadRefused
from grassroots.intake.views import save_upload
from grassroots.organisations.scope import get_unit_for_user

router = Router(tags=["intake"])
MAX_LIST = 500


class ProblemOut(Schema):
    source: str
    sheet: str | None
    row: int | None
    column: str | None
    message: str


class Rejected(Schema):
    detail: str
    problems: list[ProblemOut]


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
            "message": p.message,
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
    versions = visible_versions(request.auth)  # type: ignore[attr-defined]
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
    version = get_object_or_404(visible_versions(request.auth), pk=version_id)  # type: ignore[attr-defined]
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
    user = request.auth  # type: ignore[attr-defined]
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
                "message": p.message,
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
    name = Path(file.name or "upload").name
    with tempfile.TemporaryDirectory(prefix="grassroots-figures-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(file.read())
        try:
            result = import_figures(
                path=path, actor=request.auth, source_name=name,  # type: ignore[attr-defined]
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
    }


@router.get(
    "/figures/template",
    response={200: None, **ERRORS},
    summary="The protected Excel template for a unit (or a city's units), catalogue and period",
)
def figures_template(request: HttpRequest, unit: str, catalogue: str, period: str) -> HttpResponse:
    target = get_unit_for_user(request.auth, unit)  # type: ignore[attr-defined]
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
