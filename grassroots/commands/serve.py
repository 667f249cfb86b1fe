"""``grassroots serve``: serve the web app with gunicorn."""

from __future__ import annotations

import argparse
import os
import sys


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("serve", help="serve the web app (gunicorn)")
    p.add_argument("--bind", default="127.0.0.1:8000")
    p.add_argument("--workers", type=int, default=2)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from grassroots.commands._django import setup_django

    setup_django(require_migrated=True)
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "grassroots.web.wsgi:application",
        "--bind",
        args.bind,
        "--workers",
        str(args.workers),
        "--access-logfile",
        "-",
    ]
    os.execv(sys.executable, argv)
    return 0  # not reached
