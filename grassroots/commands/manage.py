"""``grassroots manage ...``: Django's management commands (migrate, createsuperuser, ...)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("manage", help="run a Django management command (migrate, shell, ...)")
    p.add_argument("args", nargs=argparse.REMAINDER)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from django.core.management import execute_from_command_line

    from grassroots.commands._django import setup_django

    setup_django(require_migrated=False)
    execute_from_command_line(["grassroots manage", *args.args])
    return 0
