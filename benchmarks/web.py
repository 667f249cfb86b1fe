"""Web benchmark: the province league table served by gunicorn from PostgreSQL, under load.

    .venv/bin/python benchmarks/web.py [--clients 16] [--seconds 20] [--workers 2]

Builds a fresh database ``grassroots_bench_web`` on the PostgreSQL of DATABASE_URL (default
postgres://postgres@127.0.0.1:5432), loads Shandong's units, generates its case records
(benchmarks/out/web/, git-ignored), stores a 2024Q3 and a 2024Q4 run (200 rank-uncertainty
replications), starts gunicorn on loopback and sends GET requests of the league table from
``--clients`` concurrent keep-alive clients (threads with http.client: no load tool needed).
Prints requests per second and p50/p95/p99 latency, and PASS/FAIL against the target
(p95 < 150 ms for the province).

The national table (3,000 units) is not measured: the unit hierarchy has no national unit, so
no user's scope holds every province (see docs/evaluation.md).
"""

from __future__ import annotations

import argparse
import http.client
import os
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out" / "web"
DB_NAME = "grassroots_bench_web"
TARGET_P95_MS = 150.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    env = _env(server)
    _fresh_database(server)
    run_id = _prepare(env)
    port = _free_port()
    gunicorn = _start_gunicorn(env, port, args.workers)
    try:
        cookie = _session_cookie(env)
        path = f"/evaluation/runs/{run_id}/"
        _wait_up(port, path, cookie)
        latencies, errors, elapsed = _load(port, path, cookie, args.clients, args.seconds)
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=10)
    _report(latencies, errors, elapsed, args.clients)
    return 0 if latencies and _p(latencies, 95) < TARGET_P95_MS and not errors else 1


def _env(server: str) -> dict[str, str]:
    parsed = urlparse(server)
    url = parsed._replace(path=f"/{DB_NAME}").geturl()
    env = {**os.environ, "DATABASE_URL": url, "GRASSROOTS_DATA_DIR": str(OUT)}
    env.update(
        GRASSROOTS_DEBUG="false",
        GRASSROOTS_SECRET_KEY=secrets.token_urlsafe(40),
        DJANGO_SETTINGS_MODULE="grassroots.web.settings",
    )
    return env


def _fresh_database(server: str) -> None:
    import psycopg

    with psycopg.connect(server, autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        con.execute(f'CREATE DATABASE "{DB_NAME}"')


def _cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "grassroots.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"grassroots {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def _prepare(env: dict[str, str]) -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    _cli(env, "manage", "migrate", "--verbosity", "0")
    _cli(env, "units", "load", "--province", "37")
    cases = OUT / "cases-37"
    if not (cases / "truth.json").exists():
        _cli(
            env,
            "generate",
            "--province",
            "37",
            "--from",
            "2024Q3",
            "--to",
            "2024Q4",
            "--seed",
            "1",
            "--out",
            str(cases),
        )
    run_id = 0
    for period in ("2024Q3", "2024Q4"):
        out = _cli(
            env,
            "runs",
            "create",
            "--scheme",
            "core-business",
            "--period",
            period,
            "--cases",
            str(cases),
            "--sensitivity",
            "200",
            "--seed",
            "1",
        )
        run_id = int(out.split()[1].rstrip(":"))
    print(f"prepared database, units and two runs in {time.perf_counter() - started:.1f} s")
    return run_id


def _session_cookie(env: dict[str, str]) -> str:
    """A logged-in session of a province administrator, made through Django itself."""
    code = (
        "import django; django.setup()\n"
        "from django.contrib.auth import get_user_model\n"
        "from django.test import Client\n"
        "from grassroots.organisations.models import Role, Unit\n"
        "from grassroots.organisations.services import add_member\n"
        "User = get_user_model()\n"
        "user = User.objects.create_user(username='bench-admin', password='bench-pass-123456')\n"
        "add_member(user=user, unit=Unit.objects.get(code='370000'),"
        " role=Role.PROVINCE_ADMIN, actor=None)\n"
        "c = Client(); c.force_login(user)\n"
        "from django.conf import settings\n"
        "print(c.cookies[settings.SESSION_COOKIE_NAME].value)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip().splitlines()[-1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_gunicorn(env: dict[str, str], port: int, workers: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "grassroots.web.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            # Sync workers, as `grassroots serve` runs them.
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )


def _get(conn: http.client.HTTPConnection, path: str, cookie: str) -> int:
    conn.request("GET", path, headers={"Cookie": f"sessionid={cookie}", "Host": "127.0.0.1"})
    response = conn.getresponse()
    response.read()
    return response.status


def _wait_up(port: int, path: str, cookie: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            status = _get(conn, path, cookie)
            conn.close()
            if status == 200:
                return
            raise SystemExit(f"{path} answered {status}")
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not start")


def _load(
    port: int, path: str, cookie: str, clients: int, seconds: float
) -> tuple[list[float], int, float]:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client() -> None:
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        bad = 0
        while time.monotonic() < stop:
            t0 = time.perf_counter()
            try:
                status = _get(conn, path, cookie)
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                bad += 1
                continue
            mine.append((time.perf_counter() - t0) * 1000)
            bad += status != 200
        with lock:
            latencies.extend(mine)
            errors += bad

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors, time.perf_counter() - started


def _p(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


def _report(latencies: list[float], errors: int, elapsed: float, clients: int) -> None:
    if not latencies:
        print("no successful requests")
        return
    p95 = _p(latencies, 95)
    verdict = "PASS" if p95 < TARGET_P95_MS and not errors else "FAIL"
    print(
        f"province league table (138 units), {clients} clients, {elapsed:.1f} s: "
        f"{len(latencies) / elapsed:.1f} req/s, p50 {_p(latencies, 50):.1f} ms, "
        f"p95 {p95:.1f} ms, p99 {_p(latencies, 99):.1f} ms, {errors} errors "
        f"(target p95 < {TARGET_P95_MS:.0f} ms: {verdict})"
    )


if __name__ == "__main__":
    raise SystemExit(main())
