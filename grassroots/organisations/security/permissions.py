"""Which accounts an administrator may act on from the pages.

The system and security administrators act on accounts at units in their scope, never their own
and never one of the three administrators (those are named at the command line by the host's
operator, so no administrator can make, silence or become another: 三员分立).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import Http404

from grassroots.organisations.models import THREE_ADMINISTRATORS, Membership
from grassroots.organisations.scope import Action, can, managed_units


def managed_memberships(admin: Any, action: Action) -> QuerySet[Membership]:
    if not can(admin, action):
        return Membership.objects.none()
    return (
        Membership.objects.filter(unit__in=managed_units(admin))
        .select_related("user", "unit", "user__security")
        .order_by("unit__path", "user__username")
    )


def may_act_on(admin: Any, membership: Membership) -> bool:
    return membership.user_id != admin.pk and membership.role not in THREE_ADMINISTRATORS


def managed_user(admin: Any, action: Action, pk: int) -> Any:
    """The account `pk` if `admin` may act on it with `action`; 404 otherwise."""
    membership = managed_memberships(admin, action).filter(user_id=pk).first()
    if membership is None or not may_act_on(admin, membership):
        raise Http404("No such account")
    user: Any = get_user_model().objects.select_related("membership__unit").get(pk=pk)
    return user
