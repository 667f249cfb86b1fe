"""Who may see and change people: the one place the people pages and endpoints ask.

- The roster (names, categories, departments) and personal data (birth year, grade, talent
  pool) are the unit's managers': the unit's personnel manager and assessment committee
  members (exactly that unit), a province administrator whose scope holds the unit, and the
  person themselves (their own page only).
- Scores: the person sees their own, a department head their department's, the unit's
  committee and the province (administrator in scope) everyone's. Ranks are shown to staff and
  department heads only when the assessment says so (hidden by default); the committee and the
  province always see them.
- The access log of personal data is the auditors' (in their scope).

Everything else is 404 (``scope.get_unit_for_user`` and the views below), never 403.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from grassroots.organisations.models import Role, Unit
from grassroots.organisations.scope import Action, can, membership_of, visible_units
from grassroots.people.models import Person


def _role_at(user: Any, unit: Unit, *roles: Role) -> bool:
    membership = membership_of(user)
    return membership is not None and membership.role in roles and membership.unit_id == unit.pk


def is_province(user: Any, unit: Unit) -> bool:
    """A province (or national) administrator whose scope holds ``unit``."""
    membership = membership_of(user)
    return (
        membership is not None
        and membership.role == Role.PROVINCE_ADMIN
        and unit.path.startswith(membership.unit.path)
    )


def manages(user: Any, unit: Unit) -> bool:
    """May see the unit's roster and everyone's personal data."""
    return is_province(user, unit) or _role_at(user, unit, Role.PERSONNEL_MANAGER, Role.COMMITTEE)


def can_edit_roster(user: Any, unit: Unit) -> bool:
    return is_province(user, unit) or _role_at(user, unit, Role.PERSONNEL_MANAGER)


def is_committee(user: Any, unit: Unit) -> bool:
    """Sees every score of the unit, enters reviewer items and decides objections."""
    return is_province(user, unit) or _role_at(user, unit, Role.COMMITTEE)


def person_of(user: Any) -> Person | None:
    """The active person linked to this login, if any."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return Person.objects.filter(user=user, active=True).select_related("unit").first()


def can_see_person(user: Any, person: Person) -> bool:
    """May open the person's page (personal data and their scores)."""
    if person.user_id is not None and person.user_id == getattr(user, "pk", None):
        return True
    return manages(user, person.unit)


def roster_units(user: Any) -> QuerySet[Unit]:
    """Units whose roster the user may list."""
    membership = membership_of(user)
    if membership is None:
        return Unit.objects.none()
    if membership.role == Role.PROVINCE_ADMIN:
        return visible_units(user)
    if membership.role in (Role.PERSONNEL_MANAGER, Role.COMMITTEE):
        return Unit.objects.filter(pk=membership.unit_id)
    return Unit.objects.none()


def score_people(user: Any, unit: Unit) -> QuerySet[Person]:
    """The people of ``unit`` whose scores the user may see."""
    people = Person.objects.filter(unit=unit)
    if is_committee(user, unit):
        return people
    own = person_of(user)
    if own is None or own.unit_id != unit.pk:
        return people.none()
    if own.heads_department and own.department_id is not None:
        return people.filter(department_id=own.department_id)
    return people.filter(pk=own.pk)


def sees_ranks(user: Any, unit: Unit, show_ranks: bool) -> bool:
    return show_ranks or is_committee(user, unit)


def can_read_access_log(user: Any) -> bool:
    return can(user, Action.VIEW_AUDIT_LOG)
