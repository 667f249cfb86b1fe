"""Who may see and do what in supervision.

Scope first, as everywhere: a dataset or model is visible to the units of its owner's subtree
and to the owner's ancestors (a province's dataset serves every unit under it); a lead and a
run to their unit's subtree. Anything else answers 404. Within scope the role decides; a
refused action is PermissionDenied (403).

Identity numbers are revealed only to a province administrator (or the national one), with a
reason, each reveal in the audit log.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.db.models import Q, QuerySet

from grassroots.organisations.models import Role, Unit
from grassroots.organisations.scope import membership_of


class Act(StrEnum):
    UPLOAD = "upload"  # upload and delete datasets of the own unit
    AUTHOR = "author"  # write model versions of the own unit
    REVIEW = "review"  # review and list model versions
    RUN = "run"
    WORK = "work"  # move leads along their steps
    REVEAL = "reveal"


RULES: dict[Act, frozenset[Role]] = {
    Act.UPLOAD: frozenset({Role.PROVINCE_ADMIN, Role.CITY_REVIEWER, Role.GRASSROOTS_CLERK}),
    Act.AUTHOR: frozenset({Role.PROVINCE_ADMIN, Role.CITY_REVIEWER, Role.GRASSROOTS_CLERK}),
    Act.REVIEW: frozenset({Role.PROVINCE_ADMIN}),
    Act.RUN: frozenset({Role.PROVINCE_ADMIN, Role.CITY_REVIEWER, Role.GRASSROOTS_CLERK}),
    Act.WORK: frozenset({Role.PROVINCE_ADMIN, Role.CITY_REVIEWER, Role.GRASSROOTS_CLERK}),
    Act.REVEAL: frozenset({Role.PROVINCE_ADMIN}),
}


def role_may(user: Any, act: Act) -> bool:
    membership = membership_of(user)
    return membership is not None and Role(membership.role) in RULES[act]


def may(user: Any, act: Act, unit: Unit) -> bool:
    """May the user do ``act`` for ``unit`` (within their subtree)?"""
    membership = membership_of(user)
    if membership is None or Role(membership.role) not in RULES[act]:
        return False
    return unit.path.startswith(membership.unit.path)


def shared_with(user: Any, field: str) -> Q:
    """Rows whose unit (``field``) is in the user's subtree or above the user's unit."""
    membership = membership_of(user)
    if membership is None:
        return Q(pk__in=[])
    unit = membership.unit
    above = list(_ancestors(unit))
    return Q(**{f"{field}__path__startswith": unit.path}) | Q(**{f"{field}__code__in": above})


def _ancestors(unit: Unit) -> list[str]:
    codes, current = [], unit.parent
    while current is not None:
        codes.append(current.code)
        current = current.parent
    return codes


def in_subtree(user: Any, field: str) -> Q:
    membership = membership_of(user)
    if membership is None:
        return Q(pk__in=[])
    return Q(**{f"{field}__path__startswith": membership.unit.path})


def visible(queryset: QuerySet[Any], user: Any, field: str, *, shared: bool) -> QuerySet[Any]:
    return queryset.filter(shared_with(user, field) if shared else in_subtree(user, field))
