"""``grassroots generate``: write a deterministic synthetic province (or nation) to a folder.

Engine only: no database and no Django. Writes units.csv, roster.csv (the staff the case
records' prosecutor_id and department name), persons/events/matters (Parquet or
CSV) and truth.json (the planted weak units and latent quality) into --out.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from grassroots.commands._errors import UsageError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "generate",
        help="write synthetic case records for a province or the nation (no database needed)",
        description=(
            "Generate deterministic synthetic case records: the same arguments give "
            "byte-identical files. truth.json records the planted weak units."
        ),
    )
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--province", default="37", metavar="NN[,NN]", help="2-digit province code(s) (default 37)"
    )
    where.add_argument("--nation", action="store_true", help="every province (about 3,000 units)")
    p.add_argument("--from", dest="first", default="2023Q1", metavar="Q", help="first quarter")
    p.add_argument("--to", dest="last", default="2024Q4", metavar="Q", help="last quarter")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--scale", type=float, default=1.0, help="caseload multiplier (default 1)")
    p.add_argument(
        "--staff-per-unit",
        type=int,
        default=None,
        metavar="N",
        help="roster size per grassroots unit (default: each unit's headcount in units.csv)",
    )
    p.add_argument("--format", dest="fmt", choices=("parquet", "csv"), default="parquet")
    p.add_argument("--out", type=Path, required=True, metavar="DIR")
    p.set_defaults(func=run)


def _provinces(args: argparse.Namespace) -> tuple[str, ...] | None:
    if args.nation:
        return None
    codes = tuple(c.strip() for c in str(args.province).split(",") if c.strip())
    if not codes:
        raise UsageError("--province needs at least one 2-digit code, e.g. 37")
    return codes


def run(args: argparse.Namespace) -> int:
    # Imported here so `grassroots --help` never loads numpy/pyarrow.
    from grassroots.engine.synth import OutputFormat, SynthError, SynthOptions, generate

    options = SynthOptions(
        first=args.first,
        last=args.last,
        provinces=_provinces(args),
        seed=args.seed,
        scale=args.scale,
        fmt=OutputFormat(args.fmt),
        staff_per_unit=args.staff_per_unit,
    )
    if args.out.exists() and not args.out.is_dir():
        raise UsageError(f"--out {args.out} exists and is not a folder")
    started = time.perf_counter()
    try:
        summary = generate(args.out, options)
    except SynthError as exc:
        raise UsageError(str(exc).splitlines()[0]) from None
    seconds = time.perf_counter() - started
    rows = ", ".join(f"{name} {count:,}" for name, count in summary.rows.items())
    sys.stdout.write(
        f"wrote {args.out}: {summary.units:,} units ({summary.grassroots_units:,} grassroots, "
        f"{len(summary.weak_units)} planted weak), {summary.periods[0]}..{summary.periods[-1]}; "
        f"{rows} rows in {seconds:.1f} s\n"
    )
    return 0
