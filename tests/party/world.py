"""A small party world for the party tests: four units of the tiny province, each with two
departments, a chief (院党组 secretary), a branch secretary, a prosecutor, organisations and a
plan; logins for the province, Lixia's committee and Lixia's three people."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model

from grassroots.organisations.models import Role, Unit
from grassroots.organisations.services import add_member
from grassroots.party import services
from grassroots.party.models import OrgKind
from grassroots.people.models import Category, Department, Person

UNITS = ("370102", "370103", "370104", "370202")
# Bands of the tests' province version: ranks 1–2 green, 3 yellow, 4 and after red.
SCHEME = services.shipped_text(services.SCHEME_CODE).replace(
    "    - {upto: 4, colour: green}\n    - {upto: 8, colour: yellow}\n",
    "    - {upto: 2, colour: green}\n    - {upto: 3, colour: yellow}\n",
)
PASSWORD = "pw-for-party-tests"


def user(username: str, role: Role, code: str) -> Any:
    made = get_user_model().objects.create_user(username=username, password=PASSWORD)
    add_member(user=made, unit=Unit.objects.get(code=code), role=role, actor=None)
    return get_user_model().objects.select_related("membership__unit").get(pk=made.pk)


def build_world() -> dict[str, Any]:
    admin = user("party-admin", Role.PROVINCE_ADMIN, "370000")
    services.save_scheme(actor=admin, yaml_text=SCHEME, note="test bands")
    world: dict[str, Any] = {"admin": admin, "units": {}, "people": {}}
    for code in UNITS:
        unit = Unit.objects.get(code=code)
        d1 = Department.objects.create(unit=unit, code="D01", name="第一检察部")
        d2 = Department.objects.create(unit=unit, code="D02", name="第二检察部")
        people = {
            "chief": Person.objects.create(unit=unit, staff_number="P001", name=f"院长{code[-3:]}",
                                           category=Category.LEADER, post="检察长", birth_year=1970),
            "branch": Person.objects.create(unit=unit, staff_number="P002", name=f"书记{code[-3:]}",
                                            category=Category.PROSECUTOR, department=d1,
                                            post="支部书记", birth_year=1980),
            "prosecutor": Person.objects.create(unit=unit, staff_number="P003", name=f"检察官{code[-3:]}",
                                                category=Category.PROSECUTOR, department=d2,
                                                post="检察官", birth_year=1988),
        }  # fmt: skip
        top = services.save_org(unit=unit, actor=admin, kind=OrgKind.LEADING_GROUP, name="院党组",
                                secretary=people["chief"], members=[people["chief"]])  # fmt: skip
        organ = services.save_org(unit=unit, actor=admin, kind=OrgKind.ORGAN_COMMITTEE, name="机关党委",
                                  parent=top, secretary=people["chief"])  # fmt: skip
        services.save_org(unit=unit, actor=admin, kind=OrgKind.BRANCH, name="第一党支部", parent=organ,
                          secretary=people["branch"], departments=[d1, d2],
                          members=[people["branch"], people["prosecutor"]])  # fmt: skip
        services.save_plan(unit=unit, actor=admin, title="支部学习（三会一课）", item="party_tasks",
                           recurrence="monthly", points=Decimal(10), reviewer=people["chief"],
                           owner_post="支部书记")  # fmt: skip
        services.save_plan(unit=unit, actor=admin, title="办案质效月报", item="case_quality",
                           recurrence="monthly", points=Decimal(10), reviewer=people["chief"],
                           owner_post="检察官")  # fmt: skip
        world["units"][code] = unit
        world["people"][code] = people
    lixia = world["people"]["370102"]
    for key in ("chief", "branch", "prosecutor"):
        login = user(f"lixia-{key}", Role.STAFF, "370102")
        lixia[key].user = login
        lixia[key].save()
        world[f"lixia-{key}"] = login
    world["committee"] = user("lixia-committee", Role.COMMITTEE, "370102")
    world["other-committee"] = user("shizhong-committee", Role.COMMITTEE, "370103")
    world["reviewer"] = user("jinan-reviewer", Role.CITY_REVIEWER, "370100")
    world["qingdao-reviewer"] = user("qingdao-reviewer", Role.CITY_REVIEWER, "370200")
    return world


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# What each unit's reviewer gives out of 10 (Lixia's scores are entered in the cycle tests).
SCORES = {"370103": 10, "370104": 9, "370202": 4}
