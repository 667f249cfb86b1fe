"""A tiny province built in each test that asks for it: 37 with two cities and three counties.

370000 province
  370100 Jinan        370102 Lixia, 370103 Shizhong
  370200 Qingdao      370202 Shinan
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth import get_user_model

from grassroots.organisations.models import Membership, Role, Unit
from grassroots.organisations.services import add_member, load_units
from grassroots.organisations.unitfile import UnitRow

TINY_PROVINCE = [
    UnitRow("370000", "山东省人民检察院", "province", None),
    UnitRow("370100", "济南市人民检察院", "city", "370000"),
    UnitRow("370102", "历下区人民检察院", "grassroots", "370100"),
    UnitRow("370103", "市中区人民检察院", "grassroots", "370100"),
    UnitRow("370200", "青岛市人民检察院", "city", "370000"),
    UnitRow("370202", "市南区人民检察院", "grassroots", "370200"),
]
JINAN = {"370100", "370102", "370103"}
EVERY_CODE = {row.code for row in TINY_PROVINCE}


@pytest.fixture
def province(db) -> dict[str, Unit]:
    load_units(rows=TINY_PROVINCE, actor=None, reason="fixture")
    return {u.code: u for u in Unit.objects.all()}


@pytest.fixture
def make_member(db) -> Callable[..., object]:
    def make(role: Role, code: str, username: str | None = None) -> object:
        user = get_user_model().objects.create_user(
            username=username or f"{role}-{code}", password="pw-for-tests-only"
        )
        add_member(user=user, unit=Unit.objects.get(code=code), role=role, actor=None)
        return get_user_model().objects.select_related("membership__unit").get(pk=user.pk)

    return make


@pytest.fixture
def no_membership_user(db) -> object:
    user = get_user_model().objects.create_user(username="nobody", password="pw-for-tests-only")
    assert not Membership.objects.filter(user=user).exists()
    return user


@pytest.fixture
def jinan_codes() -> set[str]:
    return set(JINAN)


@pytest.fixture
def every_code() -> set[str]:
    return set(EVERY_CODE)
