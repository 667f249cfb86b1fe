"""Operations tests: a small demo-like province with stored runs, fresh databases and data
directories to restore into, and the CLI run as an operator runs it (a new process)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import psycopg
import pytest
from django.conf import settings

from grassroots.engine.synth.generator import SynthOptions, generate

PERIOD = "2024Q4"
TINY_GRASSROOTS = ("370102", "370103", "370104", "370202")  # tests/conftest.py TINY_PROVINCE


@pytest.fixture(autouse=True)
def english_operator(monkeypatch: pytest.MonkeyPatch) -> None:
    """The commands answer in the locale's language: English here unless a test says otherwise,
    whatever the locale of the machine running the suite."""
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")


def _server_dsn(dbname: str = "postgres") -> str:
    db = settings.DATABASES["default"]
    dsn = (
        f"host={db.get('HOST') or '127.0.0.1'} port={db.get('PORT') or 5432} "
        f"user={db.get('USER') or 'postgres'} dbname={dbname}"
    )
    return dsn + (f" password={db['PASSWORD']}" if db.get("PASSWORD") else "")


def _url(name: str) -> str:
    db = settings.DATABASES["default"]
    user = db.get("USER") or "postgres"
    auth = f"{user}:{db['PASSWORD']}" if db.get("PASSWORD") else user
    return f"postgres://{auth}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{name}"


@pytest.fixture
def fresh_database() -> Iterator[Callable[[str], str]]:
    """``make(label)``: a new, empty PostgreSQL database; returns its DATABASE_URL. Dropped
    after the test."""
    made: list[str] = []

    def make(label: str) -> str:
        name = f"grassroots_ops_{label}_{os.getpid()}"
        with psycopg.connect(_server_dsn(), autocommit=True) as con:
            con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            con.execute(f'CREATE DATABASE "{name}"')
        made.append(name)
        return _url(name)

    yield make
    with psycopg.connect(_server_dsn(), autocommit=True) as con:
        for name in made:
            con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def table_count(url: str) -> int:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(_server_dsn(name)) as con:
        row = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()
    assert row is not None
    return int(row[0])


@pytest.fixture
def server_dsn() -> Callable[..., str]:
    """``server_dsn(dbname="postgres")``: a libpq connection string to the test server."""
    return _server_dsn


@pytest.fixture
def tables() -> Callable[[str], int]:
    """``tables(url)``: how many tables the database at ``url`` holds."""
    return table_count


def operator_cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """``grassroots ARGS`` in a new process, with ``env`` added to this one's environment."""
    return subprocess.run(
        [sys.executable, "-m", "grassroots.cli", *args],
        # Not the browser tests' DJANGO_ALLOW_ASYNC_UNSAFE (set in this process when they ran
        # first): an operator's environment has no such thing, and `check --deploy` says so.
        env={
            **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
            "GRASSROOTS_TESTING": "1",
            **(env or {}),
        },
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def cli() -> Callable[..., subprocess.CompletedProcess[str]]:
    """``cli(*args, env={...})``: the command line in a new process (see `operator_cli`)."""
    return operator_cli


@pytest.fixture(scope="session")
def tiny_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generated case records of the tiny province's four grassroots units, as one export."""
    generated = tmp_path_factory.mktemp("generated")
    generate(generated, SynthOptions(first=PERIOD, last=PERIOD, provinces=("37",), scale=0.5))
    export = tmp_path_factory.mktemp("tiny-export")
    codes = ", ".join(f"'{c}'" for c in TINY_GRASSROOTS)
    with duckdb.connect() as con:
        for table in ("persons", "events", "matters"):
            con.execute(
                f"COPY (SELECT * FROM read_parquet('{generated / table}.parquet') "
                f"WHERE unit_code IN ({codes})) TO '{export / table}.parquet' (FORMAT parquet)"
            )
    return export


@pytest.fixture
def demo_province(
    province, make_member, accept, published, settings, tmp_path, tiny_export
) -> dict[str, Any]:
    """The tiny province as an installation holds it after a quarter's work: a data version
    in the data directory, the data accepted, a published run and a draft run from intake.
    Committed (the tests using it are transactional), so other processes see it."""
    from grassroots.evaluation.runs import INTAKE_SOURCE, run_evaluation
    from grassroots.evaluation.schemes import latest_scheme_version, load_shipped_schemes
    from grassroots.intake.cases.services import import_cases
    from grassroots.organisations.models import Role

    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    admin = make_member(Role.PROVINCE_ADMIN, "370000")
    version = import_cases(source=tiny_export, unit=province["370000"], period=PERIOD, actor=admin)
    accept(PERIOD)
    load_shipped_schemes()
    scheme = latest_scheme_version("core-business")
    first = run_evaluation(scheme_version=scheme, period=PERIOD, source=INTAKE_SOURCE, actor=None)
    second = run_evaluation(
        scheme_version=scheme,
        period=PERIOD,
        source=INTAKE_SOURCE,
        actor=None,
        sensitivity=20,
        seed=7,
    )
    return {"runs": [published(first), second], "version": version, "data_dir": settings.DATA_DIR}
