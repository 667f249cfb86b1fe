"""What the people app tells the rest of the house: staff figures and the "staff team" elements.

Evaluation (above people) reads a unit's staff through ``staff_team``; intake (below) is given
rosters through its registry (``roster_check.py``). A unit without an active roster keeps its
typed figures (``Unit.headcount``, ``procurators``, ``under_45_share``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from grassroots.organisations.models import Unit
from grassroots.people.models import Category, Person

AGE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("under_30", 0, 29),
    ("30_39", 30, 39),
    ("40_44", 40, 44),
    ("45_49", 45, 49),
    ("50_up", 50, 200),
)

# The "staff team" data elements (unit-level), by code: what schemes and the weak-unit
# dimensions can read.
STAFF_ELEMENTS = (
    "staff_headcount",
    "staff_procurators",
    "staff_under_45_share",
    "staff_talent_pool_share",
    "staff_leaders",
    "staff_quota_seats",
    "staff_born_1980_on_share",
)


@dataclass(frozen=True)
class StaffFigures:
    unit_code: str
    from_roster: bool
    headcount: int | None
    procurators: int | None
    under_45_share: float | None  # percent
    talent_pool_share: float | None  # percent
    leaders: int | None
    quota_seats: int | None
    born_1980_on_share: float | None  # percent
    age_bands: dict[str, int]
    categories: dict[str, int]

    def elements(self) -> dict[str, float | None]:
        def num(value: float | int | None) -> float | None:
            return None if value is None else float(value)

        return {
            "staff_headcount": num(self.headcount),
            "staff_procurators": num(self.procurators),
            "staff_under_45_share": self.under_45_share,
            "staff_talent_pool_share": self.talent_pool_share,
            "staff_leaders": num(self.leaders),
            "staff_quota_seats": num(self.quota_seats),
            "staff_born_1980_on_share": self.born_1980_on_share,
        }


def active_people(unit: Unit) -> QuerySet[Person]:
    return Person.objects.filter(unit=unit, active=True)


def _share(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def figures_from(unit: Unit, people: Iterable[Person], year: int) -> StaffFigures:
    people = list(people)
    if not people:
        share = unit.under_45_share
        return StaffFigures(
            unit.code, False, unit.headcount, unit.procurators,
            float(share) if isinstance(share, Decimal | float | int) else None,
            None, None, None, None, {}, {},
        )  # fmt: skip
    ages = [year - p.birth_year for p in people]
    bands = {band: sum(1 for age in ages if low <= age <= high) for band, low, high in AGE_BANDS}
    categories = Counter(p.category for p in people)
    quota = sum(1 for p in people if p.quota_seat)
    return StaffFigures(
        unit_code=unit.code,
        from_roster=True,
        headcount=len(people),
        procurators=quota,
        under_45_share=_share(sum(1 for a in ages if a < 45), len(people)),
        talent_pool_share=_share(sum(1 for p in people if p.talent_pool), len(people)),
        leaders=categories.get(Category.LEADER, 0),
        quota_seats=quota,
        born_1980_on_share=_share(sum(1 for p in people if p.birth_year >= 1980), len(people)),
        age_bands=bands,
        categories={c.value: categories.get(c.value, 0) for c in Category},
    )


def staff_figures(unit: Unit, *, year: int) -> StaffFigures:
    """The unit's staff figures in ``year``: from its roster, else its typed figures."""
    return figures_from(unit, active_people(unit), year)


def staff_team(units: Iterable[Unit], *, year: int) -> dict[str, dict[str, float | None]]:
    """The "staff team" data elements of each unit (unit code -> element -> value)."""
    units = list(units)
    by_unit: dict[int, list[Person]] = {u.pk: [] for u in units}
    for person in Person.objects.filter(unit__in=units, active=True):
        by_unit[person.unit_id].append(person)
    return {u.code: figures_from(u, by_unit[u.pk], year).elements() for u in units}


def person_of(user: Any) -> Person | None:
    """The roster entry linked to this login, if any (a staff member's own page)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Person.objects.filter(user=user).select_related("unit").first()
