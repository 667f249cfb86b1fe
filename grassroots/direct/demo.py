"""The demo province's contact map and a few direct reports (``grassroots demo``).

demo-leader answers for Jinan and its contact unit (the demo clerk's Lixia) and supports the
weak units; two department heads (accounts without a password, ``demo-dept-*``) answer for the
criminal and civil lines; demo-admin is the receiving office. Lixia has filed three reports: one
new, one answered, one overdue and escalated by the time limit. Idempotent.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from grassroots.assistance.models import Designation, WeakStatus
from grassroots.direct import services
from grassroots.direct.models import ContactEntry, ContactKind, Line, Report
from grassroots.organisations.models import Level, Role, Unit
from grassroots.organisations.services import add_member, create_user

DEPARTMENTS = (
    ("demo-dept-criminal", "第一检察部", Line.CRIMINAL),
    ("demo-dept-civil", "第六检察部", Line.CIVIL),
)


def _account(username: str, province: Unit) -> Any:
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        user = create_user(username=username, password=None, actor=None)
        add_member(user=user, unit=province, role=Role.LEADER, actor=None,
                   reason="demo: a department head on the contact map")  # fmt: skip
    return user


@transaction.atomic
def prepare_direct_demo(*, province: str) -> None:
    root = Unit.objects.get(code=province[:2] + "0000")
    if ContactEntry.objects.filter(province=root).exists():
        return
    users = get_user_model().objects
    admin = users.get(username="demo-admin")
    leader = users.get(username="demo-leader")
    clerk = users.get(username="demo-clerk")
    home = clerk.membership.unit
    city = home.parent
    assert city is not None  # the demo clerk's unit is a grassroots unit under a city
    add = services.add_entry
    add(actor=admin, kind=ContactKind.LEADER_CITY, handler=leader, unit=city)
    add(actor=admin, kind=ContactKind.LEADER_UNIT, handler=leader, unit=home)
    for username, department, line in DEPARTMENTS:
        add(actor=admin, kind=ContactKind.DEPARTMENT_LINE, handler=_account(username, root),
            line=line, department=department)  # fmt: skip
    criminal = users.get(username=DEPARTMENTS[0][0])
    weak = Designation.objects.filter(
        unit__path__startswith=root.path, status=WeakStatus.DESIGNATED
    ).select_related("unit")
    for d in weak:
        add(actor=admin, kind=ContactKind.WEAK_LEADER, handler=leader, unit=d.unit)
        add(actor=admin, kind=ContactKind.WEAK_DEPARTMENT, handler=criminal, unit=d.unit,
            department=DEPARTMENTS[0][1])  # fmt: skip
    others = Unit.objects.filter(path__startswith=root.path, level=Level.CITY).exclude(pk=city.pk)
    for other in others.order_by("code")[:3]:
        add(actor=admin, kind=ContactKind.LEADER_CITY, handler=leader, unit=other)
    add(actor=admin, kind=ContactKind.OFFICE, handler=admin)
    _reports(clerk=clerk, leader=leader, criminal=criminal)


def _reports(*, clerk: Any, leader: Any, criminal: Any) -> None:
    if Report.objects.filter(filed_by=clerk).exists():
        return
    now = timezone.now()

    def ago(days: int) -> Any:
        return lambda: now - dt.timedelta(days=days)

    services.file_report(
        actor=clerk, category="problem", urgency="urgent", line="",
        title="办案用房和听证室不足",
        description="本院现有办案用房12间，公开听证室1间，难以满足公开听证常态化要求，"
        "请省院协调地方解决办案用房。",
        clock=ago(2),
    )  # fmt: skip
    answered = services.file_report(
        actor=clerk, category="suggestion", urgency="normal", line=Line.CRIMINAL,
        title="建议增加认罪认罚案件量刑建议业务培训",
        description="近两个季度量刑建议采纳率低于全省平均，建议省院第一检察部组织专题培训。",
        clock=ago(20),
    )  # fmt: skip
    services.reply(report=answered, actor=criminal, clock=ago(17),
                   text="已收到。第一检察部拟于下月举办全省量刑建议专题培训，届时通知贵院参加。")  # fmt: skip
    late = services.file_report(
        actor=clerk, category="problem", urgency="normal", line="",
        title="检察辅助人员缺编",
        description="本院检察辅助人员缺编5人，影响案件办理效率，请省院协调招录计划。",
        clock=ago(16),
    )  # fmt: skip
    assert late.handler == leader
    services.escalate_overdue(now)
