"""Reads of the reports app: stored documents, the province's policy, the office's narratives."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404

from grassroots.compiled import Compiled
from grassroots.organisations.models import Level, Unit
from grassroots.organisations.scope import membership_of, visible_units
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


def default_ranking() -> str:
    """The ranking policy of a province that set none: "analysis" (settings.REPORTS_RANKING)."""
    return str(getattr(settings, "REPORTS_RANKING", RankingMode.ANALYSIS))


def policy_for(unit: Unit) -> ReportPolicy:
    """The province's report policy; a province that set none has the defaults ("analysis")."""
    province = province_of(unit)
    found = ReportPolicy.objects.filter(province=province).select_related("province").first()
    return found or ReportPolicy(province=province, ranking=default_ranking())


_MEMO = "_grassroots_pages_show_ranks"


def _policy_of_province(code: str) -> QuerySet[ReportPolicy]:
    return ReportPolicy.objects.filter(province__code=code)


# Read on every request, with SQL built once (`grassroots.compiled`): a policy set in one web
# worker shows in every other on its next request (no process keeps it), and reading it costs
# the league page one indexed query, not the queryset's compilation.
_POLICY: Compiled[ReportPolicy] = Compiled(_policy_of_province, "\x00no-such-province")


def pages_show_ranks(user: Any) -> bool:
    """Whether the user's province lets pages show ranks ("ranking" mode). Read once per user
    object (a request's user): the pages of one request agree, and a page asks many times; the
    next request reads it again, whichever process set it."""
    memo = getattr(user, "__dict__", {}).get(_MEMO)
    if memo is not None:
        return bool(memo)
    membership = membership_of(user)
    if membership is None:
        return False
    code = membership.unit.path.split("/", 1)[0]
    policy = _POLICY.first(code)
    found = policy.ranking if policy is not None else default_ranking()
    shown = str(found) == RankingMode.RANKING
    if hasattr(user, "__dict__"):
        user.__dict__[_MEMO] = shown
    return shown


def forget_pages_show_ranks(user: Any) -> None:
    """Drop the memo (the user just changed the policy)."""
    if hasattr(user, "__dict__"):
        user.__dict__.pop(_MEMO, None)


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
