"""The tiny province with a contact map: leaders, departments and a weak unit's supporters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from grassroots.direct.models import ContactKind, Line
from grassroots.direct.services import add_entry
from grassroots.organisations.models import Role, Unit


@pytest.fixture
def people(make_member: Callable[..., Any], settings: Any, tmp_path: Any) -> dict[str, Any]:
    settings.DATA_DIR = tmp_path / "data"
    made = {
        "admin": make_member(Role.PROVINCE_ADMIN, "370000", "admin"),
        "leader": make_member(Role.LEADER, "370000", "leader"),  # Jinan's and Lixia's leader
        "chief": make_member(Role.LEADER, "370000", "chief"),  # Qingdao's leader
        "criminal": make_member(Role.LEADER, "370000", "criminal"),  # 第一检察部
        "support": make_member(Role.LEADER, "370000", "support"),  # supports weak Shizhong
        "auditor": make_member(Role.AUDITOR, "370000", "auditor"),
        "clerk": make_member(Role.GRASSROOTS_CLERK, "370102", "clerk"),
        "clerk2": make_member(Role.GRASSROOTS_CLERK, "370103", "clerk2"),
        "staff": make_member(Role.STAFF, "370102", "staff"),
        "reviewer": make_member(Role.CITY_REVIEWER, "370100", "reviewer"),
        "qd-clerk": make_member(Role.GRASSROOTS_CLERK, "370202", "qd-clerk"),
    }
    admin = made["admin"]
    u = {c: Unit.objects.get(code=c) for c in ("370100", "370102", "370103", "370200")}
    add_entry(actor=admin, kind=ContactKind.LEADER_CITY, handler=made["leader"], unit=u["370100"])
    add_entry(actor=admin, kind=ContactKind.LEADER_UNIT, handler=made["leader"], unit=u["370102"])
    add_entry(actor=admin, kind=ContactKind.LEADER_CITY, handler=made["chief"], unit=u["370200"])
    add_entry(actor=admin, kind=ContactKind.DEPARTMENT_LINE, handler=made["criminal"],
              line=Line.CRIMINAL, department="第一检察部")  # fmt: skip
    add_entry(actor=admin, kind=ContactKind.WEAK_LEADER, handler=made["support"], unit=u["370103"])
    add_entry(actor=admin, kind=ContactKind.WEAK_DEPARTMENT, handler=made["criminal"],
              unit=u["370103"], department="第一检察部")  # fmt: skip
    add_entry(actor=admin, kind=ContactKind.OFFICE, handler=made["chief"])
    return made


MONDAY = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)  # Monday 10:00 in Shanghai
