"""Fixtures of the people tests: a roster for Lixia (370102) and the users around it."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import load_workbook

from grassroots.organisations.models import Role
from grassroots.people.models import Category, Department, Person
from grassroots.people.workbook import DEPARTMENTS_SHEET, PEOPLE_SHEET, build_template

DEPARTMENTS = [("D01", "第一检察部"), ("D02", "第二检察部"), ("D09", "政治部")]
# staff number, name, category label, department, post, grade, birth, joined, quota, pool, head
PEOPLE = [
    ("P001", "张明", "员额检察官", "D01", "检察官", "四级高级检察官", 1985, 2008, "是", "是", "是"),
    ("P002", "李华", "员额检察官", "D01", "检察官", "一级检察官", 1990, 2013, "是", "否", "否"),
    ("P003", "王芳", "检察官助理", "D01", "检察官助理", "", 1995, 2019, "否", "否", "否"),
    ("P004", "赵强", "员额检察官", "D02", "检察官", "二级检察官", 1970, 1994, "是", "否", "否"),
    ("P005", "陈静", "院领导", "", "副检察长", "", 1972, 1995, "是", "是", "否"),
    ("P006", "刘洋", "书记员", "D02", "书记员", "", 1999, 2021, "否", "否", "否"),
]


def roster_workbook(
    unit_code: str = "370102",
    departments: list[tuple[Any, ...]] | None = None,
    people: list[tuple[Any, ...]] | None = None,
) -> bytes:
    """The downloaded template of ``unit_code`` filled in with these rows."""
    book = load_workbook(io.BytesIO(build_template(unit_code=unit_code, departments=[], people=[])))
    for row in DEPARTMENTS if departments is None else departments:
        book[DEPARTMENTS_SHEET].append(list(row))
    for row in PEOPLE if people is None else people:
        book[PEOPLE_SHEET].append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def roster(province) -> dict[str, Person]:
    """Lixia's roster written directly (the import itself is tested on its own)."""
    unit = province["370102"]
    departments = {
        code: Department.objects.create(unit=unit, code=code, name=name)
        for code, name in DEPARTMENTS
    }
    people = {}
    for number, name, label, dept, post, grade, birth, joined, quota, pool, head in PEOPLE:
        from grassroots.people.workbook import CATEGORY_BY_LABEL

        people[number] = Person.objects.create(
            unit=unit, staff_number=number, name=name, category=CATEGORY_BY_LABEL[label],
            department=departments.get(dept), post=post, grade=grade, birth_year=birth,
            joined_year=joined, quota_seat=quota == "是", talent_pool=pool == "是",
            heads_department=head == "是",
        )  # fmt: skip
    assert people["P004"].category == Category.PROSECUTOR
    return people


@pytest.fixture
def users(province, make_member, roster) -> dict[str, Any]:
    """Logins: staff linked to P001 (D01 head), P002 and P004; the unit's managers; others."""
    made = {
        "admin": make_member(Role.PROVINCE_ADMIN, "370000"),
        "auditor": make_member(Role.AUDITOR, "370000"),
        "personnel": make_member(Role.PERSONNEL_MANAGER, "370102"),
        "committee": make_member(Role.COMMITTEE, "370102"),
        "other_committee": make_member(Role.COMMITTEE, "370103"),
        "clerk": make_member(Role.GRASSROOTS_CLERK, "370102"),
        "reviewer": make_member(Role.CITY_REVIEWER, "370100"),
        "leader": make_member(Role.LEADER, "370000"),
    }
    for key, number in (("head", "P001"), ("li", "P002"), ("zhao", "P004")):
        user = make_member(Role.STAFF, "370102", username=f"staff-{number}")
        person = roster[number]
        person.user = user
        person.save()
        made[key] = user
    return made


@pytest.fixture
def workbook() -> Any:
    """workbook(unit_code=..., departments=..., people=...): a filled roster template."""
    return roster_workbook


@pytest.fixture
def people_rows() -> list[tuple[Any, ...]]:
    return list(PEOPLE)
