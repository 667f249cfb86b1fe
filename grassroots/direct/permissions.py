"""Who sees and does what in the direct channel. Out of scope is 404 (``report_for``).

- A grassroots unit's clerk files reports for their unit; the unit's business users (not its
  staff members) see their own unit's reports only.
- The province's users (administrator, leaders, auditor) see every report of the province;
  anyone who is or was on a report's route (a handler) sees it too.
- The current handler replies, forwards and escalates; the province administrator keeps the
  contact map.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from grassroots.direct.models import Report, Stage
from grassroots.organisations.models import Level, Membership, Role
from grassroots.organisations.scope import ACCOUNT_ADMINISTRATORS, membership_of

PROVINCE_READERS = frozenset({Role.PROVINCE_ADMIN, Role.LEADER, Role.AUDITOR})
UNIT_READERS = frozenset(
    {Role.GRASSROOTS_CLERK, Role.LEADER, Role.PERSONNEL_MANAGER, Role.COMMITTEE}
)


def _member(user: Any) -> Membership | None:
    membership = membership_of(user)
    if membership is None or membership.role in ACCOUNT_ADMINISTRATORS:
        return None
    return membership


def may_file(user: Any) -> bool:
    m = _member(user)
    return m is not None and m.role == Role.GRASSROOTS_CLERK and m.unit.level == Level.GRASSROOTS


def may_keep_map(user: Any) -> bool:
    m = _member(user)
    return m is not None and m.role == Role.PROVINCE_ADMIN and m.unit.level == Level.PROVINCE


def sees_province(user: Any) -> bool:
    m = _member(user)
    return m is not None and m.role in PROVINCE_READERS and m.unit.level == Level.PROVINCE


def reports_for(user: Any) -> QuerySet[Report]:
    """The reports the user may see."""
    m = _member(user)
    if m is None:
        return Report.objects.none()
    # A handler is one a message went to: filing, forwarding and escalating each name theirs.
    handled = Q(handler=user) | Q(messages__to=user)
    if m.role in PROVINCE_READERS and m.unit.level == Level.PROVINCE:
        seen = Q(province=m.unit) | handled
    elif m.role in UNIT_READERS and m.unit.level == Level.GRASSROOTS:
        seen = Q(unit=m.unit) | handled
    else:
        seen = handled
    return Report.objects.filter(pk__in=Report.objects.filter(seen).values("pk"))


def report_for(user: Any, pk: int) -> Report:
    report = reports_for(user).select_related("unit", "handler", "filed_by").filter(pk=pk).first()
    if report is None:
        raise Http404("No such report")
    return report


def may_handle(user: Any, report: Report) -> bool:
    return (
        _member(user) is not None and report.handler_id == user.pk and report.stage != Stage.CLOSED
    )


def may_add_note(user: Any, report: Report) -> bool:
    m = _member(user)
    return (
        m is not None
        and m.role == Role.GRASSROOTS_CLERK
        and m.unit_id == report.unit_id
        and report.stage != Stage.CLOSED
    )


def reads_unit(user: Any) -> bool:
    """A grassroots unit's business user: sees the unit's own reports."""
    m = _member(user)
    return m is not None and m.role in UNIT_READERS and m.unit.level == Level.GRASSROOTS
