"""The demo province's people: each grassroots unit's roster from the synthetic generator (the
same people who handle the generated cases), a login for one prosecutor and for the unit's
assessment committee and personnel manager, and the prosecutors' 2024 assessment of Lixia
computed from the imported case records.

Demo logins (passwords reset on every run; never use these outside a demo):

    demo-prosecutor  Lixia#Court2024  staff member linked to a prosecutor of Lixia (370102)
    demo-committee   Lixia#Panel2024   assessment committee member, Lixia (370102)
    demo-personnel   Lixia#Roster2024  unit personnel manager, Lixia (370102)

Idempotent: a unit that already has people keeps them; the assessment is opened once.
"""

from __future__ import annotations

import contextlib
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from grassroots.engine.individual import load_individual_scheme
from grassroots.engine.synth.people import roster_frame
from grassroots.organisations import audit, services
from grassroots.organisations.models import AuditAction, AuditEntry, Level, Role, Unit
from grassroots.people.assessment import open_assessment
from grassroots.people.compute import ComputeRefused, compute_assessment
from grassroots.people.models import AssessmentPeriod, Category, Department, Person

DEMO_REASON = "demo setup"
DEMO_YEAR = 2024
DEMO_SEED = 1  # the seed the demo's case records are generated with
LOGINS = (
    ("demo-prosecutor", "Lixia#Court2024", Role.STAFF),
    ("demo-committee", "Lixia#Panel2024", Role.COMMITTEE),
    ("demo-personnel", "Lixia#Roster2024", Role.PERSONNEL_MANAGER),
)
PREFERRED_UNIT = {"37": "370102"}


@transaction.atomic
def load_rosters(*, province: str) -> int:
    """Each grassroots unit of the province without people gets its generated roster."""
    root = Unit.objects.get(code=province[:2] + "0000")
    units = {
        u.code: u
        for u in Unit.objects.filter(path__startswith=root.path, level=Level.GRASSROOTS)
        if not Person.objects.filter(unit=u).exists()
    }
    if not units:
        return 0
    frame = roster_frame(sorted(units), seed=DEMO_SEED)
    entries: list[AuditEntry] = []
    departments: dict[tuple[str, str], Department] = {}
    for (code, dept, name), _rows in frame.groupby(["unit_code", "department", "department_name"]):
        department = Department(unit=units[str(code)], code=str(dept), name=str(name))
        departments[(str(code), str(dept))] = department
    Department.objects.bulk_create(departments.values(), batch_size=1000)
    people = [
        Person(
            unit=units[str(r["unit_code"])],
            staff_number=str(r["staff_id"]),
            name=str(r["name"]),
            category=Category(str(r["category"])),
            department=departments.get((str(r["unit_code"]), str(r["department"]))),
            post=str(r["post"]),
            birth_year=int(r["birth_year"]),
            joined_year=int(r["joined_year"]),
            quota_seat=bool(r["quota"]),
            talent_pool=bool(r["talent_pool"]),
            heads_department=str(r["post"]).endswith("主任"),
        )  # fmt: skip
        for r in frame.to_dict("records")
    ]
    Person.objects.bulk_create(people, batch_size=1000)
    for obj in [*departments.values(), *people]:
        entries.append(
            audit.entry(
                obj=obj,
                action=AuditAction.CREATE,
                actor=None,
                before=None,
                after=audit.snapshot(obj),
                reason=DEMO_REASON,
            )  # fmt: skip
        )
    AuditEntry.objects.bulk_create(entries, batch_size=1000)
    return len(people)


def _login(username: str, password: str, role: Role, unit: Unit) -> Any:
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        user = services.create_user(username=username, password=password, actor=None)
    else:
        user.set_password(password)
        user.is_active = True
        user.save()
    services.add_member(user=user, unit=unit, role=role, actor=None, reason=DEMO_REASON)
    return user


def prepare_people_demo(*, province: str) -> list[tuple[str, str, str, str]]:
    """Rosters, the three people logins and Lixia's computed 2024 assessment of prosecutors.

    Returns (username, password, role label, unit name) per login, like ``prepare_demo``."""
    load_rosters(province=province)
    root = Unit.objects.get(code=province[:2] + "0000")
    code = PREFERRED_UNIT.get(province[:2])
    unit = Unit.objects.filter(code=code).first() if code else None
    if unit is None:
        unit = (
            Unit.objects.filter(path__startswith=root.path, level=Level.GRASSROOTS)
            .order_by("path")
            .first()
        )
    assert unit is not None
    logins = []
    for username, password, role in LOGINS:
        user = _login(username, password, role, unit)
        if role == Role.STAFF:
            _link_prosecutor(user, unit)
        logins.append((username, password, str(role.label), unit.name_zh))
    _demo_assessment(unit)
    return logins


def _link_prosecutor(user: Any, unit: Unit) -> None:
    if Person.objects.filter(user=user).exists():
        return
    person = (
        Person.objects.filter(
            unit=unit, category=Category.PROSECUTOR, user__isnull=True, active=True
        )
        .order_by("staff_number")
        .first()
    )
    if person is None:
        return
    with audit.tracked(person, actor=None, reason=DEMO_REASON):
        person.user = user
        person.save()


def _demo_assessment(unit: Unit) -> None:
    assessment = AssessmentPeriod.objects.filter(
        unit=unit, year=DEMO_YEAR, category=Category.PROSECUTOR
    ).first()
    if assessment is None:
        assessment = open_assessment(
            unit=unit, year=DEMO_YEAR, scheme=load_individual_scheme("prosecutor-2021"), actor=None,
            objection_days=3650,  # the demo's scores stay open to objection, so it can be tried
        )  # fmt: skip
    if assessment.computed is None:
        with contextlib.suppress(ComputeRefused):
            compute_assessment(assessment=assessment, actor=None)
