"""Fixtures for the assistance tests: a tiny province for rules, a generated one for the life cycle.

The generated province (``grassroots generate --province 37 --seed 1``) is built and evaluated
once per test session: it plants weak units, improvers and one relapsing unit, which is what the
life-cycle test walks through.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from grassroots.assistance.selection import evaluate_periods
from grassroots.cli import main
from grassroots.engine.periods import Period
from grassroots.organisations.services import load_units
from grassroots.organisations.unitfile import UnitRow

PERIODS = [p.key for p in Period.range("2023Q1", "2024Q4")]


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
