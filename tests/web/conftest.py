"""A small province for the page tests, built through the organisations services.

370000 山东省人民检察院
  370100 济南市人民检察院   370102 历下区, 370103 市中区
  370200 青岛市人民检察院   370202 市南区
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from grassroots.organisations.models import Role, Unit
from grassroots.organisations.services import add_member, load_units
from grassroots.organisations.unitfile import UnitRow

PASSWORD = "pw-for-tests-only"

PROVINCE_ROWS = [
    UnitRow(
        "370000", "山东省人民检察院", "province", None, name_en="Shandong Provincial Procuratorate"
    ),
    UnitRow(
        "370100", "济南市人民检察院", "city", "370000", name_en="Jinan Municipal Procuratorate"
    ),
    UnitRow(
        "370102",
        "历下区人民检察院",
        "grassroots",
        "370100",
        name_en="Lixia District Procuratorate",
        peer_group="370100",
        headcount=61,
        procurators=23,
        under_45_share=Decimal("48.5"),
    ),
    UnitRow(
        "370103",
        "市中区人民检察院",
        "grassroots",
        "370100",
        name_en="Shizhong District Procuratorate",
    ),
    UnitRow(
        "370200", "青岛市人民检察院", "city", "370000", name_en="Qingdao Municipal Procuratorate"
    ),
    UnitRow(
        "370202",
        "市南区人民检察院",
        "grassroots",
        "370200",
        name_en="Shinan District Procuratorate",
    ),
]


@pytest.fixture
def province(db) -> dict[str, Unit]:
    load_units(rows=PROVINCE_ROWS, actor=None, reason="fixture")
    return {u.code: u for u in Unit.objects.all()}


@pytest.fixture
def make_member(province) -> Callable[..., object]:
    def make(role: Role, code: str, username: str | None = None) -> object:
        user = get_user_model().objects.create_user(
            username=username or f"{role}-{code}", password=PASSWORD
        )
        add_member(user=user, unit=Unit.objects.get(code=code), role=role, actor=None)
        return user

    return make


@pytest.fixture
def login_as(client: Client, make_member) -> Callable[..., Client]:
    """A client logged in as a new member with this role at this unit."""

    def login(role: Role, code: str) -> Client:
        client.force_login(make_member(role, code))
        return client

    return login
