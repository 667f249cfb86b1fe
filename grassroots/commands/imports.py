"""``grassroots import cases PATH``: store a case-system export as a new data version.

grassroots import cases export.zip --unit 370102 --period 2024Q3 --user clerk
    PATH is a folder, a zip, or one persons/events/matters .csv/.parquet file. The upload is
    checked whole; on any problem nothing is written and every problem is listed (exit 2).

(The module cannot be called ``import``: it is a Python keyword.)
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from grassroots.commands._errors import UsageError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("import", help="import case records as a new data version")
    kinds = p.add_subparsers(dest="import_command", metavar="KIND", required=True)
    cases = kinds.add_parser("cases", help="a case-system export (folder, zip, .csv or .parquet)")
    cases.add_argument("path", type=Path, metavar="PATH")
    cases.add_argument("--unit", required=True, metavar="CODE", help="the unit the export is for")
    cases.add_argument("--period", required=True, help="e.g. 2024Q3, 2024-07, 2024")
    cases.add_argument(
        "--user", required=True, metavar="USERNAME", help="the uploader (their scope is checked)"
    )
    cases.set_defaults(func=run_cases)

    figures = kinds.add_parser("figures", help="reported figures: a filled template or a CSV")
    figures.add_argument("path", type=Path, metavar="FILE", help=".xlsx template or .csv")
    figures.add_argument("--user", required=True, metavar="USERNAME", help="the uploader")
    figures.add_argument("--catalogue", help="required for a CSV; checked against a template")
    figures.add_argument("--period", help="required for a CSV; checked against a template")
    figures.add_argument("--dry-run", action="store_true", help="show the changes, save nothing")
    figures.add_argument(
        "--marked", type=Path, metavar="OUT.xlsx", help="on problems, write the marked workbook"
    )
    figures.set_defaults(func=run_figures)


def run_cases(args: argparse.Namespace) -> int:
    from grassroots.commands._django import setup_django

    setup_django()
    from django.contrib.auth import get_user_model

    from grassroots.engine.errors import InputError
    from grassroots.intake.cases.services import ConcurrentUpload, UploadRefused, import_cases
    from grassroots.organisations.scope import visible_units

    user = get_user_model().objects.filter(username=args.user).first()
    if user is None:
        raise UsageError(f"no user {args.user!r}")
    unit = visible_units(user).filter(code=args.unit).first()
    if unit is None:
        raise UsageError(f"no unit {args.unit} in the scope of {args.user}")
    if not args.path.exists():
        raise UsageError(f"{args.path}: no such file or folder")
    started = time.perf_counter()
    try:
        version = import_cases(source=args.path, unit=unit, period=args.period, actor=user)
    except UploadRefused:
        raise UsageError(f"{args.user} may not upload data for {args.unit}") from None
    except ConcurrentUpload as exc:
        raise UsageError(str(exc)) from None
    except InputError as exc:
        _err(f"{args.path.name}: rejected, nothing was written:")
        for problem in exc.problems:
            _err(f"  {problem}")
        return 2
    rows = version.total_rows
    _out(
        f"data version {version.pk} for {unit.code} {version.period}: {rows} rows "
        f"({', '.join(f'{k} {v}' for k, v in sorted(version.row_counts.items()))}), "
        f"{version.element_values.count()} element values, sha256 {version.checksum[:12]}…"
        + (f", supersedes version {version.supersedes_id}" if version.supersedes_id else "")
        + f" in {time.perf_counter() - started:.1f} s"
    )
    return 0


def run_figures(args: argparse.Namespace) -> int:
    from grassroots.commands._django import setup_django

    setup_django()
    from django.contrib.auth import get_user_model

    from grassroots.engine.errors import InputError
    from grassroots.intake.cases.services import UploadRefused
    from grassroots.intake.figures.services import FiguresChanged, import_figures
    from grassroots.intake.figures.workbook import mark_problems

    user = get_user_model().objects.filter(username=args.user).first()
    if user is None:
        raise UsageError(f"no user {args.user!r}")
    if not args.path.is_file():
        raise UsageError(f"{args.path}: no such file")
    try:
        result = import_figures(
            path=args.path, actor=user, catalogue=args.catalogue, period=args.period,
            dry_run=args.dry_run,
        )  # fmt: skip
    except UploadRefused:
        raise UsageError(f"{args.user} may not upload figures") from None
    except FiguresChanged as exc:
        raise UsageError(str(exc)) from None
    except InputError as exc:
        _err(f"{args.path.name}: rejected, nothing was written:")
        for problem in exc.problems:
            _err(f"  {problem}")
        if args.marked and args.path.suffix.lower() == ".xlsx":
            args.marked.write_bytes(mark_problems(args.path.read_bytes(), exc.problems))
            _err(f"bad cells are marked in {args.marked}")
        return 2
    for change in result.changes:
        old = "—" if change.old is None else f"{change.old:g}"
        _out(f"{change.unit_code} {result.period} {change.element}: {old} -> {change.new:g}")
    for f in result.findings:
        _out(f"check: {f.unit.code} {f.period} {f.kind} {f.code} [{f.importance}]: {f.message}")
    verb = "would change" if args.dry_run else "changed"
    _out(
        f"{result.rows} rows read, {len(result.changes)} values {verb}, "
        f"{len(result.findings)} validation findings (for follow-up, not blocking)"
    )
    return 0


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")


def _err(text: str) -> None:
    sys.stderr.write(text + "\n")
