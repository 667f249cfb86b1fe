"""The generated Shandong province (units from the reference list, case records from synth),
with the shipped schemes stored and one run of 2024Q4 (and 2024Q3, for changes) computed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from grassroots.engine.synth.generator import SynthOptions, generate
from grassroots.evaluation.models import EvaluationRun, SchemeVersion
from grassroots.evaluation.services import latest_scheme_version, load_shipped_schemes
from grassroots.evaluation.services import run_evaluation as run_service
from grassroots.organisations.models import Role, Unit
from grassroots.organisations.services import add_member, load_units
from grassroots.organisations.unitfile import reference_rows

PASSWORD = "pw-for-tests-only"


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
def runs(scheme, cases_dir) -> dict[str, EvaluationRun]:
    return {
        p: run_service(scheme_version=scheme, period=p, source=cases_dir, actor=None)
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
