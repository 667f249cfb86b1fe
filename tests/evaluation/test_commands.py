from __future__ import annotations

from grassroots.cli import main
from grassroots.evaluation.models import EvaluationRun, RunStatus
from grassroots.evaluation.schemes import scheme_of


def test_runs_create_queue_then_work_then_verify(shandong, cases_dir, capsys) -> None:
    args = ["runs", "create", "--scheme", "core-business", "--period", "2024Q4"]
    assert main([*args, "--cases", str(cases_dir), "--queue"]) == 0
    run = EvaluationRun.objects.get()
    assert run.status == RunStatus.QUEUED
    # No --sensitivity: the run computes the rank intervals the scheme asks for.
    assert run.parameters["sensitivity"] == scheme_of(run.scheme_version).uncertainty.replications
    assert run.parameters["sensitivity"] > 0
    assert main(["runs", "work", "--once"]) == 0
    run.refresh_from_db()
    assert run.status == RunStatus.DONE
    assert run.results.exists()
    assert main(["runs", "verify", str(run.pk)]) == 0
    assert "reproduced" in capsys.readouterr().out


def test_runs_create_rejects_an_unknown_scheme_with_exit_2(shandong, cases_dir, capsys) -> None:
    code = main(
        ["runs", "create", "--scheme", "nope", "--period", "2024Q4", "--cases", str(cases_dir)]
    )
    assert code == 2
    assert "nope" in capsys.readouterr().err
    assert not EvaluationRun.objects.exists()


def test_runs_create_rejects_a_missing_folder(shandong, tmp_path, capsys) -> None:
    missing = tmp_path / "absent"
    args = ["runs", "create", "--scheme", "core-business", "--period", "2024Q4"]
    assert main([*args, "--cases", str(missing)]) == 2
    assert "no such folder" in capsys.readouterr().err


def test_evaluate_save_writes_the_file_and_stores_the_same_run(
    shandong, cases_dir, tmp_path
) -> None:
    out = tmp_path / "r.csv"
    args = ["evaluate", "--scheme", "core-business", "--period", "2024Q4"]
    assert main([*args, "--cases", str(cases_dir), "--out", str(out), "--save"]) == 0
    run = EvaluationRun.objects.get()
    assert run.status == RunStatus.DONE
    written = out.read_text(encoding="utf-8").count("\n") - 1
    assert run.results.count() == written


def test_evaluate_save_needs_case_records(tmp_path, capsys) -> None:
    args = ["evaluate", "--scheme", "core-business", "--period", "2024Q4", "--save"]
    assert (
        main([*args, "--elements", str(tmp_path / "e.csv"), "--out", str(tmp_path / "r.csv")]) == 2
    )
    assert "--save" in capsys.readouterr().err
