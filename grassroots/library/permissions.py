"""Who may see and change what in the library: the one place its pages and endpoints ask.

- Seeing: an item is visible to the users whose scope (``visible_units``) holds its unit. A case
  with a final result (定评) and a published article belong to the whole province: every unit
  of the item's province sees them (that is what a library is for). Anything else is 404.
- Writing: a unit's grassroots clerk writes its own unit's cases, articles, brands and honours
  (and recommends a case, submits an article); a province administrator whose scope holds the
  unit does too.
- Reviewing: a province administrator in scope moves a case entry through first review,
  shortlist and final result, publishes or returns an article, and keeps the columns.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from grassroots.organisations.models import Level, Role, Unit
from grassroots.organisations.scope import membership_of, visible_units

WRITERS = frozenset({Role.GRASSROOTS_CLERK, Role.PROVINCE_ADMIN})


def is_province(user: Any, unit: Unit | None = None) -> bool:
    """A province (or national) administrator, whose scope holds ``unit`` if given."""
    membership = membership_of(user)
    if membership is None or membership.role != Role.PROVINCE_ADMIN:
        return False
    return unit is None or unit.path.startswith(membership.unit.path)


def may_write(user: Any, unit: Unit) -> bool:
    """May create and edit ``unit``'s library items."""
    membership = membership_of(user)
    if membership is None:
        return False
    if membership.role == Role.GRASSROOTS_CLERK:
        return membership.unit_id == unit.pk
    return is_province(user, unit)


def writable_units(user: Any) -> QuerySet[Unit]:
    membership = membership_of(user)
    if membership is None:
        return Unit.objects.none()
    if membership.role == Role.GRASSROOTS_CLERK:
        return Unit.objects.filter(pk=membership.unit_id)
    if membership.role == Role.PROVINCE_ADMIN:
        return visible_units(user)
    return Unit.objects.none()


def province_of(unit: Unit) -> Unit | None:
    """The province ``unit`` belongs to (itself if it is one; None above provinces)."""
    current: Unit | None = unit
    while current is not None and current.level != Level.PROVINCE:
        current = current.parent
    return current


def own_province(user: Any) -> Unit | None:
    membership = membership_of(user)
    return None if membership is None else province_of(membership.unit)


def scope_ids(user: Any) -> tuple[list[int], list[int]]:
    """(ids of the units in the user's scope, ids of the units of the user's province): the
    first sees everything of its units, the second only what is shared province-wide."""
    own = list(visible_units(user).values_list("pk", flat=True))
    province = own_province(user)
    shared = (
        list(Unit.objects.filter(path__startswith=province.path).values_list("pk", flat=True))
        if province is not None and own
        else []
    )
    return own, shared


def visible_q(user: Any, *, shared: Q | None = None, field: str = "unit") -> Q:
    """Rows whose unit is in the user's scope, or (``shared``) shared within their province."""
    membership = membership_of(user)
    if membership is None or not visible_units(user).exists():
        return Q(pk__in=[])
    q = Q(**{f"{field}__path__startswith": membership.unit.path})
    province = province_of(membership.unit)
    if shared is not None and province is not None:
        q |= shared & Q(**{f"{field}__path__startswith": province.path})
    return q
