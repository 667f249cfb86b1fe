"""Start-up and a province run from intake (issue 20.4).

    .venv/bin/python benchmarks/startup.py [--reps 5]

Builds once a PostgreSQL database ``grassroots_bench_startup`` (DATABASE_URL's server, default
postgres://postgres@127.0.0.1:5432) with Shandong's units and a generated 2024Q4 export of its
138 grassroots units imported by the bulk import (one data version per unit), kept with its data
directory in benchmarks/out/startup/ (git-ignored) and reused afterwards (``BENCH_STARTUP_DB``
names another database, for sessions sharing one server). Then, in this run:

* start-up: the wall-clock and CPU seconds (median of ``--reps``) of ``grassroots --help``,
  ``grassroots runs list`` (Django set up, the database checked, nothing computed) and a web
  worker's start (``import grassroots.web.wsgi``: Django set up, the URLs loaded), each a new
  process with the bytecode cache warm, as on a server; and which numeric modules (pandas,
  scipy, DuckDB, pyarrow, numpy, polars) the web worker's start imported (none should be);
* a province run from intake, queued to done: a worker (``grassroots runs work --poll 0.2``)
  is started and idle; ``grassroots runs create --from-intake --scope 370000 --provisional
  --queue`` queues the run; the figure is the run's ``finished_at - created_at`` as stored (the
  worker's pick-up, reading 138 versions, elements, indicators, scores, rank intervals, storing
  2,760 results); the median of ``--reps`` runs. The whole command without the worker
  (``runs create --from-intake`` computing itself, its own start included) is printed too.

Targets: start of a command that does not compute < 1 s; the run from intake < 3 s. Both are
wall-clock seconds, so a busy machine (the load average is printed) fails them sooner than a
quiet one; the CPU seconds beside them say how much of the time was the work itself.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out" / "startup"
DB_NAME = os.environ.get("BENCH_STARTUP_DB", "grassroots_bench_startup")  # another name: no clash
PROVINCE, SCOPE, PERIOD = "37", "370000", "2024Q4"
TARGET_START_S = 1.0
TARGET_RUN_S = 3.0
HEAVY = ("pandas", "scipy", "duckdb", "pyarrow", "numpy", "polars", "sqlglot", "matplotlib")


@dataclass(frozen=True)
class Timed:
    wall: float  # median seconds
    cpu: float  # median CPU seconds of the process (user + system, children included)


def _env() -> dict[str, str]:
    server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    from urllib.parse import urlparse

    url = urlparse(server)._replace(path=f"/{DB_NAME}").geturl()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(
        DATABASE_URL=url,
        GRASSROOTS_DATA_DIR=str(OUT / "data"),
        GRASSROOTS_DEBUG="false",
        GRASSROOTS_SECRET_KEY=os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(40),
        DJANGO_SETTINGS_MODULE="grassroots.web.settings",
    )
    return env


_BUILD = """
import django
django.setup()
from pathlib import Path
from django.contrib.auth import get_user_model
from django.core.management import call_command
from grassroots.engine.synth import OutputFormat, SynthOptions, generate
from grassroots.evaluation.schemes import load_shipped_schemes
from grassroots.intake.cases.bulk import import_bulk
from grassroots.intake.catalogues.services import load_shipped_catalogues
from grassroots.organisations.models import Level, Role, Unit
from grassroots.organisations.services import add_member, load_units
from grassroots.organisations.unitfile import reference_rows

call_command("migrate", verbosity=0)
load_units(rows=reference_rows([%(province)r]), actor=None, reason="benchmark")
root = Unit.objects.get(level=Level.PROVINCE)
admin = get_user_model().objects.create_user(username="bench", password=None)
add_member(user=admin, unit=root, role=Role.PROVINCE_ADMIN, actor=None)
admin = get_user_model().objects.get(pk=admin.pk)
export = Path(%(export)r)
if not (export / "persons.csv").exists():
    generate(export, SynthOptions(first=%(period)r, last=%(period)r, seed=1, scale=1,
                                  fmt=OutputFormat.CSV, provinces=(%(province)r,)))
