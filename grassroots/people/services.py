"""Writes of the people app: keyword-only, one transaction each, every change audited.

The roster import is all-or-nothing: the workbook is read whole (``workbook.read_roster``), and
only a roster without problems is written. The file is the unit's whole roster: people and
departments missing from it are made inactive, never deleted (their scores stay theirs).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from grassroots.organisations import audit
from grassroots.organisations.audit import Clock
from grassroots.organisations.models import Unit
from grassroots.people.models import Department, Person, PersonAccess
from grassroots.people.permissions import can_edit_roster
from grassroots.people.workbook import Roster, read_roster


class NotAllowed(Exception):
    """The actor may not change this unit's roster (the caller answers 404)."""


@dataclass(frozen=True)
class ImportResult:
    added: int
    changed: int
    deactivated: int
    departments: int


PERSON_FIELDS = (
    "name", "category", "post", "grade", "birth_year", "joined_year", "quota_seat",
    "talent_pool", "heads_department",
)  # fmt: skip


def import_roster(
    *, unit: Unit, data: bytes, source_name: str, actor: Any, clock: Clock = timezone.now
) -> ImportResult:
    """Replace ``unit``'s roster with the uploaded workbook's (InputError on any problem)."""
    if not can_edit_roster(actor, unit):
        raise NotAllowed(unit.code)
    roster = read_roster(source_name, data, unit_code=unit.code, year=clock().year)
    return _write_roster(
        unit=unit, roster=roster, actor=actor, source_name=source_name, clock=clock
    )


@transaction.atomic
def _write_roster(
    *, unit: Unit, roster: Roster, actor: Any, source_name: str, clock: Clock
) -> ImportResult:
    reason = f"roster import {source_name}"
    existing = {d.code: d for d in Department.objects.select_for_update().filter(unit=unit)}
    for dept_row in roster.departments:
        department = existing.get(dept_row.code) or Department(unit=unit, code=dept_row.code)
        with audit.tracked(department, actor=actor, reason=reason, clock=clock):
            department.name = dept_row.name
            department.active = True
            department.save()
        existing[dept_row.code] = department
    listed = {d.code for d in roster.departments}
    for code, department in existing.items():
        if code not in listed and department.active:
            with audit.tracked(department, actor=actor, reason=reason, clock=clock):
                department.active = False
                department.save()
    people = {p.staff_number: p for p in Person.objects.select_for_update().filter(unit=unit)}
    added = changed = deactivated = 0
    for row in roster.people:
        person = people.get(row.staff_number)
        is_new = person is None
        person = person or Person(unit=unit, staff_number=row.staff_number)
        before = None if is_new else audit.snapshot(person)
        with audit.tracked(person, actor=actor, reason=reason, clock=clock):
            for field in PERSON_FIELDS:
                setattr(person, field, getattr(row, field))
            person.department = existing[row.department] if row.department else None
            person.active = True
            person.save()
        if is_new:
            added += 1
        elif audit.changed_fields(before, audit.snapshot(person)):
            changed += 1
    listed_people = {row.staff_number for row in roster.people}
    for number, person in people.items():
        if number not in listed_people and person.active:
            with audit.tracked(person, actor=actor, reason=reason, clock=clock):
                person.active = False
                person.save()
            deactivated += 1
    return ImportResult(added, changed, deactivated, len(roster.departments))


@transaction.atomic
def save_person(
    *,
    person: Person,
    actor: Any,
    values: dict[str, Any],
    reason: str = "",
    clock: Clock = timezone.now,
) -> Person:
    """Create or change one person from the edit page's cleaned values."""
    if not can_edit_roster(actor, person.unit):
        raise NotAllowed(person.unit.code)
    with audit.tracked(
        person, actor=actor, reason=reason or "edited on the roster page", clock=clock
    ):
        for field, value in values.items():
            setattr(person, field, value)
        if person.category == "prosecutor":
            person.quota_seat = True
        person.save()
    return person


@transaction.atomic
def save_department(
    *,
    department: Department,
    actor: Any,
    code: str,
    name: str,
    active: bool = True,
    clock: Clock = timezone.now,
) -> Department:
    if not can_edit_roster(actor, department.unit):
        raise NotAllowed(department.unit.code)
    with audit.tracked(department, actor=actor, reason="edited on the roster page", clock=clock):
        department.code = code
        department.name = name
        department.active = active
        department.save()
    return department


@transaction.atomic
def link_login(
    *, person: Person, user: Any | None, actor: Any, clock: Clock = timezone.now
) -> Person:
    """Link (or unlink, with ``user=None``) the login that is this person."""
    if not can_edit_roster(actor, person.unit):
        raise NotAllowed(person.unit.code)
    with audit.tracked(person, actor=actor, reason="login linked", clock=clock):
        person.user = user
        person.save()
    return person


def record_export_access(*, people: list[Person], viewer: Any, clock: Clock = timezone.now) -> None:
    """One line per person in the access log of personal data for an export of a roster."""
    at = clock()
    PersonAccess.objects.bulk_create(
        PersonAccess(
            at=at,
            viewer=viewer,
            viewer_name=viewer.get_username(),
            person=p,
            unit_code=p.unit.code,
            what="export",
        )  # fmt: skip
        for p in people
    )


def record_access(*, person: Person, viewer: Any, what: str, clock: Clock = timezone.now) -> None:
    """One line in the access log of personal data (each view of a person's page)."""
    PersonAccess.objects.create(
        at=clock(),
        viewer=viewer,
        viewer_name=viewer.get_username(),
        person=person,
        unit_code=person.unit.code,
        what=what,
    )
