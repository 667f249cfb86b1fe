"""``grassroots evaluate``: score units against a scheme for one period and write the result.

Engine only: no database and no Django. Bad input exits with code 2, every problem on its own
line of stderr (file, row, column or YAML path), and no output file.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from grassroots.cli import UsageError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "evaluate",
        help="score units against a scheme for one period (no database needed)",
        description=(
            "Score units against a scheme. Input is one of: a folder of case records (--cases), "
            "data element values (--elements), or indicator values with a units file "
            "(--indicators + --units). Output format follows the --out suffix: "
            ".csv, .json, .parquet or .xlsx."
        ),
    )
    p.add_argument("--scheme", required=True, metavar="NAME|FILE", help="shipped scheme or YAML")
    p.add_argument("--period", required=True, metavar="P", help="2024Q3, 2024-07, 2024, 2024Q3-YTD")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--cases", type=Path, metavar="DIR", help="folder of case-record tables")
    src.add_argument("--elements", type=Path, metavar="FILE", help="unit_code,period,element,value")
    src.add_argument(
        "--indicators", type=Path, metavar="FILE", help="unit_code,period,indicator,value"
    )
    p.add_argument("--units", type=Path, metavar="FILE", help="unit_code,name,peer_group[,parent]")
    p.add_argument("--sensitivity", type=int, default=0, metavar="N", help="Monte-Carlo runs")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="seed for --sensitivity")
    p.add_argument("--out", type=Path, required=True, metavar="FILE")
    p.add_argument(
        "--save",
        action="store_true",
        help="also store the run in the database (with --cases and a shipped scheme)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # Imported here so `grassroots --help` and the web commands never load pandas/DuckDB.
    from grassroots.engine.errors import InputError
    from grassroots.engine.outputs import UnsupportedFormatError, output_format, write_result
    from grassroots.engine.pipeline import Source, evaluate_source

    _check_arguments(args)
    try:
        output_format(args.out)
    except UnsupportedFormatError as exc:
        raise UsageError(str(exc)) from None
    source = Source(
        cases=args.cases, elements=args.elements, indicators=args.indicators, units=args.units
    )
    try:
        result = evaluate_source(
            scheme=args.scheme,
            period=args.period,
            source=source,
            sensitivity=args.sensitivity,
            seed=args.seed,
        )
        write_result(result, args.out)
    except InputError as exc:
        report_problems(exc)
        return 2
    n_units = result["unit_code"].nunique()
    _err(f"wrote {len(result)} rows for {n_units} units to {args.out}")
    if args.save:
        # The stored run is made by the evaluation app (same engine chain, recorded inputs).
        from grassroots.commands import runs

        return runs.run_create(argparse.Namespace(**vars(args), queue=False))
    return 0


def _check_arguments(args: argparse.Namespace) -> None:
    if args.save and args.cases is None:
        raise UsageError("--save stores runs of case records: use it with --cases DIR")
    if args.indicators is not None and args.units is None:
        raise UsageError("--indicators needs --units FILE (unit_code, name, peer_group)")
    if args.sensitivity < 0:
        raise UsageError("--sensitivity must be 0 (off) or a positive number of replications")
    for flag in ("cases", "elements", "indicators", "units"):
        path = getattr(args, flag)
        if path is not None and not path.exists():
            raise UsageError(f"--{flag} {path}: no such file or directory")
    if args.cases is not None and not args.cases.is_dir():
        raise UsageError(f"--cases {args.cases}: not a directory")


def report_problems(exc: Exception) -> None:
    """Every problem of an InputError on its own line of stderr, then a count."""
    problems = list(getattr(exc, "problems", []) or [])
    for problem in problems:
        _err(str(problem))
    if not problems:
        _err(str(exc))
    _err(f"{len(problems) or 1} problem(s) found; nothing written")


def _err(text: str) -> None:
    # Messages for the user, not logging: ruff's T20 flags print(), so write explicitly.
    sys.stderr.write(text + "\n")
