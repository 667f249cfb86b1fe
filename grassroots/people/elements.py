"""The roster as an element source (issue 14.5): "staff team" data elements for runs.

Registered with ``intake/element_sources.py`` under the name ``roster`` (``apps.py``); a
catalogue element with ``source: roster`` and one of the codes below is read from here when a run
gathers its inputs, frozen with the run, and traced back to the people it counted.

A unit's staff in a period are its active roster entries who had joined by the end of the
period (entries without a joining year count); ages are taken in the period's last year. A unit
with no such entry has no value (the run records the gap; its typed figures are shares and
headcounts kept for the unit page, not person counts a run can trace).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from django.urls import reverse

from grassroots.engine.periods import Period
from grassroots.intake.element_sources import SourcedValue
from grassroots.people.models import Category, Person

# code -> who it counts (a person, the period's last year) -> counted?
COUNTS: dict[str, Callable[[Person, int], bool]] = {
    "staff_headcount": lambda p, year: True,
    "staff_procurators": lambda p, year: p.quota_seat,
    "staff_leaders": lambda p, year: p.category == Category.LEADER,
    "staff_under_45": lambda p, year: year - p.birth_year < 45,
    "staff_born_1980_on": lambda p, year: p.birth_year >= 1980,
    "staff_talent_pool": lambda p, year: p.talent_pool,
}


def read_staff_elements(
    units: Sequence[str], period: str, elements: Sequence[str]
) -> Iterable[SourcedValue]:
    """The counts of ``elements`` (codes of ``COUNTS``) per unit with a roster in ``period``;
    each value's evidence is the people it counted (``person:<id>``)."""
    wanted = [e for e in elements if e in COUNTS]
    if not wanted:
        return []
    year = Period.parse(period).end.year
    people: dict[str, list[Person]] = {}
    for person in Person.objects.filter(unit__code__in=list(units), active=True).select_related(
        "unit"
    ):
        if person.joined_year is None or person.joined_year <= year:
            people.setdefault(person.unit.code, []).append(person)
    out = []
    for code, staff in sorted(people.items()):
        for element in wanted:
            counted = [p for p in staff if COUNTS[element](p, year)]
            out.append(
                SourcedValue(
                    code,
                    period,
                    element,
                    float(len(counted)),
                    tuple(f"person:{p.pk}" for p in counted),
                )
            )
    return out


def roster_url(unit_code: str) -> str:
    """The roster page the counted people are on (scoped there: 404 to whoever may not see it)."""
    return reverse("people:roster", args=[unit_code])
