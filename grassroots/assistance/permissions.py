"""Who may do what to weak-unit records.

Scope first: a unit outside the user's subtree answers 404 (get_unit_for_user). Within scope,
the role decides: the province designates, pairs, decides exit; a city reviewer edits its units'
problems and measures and recommends exit; a grassroots clerk writes its own unit's progress
reports and evidence. A refused action within scope is PermissionDenied (403).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.core.exceptions import PermissionDenied

from grassroots.organisations.models import Role, Unit
from grassroots.organisations.scope import get_unit_for_user, membership_of


class Act(StrEnum):
    DESIGNATE = "designate"
    PAIR = "pair"
    RECORD_ACTIVITY = "record_activity"
    EDIT_PLAN = "edit_plan"  # problems, measures, targets
    REPORT_PROGRESS = "report_progress"  # progress reports and evidence
    RECOMMEND_EXIT = "recommend_exit"
    DECIDE_EXIT = "decide_exit"


RULES: dict[Act, frozenset[Role]] = {
    Act.DESIGNATE: frozenset({Role.PROVINCE_ADMIN}),
    Act.PAIR: frozenset({Role.PROVINCE_ADMIN}),
    Act.RECORD_ACTIVITY: frozenset({Role.PROVINCE_ADMIN, Role.CITY_REVIEWER}),
    Act.EDIT_PLAN: frozenset({Role.PROVINCE_ADMIN, Role.CITY_REVIEWER}),
    Act.REPORT_PROGRESS: frozenset({Role.GRASSROOTS_CLERK}),
    Act.RECOMMEND_EXIT: frozenset({Role.CITY_REVIEWER}),
    Act.DECIDE_EXIT: frozenset({Role.PROVINCE_ADMIN}),
}


def may(user: Any, act: Act, unit: Unit) -> bool:
    """May the user do `act` on this (in-scope) unit's weak-unit records?"""
    membership = membership_of(user)
    if membership is None or Role(membership.role) not in RULES[act]:
        return False
    if act is Act.REPORT_PROGRESS:
        # A clerk writes only for its own unit, not for anything below it.
        return membership.unit_id == unit.pk
    return unit.path.startswith(membership.unit.path)


def authorise(user: Any, act: Act, unit: Unit) -> Unit:
    """The unit, if the user may do `act` on it: Http404 out of scope, PermissionDenied within."""
    unit = get_unit_for_user(user, unit.code)
    if not may(user, act, unit):
        raise PermissionDenied(f"not allowed to {act.value} for {unit.code}")
    return unit
