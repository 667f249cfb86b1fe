"""The small province with members of every role, for the security tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from grassroots.organisations.models import Role, Unit
from grassroots.organisations.services import add_member, load_units

PASSWORD = "pw-for-tests-only"
STRONG = "Quartz#Harbour2031"


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
def login_as(make_member) -> Callable[..., Client]:
    """A new client logged in as a new member with this role at this unit."""

    def login(role: Role, code: str, username: str | None = None) -> Client:
        client = Client()
        client.force_login(make_member(role, code, username))
        return client

    return login
