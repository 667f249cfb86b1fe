"""A run from intake hands the engine values: no temporary file, one parse per scheme version;
its follow-ups are called by the service that publishes it."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from grassroots.evaluation import followups, schemes
from grassroots.evaluation.models import EvaluationRun, Publication, RunStatus
from grassroots.evaluation.runs import INTAKE_SOURCE, reproduce, run_evaluation

PERIOD = "2024Q4"


def _files_under(folder: Path) -> set[Path]:
    return set(folder.rglob("*"))


def test_a_run_from_intake_writes_no_temporary_file(
    scheme, province_version, tmp_path, monkeypatch
) -> None:
    made: list[str] = []
    for name in ("mkdtemp", "mkstemp", "NamedTemporaryFile", "TemporaryDirectory"):
        original = getattr(tempfile, name)

        def spy(*args: Any, _original: Any = original, _name: str = name, **kwargs: Any) -> Any:
            made.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(tempfile, name, spy)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    run = run_evaluation(scheme_version=scheme, period=PERIOD, source=INTAKE_SOURCE, actor=None)
    assert run.status == RunStatus.DONE, run.error
    assert made == []
    assert _files_under(scratch) == set()


def test_a_stored_scheme_versions_text_is_parsed_once(
    scheme, province_version, monkeypatch
) -> None:
    schemes._parsed.cache_clear()
    calls: list[str] = []
    original = schemes.parse_scheme_text

    def counting(text: str, *, code: str) -> Any:
        calls.append(code)
        return original(text, code=code)

    monkeypatch.setattr(schemes, "parse_scheme_text", counting)
    run = run_evaluation(scheme_version=scheme, period=PERIOD, source=INTAKE_SOURCE, actor=None)
    assert run.status == RunStatus.DONE, run.error
    assert reproduce(EvaluationRun.objects.get(pk=run.pk)) is True
    assert len(calls) == 1


def test_publishing_a_run_calls_each_registered_follow_up_once_and_finishing_none(
    scheme, province_version, monkeypatch, django_capture_on_commit_callbacks, published
) -> None:
    seen: list[tuple[int, str]] = []
    monkeypatch.setattr(followups, "_STEPS", dict(followups._STEPS))
    followups.register("test-step", lambda run: seen.append((run.pk, run.publication)))
    with django_capture_on_commit_callbacks(execute=True):
        run = run_evaluation(scheme_version=scheme, period=PERIOD, source=INTAKE_SOURCE, actor=None)
    assert seen == []  # a finished run is a draft: nothing reads it yet
    with django_capture_on_commit_callbacks(execute=True):
        published(run)
    assert seen == [(run.pk, Publication.PUBLISHED)]


def test_a_failing_follow_up_leaves_the_run_published(
    scheme, province_version, monkeypatch, django_capture_on_commit_callbacks, published
) -> None:
    monkeypatch.setattr(followups, "_STEPS", dict(followups._STEPS))

    def broken(run: EvaluationRun) -> None:
        raise RuntimeError("boom")

    followups.register("broken", broken)
    run = run_evaluation(scheme_version=scheme, period=PERIOD, source=INTAKE_SOURCE, actor=None)
    with django_capture_on_commit_callbacks(execute=True):
        published(run)
    stored = EvaluationRun.objects.get(pk=run.pk)
    assert (stored.status, stored.publication) == (RunStatus.DONE, Publication.PUBLISHED)


def test_assistance_registers_its_target_checks_as_a_follow_up() -> None:
    # The step is a thin wrapper that imports the targets module when a run is published (so
    # Django's start does not import pandas and scipy): it must name the target checks.
    step = followups.registered()["assistance-target-checks"]
    assert step.__module__ == "grassroots.assistance.apps"
    assert "record_target_checks" in step.__code__.co_names
