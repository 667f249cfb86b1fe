"""Reads of the direct channel: a user's list, and the province's open and overdue items per
department and per leader."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from grassroots.direct.models import ContactEntry, Report, Stage
from grassroots.direct.permissions import reports_for


@dataclass
class Load:
    name: str
    open: int = 0
    overdue: int = 0


def listing(user: Any, *, state: str = "", now: dt.datetime) -> QuerySet[Report]:
    rows = reports_for(user).select_related("unit__parent", "handler")
    if state == "open":
        rows = rows.exclude(stage=Stage.CLOSED)
    elif state == "overdue":
        rows = rows.exclude(stage=Stage.CLOSED).filter(due_at__lt=now)
    elif state == "closed":
        rows = rows.filter(stage=Stage.CLOSED)
    return rows.order_by("-filed_at", "-id")


def loads(user: Any, *, now: dt.datetime) -> tuple[list[Load], list[Load]]:
    """(per department, per leader): open and overdue items the user sees. An item with a
    department counts for that department, else for its handler (a leader or the office)."""
    departments: dict[str, Load] = {}
    leaders: dict[str, Load] = {}
    for r in reports_for(user).exclude(stage=Stage.CLOSED).select_related("handler"):
        if r.department:
            load = departments.setdefault(r.department, Load(r.department))
        else:
            name = r.handler.get_full_name() or r.handler.get_username()
            load = leaders.setdefault(name, Load(name))
        load.open += 1
        load.overdue += int(r.is_overdue(now))
    return sorted(departments.values(), key=lambda x: x.name), sorted(
        leaders.values(), key=lambda x: x.name
    )


def map_entries(province: Any) -> QuerySet[ContactEntry]:
    return ContactEntry.objects.filter(province=province).select_related(
        "handler", "unit", "handler__membership"
    )
