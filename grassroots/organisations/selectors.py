"""Reads about units and the audit log, always through the user's scope."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from grassroots.organisations.models import AuditEntry, Level
from grassroots.organisations.scope import Action, can, membership_of, visible_units


@dataclass
class TreeNode:
    code: str
    name_zh: str
    name_en: str
    level: str
    kind: str
    child_count: int
    children: list[TreeNode] = field(default_factory=list)


def unit_tree(user: Any) -> list[TreeNode]:
    """The user's visible units nested under their own unit (one root), with child counts."""
    units = list(visible_units(user).order_by("path"))
    nodes: dict[str, TreeNode] = {}  # by path
    roots: list[TreeNode] = []
    for unit in units:  # path order puts every parent before its children
        node = TreeNode(
            code=unit.code,
            name_zh=unit.name_zh,
            name_en=unit.name_en,
            level=unit.level,
            kind=unit.kind,
            child_count=0,
        )
        # "370000/370100/370102/" -> "370000/370100/"; a province's parent path is "", the
        # nation's. The nation's own path is "" too, so look up the parent before adding it.
        parent = nodes.get(unit.path[: unit.path.rstrip("/").rfind("/") + 1]) if unit.path else None
        nodes[unit.path] = node
        if parent is None:
            roots.append(node)
        else:
            parent.children.append(node)
            parent.child_count += 1
    return roots


# An entry of no unit is a change of the whole system (a shipped scheme loaded from the command
# line, a run the system started over everything; entries written before entries took the actor's
# unit): it concerns every province, so an auditor whose scope holds a province sees it, a
# city's auditor does not. The log is append-only, so old entries are not rewritten.
UNITLESS_LEVELS = frozenset({Level.PROVINCE, Level.NATION})


def audit_entries(
    user: Any,
    *,
    model: str | None = None,
    actor: Any = None,
    unit_code: str | None = None,
    action: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> QuerySet[AuditEntry]:
    """Audit entries the user may read: auditors only, and only for units in their scope.

    `actor` is a user or a username; `since` is inclusive, `until` exclusive.
    """
    if not can(user, Action.VIEW_AUDIT_LOG):
        return AuditEntry.objects.none()
    in_scope = Q(unit_code__in=visible_units(user).values("code"))
    membership = membership_of(user)
    if membership is not None and membership.unit.level in UNITLESS_LEVELS:
        in_scope |= Q(unit_code="")
    entries = AuditEntry.objects.filter(in_scope)
    if model:
        entries = entries.filter(model=model)
    if actor is not None:
        entries = entries.filter(
            actor_name=actor if isinstance(actor, str) else actor.get_username()
        )
    if unit_code:
        entries = entries.filter(unit_code=unit_code)
    if action:
        entries = entries.filter(action=action)
    if since is not None:
        entries = entries.filter(at__gte=since)
    if until is not None:
        entries = entries.filter(at__lt=until)
    return entries.select_related("actor")
