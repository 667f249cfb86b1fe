"""The case and honour forms offer the chosen unit's people only (a province's staff are
thousands), and the unit select reloads them through ``library:unit-people``."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from grassroots.library.models import Case, Honour
from grassroots.people.models import Category, Person


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def staff(province: dict[str, Any]) -> dict[str, Any]:
    made = {}
    for code, number, name in (
        ("370102", "L01", "历下甲"),
        ("370102", "L02", "历下乙"),
        ("370103", "S01", "市中甲"),
        ("370202", "Q01", "青岛甲"),
    ):
        made[number] = Person.objects.create(
            unit=province[code], staff_number=number, name=name,
            category=Category.PROSECUTOR, birth_year=1985,
        )  # fmt: skip
    return made


def _options(html: str, name: str) -> set[str]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select is not None, html
    return set(re.findall(r"<option[^>]*>([^<]*)</option>", select.group(1))) - {"---------"}


def test_the_forms_offer_one_units_people_and_the_unit_select_reloads_them(
    admin: Any, staff: dict[str, Any], province: dict[str, Any]
) -> None:
    client = _client(admin)
    for url, field in (("/library/cases/new/", "prosecutors"), ("/library/honours/", "person")):
        html = client.get(url).content.decode()
        offered = _options(html, field)
        # Never the whole province: at most one unit's people.
        units = {p.unit.code for p in staff.values() if any(p.name in o for o in offered)}
        assert len(units) <= 1, (url, offered)
        assert f'hx-target="#id_{field}"' in html
        assert "/library/unit-people/" in html
        for code, names in (("370102", {"历下甲", "历下乙"}), ("370202", {"青岛甲"})):
            part = client.get(
                "/library/unit-people/", {"unit": province[code].pk, "field": field}
            ).content.decode()
            assert f'id="id_{field}"' in part
            shown = _options(part, field)
            assert {
                n for n in ("历下甲", "历下乙", "市中甲", "青岛甲") if any(n in o for o in shown)
            } == names


def test_a_posted_unit_decides_whose_people_are_valid(
    admin: Any, staff: dict[str, Any], province: dict[str, Any]
) -> None:
    client = _client(admin)
    form = {
        "title": "某公益诉讼案", "kind": "typical", "business_line": "public_interest",
        "case_number": "", "keywords": "", "gist": "", "body": "",
    }  # fmt: skip
    qingdao = province["370202"]
    refused = client.post(
        "/library/cases/new/",
        {**form, "unit": qingdao.pk, "prosecutors": [staff["L01"].pk]},
    )
    assert refused.status_code == 400
    assert not Case.objects.filter(title="某公益诉讼案").exists()
    # The page offers Qingdao's people again, the one entered is not lost.
    again = _options(refused.content.decode(), "prosecutors")
    assert any("青岛甲" in o for o in again)
    assert not any("历下甲" in o for o in again)
    assert "某公益诉讼案" in refused.content.decode()
    saved = client.post(
        "/library/cases/new/",
        {**form, "unit": qingdao.pk, "prosecutors": [staff["Q01"].pk]},
    )
    assert saved.status_code == 302
    case = Case.objects.get(title="某公益诉讼案")
    assert case.unit == qingdao
    assert list(case.prosecutors.all()) == [staff["Q01"]]
    honour = client.post(
        "/library/honours/",
        {"unit": province["370102"].pk, "person": staff["L02"].pk, "title": "优秀检察官",
         "level": "province", "on": "2025-05-06", "awarding_body": "省院"},
    )  # fmt: skip
    assert honour.status_code == 302, honour.content.decode()[:2000]
    assert Honour.objects.get(title="优秀检察官").person == staff["L02"]


def test_the_people_endpoint_is_404_out_of_scope(
    clerk: Any, other_clerk: Any, staff: dict[str, Any], province: dict[str, Any]
) -> None:
    client = _client(clerk)
    own = client.get("/library/unit-people/", {"unit": province["370102"].pk, "field": "person"})
    assert own.status_code == 200
    assert "历下甲" in own.content.decode()
    for query in (
        {"unit": province["370103"].pk, "field": "person"},  # another unit's people
        {"unit": province["370000"].pk, "field": "prosecutors"},
        {"unit": province["370102"].pk, "field": "title"},  # not a people field
        {"unit": "x", "field": "person"},
    ):
        assert client.get("/library/unit-people/", query).status_code == 404, query
    assert (
        _client(other_clerk)
        .get("/library/unit-people/", {"unit": province["370102"].pk, "field": "person"})
        .status_code
        == 404
    )
