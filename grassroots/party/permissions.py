"""Who may see and do what in party work: the one place the party pages and endpoints ask.

- A unit's party work (organisations, plans, tasks, deductions, reports) is managed by the
  unit's personnel manager (政治部, which runs party work) and assessment committee, and by a
  province administrator whose scope holds the unit.
- A person does their own tasks; a task's reviewer scores it (and the managers may).
- The display page and the reports: whoever sees the unit (``scope``) with a business role, and
  the secretaries of the unit's party organisations. Ranks and colours follow the province's
  scheme (``visibility``, the ranking policy): ``evaluation.permissions.visible_to``.
- Evidence is downloaded by the task's owner, its reviewer and the unit's managers.

Everything else is 404, never 403.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from grassroots.evaluation.permissions import Visible, visible_to
from grassroots.organisations.models import Level, Role, Unit
from grassroots.organisations.scope import Action, can, membership_of, visible_units
from grassroots.party.models import PartyOrg, Task
from grassroots.people.models import Person
from grassroots.people.permissions import is_province, person_of

if TYPE_CHECKING:  # the scheme's pydantic models are not needed to start Django (issue 20.4)
    from grassroots.engine.scheme import Visibility


def manages(user: Any, unit: Unit) -> bool:
    membership = membership_of(user)
    if membership is None:
        return False
    if is_province(user, unit):
        return True
    return membership.unit_id == unit.pk and membership.role in (
        Role.PERSONNEL_MANAGER,
        Role.COMMITTEE,
    )


def is_secretary(user: Any, unit: Unit) -> bool:
    own = person_of(user)
    return (
        own is not None
        and own.unit_id == unit.pk
        and PartyOrg.objects.filter(unit=unit, secretary=own).exists()
    )


def sees_unit(user: Any, unit: Unit) -> bool:
    """May open the unit's party page and display (standing, trend, open tasks)."""
    if manages(user, unit) or is_secretary(user, unit):
        return True
    return can(user, Action.VIEW_UNITS, unit)


def party_units(user: Any) -> QuerySet[Unit]:
    """Grassroots units whose party pages the user may open."""
    membership = membership_of(user)
    if membership is None:
        return Unit.objects.none()
    if can(user, Action.VIEW_UNITS) or membership.role in (
        Role.PERSONNEL_MANAGER,
        Role.COMMITTEE,
    ):
        return visible_units(user).filter(level=Level.GRASSROOTS)
    own = person_of(user)
    if own is not None and is_secretary(user, own.unit):
        return Unit.objects.filter(pk=own.unit_id)
    return Unit.objects.none()


def may_edit_scheme(user: Any) -> bool:
    membership = membership_of(user)
    return membership is not None and membership.role == Role.PROVINCE_ADMIN


def may_produce(user: Any, province: Unit) -> bool:
    """Produces the monthly and quarterly reports of a province's units."""
    return is_province(user, province)


def sees_task(user: Any, task: Task) -> bool:
    own = person_of(user)
    if own is not None and own.pk in (task.owner_id, task.reviewer_id):
        return True
    return manages(user, task.unit)


def does_task(user: Any, task: Task) -> bool:
    own = person_of(user)
    return own is not None and own.pk == task.owner_id


def reviews_task(user: Any, task: Task) -> bool:
    own = person_of(user)
    return (own is not None and own.pk == task.reviewer_id) or manages(user, task.unit)


def visible(user: Any, visibility: Visibility, unit: Unit | None = None) -> Visible:
    """Ranks and colours as the scheme's visibility allows; a unit's managers see their own
    unit's colours (they act on its warnings), never ranks the scheme hides."""
    shown = visible_to(user, visibility)
    if unit is not None and not shown.colours and (manages(user, unit) or is_secretary(user, unit)):
        return Visible(ranks=shown.ranks, colours=True)
    return shown


def own_person(user: Any) -> Person | None:
    return person_of(user)
