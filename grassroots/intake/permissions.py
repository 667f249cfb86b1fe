"""Who may do what in intake, built on the organisations scope (one place, used everywhere)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from grassroots.intake.models import DataVersion
from grassroots.organisations.models import Role, Unit
from grassroots.organisations.scope import Action, can, membership_of, visible_units


def can_upload(user: Any, unit: Unit) -> bool:
    """Clerks (their own unit) and the province administrator (any unit in scope) upload."""
    return can(user, Action.SUBMIT_DATA, unit)


def uploadable_units(user: Any) -> QuerySet[Unit]:
    if not can(user, Action.SUBMIT_DATA):
        return Unit.objects.none()
    return visible_units(user)


def visible_versions(user: Any) -> QuerySet[DataVersion]:
    """Data versions of units the user sees: the one scoping rule for every page and endpoint."""
    return DataVersion.objects.filter(unit__in=visible_units(user)).select_related(
        "unit", "supersedes"
    )


def can_run_validation(user: Any, unit: Unit) -> bool:
    """Those who upload or review a unit's data may re-run its checks; read-only roles may not."""
    return can(user, Action.SUBMIT_DATA, unit) or can(user, Action.REVIEW_SUBMISSIONS, unit)


def may_edit_catalogues(user: Any) -> bool:
    """Only the province administrator adds indicator catalogue versions."""
    membership = membership_of(user)
    return membership is not None and membership.role == Role.PROVINCE_ADMIN
