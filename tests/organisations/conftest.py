"""Fixtures of the organisations tests; the tiny province itself is tests/conftest.py's."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from grassroots.organisations.models import Membership

JINAN = {"370100", "370102", "370103", "370104"}


@pytest.fixture
def no_membership_user(db) -> object:
    user = get_user_model().objects.create_user(username="nobody", password="pw-for-tests-only")
    assert not Membership.objects.filter(user=user).exists()
    return user


@pytest.fixture
def jinan_codes() -> set[str]:
    return set(JINAN)


@pytest.fixture
def every_code(province) -> set[str]:
    return set(province) - {"000000"}  # the national unit sits above every province
