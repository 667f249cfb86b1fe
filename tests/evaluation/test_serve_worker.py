"""`grassroots serve --with-worker` (what `grassroots demo` serves with): one command serves the
pages and executes the runs they queue; new runs take the scheme's rank-interval replications."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from grassroots.evaluation.forms import StartRunForm
from grassroots.evaluation.models import EvaluationRun
from grassroots.organisations.models import Role

# Run in a child process on a fresh SQLite database: the shipped scheme, a small generated
# province, and one run queued as the web page queues it (no sensitivity given).
SETUP = """
import django, os
os.environ["DJANGO_SETTINGS_MODULE"] = "grassroots.web.settings"
django.setup()
from pathlib import Path
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
from grassroots.engine.synth.generator import SynthOptions, generate
from grassroots.evaluation.runs import queue_run
from grassroots.evaluation.schemes import latest_scheme_version, load_shipped_schemes
from grassroots.organisations.services import load_units
from grassroots.organisations.unitfile import reference_rows
cases = Path(os.environ["GRASSROOTS_DATA_DIR"]) / "cases" / "37"
generate(cases, SynthOptions(first="2024Q4", last="2024Q4", provinces=("37",), scale=0.1))
load_units(rows=reference_rows(["37"]), actor=None, reason="test")
load_shipped_schemes()
run = queue_run(
    scheme_version=latest_scheme_version("core-business"), period="2024Q4", source=cases,
    actor=None, sensitivity=None, seed=1,
)
print(run.pk)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(data_dir: Path) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(GRASSROOTS_DATA_DIR=str(data_dir), GRASSROOTS_DEBUG="true")
    return env


def _run_row(db: Path, pk: int) -> tuple[str, str]:
    with sqlite3.connect(db) as con:
        status, parameters = con.execute(
            "SELECT status, parameters FROM evaluation_evaluationrun WHERE id = ?", [pk]
        ).fetchone()
    return status, parameters


def test_serve_with_worker_serves_pages_and_finishes_a_queued_run(tmp_path) -> None:
    env = _env(tmp_path)
    setup = subprocess.run(
        [sys.executable, "-c", SETUP], env=env, capture_output=True, text=True, timeout=300
    )
    assert setup.returncode == 0, setup.stderr
    pk = int(setup.stdout.split()[-1])
    db = tmp_path / "grassroots.sqlite3"
    assert _run_row(db, pk)[0] == "queued"
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "grassroots.cli", "serve", "--with-worker", "--workers", "1"]
        + ["--bind", f"127.0.0.1:{port}"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 240
        served = False
        while time.monotonic() < deadline and not (served and _run_row(db, pk)[0] == "done"):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=5) as r:
                    served = served or r.status == 200
            except OSError:
                pass
            assert _run_row(db, pk)[0] != "failed"
            time.sleep(0.5)
        status, parameters = _run_row(db, pk)
        assert served
        assert status == "done"
        assert '"sensitivity": 200' in parameters
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=60) == 0  # both children stopped, cleanly


def test_the_run_form_starts_with_the_schemes_replications(scheme) -> None:
    assert StartRunForm().fields["sensitivity"].initial == 200


@pytest.mark.usefixtures("scheme")
def test_a_run_queued_through_the_api_without_replications_takes_the_schemes(
    member, data_dir, cases_dir
) -> None:
    folder = data_dir / "cases" / "37"
    folder.parent.mkdir()
    folder.symlink_to(cases_dir)
    client = member(Role.PROVINCE_ADMIN, "370000")
    payload = {"scheme": "core-business", "period": "2024Q4", "source": str(folder.resolve())}
    response = client.post("/api/evaluation/runs", payload, content_type="application/json")
    assert response.status_code == 202, response.content
    run = EvaluationRun.objects.get(pk=response.json()["id"])
    assert run.parameters["sensitivity"] == 200
