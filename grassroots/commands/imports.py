"""``grassroots import cases PATH``: store a case-system export as a new data version.

grassroots import cases export.zip --unit 370102 --period 2024Q3 --user clerk
    PATH is a folder, a zip, or one persons/events/matters .csv/.parquet file. The upload is
    checked whole; on any problem nothing is written and every problem is listed (exit 2).

grassroots import cases-bulk export/ --scope 370000 --period 2024Q3 --user admin
    One export covering every unit of a province (or, --scope of the nation, every province)
    becomes one data version per grassroots unit, all-or-nothing per unit: the refused units
    are listed with their reasons (file, row, column); the others are imported. Exit 0 when
    no unit was refused, 2 when any was (or the files themselves are unreadable: nothing written).

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

    bulk = kinds.add_parser(
        "cases-bulk",
        help="one export of every unit of a province or the nation: one data version per unit",
    )
    bulk.add_argument("path", type=Path, metavar="PATH", help="folder or one .csv/.parquet file")
    bulk.add_argument(
        "--scope", required=True, metavar="CODE", help="the province (or nation) it covers"
    )
    bulk.add_argument("--period", required=True, help="e.g. 2024Q3, 2024-07, 2024")
    bulk.add_argument(
        "--user", required=True, metavar="USERNAME", help="the importer (their scope is checked)"
    )
    bulk.set_defaults(func=run_bulk)

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


def run_bulk(args: argparse.Namespace) -> int:
    from grassroots.commands._django import setup_django
    from grassroots.commands._lang import chinese, tr

    setup_django()
    from django.contrib.auth import get_user_model
    from django.utils import translation

    from grassroots.engine.errors import InputError
    from grassroots.intake.cases.bulk import import_bulk
    from grassroots.intake.cases.services import UploadRefused
    from grassroots.organisations.scope import visible_units

    translation.activate("zh-hans" if chinese() else "en")
    user = get_user_model().objects.filter(username=args.user).first()
    if user is None:
        raise UsageError(f"no user {args.user!r}")
    root = visible_units(user).filter(code=args.scope).first()
    if root is None:
        raise UsageError(f"no unit {args.scope} in the scope of {args.user}")
    if not args.path.exists():
        raise UsageError(f"{args.path}: no such file or folder")
    started = time.perf_counter()
    try:
        report = import_bulk(source=args.path, root=root, period=args.period, actor=user)
    except UploadRefused:
        raise UsageError(f"{args.user} may not upload data for {args.scope}") from None
    except InputError as exc:
        _err(tr(f"{args.path.name}: rejected, nothing was written:",
                f"{args.path.name}：未导入，未写入任何数据："))  # fmt: skip
        for problem in exc.problems:
            _err(f"  {problem}")
        return 2
    seconds = time.perf_counter() - started
    for version in report.created:
        _out(tr(f"data version {version.pk} for {version.unit.code} {version.period}: "
                f"{version.total_rows} rows",
                f"数据版本 {version.pk}（{version.unit.code}，{version.period}）：{version.total_rows} 行"))  # fmt: skip
    for code, problems in report.refused.items():
        who = code or tr("rows without a unit code", "无单位代码的行")
        _err(tr(f"refused {who} ({len(problems)} problems listed):",
                f"未导入 {who}（列出 {len(problems)} 个问题）："))  # fmt: skip
        for problem in problems:
            _err(f"  {problem}")
    _out(
        tr(f"{report.rows} rows read in {seconds:.1f} s ({report.rows / max(seconds, 1e-9):,.0f} "
           f"rows/s): {len(report.created)} data versions, {len(report.unchanged)} units "
           f"unchanged, {len(report.refused)} refused",
           f"读取 {report.rows} 行，用时 {seconds:.1f} 秒：新建数据版本 {len(report.created)} 个，"
           f"{len(report.unchanged)} 个单位无变化，{len(report.refused)} 个未导入")
    )  # fmt: skip
    return 2 if report.refused else 0


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
