"""Fixtures of the security tests: two provinces (Shandong 37 and Henan 41, from the reference
list) with the shipped schemes stored, and logged-in clients or tokens for members of either (the
tenancy and leak tests); the small province with members of every role (the identity, audit and
administrator tests)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from grassroots.evaluation.schemes import load_shipped_schemes
from grassroots.organisations.models import Role, Unit
from grassroots.organisations.services import add_member, issue_token, load_units
from grassroots.organisations.unitfile import reference_rows

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


@pytest.fixture
def two_provinces(db) -> dict[str, Unit]:
    load_units(rows=reference_rows(["37", "41"]), actor=None, reason="fixture")
    load_shipped_schemes()
    return {u.code: u for u in Unit.objects.all()}


@pytest.fixture
def data_dir(settings, tmp_path) -> Path:
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    return settings.DATA_DIR


@pytest.fixture
def user_at(two_provinces) -> Callable[..., Any]:
    """``user_at(role, code)``: a user with that role at that unit."""

    def make(role: Role, code: str, username: str | None = None) -> Any:
        user = get_user_model().objects.create_user(
            username=username or f"{role}-{code}", password=PASSWORD
        )
        add_member(user=user, unit=Unit.objects.get(code=code), role=role, actor=None)
        return get_user_model().objects.select_related("membership__unit").get(pk=user.pk)

    return make


@pytest.fixture
def login(user_at) -> Callable[..., Client]:
    """``login(role, code)``: a logged-in client for a new user with that role there."""

    def make(role: Role, code: str) -> Client:
        user = user_at(role, code)
        client = Client()
        client.force_login(user)
        client.user = user  # type: ignore[attr-defined]
        return client

    return make


@pytest.fixture
def bearer(user_at) -> Callable[..., dict[str, str]]:
    """``bearer(role, code)``: the Authorization header of a fresh token of such a user."""

    def make(role: Role, code: str) -> dict[str, str]:
        user = user_at(role, code, username=f"api-{role}-{code}")
        token = issue_token(user=user, name="test", ttl=dt.timedelta(days=1), actor=None).token
        return {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    return make


@pytest.fixture
def folder(tmp_path) -> Path:
    """A case-record folder (any files: a queued run records their checksums)."""
    out = tmp_path / "cases"
    out.mkdir()
    (out / "persons.parquet").write_bytes(b"PAR1 not computed in these tests PAR1")
    return out
