"""The tiny province with a clerk of 历下 (370102), one of 市中 (370103), the province's
administrator, a leader of Jinan, and a few library items made through the services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from grassroots.organisations.models import Role


@pytest.fixture
def admin(make_member: Callable[..., Any]) -> Any:
    return make_member(Role.PROVINCE_ADMIN, "370000", "lib-admin")


@pytest.fixture
def clerk(make_member: Callable[..., Any]) -> Any:
    return make_member(Role.GRASSROOTS_CLERK, "370102", "lib-clerk")


@pytest.fixture
def other_clerk(make_member: Callable[..., Any]) -> Any:
    return make_member(Role.GRASSROOTS_CLERK, "370103", "lib-other")


@pytest.fixture
def person(province: dict[str, Any]) -> Any:
    from grassroots.people.models import Category, Person

    return Person.objects.create(
        unit=province["370102"],
        staff_number="P001",
        name="张明",
        category=Category.PROSECUTOR,
        birth_year=1985,
        quota_seat=True,
    )


def final_case(
    admin: Any,
    clerk: Any,
    unit: Any,
    *,
    title: str,
    gist: str = "",
    entries: list[tuple[str, str, dt.date]],
    number: str = "",
    line: str = "public_interest",
) -> Any:
    """A case of ``unit`` with programme entries (programme, level, date of 定评) all final."""
    from grassroots.library import services

    case = services.save_case(
        actor=clerk,
        unit=unit,
        fields={
            "title": title,
            "kind": "typical",
            "business_line": line,
            "case_number": number,
            "keywords": "",
            "gist": gist,
            "body": "",
        },
    )
    for programme, level, on in entries:
        entry = services.add_entry(
            actor=clerk, case=case, programme=programme, batch="", level=level, on=on
        )
        services.advance_entry(actor=clerk, entry=entry, on=on)
        for _ in range(2):
            services.advance_entry(actor=admin, entry=entry, on=on)
        services.advance_entry(actor=admin, entry=entry, on=on, grade="典型案例")
    return case


@pytest.fixture
def make_final_case(admin: Any, clerk: Any, province: dict[str, Any]) -> Callable[..., Any]:
    """make(title=…, entries=[(programme, level, date)], unit_code="370102", …): a case whose
    entries all reached 定评 on their date."""

    def make(unit_code: str = "370102", **kwargs: Any) -> Any:
        writer = clerk if unit_code == "370102" else admin
        return final_case(admin, writer, province[unit_code], **kwargs)

    return make
