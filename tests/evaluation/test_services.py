from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grassroots.evaluation.errors import RunError
from grassroots.evaluation.models import EvaluationRun, Result, RunImmutableError, RunStatus
from grassroots.evaluation.results import stored_frame
from grassroots.evaluation.runs import data_versions, queue_run, reproduce, run_evaluation, work
from grassroots.evaluation.schemes import (
    latest_scheme_version,
    load_shipped_schemes,
    save_scheme_version,
)
from grassroots.organisations.models import AuditEntry


def test_a_stored_run_reproduces_the_same_results_from_its_recorded_inputs(runs) -> None:
    run = runs["2024Q4"]
    assert run.status == RunStatus.DONE
    assert run.results.count() > 100
    assert reproduce(run) is True


def test_reproduction_notices_a_tampered_result(runs) -> None:
    run = runs["2024Q4"]
    # Bypasses the model on purpose, as a bad actor with database access would.
    row = run.results.filter(level="whole").order_by("unit_code").first()
    Result.objects.filter(pk=row.pk).update(score=(row.score or 0) + 1)
    assert reproduce(run) is False


def test_a_run_records_its_inputs_and_their_hash(runs, cases_dir) -> None:
    run = runs["2024Q4"]
    assert run.data_versions == data_versions(cases_dir)
    assert set(run.data_versions) >= {"units.csv", "persons.parquet"}
    assert run.parameters == {"sensitivity": 0, "seed": 0}
    assert len(run.input_hash) == 64
    assert run.input_hash != runs["2024Q3"].input_hash  # the period is an input


def test_a_finished_run_cannot_be_changed_or_deleted(runs) -> None:
    run = EvaluationRun.objects.get(pk=runs["2024Q4"].pk)
    run.period = "2023Q1"
    with pytest.raises(RunImmutableError):
        run.save()
    with pytest.raises(RunImmutableError):
        run.delete()


def test_a_run_whose_case_records_changed_is_not_reproduced(scheme, cases_dir, tmp_path) -> None:
    copy = Path(shutil.copytree(cases_dir, tmp_path / "cases"))
    run = run_evaluation(scheme_version=scheme, period="2024Q4", source=copy, actor=None)
    (copy / "units.csv").write_text("unit_code,name,peer_group\n", encoding="utf-8")
    with pytest.raises(RunError, match="changed"):
        reproduce(run)


def test_queueing_computes_nothing_and_the_worker_executes_the_run(scheme, cases_dir) -> None:
    run = queue_run(scheme_version=scheme, period="2024Q4", source=cases_dir, actor=None)
    assert run.status == RunStatus.QUEUED
    assert run.results.count() == 0
    assert work() == 1
    run.refresh_from_db()
    assert run.status == RunStatus.DONE
    assert run.progress == 100
    assert run.results.filter(node="core-business").count() > 100
    assert work() == 0  # nothing left


def test_a_run_that_cannot_be_evaluated_fails_with_its_reason(scheme, tmp_path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    run = run_evaluation(scheme_version=scheme, period="2024Q4", source=empty, actor=None)
    assert run.status == RunStatus.FAILED
    assert run.error
    assert run.results.count() == 0


def test_it_rejects_a_malformed_period(scheme, cases_dir) -> None:
    with pytest.raises(RunError):
        queue_run(scheme_version=scheme, period="2024Q9", source=cases_dir, actor=None)


def test_editing_a_scheme_creates_a_new_version_and_keeps_the_old(scheme) -> None:
    text = scheme.yaml_text.replace(
        "show_ranks_to: [province_admin, city_admin]", "show_ranks_to: [province_admin]"
    )
    assert text != scheme.yaml_text
    new = save_scheme_version(code="core-business", yaml_text=text, actor=None, note="ranks")
    assert new.version == scheme.version + 1
    assert latest_scheme_version("core-business") == new
    scheme.refresh_from_db()
    assert "city_admin]" in scheme.yaml_text
    assert AuditEntry.objects.filter(
        model="evaluation.schemeversion", object_id=str(new.pk)
    ).exists()


def test_loading_the_shipped_schemes_twice_adds_no_version(scheme) -> None:
    before = latest_scheme_version("core-business").version
    load_shipped_schemes()
    assert latest_scheme_version("core-business").version == before


def test_it_rejects_a_scheme_the_engine_finds_invalid(scheme) -> None:
    broken = scheme.yaml_text.replace("aggregation: arithmetic", "aggregation: telepathy", 1)
    with pytest.raises(RunError, match="aggregation"):
        save_scheme_version(code="core-business", yaml_text=broken, actor=None)


def test_the_stored_frame_has_the_engines_columns(runs) -> None:
    frame = stored_frame(runs["2024Q4"])
    assert {"unit_code", "node", "score", "rank_peer", "rank_all", "colour", "why"} <= set(
        frame.columns
    )
    assert frame["unit_code"].nunique() > 100
