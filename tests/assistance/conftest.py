"""Fixtures for the assistance tests: a tiny province for rules, a generated one for the life cycle.

The generated province (``grassroots generate --province 37 --seed 1``) is built and evaluated
once per test session: it plants weak units, improvers and one relapsing unit, which is what the
life-cycle test walks through.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from django.contrib.auth import get_user_model

from grassroots.assistance.selection import evaluate_periods
from grassroots.cli import main
from grassroots.engine.periods import Period
from grassroots.organisations.models import Role, Unit
from grassroots.organisations.services import add_member, load_units
from grassroots.organisations.unitfile import UnitRow

PERIODS = [p.key for p in Period.range("2023Q1", "2024Q4")]

TINY_PROVINCE = [
    UnitRow("370000", "山东省人民检察院", "province", None),
    UnitRow("370100", "济南市人民检察院", "city", "370000"),
    UnitRow("370102", "历下区人民检察院", "grassroots", "370100"),
    UnitRow("370103", "市中区人民检察院", "grassroots", "370100"),
    UnitRow("370104", "槐荫区人民检察院", "grassroots", "370100"),
    UnitRow("370200", "青岛市人民检察院", "city", "370000"),
    UnitRow("370202", "市南区人民检察院", "grassroots", "370200"),
]


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


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    """The generated Shandong case records and their core-business results for every quarter."""
    folder = tmp_path_factory.mktemp("shandong")
    args = ["generate", "--province", "37", "--from", PERIODS[0], "--to", PERIODS[-1]]
    assert main([*args, "--seed", "1", "--out", str(folder)]) == 0
    return folder, evaluate_periods(folder, PERIODS)


@pytest.fixture
def generated_units(db, generated: tuple[Path, pd.DataFrame]) -> pd.DataFrame:
    """The generated province's units.csv, loaded into the database."""
    folder = generated[0]
    table = pd.read_csv(folder / "units.csv", dtype=str, keep_default_na=False)
    rows = [
        UnitRow(
            r.unit_code,
            r.name,
            r.level,
            r.parent or None,
            peer_group=r.peer_group,
            headcount=int(r.headcount) if r.headcount else None,
            procurators=int(r.procurators) if r.procurators else None,
        )
        for r in table.itertuples()
    ]
    load_units(rows=rows, actor=None, reason="generated province")
    return table
