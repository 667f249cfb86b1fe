"""``grassroots evaluate``: score units against a scheme for one period and write the result.

Engine only (no database, no Django), except with --from-intake, which reads intake's data
versions from the database. Bad input exits with code 2, every problem on its own
line of stderr (file, row, column or YAML path), and no output file.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from grassroots.commands._errors import UsageError


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
    src.add_argument(
        "--from-intake",
        action="store_true",
        help="intake's current data versions and reported figures of the period (needs the "
        "database; --scheme is a stored scheme code)",
    )
    p.add_argument(
        "--scope", metavar="CODE", help="with --from-intake: only the grassroots units under CODE"
    )
    p.add_argument("--units", type=Path, metavar="FILE", help="unit_code,name,peer_group[,parent]")
    p.add_argument(
        "--executor",
        choices=("duckdb", "spark"),
        help="what computes element values from case records (default: GRASSROOTS_EXECUTOR, "
        "else duckdb; spark needs the spark extra and Java, master GRASSROOTS_SPARK_MASTER)",
    )
    p.add_argument("--sensitivity", type=int, default=0, metavar="N", help="Monte-Carlo runs")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="seed for --sensitivity")
    p.add_argument(
        "--out", type=Path, metavar="FILE", help="required, except with --from-intake --save"
    )
    p.add_argument(
        "--save",
        action="store_true",
        help="also store the run in the database (with --cases or --from-intake and a shipped "
        "scheme)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # Imported here so `grassroots --help` and the web commands never load pandas/DuckDB.
    from grassroots.engine.errors import InputError
    from grassroots.engine.outputs import UnsupportedFormatError, output_format, write_result
    from grassroots.engine.pipeline import Source, evaluate_source

    _check_arguments(args)
    if args.executor:
        # The engine reads it where it computes element values (also inside --save's run).
        os.environ["GRASSROOTS_EXECUTOR"] = args.executor
    if args.out is not None:
        try:
            output_format(args.out)
        except UnsupportedFormatError as exc:
            raise UsageError(str(exc)) from None
    if args.from_intake:
        return _from_intake(args)
    source = Source(
        cases=args.cases, elements=args.elements, indicators=args.indicators, units=args.units
    )
    try:
        result = evaluate_source(
            scheme=_scheme_argument(args.scheme),
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


def _scheme_argument(text: str) -> str | Path:
    """A shipped scheme's name, or else the operator's own YAML file (only here, at the CLI)."""
    from grassroots.engine.scheme import list_schemes

    return text if text in list_schemes() else Path(text)


def _from_intake(args: argparse.Namespace) -> int:
    """Evaluate intake's data versions: store the run (--save) and/or write the result."""
    from grassroots.commands import runs
    from grassroots.engine.outputs import write_result

    if args.save:
        create = argparse.Namespace(**vars(args), queue=False)
        code = runs.run_create(create)
        run = create.created_run
        if code == 0 and args.out is not None:
            from grassroots.evaluation.results import stored_frame

            write_result(stored_frame(run), args.out)
            _err(f"wrote the stored results of run {run.pk} to {args.out}")
        return code
    from grassroots.commands._django import setup_django

    setup_django()
    from grassroots.evaluation.errors import RunError
    from grassroots.evaluation.runs import compute_from_intake
    from grassroots.evaluation.schemes import latest_scheme_version, load_shipped_schemes

    load_shipped_schemes()
    try:
        result = compute_from_intake(
            scheme_version=latest_scheme_version(args.scheme),
            period=args.period,
            scope=runs._scope(args.scope) if args.scope else None,
            sensitivity=args.sensitivity,
            seed=args.seed,
        )
    except RunError as exc:
        raise UsageError(str(exc)) from None
    write_result(result, args.out)
    _err(f"wrote {len(result)} rows for {result['unit_code'].nunique()} units to {args.out}")
    return 0


def _check_arguments(args: argparse.Namespace) -> None:
    if args.out is None and not (args.from_intake and args.save):
        raise UsageError("--out FILE is needed (only --from-intake --save may leave it out)")
    if args.save and args.cases is None and not args.from_intake:
        raise UsageError(
            "--save stores runs of case records: use it with --cases DIR or --from-intake"
        )
    if args.scope and not args.from_intake:
        raise UsageError("--scope limits a run from intake: use it with --from-intake")
    if args.from_intake and args.units is not None:
        raise UsageError("--from-intake takes the units from the database: leave out --units")
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
