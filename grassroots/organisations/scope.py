"""Who sees which units and may do what: the one place every view and endpoint asks.

A user belongs to one unit (Membership) and sees that unit's subtree, nothing else. Anything
outside that subtree does not exist for them: `get_unit_for_user` answers 404, never 403, so
an out-of-scope code cannot be told apart from a code that does not exist.

The national unit (最高人民检察院, 000000) is the root; its path is empty, so a member there
sees every unit. National users reuse the roles: a province administrator, leader or auditor
at the national unit is the national administrator, leader or auditor. What a role may do does
not depend on the level, and the scope comes from the unit, so no new role is needed.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from grassroots.i18n import unit_name
from grassroots.organisations.models import Level, Membership, Role, Unit


class Action(models.TextChoices):
    VIEW_UNITS = "view_units", _("View units and their results")
    EDIT_UNIT = "edit_unit", _("Edit a unit's names and staff figures")
    MANAGE_USERS = "manage_users", _("Add users and give roles")
    SUBMIT_DATA = "submit_data", _("Upload and submit unit reports")
    REVIEW_SUBMISSIONS = "review_submissions", _("Approve or return submissions")
    RUN_EVALUATION = "run_evaluation", _("Run and publish evaluations")
    MANAGE_ASSISTANCE = "manage_assistance", _("Designate weak units and record assistance")
    EXPORT_REPORTS = "export_reports", _("Download reports")
    VIEW_AUDIT_LOG = "view_audit_log", _("Read the audit log")
    MANAGE_ACCOUNTS = "manage_accounts", _("Create, deactivate and reset accounts")
    MANAGE_SECURITY = "manage_security", _("Give roles, unlock accounts and revoke tokens")


# The three administrators (三员分立): each holds one of these and nothing else, so the system
# administrator cannot give roles or read the log, the security administrator cannot make
# accounts or read the log, and the auditor only reads. No business role holds any of them.
ADMINISTRATION = frozenset({Action.MANAGE_ACCOUNTS, Action.MANAGE_SECURITY, Action.VIEW_AUDIT_LOG})


# The permissions matrix. Leader and auditor are read-only by design.
PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.PROVINCE_ADMIN: frozenset(Action) - ADMINISTRATION,
    Role.CITY_REVIEWER: frozenset(
        {
            Action.VIEW_UNITS,
            Action.REVIEW_SUBMISSIONS,
            Action.MANAGE_ASSISTANCE,
            Action.EXPORT_REPORTS,
        }
    ),
    Role.GRASSROOTS_CLERK: frozenset({Action.VIEW_UNITS, Action.SUBMIT_DATA}),
    Role.LEADER: frozenset({Action.VIEW_UNITS, Action.EXPORT_REPORTS}),
    # The auditor is the audit administrator: the log, and the units it names.
    Role.AUDITOR: frozenset({Action.VIEW_UNITS, Action.VIEW_AUDIT_LOG}),
    # What these three may do with people is the people app's (grassroots/people/permissions.py):
    # here they only see their unit's pages.
    Role.PERSONNEL_MANAGER: frozenset({Action.VIEW_UNITS}),
    Role.COMMITTEE: frozenset({Action.VIEW_UNITS}),
    Role.STAFF: frozenset(),
    Role.SYSTEM_ADMIN: frozenset({Action.MANAGE_ACCOUNTS}),
    Role.SECURITY_ADMIN: frozenset({Action.MANAGE_SECURITY}),
}
# Administrators of accounts see no business data: their units are only the accounts' scope.
ACCOUNT_ADMINISTRATORS = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN})


def membership_of(user: Any) -> Membership | None:
    """The active user's membership, or None (anonymous, inactive, no unit or no role yet)."""
    if (
        user is None
        or not getattr(user, "is_authenticated", False)
        or not getattr(user, "is_active", False)
    ):
        return None
    try:
        membership: Membership = user.membership
    except Membership.DoesNotExist:
        return None
    return membership if membership.role else None


def _subtree(root: Unit) -> QuerySet[Unit]:
    return Unit.objects.filter(path__startswith=root.path)


def visible_units(user: Any) -> QuerySet[Unit]:
    """The user's unit and everything under it; none without an active membership."""
    membership = membership_of(user)
    if membership is None or membership.role in ACCOUNT_ADMINISTRATORS:
        return Unit.objects.none()
    return _subtree(membership.unit)


def managed_units(user: Any) -> QuerySet[Unit]:
    """The units whose accounts a system or security administrator looks after."""
    membership = membership_of(user)
    if membership is None or membership.role not in ACCOUNT_ADMINISTRATORS:
        return Unit.objects.none()
    return _subtree(membership.unit)


def get_unit_for_user(user: Any, code: str) -> Unit:
    """The unit with this code if the user may see it; Http404 otherwise."""
    unit = visible_units(user).select_related("parent").filter(code=code).first()
    if unit is None:
        raise Http404("No such unit")
    return unit


def role_of(user: Any) -> Role | None:
    membership = membership_of(user)
    return Role(membership.role) if membership else None


def allowed_actions(user: Any) -> frozenset[Action]:
    role = role_of(user)
    return PERMISSIONS[role] if role else frozenset()


def can(user: Any, action: Action | str, unit: Unit | None = None) -> bool:
    """May `user` do `action` (on `unit`, which must then be within their scope)?

    An unknown action name raises ValueError, so a typo fails loudly instead of denying quietly.
    """
    action = Action(action)
    if action not in allowed_actions(user):
        return False
    if unit is None:
        return True
    membership = membership_of(user)
    return membership is not None and unit.path.startswith(membership.unit.path)


def league_root(user: Any) -> Unit | None:
    """The unit whose subtree's league table the user may see (None: no active membership).

    A grassroots clerk sees only their own unit unless GRASSROOTS_CLERK_SEES_CITY_LEAGUE is set,
    when they see their city's league (the unit's parent subtree); everyone else their scope.
    """
    membership = membership_of(user)
    if membership is None or membership.role in ACCOUNT_ADMINISTRATORS:
        return None
    unit = membership.unit
    clerk_sees_city = getattr(settings, "GRASSROOTS_CLERK_SEES_CITY_LEAGUE", False)
    if (
        membership.role == Role.GRASSROOTS_CLERK
        and clerk_sees_city
        and unit.level == Level.GRASSROOTS
        and unit.parent_id is not None
    ):
        return Unit.objects.get(pk=unit.parent_id)
    return unit


def league_units(user: Any) -> QuerySet[Unit]:
    """Units whose league table the user may see: the subtree of `league_root`."""
    root = league_root(user)
    return Unit.objects.none() if root is None else _subtree(root)


def issuing_unit(user: Any) -> str:
    """The name of the unit a user's exports are issued by (their own unit), in the page
    language; "" without a membership."""
    membership = membership_of(user)
    return unit_name(membership.unit) if membership is not None else ""
