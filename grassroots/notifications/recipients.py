"""Who to tell: the members of units with given roles, or the users above a unit."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model

from grassroots.organisations.models import Role, Unit


def members(units: Iterable[Unit], roles: Iterable[Role | str]) -> list[Any]:
    """Active users whose one membership is at one of ``units`` with one of ``roles``."""
    return list(
        get_user_model()
        .objects.filter(
            is_active=True,
            membership__unit__in=list(units),
            membership__role__in=[str(r) for r in roles],
        )
        .order_by("pk")
    )


def ancestors_paths(unit: Unit) -> list[str]:
    """The paths of ``unit`` and every unit above it (the national unit's is "")."""
    parts = [p for p in unit.path.split("/") if p]
    return [""] + ["/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def overseers(unit: Unit, roles: Iterable[Role | str]) -> list[Any]:
    """Active users of ``unit`` or a unit above it, with one of ``roles``: those whose scope
    holds ``unit``."""
    return list(
        get_user_model()
        .objects.filter(
            is_active=True,
            membership__unit__path__in=ancestors_paths(unit),
            membership__role__in=[str(r) for r in roles],
        )
        .order_by("pk")
    )
