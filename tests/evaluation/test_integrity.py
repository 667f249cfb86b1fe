"""Issue 19.6: a data version's stored files are hashed again when a run reads them, when a run
is reproduced and by `grassroots check --integrity`; a replaced file stops the run and is
reported, never computed with."""

from __future__ import annotations

import shutil

import pytest

from grassroots.cli import main
from grassroots.evaluation.errors import RunError
from grassroots.evaluation.models import RunStatus
from grassroots.evaluation.runs import INTAKE_SOURCE, execute_run, queue_run, reproduce
from grassroots.intake.selectors import version_folder

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
