"""Issue 19.6: a crashed or orphaned run is marked failed and can be retried; a data version's stored files are hashed again when a run reads them, when a run
is reproduced and by `grassroots check --integrity`; a replaced file stops the run and is
reported, never computed with."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from grassroots.cli import main
from grassroots.evaluation.errors import RunError
from grassroots.evaluation.models import EvaluationRun, RunStatus
from grassroots.evaluation.runs import (
    INTAKE_SOURCE,
    RUN_LEASE,
    claim_next_run,
    execute_run,
    fail_orphaned_runs,
    queue_run,
    reproduce,
    work,
)
from grassroots.intake.selectors import version_folder
from grassroots.organisations.models import AuditEntry, Role

PERIOD = "2024Q4"


def _replace_a_file(version) -> None:
    """Someone with access to the data directory swaps one table for another's bytes."""
    folder = version_folder(version.pk)
    files = sorted(p for p in folder.iterdir() if p.suffix == ".parquet")
    assert len(files) >= 2
    shutil.copyfile(files[1], files[0])


def test_a_replaced_file_stops_a_queued_run(scheme, province_version) -> None:
    run = queue_run(
        scheme_version=scheme, period=PERIOD, source=INTAKE_SOURCE, actor=None, sensitivity=0
    )
    _replace_a_file(province_version)
    run.status = RunStatus.RUNNING
    run.save(update_fields=["status"])
    finished = execute_run(run)
    assert finished.status == RunStatus.FAILED
    assert f"data version {province_version.pk}" in finished.error
    assert "SHA-256" in finished.error
    assert not finished.results.exists()


def test_a_replaced_file_stops_reproduction(scheme, province_version) -> None:
    run = queue_run(
        scheme_version=scheme, period=PERIOD, source=INTAKE_SOURCE, actor=None, sensitivity=0
    )
    run.status = RunStatus.RUNNING
    run.save(update_fields=["status"])
    assert execute_run(run).status == RunStatus.DONE
    assert reproduce(run)
    _replace_a_file(province_version)
    with pytest.raises(RunError, match="SHA-256"):
        reproduce(run)


def test_check_integrity_reports_a_replaced_file(province_version, capsys) -> None:
    assert main(["check", "--integrity"]) == 0
    assert "match" in capsys.readouterr().out
    _replace_a_file(province_version)
    assert main(["check", "--integrity"]) == 2
    err = capsys.readouterr().err
    assert f"data version {province_version.pk}" in err
    assert "SHA-256" in err


# ----------------------------------------------- a crashed or orphaned run fails, and is retried


def test_a_run_the_engine_crashes_on_fails_and_the_worker_goes_on(scheme, cases_dir) -> None:
    """A run queued before its parameters were checked (seed -1) once killed the worker."""
    bad = queue_run(
        scheme_version=scheme, period=PERIOD, source=cases_dir, actor=None, sensitivity=2
    )
    EvaluationRun.objects.filter(pk=bad.pk).update(parameters={"sensitivity": 2, "seed": -1})
    good = queue_run(
        scheme_version=scheme, period=PERIOD, source=cases_dir, actor=None, sensitivity=0
    )
    assert work() == 2
    bad.refresh_from_db()
    good.refresh_from_db()
    assert bad.status == RunStatus.FAILED
    assert "internal error" in bad.error
    assert good.status == RunStatus.DONE


def test_a_run_whose_worker_vanished_is_marked_failed(scheme, cases_dir) -> None:
    run = queue_run(
        scheme_version=scheme, period=PERIOD, source=cases_dir, actor=None, sensitivity=0
    )
    claimed = claim_next_run()
    assert claimed is not None
    assert claimed.pk == run.pk
    assert claimed.heartbeat_at is not None
    # The worker was killed: its lease is not renewed.
    long_ago = timezone.now() - RUN_LEASE - dt.timedelta(seconds=1)
    EvaluationRun.objects.filter(pk=run.pk).update(heartbeat_at=long_ago)
    assert fail_orphaned_runs() == [run.pk]
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert "heartbeat" in run.error
    assert AuditEntry.objects.filter(object_id=str(run.pk), reason="orphaned run").exists()


def test_a_live_run_keeps_its_lease(scheme, cases_dir) -> None:
    queue_run(scheme_version=scheme, period=PERIOD, source=cases_dir, actor=None, sensitivity=0)
    claim_next_run()
    assert fail_orphaned_runs() == []


def test_a_failed_run_is_retried_from_the_page_and_the_api(scheme, cases_dir, member) -> None:
    from django.test import Client

    run = queue_run(
        scheme_version=scheme, period=PERIOD, source=cases_dir, actor=None, sensitivity=0
    )
    claim_next_run()
    long_ago = timezone.now() - RUN_LEASE - dt.timedelta(seconds=1)
    EvaluationRun.objects.filter(pk=run.pk).update(heartbeat_at=long_ago)
    fail_orphaned_runs()
    admin = member(Role.PROVINCE_ADMIN, "370000")
    page = admin.get(f"/evaluation/runs/{run.pk}/")
    assert f"/evaluation/runs/{run.pk}/retry/" in page.content.decode()
    response = admin.post(f"/evaluation/runs/{run.pk}/retry/")
    fresh = EvaluationRun.objects.get(retry_of=run)
    assert response.status_code == 302
    assert response["Location"] == f"/evaluation/runs/{fresh.pk}/"
    assert fresh.status == RunStatus.QUEUED
    assert fresh.input_hash == run.input_hash
    # A leader may not retry; a run that did not fail is not retried.
    leader = member(Role.LEADER, "370000")
    assert leader.post(f"/evaluation/runs/{run.pk}/retry/").status_code == 404
    api = Client()
    api.force_login(get_user_model().objects.get(username="province_admin-370000"))
    assert api.post(f"/api/evaluation/runs/{fresh.pk}/retry").status_code == 422
    assert api.post(f"/api/evaluation/runs/{run.pk}/retry").status_code == 202
    assert EvaluationRun.objects.filter(retry_of=run).count() == 2


def test_a_data_versions_files_are_the_servers_only(province_version) -> None:
    """Issue 19.6: a unit's case records are 0600 in a 0700 folder under the data directory."""
    folder = version_folder(province_version.pk)
    assert folder.stat().st_mode & 0o777 == 0o700
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert files
    assert {p.stat().st_mode & 0o777 for p in files} == {0o600}