report = import_bulk(source=export, root=root, period=%(period)r, actor=admin)
assert not report.refused, report.refused
load_shipped_schemes()
load_shipped_catalogues()
print("built", len(report.created), "data versions")
"""


def ensure_database(env: dict[str, str]) -> None:
    import psycopg

    server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    try:
        with psycopg.connect(env["DATABASE_URL"], connect_timeout=5) as con:
            row = con.execute("SELECT count(*) FROM intake_dataversion").fetchone()
            if row and row[0] >= 100 and (OUT / "data").exists():
                return
    except psycopg.Error:
        pass
    print("building the benchmark database (once) ...", flush=True)
    with psycopg.connect(server, autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        con.execute(f'CREATE DATABASE "{DB_NAME}"')
    (OUT / "data").mkdir(parents=True, exist_ok=True)
    code = _BUILD % {
        "province": PROVINCE,
        "period": PERIOD,
        "export": str(OUT / f"export-{PROVINCE}"),
    }
    subprocess.run([sys.executable, "-c", code], env=env, check=True, cwd=ROOT)


def _timed(argv: list[str], env: dict[str, str], reps: int) -> Timed:
    subprocess.run(argv, env=env, capture_output=True, check=False, cwd=ROOT)  # warm the .pyc
    walls, cpus = [], []
    for _ in range(reps):
        before = os.times()
        t0 = time.perf_counter()
        done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False, cwd=ROOT)
        walls.append(time.perf_counter() - t0)
        after = os.times()
        cpus.append(
            (after.children_user - before.children_user)
            + (after.children_system - before.children_system)
        )
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed:\n{done.stderr}")
    return Timed(statistics.median(walls), statistics.median(cpus))


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "grassroots.cli", *args]


_WSGI = (
    "import json, sys, grassroots.web.wsgi; print(json.dumps([m for m in %r if m in sys.modules]))"
)
# What a worker's first request adds: every app's views, and with them what they import.
_URLS = (
    "import json, sys, grassroots.web.wsgi; from django.urls import get_resolver; "
    "get_resolver().url_patterns; print(json.dumps([m for m in %r if m in sys.modules]))"
)


def heavy_modules(env: dict[str, str], code: str = _WSGI) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-c", code % (HEAVY,)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    found: list[str] = json.loads(out.stdout.strip().splitlines()[-1])
    return found


def _last_run(env: dict[str, str]) -> dict[str, Any]:
    """The newest run's status, results and seconds queued -> done, read with one plain query
    (no Django process per look: it would take the CPU the worker is measured on)."""
    import psycopg

    with psycopg.connect(env["DATABASE_URL"]) as con:
        row = con.execute(
            "SELECT r.id, r.status, EXTRACT(EPOCH FROM r.finished_at - r.created_at), "
            "(SELECT count(*) FROM evaluation_result WHERE run_id = r.id) "
            "FROM evaluation_evaluationrun r ORDER BY r.id DESC LIMIT 1"
        ).fetchone()
    if row is None:
        return {"id": None, "status": "", "results": 0, "seconds": None}
    pk, status, seconds, results = row
    return {"id": pk, "status": status, "results": results, "seconds": seconds}


def run_from_intake(env: dict[str, str], reps: int) -> tuple[float, int, float, float]:
    """Median seconds queued -> done with an idle worker running, the results of the last run,
    the worker's CPU seconds per run, and its CPU seconds per second while idle (each poll
    also runs the notification scans and other apps' queued work; the CPU per run includes
    the polls while the next run is being queued)."""
    create = ["runs", "create", "--scheme", "core-business", "--period", PERIOD, "--from-intake"]
    create += ["--scope", SCOPE, "--provisional"]  # the scheme's replications (200)
    worker = subprocess.Popen(
        _cli("runs", "work", "--poll", "0.2"),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    seconds: list[float] = []
    results = 0
    try:
        time.sleep(3)  # the worker is up and idle, as beside `grassroots serve`
        proc = psutil.Process(worker.pid)
        idle_from, idle_cpu = time.monotonic(), sum(proc.cpu_times()[:2])
        time.sleep(2)
        idle = (sum(proc.cpu_times()[:2]) - idle_cpu) / (time.monotonic() - idle_from)
        cpu_before = sum(proc.cpu_times()[:2])
        for _ in range(reps + 1):  # the first warms the worker's caches (scheme, catalogue)
            before = _last_run(env)["id"]
            subprocess.run(_cli(*create, "--queue"), env=env, check=True, capture_output=True)
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                last = _last_run(env)
                if last["id"] != before and last["status"] in ("done", "failed"):
                    break
                time.sleep(0.2)
            if last["status"] != "done":
                raise SystemExit(f"the run from intake ended {last['status']}")
            seconds.append(float(last["seconds"]))
            results = int(last["results"])
        cpu = (sum(proc.cpu_times()[:2]) - cpu_before) / (reps + 1)
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    return statistics.median(seconds[1:]), results, cpu, idle


def figures(quick: bool) -> list[Any]:
    """The start-up and run-from-intake rows of issue 20 (benchmarks/figures.py)."""
    from figures import RUN_FROM_INTAKE, STARTUP, Figure

    reps = 3 if quick else 5
    env = _env()
    ensure_database(env)
    load = "/".join(f"{v:.2f}" for v in os.getloadavg())
    starts = {
        "grassroots --help": _timed(_cli("--help"), env, reps),
        "grassroots runs list": _timed(_cli("runs", "list"), env, reps),
        "a web worker (import grassroots.web.wsgi, as gunicorn loads the app)": _timed(
            [sys.executable, "-c", _WSGI % (HEAVY,)], env, reps
        ),
    }
    heavy = heavy_modules(env)
    urls = _timed([sys.executable, "-c", _URLS % (HEAVY,)], env, reps)
    heavy_urls = heavy_modules(env, _URLS)
    for name, t in starts.items():
        print(f"start of {name}: {t.wall:.2f} s wall, {t.cpu:.2f} s CPU (median of {reps})")
    print(f"numeric modules a web worker's start imports: {', '.join(heavy) or 'none'}")
    print(
        f"a web worker with its URLs loaded (what its first request adds): {urls.wall:.2f} s "
        f"wall, {urls.cpu:.2f} s CPU; imports {', '.join(heavy_urls) or 'none'}"
    )
    whole = _timed(
        _cli(
            "runs", "create", "--scheme", "core-business", "--period", PERIOD, "--from-intake",
            "--scope", SCOPE, "--provisional",
        ),
        env,
        1,
    )  # fmt: skip
    print(
        f"the whole `grassroots runs create --from-intake` (start included): {whole.wall:.2f} s "
        f"wall, {whole.cpu:.2f} s CPU"
    )
    queued, results, worker_cpu, idle = run_from_intake(env, 1 if quick else 3)
    print(
        f"province run from intake, queued -> done with an idle worker: {queued:.2f} s "
        f"({results} results, the worker's CPU {worker_cpu:.2f} s per run; idle, polling every "
        f"0.2 s, it takes {idle:.3f} s of CPU a second)"
    )
    load_after = "/".join(f"{v:.2f}" for v in os.getloadavg())
    slowest_name, slowest = max(starts.items(), key=lambda kv: kv[1].wall)
    start_note = "; ".join(f"{n} {t.wall:.2f} s ({t.cpu:.2f} s CPU)" for n, t in starts.items())
    return [
        Figure(
            RUN_FROM_INTAKE,
            round(queued, 2),
            "s",
            "<",
            TARGET_RUN_S,
            f"138 units, {results} results, the scheme's 200 rank replications; worker CPU "
            f"{worker_cpu:.2f} s per run (its idle polling, {idle:.3f} s CPU a second, "
            f"included); whole `runs create --from-intake` {whole.wall:.2f} s "
            f"({whole.cpu:.2f} s CPU); load {load} before, {load_after} after",
        ),
        Figure(
            STARTUP,
            round(slowest.wall, 2),
            "s",
            "<",
            TARGET_START_S,
            f"slowest: {slowest_name}; {start_note}; numeric modules at start: "
            f"{', '.join(heavy) or 'none'}; not counted: a worker with its URLs loaded (its "
            f"first request) {urls.wall:.2f} s ({urls.cpu:.2f} s CPU), importing "
            f"{', '.join(heavy_urls) or 'none'}; load {load} before",
        ),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    failed = 0
    for figure in figures(args.quick):
        failed += figure.passed is False
        print(
            f"{figure.name}: {figure.value} {figure.unit} (target {figure.op} {figure.target:g} "
            f"{figure.unit}) {figure.verdict}"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
