"""Departments and people: the roster import (all-or-nothing, located errors in Chinese), edits
audited, and the unit's staff figures computed from the roster (issue 14.1)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from grassroots.engine.errors import InputError
from grassroots.organisations.models import AuditEntry, Role
from grassroots.people.models import Category, Department, Person
from grassroots.people.selectors import staff_figures, staff_team
from grassroots.people.services import NotAllowed, import_roster, save_person

CLOCK = lambda: dt.datetime(2025, 3, 1, tzinfo=dt.UTC)  # noqa: E731


@pytest.fixture
def personnel(make_member):
    return make_member(Role.PERSONNEL_MANAGER, "370102")


def test_an_import_writes_the_roster_and_audits_every_record(province, personnel, workbook) -> None:
    result = import_roster(
        unit=province["370102"], data=workbook(), source_name="名册.xlsx",
        actor=personnel, clock=CLOCK,
    )  # fmt: skip
    assert (result.added, result.changed, result.deactivated, result.departments) == (6, 0, 0, 3)
    zhang = Person.objects.get(unit=province["370102"], staff_number="P001")
    assert (zhang.name, zhang.category, zhang.department.code) == (
        "张明",
        Category.PROSECUTOR,
        "D01",
    )
    assert zhang.heads_department
    assert zhang.talent_pool
    assert zhang.quota_seat
    leader = Person.objects.get(staff_number="P005")
    assert leader.category == Category.LEADER
    assert leader.department is None
    entries = AuditEntry.objects.filter(model__in=["people.person", "people.department"])
    assert entries.count() == 9
    assert set(entries.values_list("unit_code", flat=True)) == {"370102"}
    assert set(entries.values_list("actor_name", flat=True)) == {personnel.username}


def test_a_second_import_changes_updates_and_deactivates_people(
    province, personnel, workbook, people_rows
) -> None:
    unit = province["370102"]
    import_roster(unit=unit, data=workbook(), source_name="a.xlsx", actor=personnel, clock=CLOCK)
    people = [list(p) for p in people_rows if p[0] != "P006"]
    people[1][5] = "三级高级检察官"
    result = import_roster(
        unit=unit, data=workbook(people=[tuple(p) for p in people]), source_name="b.xlsx",
        actor=personnel, clock=CLOCK,
    )  # fmt: skip
    assert (result.added, result.changed, result.deactivated) == (0, 1, 1)
    assert not Person.objects.get(staff_number="P006").active
    assert Person.objects.get(staff_number="P002").grade == "三级高级检察官"
    change = AuditEntry.objects.filter(model="people.person", action="update").first()
    assert change is not None
    assert change.reason == "roster import b.xlsx"


def test_a_bad_workbook_writes_nothing_and_names_sheet_row_and_column_in_chinese(
    province, personnel, workbook, people_rows
) -> None:
    people = list(people_rows) + [
        ("P001", "重复", "员额检察官", "D01", "", "", 1980, 2000, "是", "否", "否"),
        ("P007", "孙丽", "法官", "D01", "", "", 1980, 2000, "是", "否", "否"),
        ("P008", "周杰", "书记员", "D77", "", "", 1980, 2000, "否", "否", "否"),
        ("P009", "吴迪", "书记员", "D01", "", "", 1890, 2000, "否", "也许", "否"),
    ]
    with translation.override("zh-hans"), pytest.raises(InputError) as caught:
        import_roster(
            unit=province["370102"], data=workbook(people=people), source_name="名册.xlsx",
            actor=personnel, clock=CLOCK,
        )  # fmt: skip
    found = {(p.source, p.sheet, p.row, p.column) for p in caught.value.problems}
    assert found == {
        ("名册.xlsx", "人员", 8, "A"),  # P001 again
        ("名册.xlsx", "人员", 9, "C"),  # 法官 is no category
        ("名册.xlsx", "人员", 10, "D"),  # D77 is no department
        ("名册.xlsx", "人员", 11, "G"),  # born 1890
        ("名册.xlsx", "人员", 11, "J"),  # 也许
    }
    messages = {p.column: p.message for p in caught.value.problems}
    assert messages["A"] == "工号: P001 已在第 2 行"
    assert messages["D"] == "部门代码: D77 不在部门表中"
    assert Person.objects.count() == 0
    assert Department.objects.count() == 0
    assert not AuditEntry.objects.filter(model__startswith="people.").exists()


def test_a_template_of_another_unit_is_refused(province, personnel, workbook) -> None:
    with translation.override("zh-hans"), pytest.raises(InputError) as caught:
        import_roster(
            unit=province["370102"], data=workbook(unit_code="370103"),
            source_name="x.xlsx", actor=personnel, clock=CLOCK,
        )  # fmt: skip
    assert "370103" in caught.value.problems[0].message
    assert Person.objects.count() == 0


def test_not_a_workbook_is_refused(province, personnel) -> None:
    with pytest.raises(InputError):
        import_roster(
            unit=province["370102"], data=b"name,birth\n", source_name="x.xlsx", actor=personnel
        )


def test_only_the_unit_personnel_manager_and_the_province_import(
    province, make_member, workbook
) -> None:
    for role, code in (
        (Role.PERSONNEL_MANAGER, "370103"), (Role.GRASSROOTS_CLERK, "370102"),
        (Role.COMMITTEE, "370102"), (Role.CITY_REVIEWER, "370100"), (Role.STAFF, "370102"),
    ):  # fmt: skip
        with pytest.raises(NotAllowed):
            import_roster(
                unit=province["370102"], data=workbook(), source_name="x.xlsx",
                actor=make_member(role, code, username=f"{role}-{code}-x"),
            )  # fmt: skip
    admin = make_member(Role.PROVINCE_ADMIN, "370000")
    assert (
        import_roster(
            unit=province["370102"], data=workbook(), source_name="x.xlsx", actor=admin, clock=CLOCK
        ).added
        == 6
    )


def test_an_edit_on_the_page_is_audited(province, roster, make_member) -> None:
    personnel = make_member(Role.PERSONNEL_MANAGER, "370102")
    person = roster["P002"]
    save_person(
        person=person,
        actor=personnel,
        values={"post": "四级高级检察官", "talent_pool": True},
        reason="晋升",
    )
    entry = AuditEntry.objects.get(model="people.person", object_id=str(person.pk))
    assert entry.reason == "晋升"
    assert entry.before["talent_pool"] is False
    assert entry.after["talent_pool"] is True


def test_staff_figures_come_from_the_roster_and_else_from_the_typed_figures(
    province, roster, people_rows
) -> None:
    unit = province["370102"]
    figures = staff_figures(unit, year=2025)
    assert figures.from_roster
    births = [p[6] for p in people_rows]
    assert figures.headcount == len(people_rows)
    assert figures.procurators == sum(1 for p in people_rows if p[8] == "是")
    assert figures.under_45_share == round(
        100 * sum(1 for b in births if 2025 - b < 45) / len(births), 1
    )
    assert figures.talent_pool_share == round(100 * 2 / 6, 1)
    assert figures.leaders == 1
    assert sum(figures.age_bands.values()) == len(people_rows)
    assert figures.age_bands["50_up"] == 2  # born 1970 and 1972
    other = province["370103"]
    other.headcount, other.procurators = 40, 15
    other.save()
    typed = staff_figures(other, year=2025)
    assert not typed.from_roster
    assert (typed.headcount, typed.procurators) == (40, 15)
    team = staff_team([unit, other], year=2025)
    assert team["370102"]["staff_headcount"] == 6.0
    assert team["370102"]["staff_leaders"] == 1.0
    assert team["370103"]["staff_headcount"] == 40.0
    assert team["370103"]["staff_leaders"] is None
    # an inactive person no longer counts
    Person.objects.filter(staff_number="P006").update(active=False)
    assert staff_figures(unit, year=timezone.now().year).headcount == 5


def test_the_unit_page_shows_one_set_of_staff_figures(province, roster, make_member) -> None:
    """With a roster the unit page shows the roster's counts and not the typed figures beside
    them (they could disagree); without one it shows the typed figures."""
    from django.test import Client

    for code, headcount in (("370102", 99), ("370103", 41)):
        unit = province[code]
        unit.headcount = headcount
        unit.save()
    client = Client()
    client.force_login(make_member(Role.PROVINCE_ADMIN, "370000", "unit-page-admin"))
    with_roster = client.get("/units/370102/")
    assert with_roster.status_code == 200
    assert with_roster.context["staff_replaced"] is True
    assert 'id="staff-heading"' not in with_roster.content.decode()
    assert ">99<" not in with_roster.content.decode()
    typed = client.get("/units/370103/")
    assert typed.context["staff_replaced"] is False
    assert ">41<" in typed.content.decode()
