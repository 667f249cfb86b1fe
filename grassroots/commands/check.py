"""``grassroots check --integrity``: the stored data kept whole.

Every data version's stored files are hashed again and compared with the SHA-256 recorded when
they were uploaded. A replaced, damaged or missing file is listed and the command exits 2;
exit 0 when every version matches.
"""

from __future__ import annotations

import argparse
import sys

from grassroots.commands._errors import UsageError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("check", help="check the stored data (--integrity: the data versions)")
    p.add_argument(
        "--integrity",
        action="store_true",
        help="re-check every data version's files against their recorded SHA-256",
    )
    p.set_defaults(func=run_check)


def run_check(args: argparse.Namespace) -> int:
    if not args.integrity:
        raise UsageError("say what to check: --integrity")
    from grassroots.commands._django import setup_django

    setup_django()
    from grassroots.files import remove_stale_temporaries
    from grassroots.intake.integrity import integrity_problems
    from grassroots.intake.models import DataVersion

    for path in remove_stale_temporaries():
        sys.stdout.write(f"removed a stale temporary file: {path.name}\n")

    problems = integrity_problems()
    if problems:
        raise UsageError("\n".join(["integrity check failed:", *problems]))
    count = DataVersion.objects.count()
    sys.stdout.write(f"integrity: {count} data version(s) match their recorded SHA-256\n")
    return 0
