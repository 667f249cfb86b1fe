"""The generated Shandong province (units from the reference list, case records from synth),
with the shipped schemes stored and one run of 2024Q4 (and 2024Q3, for changes) computed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from grassroots.engine.synth.generator import SynthOptions, generate
from grassroots.evaluation.models import EvaluationRun, SchemeVersion
from grassroots.evaluation.runs import run_evaluation as run_service
from grassroots.evaluation.schemes import latest_scheme_version, load_shipped_schemes
from grassroots.intake.cases.services import import_cases
from grassroots.intake.models import DataVersion
from grassroots.organisations.models import Role, Unit
from grassroots.organisations.services import add_member, load_units
from grassroots.organisations.unitfile import reference_rows

PASSWORD = "pw-for-tests-only"


# ------------------------------------------------ intake data versions (runs from intake)

INTAKE_PERIOD = "2024Q4"
TABLES = ("persons", "events", "matters")


@pytest.fixture
def admin(shandong):
    user = get_user_model().objects.create_user(username="intake-admin", password="x")
    add_member(user=user, unit=shandong["370000"], role=Role.PROVINCE_ADMIN, actor=None)
    return user


@pytest.fixture
def data_dir(settings, tmp_path) -> Path:
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    return settings.DATA_DIR


ABSENT = "370102"  # the province's upload leaves this unit out: it has no data version


def _unit_export(
    cases_dir: Path, code: str, target: Path, *, keep: float = 1.0, exclude: bool = False
) -> Path:
    """The records of one unit as its own export (``keep``: the share of person rows kept);
    with ``exclude``, every other unit's records instead."""
    target.mkdir(parents=True)
    with duckdb.connect() as con:
        for name in TABLES:
            where = f"unit_code {'<>' if exclude else '='} '{code}'"
            if name == "persons" and keep < 1:
                where += f" AND hash(case_id || person_id) % 100 < {int(keep * 100)}"
            con.execute(
                f"COPY (SELECT * FROM read_parquet('{cases_dir / name}.parquet') WHERE {where}) "
                f"TO '{target / name}.parquet' (FORMAT parquet)"
            )
    return target


@pytest.fixture
def province_version(admin, data_dir, cases_dir, shandong, tmp_path, accept) -> DataVersion:
    """The province's upload of the period (all but ABSENT), accepted by the workflow."""
    export = _unit_export(cases_dir, ABSENT, tmp_path / "province", exclude=True)
    version = import_cases(
        source=export, unit=shandong["370000"], period=INTAKE_PERIOD, actor=admin
    )
    accept(INTAKE_PERIOD)
    return version


@pytest.fixture
def unit_export() -> Callable[..., Path]:
    """Write one unit's records (or, with exclude=True, everyone else's) as an export folder."""
    return _unit_export


@pytest.fixture(scope="session")
def cases_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cases-37")
    generate(out, SynthOptions(first="2024Q3", last="2024Q4", provinces=("37",), scale=0.3))
    return out


@pytest.fixture
def shandong(db) -> dict[str, Unit]:
    load_units(rows=reference_rows(["37"]), actor=None, reason="fixture")
    return {u.code: u for u in Unit.objects.all()}


@pytest.fixture
def scheme(shandong) -> SchemeVersion:
    load_shipped_schemes()
    return latest_scheme_version("core-business")


@pytest.fixture
def runs(scheme, cases_dir, published) -> dict[str, EvaluationRun]:
    """Both periods' runs, published (leaders see them)."""
    return {
        p: published(run_service(scheme_version=scheme, period=p, source=cases_dir, actor=None))
        for p in ("2024Q3", "2024Q4")
    }


@pytest.fixture
def member(db) -> Callable[..., Client]:
    """A logged-in client for a user with ``role`` at unit ``code``."""

    def make(role: Role, code: str) -> Client:
        user = get_user_model().objects.create_user(username=f"{role}-{code}", password=PASSWORD)
        add_member(user=user, unit=Unit.objects.get(code=code), role=role, actor=None)
        client = Client()
        client.force_login(user)
        return client

    return make
