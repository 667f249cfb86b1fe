"""The city's exit recommendation from the plan page, evaluated on stored evaluation runs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.test import Client

from grassroots.assistance.models import (
    Dimension,
    ExitAssessment,
    ItemStatus,
    WeakLevel,
    WeakStatus,
)
from grassroots.assistance.services import designate_weak_unit
from grassroots.engine.synth.generator import SynthOptions, generate
from grassroots.evaluation.models import Result
from grassroots.evaluation.runs import run_evaluation as run_service
from grassroots.evaluation.schemes import latest_scheme_version, load_shipped_schemes
from grassroots.organisations.models import AuditEntry, Role, Unit
from grassroots.organisations.services import load_units
from grassroots.organisations.unitfile import reference_rows


@pytest.fixture(scope="module")
def cases_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cases-37-exit")
    generate(out, SynthOptions(first="2024Q3", last="2024Q4", provinces=("37",), scale=0.3))
    return out


@pytest.fixture
def stored(db, cases_dir, make_member, published) -> dict[str, object]:
    """Shandong with two stored (published) quarters, and one of Jinan's units designated weak."""
    load_units(rows=reference_rows(["37"]), actor=None, reason="fixture")
    load_shipped_schemes()
    scheme = latest_scheme_version("core-business")
    runs = {
        p: published(run_service(scheme_version=scheme, period=p, source=cases_dir, actor=None))
        for p in ("2024Q3", "2024Q4")
    }
    jinan = Unit.objects.get(code="370100")
    code = (
        Result.objects.filter(run=runs["2024Q4"], node="core-business", score__isnull=False)
        .filter(unit_path__startswith=jinan.path)
        .exclude(unit_code="370100")
        .order_by("unit_code")
        .values_list("unit_code", flat=True)
        .first()
    )
    admin = make_member(Role.PROVINCE_ADMIN, "370000")
    d = designate_weak_unit(
        unit=Unit.objects.get(code=code),
        level=WeakLevel.PROVINCIAL,
        designated_on=dt.date(2024, 1, 10),
        reasons={Dimension.BUSINESS: "综合排名靠后"},
        actor=admin,
    )
    return {"code": code, "d": d, "runs": runs, "admin": admin}


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_city_recommends_exit_with_the_quantitative_items_evaluated(
    stored, make_member
) -> None:
    code = stored["code"]
    city = _client(make_member(Role.CITY_REVIEWER, "370100"))
    plan = city.get(f"/assistance/units/{code}/").content.decode()
    assert f"/assistance/units/{code}/recommend-exit/" in plan
    response = city.post(f"/assistance/units/{code}/recommend-exit/", {"up_to": "2024Q4"})
    assessment = ExitAssessment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/assistance/exit/{assessment.pk}/"
    assert assessment.periods == ["2024Q3", "2024Q4"]
    items = {i.code: i for i in assessment.items.all()}
    quantitative = [i for i in items.values() if i.quantitative]
    assert quantitative
    assert all(i.status != ItemStatus.UNDECIDED for i in quantitative)
    assert all(i.status == ItemStatus.UNDECIDED for i in items.values() if not i.quantitative)
    # Q6 reads "core-business score ge 60" of the last period: check it against the stored row.
    score = Result.objects.get(
        run=stored["runs"]["2024Q4"], unit_code=code, node="core-business"
    ).score
    assert items["Q6"].status == (ItemStatus.MET if score >= 60 else ItemStatus.NOT_MET)
    stored["d"].refresh_from_db()
    assert stored["d"].status == WeakStatus.EXIT_RECOMMENDED
    assert AuditEntry.objects.filter(model="assistance.exitassessment").count() == 1
    # Once recommended, the form is gone and a second post is refused, saving nothing.
    assert "recommend-exit" not in city.get(f"/assistance/units/{code}/").content.decode()
    again = city.post(f"/assistance/units/{code}/recommend-exit/", {"up_to": "2024Q4"})
    assert again.status_code == 400
    assert ExitAssessment.objects.count() == 1


@pytest.mark.parametrize(
    ("role", "unit", "status"),
    [
        (Role.PROVINCE_ADMIN, "370000", 403),
        (Role.LEADER, "370100", 403),
        (Role.CITY_REVIEWER, "370200", 404),
    ],
)
def test_only_the_units_city_recommends_exit(stored, make_member, role, unit, status) -> None:
    client = _client(make_member(role, unit, f"{role}-x"))
    url = f"/assistance/units/{stored['code']}/recommend-exit/"
    assert client.post(url, {"up_to": "2024Q4"}).status_code == status
    assert not ExitAssessment.objects.exists()


def test_a_period_without_a_stored_run_is_refused(stored, make_member) -> None:
    city = _client(make_member(Role.CITY_REVIEWER, "370100"))
    url = f"/assistance/units/{stored['code']}/recommend-exit/"
    response = city.post(url, {"up_to": "2025Q1"})
    assert response.status_code == 400
    assert not ExitAssessment.objects.exists()
