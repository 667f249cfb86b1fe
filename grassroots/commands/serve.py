"""``grassroots serve``: serve the web app with gunicorn.

Sync workers, ``cores + 1`` of them: a sync worker serves one request at a time and holds no
connection open after it (no keep-alive), so a worker never sits idle on a client that keeps its
connection, and the extra one covers a request waiting on PostgreSQL. Not gunicorn's general
``2 × cores + 1``: a page here is CPU work in Python with the database on the same machine, and
more workers only time-slice the cores. benchmarks/web.py on 2 cores, 16 clients: 5 workers gave
p95 150 ms (province) / 267 ms (nation), 3 workers 74 / 130 ms (`--workers` to compare). The workers load ``grassroots.commands._gunicorn_conf`` (the garbage
collector's long-lived objects frozen once the app is loaded). In production put a buffering
proxy (nginx) in front, as gunicorn's documentation says for sync workers: it absorbs slow
clients. benchmarks/web.py starts gunicorn with the same arguments (`gunicorn_argv`).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time

from grassroots.commands._errors import UsageError


def default_workers() -> int:
    return (os.cpu_count() or 1) + 1


def gunicorn_argv(bind: str, workers: int, *extra: str) -> list[str]:
    """The command that serves the app: the same for `grassroots serve` and the benchmark."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "grassroots.web.wsgi:application",
        "--config",
        "python:grassroots.commands._gunicorn_conf",
        "--bind",
        bind,
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        *extra,
    ]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("serve", help="serve the web app (gunicorn)")
    p.add_argument("--bind", default="127.0.0.1:8000")
    p.add_argument(
        "--workers",
        type=int,
        default=default_workers(),
        help="gunicorn sync workers (default 2 × CPU cores + 1: %(default)s here)",
    )
    p.add_argument(
        "--with-worker",
        action="store_true",
        help="also execute queued evaluation runs (`grassroots runs work --poll`) beside the pages",
    )
    p.set_defaults(func=run)


# How often the worker started beside the pages looks for a queued run.
WORKER_POLL_SECONDS = 1.0


def worker_argv(poll: float = WORKER_POLL_SECONDS) -> list[str]:
    """The run worker's command: the same `grassroots runs work` an operator starts."""
    return [sys.executable, "-m", "grassroots.cli", "runs", "work", "--poll", str(poll)]


def run(args: argparse.Namespace) -> int:
    from grassroots.commands._django import setup_django

    if args.workers < 1:
        raise UsageError(f"--workers must be 1 or more, not {args.workers}")
    setup_django(require_migrated=True)
    argv = gunicorn_argv(args.bind, args.workers, "--access-logfile", "-")
    if not getattr(args, "with_worker", False):
        os.execv(sys.executable, argv)
    return serve_with_worker(argv)


def serve_with_worker(argv: list[str]) -> int:
    """Run gunicorn and the run worker as two children; when either stops, or this process is
    told to stop (Ctrl-C, SIGTERM), stop both and wait for them: no orphan keeps the port or
    the queue. gunicorn's exit status is the command's."""
    pages = subprocess.Popen(argv)
    worker = subprocess.Popen(worker_argv())
    children = (pages, worker)

    def stop(signum: int, _frame: object) -> None:
        raise _Stop(signum)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        while all(c.poll() is None for c in children):
            time.sleep(0.2)
    except _Stop:
        pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
    return pages.returncode if pages.returncode and pages.returncode > 0 else 0


class _Stop(Exception):
    """Raised in the main loop by a stop signal."""
