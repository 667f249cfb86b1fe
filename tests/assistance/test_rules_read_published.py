"""Issue 11.3: every weak-unit rule reads the published run of the province. A city's run (even
published) or a provisional run (even newer) never displaces it: candidates, the exit checklist,
relapse, the awards ranking and the target checks come out the same before and after them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from grassroots.assistance.decisions.selectors import awards_ranking, candidate_rows
from grassroots.assistance.models import Designation, Dimension, TargetCheck, WeakLevel, WeakStatus
from grassroots.assistance.plans.selectors import exit_periods, stored_exit_checklist
from grassroots.assistance.selection import RelapseRule
from grassroots.assistance.selectors import relapse_statuses, target_checks
from grassroots.assistance.services import designate_weak_unit, set_target
from grassroots.assistance.targets import record_target_checks
from grassroots.engine.synth.generator import SynthOptions, generate
from grassroots.evaluation.models import Result, RunStatus
from grassroots.evaluation.runs import INTAKE_SOURCE, run_evaluation
from grassroots.evaluation.schemes import latest_scheme_version, load_shipped_schemes
from grassroots.intake.cases.services import import_cases
from grassroots.organisations.models import Role, Unit
from grassroots.organisations.services import load_units
from grassroots.organisations.unitfile import reference_rows

QUARTERS = ("2024Q3", "2024Q4")
LAST = "2024Q4"
INDICATOR = "non_arrest_rate"
JINAN = "370100"
RULE = RelapseRule(months=24)


@pytest.fixture(scope="module")
def cases_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cases-37-rules")
    generate(out, SynthOptions(first="2024Q3", last="2024Q4", provinces=("37",), scale=0.3))
    return out


def _jinan_units(run: Any) -> list[str]:
    jinan = Unit.objects.get(code=JINAN)
    return list(
        Result.objects.filter(run=run, node="core-business", score__isnull=False)
        .filter(unit_path__startswith=jinan.path)
        .exclude(unit_code=JINAN)
        .order_by("score")
        .values_list("unit_code", flat=True)
    )


@pytest.fixture
def world(
    db,
    settings,
    tmp_path,
    cases_dir,
    make_member,
    published,
    accept,
    django_capture_on_commit_callbacks,
) -> dict[str, Any]:
    """Shandong with a published province run per quarter (its target checks stored on
    publishing), a weak unit with a target for the last quarter, and an exited one watched for
    relapse."""
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    load_units(rows=reference_rows(["37"]), actor=None, reason="fixture")
    load_shipped_schemes()
    scheme = latest_scheme_version("core-business")
    admin = make_member(Role.PROVINCE_ADMIN, "370000")
    runs = {
        p: run_evaluation(scheme_version=scheme, period=p, source=cases_dir, actor=None)
        for p in QUARTERS
    }
    weakest, second = _jinan_units(runs[LAST])[:2]
    weak = designate_weak_unit(
        unit=Unit.objects.get(code=weakest),
        level=WeakLevel.PROVINCIAL,
        designated_on=dt.date(2024, 1, 10),
        reasons={Dimension.BUSINESS: "综合排名靠后"},
        actor=admin,
    )
    set_target(designation=weak, indicator=INDICATOR, period=LAST, value=0.5, actor=admin)
    exited = designate_weak_unit(
        unit=Unit.objects.get(code=second),
        level=WeakLevel.PROVINCIAL,
        designated_on=dt.date(2023, 1, 10),
        reasons={Dimension.BUSINESS: "综合排名靠后"},
        actor=admin,
    )
    # Set up the state only (the exit workflow is not the subject here).
    Designation.objects.filter(pk=exited.pk).update(status=WeakStatus.EXITED, exit_period="2024Q3")
    with django_capture_on_commit_callbacks(execute=True):
        for run in runs.values():
            published(run)
    # The province's intake data of the last quarter, accepted: a city may run over it.
    import_cases(source=cases_dir, unit=Unit.objects.get(code="370000"), period=LAST, actor=admin)
    accept(LAST)
    return {"scheme": scheme, "admin": admin, "runs": runs, "weak": weak, "exited": exited}


def outputs(world: dict[str, Any]) -> dict[str, Any]:
    """What every rule says now, as plain values (run ids included: which run was read)."""
    admin = world["admin"]
    weak = Designation.objects.get(pk=world["weak"].pk)
    exited = Designation.objects.get(pk=world["exited"].pk)
    found = candidate_rows(admin, k=1, n=2, share=33)
    periods = exit_periods(weak.unit, LAST)
    relapse = relapse_statuses(admin, [exited], rule=RULE)[exited.pk]
    awards = awards_ranking(admin, quarter=LAST)
    return {
        "candidates": (
            found.periods,
            [(r.unit.code, r.times_bottom, r.history) for r in found.rows],
        ),
        "exit_periods": periods,
        "exit_checklist": stored_exit_checklist(weak, periods),
        "relapse": (relapse.warning, relapse.watched_periods),
        "awards": [(r.unit.code, r.rank, r.score_gain, r.points) for r in awards.rows],
        "award_records": awards.records,
        "targets": [
            (o.target.pk, o.run.pk if o.run else None, o.value, o.met, o.stored)
            for o in target_checks(weak)
        ],
        "target_checks": sorted(TargetCheck.objects.values_list("target_id", "run_id", "met")),
    }


def test_the_world_gives_every_rule_something_to_say(world) -> None:
    said = outputs(world)
    assert said["candidates"][1]
    assert said["exit_periods"]
    assert said["exit_checklist"]
    assert said["relapse"][1]
    assert said["awards"]
    province_last = world["runs"][LAST].pk
    assert [t[1] for t in said["targets"]] == [province_last]
    assert [c[1] for c in said["target_checks"]] == [province_last]


def test_a_published_city_run_changes_no_rule(
    world, published, django_capture_on_commit_callbacks
) -> None:
    before = outputs(world)
    city = run_evaluation(
        scheme_version=world["scheme"],
        period=LAST,
        source=INTAKE_SOURCE,
        actor=None,
        scope=Unit.objects.get(code=JINAN),
    )
    assert city.status == RunStatus.DONE, city.error
    with django_capture_on_commit_callbacks(execute=True):
        published(city)
    city.refresh_from_db()
    assert city.is_published
    assert record_target_checks(city) == []
    assert outputs(world) == before


def test_a_newer_provisional_run_changes_no_rule(world) -> None:
    before = outputs(world)
    provisional = run_evaluation(
        scheme_version=world["scheme"],
        period=LAST,
        source=INTAKE_SOURCE,
        actor=None,
        scope=Unit.objects.get(code="370000"),
        provisional=True,
    )
    assert provisional.status == RunStatus.DONE, provisional.error
    assert provisional.created_at > world["runs"][LAST].created_at
    assert record_target_checks(provisional) == []
    assert outputs(world) == before


def test_a_city_run_and_a_provisional_run_together_change_no_rule(
    world, published, django_capture_on_commit_callbacks
) -> None:
    before = outputs(world)
    city = run_evaluation(
        scheme_version=world["scheme"],
        period=LAST,
        source=INTAKE_SOURCE,
        actor=None,
        scope=Unit.objects.get(code=JINAN),
    )
    with django_capture_on_commit_callbacks(execute=True):
        published(city)
    run_evaluation(
        scheme_version=world["scheme"],
        period=LAST,
        source=INTAKE_SOURCE,
        actor=None,
        scope=Unit.objects.get(code=JINAN),
        provisional=True,
    )
    assert outputs(world) == before
