"""A tiny two-city province. The API is reached through grassroots.web.urls, as in production."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth import get_user_model

from grassroots.organisations.models import Role, Unit
from grassroots.organisations.services import add_member, load_units
from grassroots.organisations.unitfile import UnitRow


@pytest.fixture
def province(db) -> dict[str, Unit]:
    rows = [
        UnitRow("370000", "山东省人民检察院", "province", None),
        UnitRow("370100", "济南市人民检察院", "city", "370000"),
        UnitRow("370102", "历下区人民检察院", "grassroots", "370100"),
        UnitRow("370103", "市中区人民检察院", "grassroots", "370100"),
        UnitRow("370200", "青岛市人民检察院", "city", "370000"),
        UnitRow("370202", "市南区人民检察院", "grassroots", "370200"),
    ]
    load_units(rows=rows, actor=None)
    return {u.code: u for u in Unit.objects.all()}


@pytest.fixture
def make_member(db) -> Callable[..., object]:
    def make(role: Role, code: str, username: str | None = None) -> object:
        user = get_user_model().objects.create_user(
            username=username or f"{role}-{code}", password="pw-for-tests-only"
        )
        add_member(user=user, unit=Unit.objects.get(code=code), role=role, actor=None)
        return user

    return make
