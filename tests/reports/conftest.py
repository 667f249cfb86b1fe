"""A generated Shandong with published core-business runs of 2024Q4, the quarter before and the
same quarter a year before (for 环比 and 同比), a weak unit with a plan, and users."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client

from grassroots.assistance.models import Dimension, WeakLevel
from grassroots.assistance.services import add_measure, designate_weak_unit
from grassroots.engine.synth.generator import SynthOptions, generate
from grassroots.evaluation.runs import run_evaluation
from grassroots.evaluation.schemes import latest_scheme_version, load_shipped_schemes
from grassroots.organisations.models import Role, Unit
from grassroots.organisations.services import add_member, load_units
from grassroots.organisations.unitfile import reference_rows

PERIOD = "2024Q4"
PERIODS = ("2023Q4", "2024Q3", "2024Q4")
PASSWORD = "pw-for-tests-only"
WEAK = "370102"


@pytest.fixture(scope="session")
def report_cases(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cases-37-reports")
    generate(out, SynthOptions(first="2023Q4", last="2024Q4", provinces=("37",), scale=0.3))
    return out


@pytest.fixture
def world(db, settings, tmp_path, report_cases, published, accept) -> dict[str, Any]:
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    settings.REPORTS_RANKING = "analysis"  # the production default (settings_test says ranking)
    cache.clear()  # the policy pages read is cached per process: none from an earlier test
    load_units(rows=reference_rows(["37"]), actor=None, reason="fixture")
    load_shipped_schemes()
    scheme = latest_scheme_version("core-business")
    runs = {
        p: published(
            run_evaluation(
                scheme_version=scheme, period=p, source=report_cases, actor=None, sensitivity=20
            )
        )
        for p in PERIODS
    }
    accept(PERIOD)
    admin = make_user(Role.PROVINCE_ADMIN, "370000")
    weak = designate_weak_unit(
        unit=Unit.objects.get(code=WEAK),
        level=WeakLevel.PROVINCIAL,
        designated_on=dt.date(2024, 7, 8),
        reasons={Dimension.BUSINESS: "案件质量指标连续两个季度偏离"},
        actor=admin,
    )
    for title, deadline in (
        ("专项评查", dt.date(2024, 9, 30)),
        ("羁押必要性审查", dt.date(2025, 3, 31)),
    ):
        add_measure(
            designation=weak,
            title=title,
            leader="张三",
            department="第一检察部",
            created_on=dt.date(2024, 7, 10),
            deadline=deadline,
            problem=None,
            actor=admin,
        )
    return {"runs": runs, "admin": admin, "weak": weak}


def make_user(role: Role, code: str, username: str | None = None) -> Any:
    user = get_user_model().objects.create_user(
        username=username or f"{role}-{code}", password=PASSWORD
    )
    add_member(user=user, unit=Unit.objects.get(code=code), role=role, actor=None)
    return get_user_model().objects.select_related("membership__unit").get(pk=user.pk)


@pytest.fixture
def member() -> Any:
    """member(role, code): a logged-in client and its user."""

    def make(role: Role, code: str) -> tuple[Client, Any]:
        user = make_user(role, code)
        client = Client()
        client.force_login(user)
        return client, user

    return make


@pytest.fixture
def new_user() -> Any:
    """new_user(role, code): a user with that role at that unit (`make_user`)."""
    return make_user
