"""Reads of the library, always scoped to the viewer (``permissions.visible_q``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from grassroots.library.models import (
    Article,
    ArticleStatus,
    Attachment,
    Brand,
    BusinessLine,
    Case,
    CaseLevel,
    Column,
    DocKind,
    EntryStatus,
    Honour,
    SearchDocument,
)
from grassroots.library.permissions import own_province, scope_ids, visible_q
from grassroots.library.search import Filters, Hit, search


def cases(user: Any) -> QuerySet[Case]:
    shared = Q(pk__in=Case.objects.filter(entries__status=EntryStatus.FINAL).values("pk"))
    return (
        Case.objects.filter(visible_q(user, shared=shared))
        .select_related("unit")
        .prefetch_related("entries")
    )


def articles(user: Any) -> QuerySet[Article]:
    shared = Q(status=ArticleStatus.PUBLISHED)
    return Article.objects.filter(visible_q(user, shared=shared)).select_related("unit", "column")


def brands(user: Any) -> QuerySet[Brand]:
    return Brand.objects.filter(visible_q(user)).select_related("unit")


def honours(user: Any) -> QuerySet[Honour]:
    return Honour.objects.filter(visible_q(user)).select_related("unit", "person")


def columns(user: Any) -> QuerySet[Column]:
    province = own_province(user)
    if province is None:
        return Column.objects.none()
    return Column.objects.filter(province=province)


def one(queryset: QuerySet[Any], pk: int) -> Any:
    """The row if the viewer may see it; 404 otherwise (never 403)."""
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise Http404("No such item")
    return found


def attachment(user: Any, pk: int) -> Attachment:
    item = Attachment.objects.select_related("case__unit", "article__unit").filter(pk=pk).first()
    if item is None:
        raise Http404("No such file")
    owner = cases(user) if item.case_id else articles(user)
    if not owner.filter(pk=item.case_id or item.article_id or 0).exists():
        raise Http404("No such file")
    return item


@dataclass(frozen=True)
class Found:
    hit: Hit
    doc: SearchDocument
    url: str

    @property
    def level_label(self) -> str:
        return str(CaseLevel(self.doc.level).label) if self.doc.level in CaseLevel.values else ""

    @property
    def line_label(self) -> str:
        line = self.doc.line
        return str(BusinessLine(line).label) if line in BusinessLine.values else ""


def find(
    user: Any,
    query: str,
    *,
    level: str = "",
    line: str = "",
    year: int | None = None,
    unit_ids: list[int] | None = None,
    kind: str = "",
    limit: int = 50,
) -> list[Found]:
    """The viewer's ranked search results."""
    from django.urls import reverse

    own, shared = scope_ids(user)
    filters = Filters(
        level=level,
        line=line,
        year=year,
        kind=kind,
        unit_ids=unit_ids,
        own_units=own,
        shared_units=shared,
    )
    hits = search(query, filters, limit=limit)
    docs = SearchDocument.objects.select_related("unit").in_bulk([h.doc_id for h in hits])
    names = {
        DocKind.CASE: "library:case",
        DocKind.ARTICLE: "library:article",
        DocKind.BRAND: "library:brand",
        DocKind.HONOUR: "library:honours",
    }
    out = []
    for hit in hits:
        doc = docs[hit.doc_id]
        if doc.kind == DocKind.HONOUR:
            url = reverse(names[DocKind(doc.kind)]) + f"#honour-{doc.object_id}"
        else:
            url = reverse(names[DocKind(doc.kind)], args=[doc.object_id])
        out.append(Found(hit, doc, url))
    return out


def person_honours(person: Any) -> QuerySet[Honour]:
    return Honour.objects.filter(person=person).order_by("-awarded_on", "id")


def status_counts(user: Any) -> dict[str, int]:
    return {
        "cases": cases(user).count(),
        "articles": articles(user).count(),
        "brands": brands(user).count(),
        "honours": honours(user).count(),
        "waiting": articles(user).filter(status=ArticleStatus.SUBMITTED).count(),
    }
