"""A small province for the page tests, built through the organisations services.

370000 山东省人民检察院
  370100 济南市人民检察院   370102 历下区, 370103 市中区
  370200 青岛市人民检察院   370202 市南区
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from grassroots.organisations.models import Role, Unit
from grassroots.organisations.services import add_member, load_units

PASSWORD = "pw-for-tests-only"


@pytest.fixture
def province(db, small_province_rows) -> dict[str, Unit]:
    load_units(rows=small_province_rows, actor=None, reason="fixture")
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
