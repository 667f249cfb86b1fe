"""Supervision's measures as an element source (issue 16.4): data elements for runs.

Registered with ``intake/element_sources.py`` under the name ``supervision`` (``apps.py``): a
catalogue element with ``source: supervision`` and one of the codes below is read from here
when a run gathers its inputs, frozen with the run, and traced to the leads it counted
(``lead:<id>``). A lead counts in the period in which it was first found, for its responsible
unit, all models together; 成案率 is an indicator over two of these counts, not an element, so
a unit with no lead has no rate rather than a rate of 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse

from grassroots.engine.periods import Period
from grassroots.intake.element_sources import SourcedValue
from grassroots.supervision.models import FILED_OR_LATER, Lead, LeadStep

ELEMENTS = (
    "supervision_leads",
    "supervision_cases_filed",
    "supervision_recommendations_adopted",
    "supervision_money_recovered",
)


def read_supervision_elements(
    units: Sequence[str], period: str, elements: Sequence[str]
) -> Iterable[SourcedValue]:
    wanted = [e for e in elements if e in ELEMENTS]
    if not wanted:
        return []
    span = Period.parse(period)
    leads = Lead.objects.filter(
        unit__code__in=list(units), created_at__date__gte=span.start, created_at__date__lte=span.end
    )
    return [
        SourcedValue(code, period, element, value, tuple(refs))
        for code, counts in sorted(lead_counts(leads).items())
        for element in wanted
        for value, refs in [counts[element]]
    ]


def lead_counts(leads: QuerySet[Lead]) -> dict[str, dict[str, tuple[float, list[str]]]]:
    """Per responsible unit's code, each element's total over ``leads`` and the leads it
    counted (``lead:<id>``): the one count of the measures, for runs and for the API."""
    filed = LeadStep.objects.filter(lead=OuterRef("pk"), step__in=FILED_OR_LATER)
    rows = (
        leads.annotate(was_filed=Exists(filed))
        .values_list("pk", "unit__code", "was_filed", "adopted", "recovered")
        .order_by("pk")
    )
    per_unit: dict[str, dict[str, tuple[float, list[str]]]] = {}
    for pk, code, was_filed, adopted, recovered in rows:
        counts = per_unit.setdefault(code, {e: (0.0, []) for e in ELEMENTS})
        ref = f"lead:{pk}"
        for element, amount in (
            ("supervision_leads", 1.0),
            ("supervision_cases_filed", 1.0 if was_filed else 0.0),
            ("supervision_recommendations_adopted", 1.0 if adopted else 0.0),
            ("supervision_money_recovered", float(recovered)),
        ):
            if amount:
                total, refs = counts[element]
                counts[element] = (total + amount, [*refs, ref])
    return per_unit


def leads_url(unit_code: str) -> str:
    """The leads page (scoped there), filtered to the unit."""
    return reverse("supervision:leads") + f"?unit={unit_code}"
