"""API of the reports app, mounted by grassroots.web.api under /api/reports: the same rules as
the page (documents of the caller's scope only; out of scope is 404)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Router, Schema
from ninja.errors import HttpError

from grassroots.api_caller import auth_user
from grassroots.engine.errors import InputError
from grassroots.engine.periods import Period
from grassroots.errors import ERRORS
from grassroots.organisations.scope import Action, can, get_unit_for_user
from grassroots.reports.errors import ReportError
from grassroots.reports.models import Document, Format, Product
from grassroots.reports.selectors import documents_for, get_document_for_user
from grassroots.reports.services import generate_document, read_document
from grassroots.reports.views import CONTENT_TYPES

router = Router(tags=["reports"])


class DocumentOut(Schema):
    id: int
    product: str
    scope: str
    period: str
    format: str
    runs: dict[str, Any]
    template_version: str
    ranking: str
    number: str
    issued_on: date
    sha256: str
    size: int
    pages: int | None
    generated_at: datetime
    generated_by: str | None


class DocumentIn(Schema):
    product: str = Product.BULLETIN
    scope: str
    period: str
    format: str = Format.PDF


def _out(d: Document) -> DocumentOut:
    return DocumentOut(
        id=d.pk,
        product=d.product,
        scope=d.scope.code,
        period=d.period,
        format=d.format,
        runs=d.runs,
        template_version=d.template_version,
        ranking=d.ranking,
        number=d.number,
        issued_on=d.issued_on,
        sha256=d.sha256,
        size=d.size,
        pages=d.pages,
        generated_at=d.generated_at,
        generated_by=d.generated_by.get_username() if d.generated_by else None,
    )


@router.get("/documents", response={200: list[DocumentOut], **ERRORS}, summary="Stored documents")
def list_documents(request: HttpRequest) -> list[DocumentOut]:
    return [_out(d) for d in documents_for(auth_user(request))[:200]]


@router.get("/documents/{doc_id}", response={200: DocumentOut, **ERRORS}, summary="One document")
def get_document(request: HttpRequest, doc_id: int) -> DocumentOut:
    return _out(get_document_for_user(auth_user(request), doc_id))


@router.get(
    "/documents/{doc_id}/file",
    response={200: None, **ERRORS},
    summary="The document's file",
)
def document_file(request: HttpRequest, doc_id: int) -> HttpResponse:
    document = get_document_for_user(auth_user(request), doc_id)
    try:
        data = read_document(document)
    except (ReportError, OSError):
        raise Http404("Document file missing") from None
    response = HttpResponse(data, content_type=CONTENT_TYPES[Format(document.format)])
    response["Content-Disposition"] = f'attachment; filename="{document.filename}"'
    return response


@router.post("/documents", response={201: DocumentOut, **ERRORS}, summary="Generate a document")
def create_document(request: HttpRequest, payload: DocumentIn) -> tuple[int, DocumentOut]:
    user = auth_user(request)
    if not can(user, Action.EXPORT_REPORTS):
        raise HttpError(403, "your role may not generate documents")
    scope = get_unit_for_user(user, payload.scope)
    if payload.format not in Format.values or payload.product not in Product.values:
        raise HttpError(422, "unknown product or format")
    try:
        period = Period.parse(payload.period).key
    except InputError as exc:
        raise HttpError(422, str(exc)) from None
    try:
        document = generate_document(
            product=payload.product, scope=scope, period=period, fmt=payload.format, actor=user
        )
    except ReportError as exc:
        raise HttpError(422, str(exc)) from None
    return 201, _out(document)
