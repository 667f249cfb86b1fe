"""Reads of the reports app: stored documents, the province's policy, the office's narratives."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from grassroots.organisations.models import Level, Unit
from grassroots.organisations.scope import visible_units
from grassroots.reports.models import (
    Document,
    Narrative,
    NarrativeSection,
    Product,
    RankingMode,
    ReportPolicy,
)


def province_of(unit: Unit) -> Unit:
    """The province a unit belongs to (itself for a province)."""
    if unit.level == Level.PROVINCE or unit.parent_id is None:
        return unit
    code = unit.path.split("/", 1)[0]
    return Unit.objects.get(code=code)


def policy_for(unit: Unit) -> ReportPolicy:
    """The province's report policy; a province that set none has the defaults ("analysis")."""
    province = province_of(unit)
    found = ReportPolicy.objects.filter(province=province).select_related("province").first()
    return found or ReportPolicy(province=province, ranking=RankingMode.ANALYSIS)


def documents_for(user: Any) -> QuerySet[Document]:
    """The stored documents of the scopes the user may see: the gate of every list and download."""
    return Document.objects.filter(scope__in=visible_units(user)).select_related(
        "scope", "generated_by"
    )


def get_document_for_user(user: Any, pk: int) -> Document:
    document = documents_for(user).filter(pk=pk).first()
    if document is None:
        raise Http404("No such document")
    return document


def narratives(*, product: str, scope: Unit, period: str) -> dict[str, str]:
    """Section -> the office's text for this document (empty when none was written)."""
    found = dict(
        Narrative.objects.filter(product=product, scope=scope, period=period).values_list(
            "section", "text"
        )
    )
    return {s.value: found.get(s.value, "") for s in NarrativeSection}


def narrative_sections() -> list[tuple[str, str]]:
    return [(s.value, str(s.label)) for s in NarrativeSection]


__all__ = ["Product", "documents_for", "get_document_for_user", "narratives", "policy_for"]
