"""The party demo (``grassroots demo``): organisations from the roster, a year of tasks, the
reports, and the warnings of Lixia reaching the demo secretary as notifications."""

from __future__ import annotations

from typing import Any

from grassroots.notifications.models import Notification
from grassroots.organisations.models import Role, Unit
from grassroots.party.demo import prepare_party_demo
from grassroots.party.models import PartyOrg, PartyReport, Task
from grassroots.people.models import Category, Department, Person
from tests.party.world import user


def test_the_demo_builds_a_year_and_warns_lixias_secretary(
    province: Any, settings: Any, tmp_path: Any
) -> None:
    settings.DATA_DIR = tmp_path
    user("demo-admin", Role.PROVINCE_ADMIN, "370000")
    for unit in Unit.objects.filter(level="grassroots"):
        dept = Department.objects.create(unit=unit, code="D01", name="第一检察部")
        Person.objects.create(
            unit=unit, staff_number="L1", name="院长", category=Category.LEADER, birth_year=1970
        )
        Person.objects.create(unit=unit, staff_number="P1", name="主任", category=Category.PROSECUTOR,
                              department=dept, heads_department=True, post="部门主任", birth_year=1980)  # fmt: skip
    logins = prepare_party_demo(province="37")
    assert [login[0] for login in logins] == ["demo-secretary"]
    assert PartyOrg.objects.filter(unit__code="370102").count() == 3
    assert Task.objects.filter(unit__code="370102", status="open").count() == 4  # December's
    q4 = PartyReport.objects.get(unit__code="370102", subject="unit", period="2024Q4")
    assert q4.total is not None
    warned = Notification.objects.filter(recipient__username="demo-secretary", kind="party_warning")
    assert warned.exists() == (q4.colour in ("yellow", "red"))
    # a second run leaves it as it is
    assert prepare_party_demo(province="37") == logins
    assert Task.objects.filter(unit__code="370102").count() == 40  # 3 monthly × 12 + 4 quarterly
