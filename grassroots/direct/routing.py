"""Who answers a report: the persons on the province's contact map, in order.

1. the supporting leader, then the supporting department, of the unit if it is a weak unit now
   (assistance's designation);
2. the department for the report's business line;
3. the leader whose grassroots contact unit it is;
4. the leader for the unit's city;
5. the province's receiving office.

The first is the handler; an overdue item escalates to the next. A map that names nobody for
the unit falls back to the province's administrators.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model

from grassroots.assistance.models import Designation, WeakStatus
from grassroots.direct.models import ContactEntry, ContactKind
from grassroots.organisations.models import Role, Unit

ACTIVE_WEAK = (WeakStatus.DESIGNATED, WeakStatus.EXIT_RECOMMENDED)


@dataclass(frozen=True)
class Stop:
    user_id: int
    department: str
    kind: str


def is_weak(unit: Unit) -> bool:
    return Designation.objects.filter(unit=unit, status__in=ACTIVE_WEAK).exists()


def route_for(*, unit: Unit, province: Unit, line: str) -> list[Stop]:
    entries = list(
        ContactEntry.objects.filter(province=province, handler__is_active=True).order_by("id")
    )

    def of(kind: str, **match: Any) -> list[ContactEntry]:
        return [
            e
            for e in entries
            if e.kind == kind and all(getattr(e, k) == v for k, v in match.items())
        ]

    ordered: list[ContactEntry] = []
    if is_weak(unit):
        ordered += of(ContactKind.WEAK_LEADER, unit_id=unit.pk)
        ordered += of(ContactKind.WEAK_DEPARTMENT, unit_id=unit.pk)
    if line:
        ordered += of(ContactKind.DEPARTMENT_LINE, line=line)
    ordered += of(ContactKind.LEADER_UNIT, unit_id=unit.pk)
    if unit.parent_id is not None:
        ordered += of(ContactKind.LEADER_CITY, unit_id=unit.parent_id)
    ordered += of(ContactKind.OFFICE)
    stops: list[Stop] = []
    seen: set[int] = set()
    for e in ordered:
        if e.handler_id not in seen:
            seen.add(e.handler_id)
            stops.append(Stop(e.handler_id, e.department, e.kind))
    if not stops:
        admins = (
            get_user_model()
            .objects.filter(
                is_active=True, membership__unit=province, membership__role=Role.PROVINCE_ADMIN
            )
            .order_by("pk")
        )
        stops = [Stop(u.pk, "", ContactKind.OFFICE) for u in admins]
    return stops
