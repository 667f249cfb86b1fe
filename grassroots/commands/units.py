"""``grassroots units load|list``: build the unit hierarchy.

grassroots units load --province 37        Shandong from the official division codes
grassroots units load --all                every province (~3,000 grassroots units)
    (both also create the national unit 000000, the root above the provinces; a database
    made before it existed got it from migration organisations 0003)
grassroots units load --file units.csv     a province's own list (rejected whole on any problem)
grassroots units list [--province 37]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from grassroots.commands._errors import UsageError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("units", help="load or list the units (procuratorates)")
    actions = p.add_subparsers(dest="units_command", metavar="ACTION", required=True)

    load = actions.add_parser("load", help="create missing units and update changed ones")
    source = load.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--province",
        action="append",
        metavar="CODE",
        help="2-digit province code (repeatable), e.g. 37",
    )
    source.add_argument("--all", action="store_true", help="every province")
    source.add_argument(
        "--file",
        type=Path,
        help="a units CSV: code,name_zh,name_en,level,"
        "parent_code,kind,peer_group,headcount,procurators,under_45_share",
    )
    load.add_argument("--reason", default="", help="kept in the audit log")
    load.set_defaults(func=run_load)

    lst = actions.add_parser("list", help="print units (code, level, name)")
    lst.add_argument("--province", metavar="CODE", help="only this province")
    lst.set_defaults(func=run_list)


def run_load(args: argparse.Namespace) -> int:
    from grassroots.commands._django import setup_django

    setup_django()
    from grassroots.organisations.models import Unit
    from grassroots.organisations.services import load_units
    from grassroots.organisations.unitfile import UnitFileError, read_unit_file, reference_rows

    started = time.perf_counter()
    if args.file is not None:
        if not args.file.is_file():
            raise UsageError(f"{args.file}: no such file")
        try:
            rows = read_unit_file(
                args.file, existing_codes=set(Unit.objects.values_list("code", flat=True))
            )
        except UnitFileError as exc:
            _err(f"{exc.source}: rejected, nothing was written:")
            for problem in exc.problems:
                _err(f"  {problem}")
            return 2
        update_peer_groups = True
    else:
        provinces = None if args.all else [p.strip()[:2] for p in args.province]
        try:
            rows = reference_rows(provinces)
        except LookupError as exc:  # no reference module, or an unknown province (KeyError)
            raise UsageError(str(exc.args[0] if exc.args else exc)) from None
        update_peer_groups = False
    result = load_units(
        rows=rows,
        actor=None,
        reason=args.reason or "units load",
        update_peer_groups=update_peer_groups,
    )
    _out(f"{len(rows)} units read: {result} in {time.perf_counter() - started:.1f} s")
    return 0


def run_list(args: argparse.Namespace) -> int:
    from grassroots.commands._django import setup_django

    setup_django()
    from grassroots.organisations.models import Unit

    units = Unit.objects.all().order_by("path")
    if args.province:
        units = units.filter(path__startswith=args.province[:2] + "0000/")
    for unit in units:
        depth = unit.path.count("/")  # the nation's path is empty: depth 0, provinces 1
        if args.province:
            depth -= 1
        _out(f"{'  ' * depth}{unit.code}  {unit.level:<10}  {unit.name_zh}")
    return 0


# The command's output, not logging: ruff's T20 flags print(), so write explicitly.
def _out(text: str) -> None:
    sys.stdout.write(text + "\n")


def _err(text: str) -> None:
    sys.stderr.write(text + "\n")
