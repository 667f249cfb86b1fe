"""How the league table is served: `grassroots serve` and benchmarks/web.py start gunicorn the
same way (grassroots/commands/serve.py), and each worker freezes what it loaded."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from grassroots.cli import main
from grassroots.commands import _gunicorn_conf, serve


def test_serve_and_the_benchmark_start_gunicorn_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(serve.os, "cpu_count", lambda: 2)
    assert serve.default_workers() == 3  # cores + 1: the pages are CPU work (see serve.py)
    argv = serve.gunicorn_argv("127.0.0.1:8001", 3, "--log-level", "warning")
    assert argv[argv.index("--workers") + 1] == "3"
    assert argv[argv.index("--worker-class") + 1] == "sync"
    assert argv[argv.index("--config") + 1] == "python:grassroots.commands._gunicorn_conf"
    assert argv[-2:] == ["--log-level", "warning"]
    bench = (Path(__file__).parents[2] / "benchmarks" / "web.py").read_text()
    assert "gunicorn_argv(" in bench
    assert "default=default_workers()" in bench


def test_serve_refuses_no_workers(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--workers", "0"]) == 2
    assert "--workers must be 1 or more, not 0" in capsys.readouterr().err


def test_a_worker_freezes_what_it_loaded() -> None:
    assert gc.get_freeze_count() == 0
    try:
        _gunicorn_conf.post_worker_init(worker=None)
        assert gc.get_freeze_count() > 10_000  # Django, the app, pytest: all long-lived
    finally:
        gc.unfreeze()
