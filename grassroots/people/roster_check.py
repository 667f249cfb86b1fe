"""The rosters intake checks case records against (registered in ``apps.py``)."""

from __future__ import annotations

from grassroots.intake.rosters import Roster
from grassroots.people.models import Department, Person


def roster_of(codes: set[str]) -> dict[str, Roster]:
    """The roster of each unit among ``codes`` that has one (any person on file, active or not:
    a record of last year may name someone who has since left)."""
    numbers: dict[str, set[str]] = {}
    for code, number in Person.objects.filter(unit__code__in=codes).values_list(
        "unit__code", "staff_number"
    ):
        numbers.setdefault(code, set()).add(number)
    departments: dict[str, set[str]] = {}
    for code, department in Department.objects.filter(unit__code__in=codes).values_list(
        "unit__code", "code"
    ):
        departments.setdefault(code, set()).add(department)
    return {
        code: Roster(frozenset(numbers[code]), frozenset(departments.get(code, set())))
        for code in numbers
    }
