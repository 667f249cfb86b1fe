"""``grassroots weak candidates|designate|pair|relapse``: the weak-unit rules from the command line.

grassroots weak candidates --cases DIR --from 2023Q1 --to 2023Q4 [--k 3 --n 4]
grassroots weak candidates --stored [--to 2024Q4] [--k 3 --n 4]
grassroots weak designate 370283 --level provincial --date 2024-01-10 \\
    --reason business="bottom third all 2023" --as admin
grassroots weak pair --cases DIR --period 2023Q4 [--capacity 1] [--accept --as admin]
grassroots weak relapse --cases DIR --from 2024Q1 --to 2024Q4 [--months 24]
grassroots weak relapse --stored [--months 24]

``--cases`` computes the results from a case-record folder with the engine; ``--stored`` reads
the latest finished core-business run of each period from the database (what the pages use).
``candidates --cases`` needs no database; ``designate`` and ``pair --accept`` act as the given
user, so the same permission rules and audit apply as on the web.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

from grassroots.commands._errors import UsageError

LEVELS = ("national", "provincial", "municipal")
DIMENSIONS = ("political", "business", "staff", "management", "resourcing")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("weak", help="weak units: candidates, designation, pairing")
    actions = p.add_subparsers(dest="weak_command", metavar="ACTION", required=True)

    cand = actions.add_parser("candidates", help="units in the bottom tier in K of the last N")
    _source(cand)
    cand.add_argument("--from", dest="start", help="first period, e.g. 2023Q1 (with --cases)")
    cand.add_argument("--to", dest="end", help="last period, e.g. 2023Q4 (--stored: optional)")
    cand.add_argument("--k", type=int, default=3, help="periods in the bottom tier (default 3)")
    cand.add_argument("--n", type=int, default=4, help="of the last N periods (default 4)")
    cand.add_argument("--sensitivity", type=int, default=200, help="rank interval draws")
    cand.set_defaults(func=run_candidates)

    des = actions.add_parser("designate", help="designate a unit weak (province administrator)")
    des.add_argument("code", help="unit code")
    des.add_argument("--level", choices=LEVELS, required=True)
    des.add_argument("--date", type=dt.date.fromisoformat, required=True, help="YYYY-MM-DD")
    des.add_argument(
        "--reason",
        action="append",
        required=True,
        metavar="DIMENSION=TEXT",
        help=f"repeatable; dimension one of {', '.join(DIMENSIONS)}",
    )
    des.add_argument("--evidence", default="")
    des.add_argument("--as", dest="username", required=True, help="acting user")
    des.set_defaults(func=run_designate)

    pair = actions.add_parser("pair", help="recommend partners for every designated weak unit")
    _source(pair, stored=False)
    pair.add_argument("--period", required=True, help="the period that ranks strong units")
    pair.add_argument("--capacity", type=int, default=1, help="weak units per partner")
    pair.add_argument("--accept", action="store_true", help="save the recommendations")
    pair.add_argument("--as", dest="username", help="acting user (with --accept)")
    pair.set_defaults(func=run_pair)
    _relapse_parser(actions)


def _relapse_parser(actions: Any) -> None:
    rel = actions.add_parser("relapse", help="warn when an exited unit slides back")
    _source(rel)
    rel.add_argument("--from", dest="start", help="first period to read (with --cases)")
    rel.add_argument("--to", dest="end", help="last period to read (with --cases)")
    rel.add_argument("--months", type=int, default=24, help="watch this long after exit")
    rel.set_defaults(func=run_relapse)


def _source(p: argparse.ArgumentParser, *, stored: bool = True) -> None:
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--cases", type=Path, help="a case-records folder")
    if stored:
        group.add_argument(
            "--stored", action="store_true", help="read the stored evaluation runs instead"
        )


def _span(args: argparse.Namespace) -> list[str]:
    """The periods --from .. --to (both needed with --cases)."""
    from grassroots.engine.periods import Period

    if not args.start or not args.end:
        raise UsageError("--from and --to are needed with --cases")
    try:
        return [p.key for p in Period.range(args.start, args.end)]
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _province() -> str:
    """The path of the one province loaded: the command line is not scoped, and the rules read
    the published runs of the province."""
    from grassroots.organisations.models import Level, Unit

    provinces = list(
        Unit.objects.filter(level=Level.PROVINCE).order_by("path").values_list("path", flat=True)
    )
    if len(provinces) != 1:
        raise UsageError(
            f"--stored reads one province's published runs, but {len(provinces)} provinces "
            "are loaded"
        )
    return str(provinces[0])


def _stored(periods: list[str]) -> Any:
    """The whole province's stored long form for ``periods`` (`_province`)."""
    from grassroots.assistance.stored import stored_results

    return stored_results(path=_province(), periods=periods)


def _out(line: str) -> None:
    sys.stdout.write(line + "\n")


def _results(cases: Path, periods: list[str], sensitivity: int = 0) -> Any:
    from grassroots.assistance.selection import evaluate_periods
    from grassroots.engine.errors import InputError

    if not cases.is_dir():
        raise UsageError(f"{cases}: no such folder")
    try:
        return evaluate_periods(cases, periods, sensitivity=sensitivity)
    except InputError as exc:
        raise UsageError(str(exc.problems[0]) if exc.problems else str(exc)) from None


def run_candidates(args: argparse.Namespace) -> int:
    import pandas as pd

    from grassroots.assistance.selection import CandidateRule, candidates
    from grassroots.cells import cell_float, cell_isna

    if not 1 <= args.k <= args.n:
        raise UsageError("--k must be between 1 and --n")
    if args.stored:
        both, periods = _stored_candidates(args)
    else:
        periods = _span(args)[-args.n :]
        # Only the latest period needs the rank interval; the others only their ranks.
        results = _results(args.cases, periods[:-1]) if len(periods) > 1 else None
        latest = _results(args.cases, periods[-1:], sensitivity=args.sensitivity)
        both = latest if results is None else pd.concat([results, latest], ignore_index=True)
    rule = CandidateRule(k=args.k, n=args.n)
    found = candidates(both, rule=rule)
    _out(f"rule: {rule.describe()} ({', '.join(periods)})")
    _out("unit_code  times_bottom  rank  of  rank_q05-q95")
    for r in found.itertuples():
        interval = (
            f"{cell_float(r.rank_q05):.0f}-{cell_float(r.rank_q95):.0f}"
            if not cell_isna(r.rank_q05)
            else "-"
        )
        _out(f"{r.unit_code:<10} {r.times_bottom:>12}  {r.rank_all:>4}  {r.ranked:>3}  {interval}")
    _out(f"{len(found)} candidates")
    return 0


def _stored_candidates(args: argparse.Namespace) -> tuple[Any, list[str]]:
    from grassroots.commands._django import setup_django

    setup_django()
    from grassroots.assistance.stored import last_periods

    periods = last_periods(args.n, path=_province(), up_to=args.end)
    if not periods:
        raise UsageError("no finished core-business run is stored: run the evaluation first")
    return _stored(periods), periods


def _actor(username: str | None) -> Any:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=username or "").first()
    if user is None:
        raise UsageError(f"no user {username!r}: give --as USERNAME")
    return user


def _reasons(items: list[str]) -> dict[Any, str]:
    from grassroots.assistance.models import Dimension

    reasons: dict[Any, str] = {}
    for item in items:
        key, sep, text = item.partition("=")
        if not sep or key not in DIMENSIONS:
            raise UsageError(f"--reason {item!r}: write DIMENSION=TEXT, one of {DIMENSIONS}")
        reasons[Dimension(key)] = text
    return reasons


def run_designate(args: argparse.Namespace) -> int:
    from grassroots.commands._django import setup_django

    setup_django()
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    from grassroots.assistance.models import WeakLevel
    from grassroots.assistance.services import AssistanceError, designate_weak_unit
    from grassroots.organisations.models import Unit

    actor = _actor(args.username)
    unit = Unit.objects.filter(code=args.code).first()
    if unit is None:
        raise UsageError(f"no unit {args.code}")
    try:
        d = designate_weak_unit(
            unit=unit,
            level=WeakLevel(args.level),
            designated_on=args.date,
            reasons=_reasons(args.reason),
            evidence=args.evidence,
            actor=actor,
        )
    except (AssistanceError, PermissionDenied, Http404) as exc:
        raise UsageError(f"{args.code}: {exc or 'not in your scope'}") from None
    _out(f"{unit} designated {d.get_level_display()} weak on {d.designated_on}")
    return 0


def run_pair(args: argparse.Namespace) -> int:
    from grassroots.commands._django import setup_django

    setup_django()
    from grassroots.assistance.models import Designation, WeakStatus
    from grassroots.assistance.selection import profiles, recommend_partners, strong_units
    from grassroots.engine.cases import caseloads

    if args.capacity < 1:
        raise UsageError("--capacity must be at least 1")
    actor = _actor(args.username) if args.accept else None
    designations = Designation.objects.filter(status=WeakStatus.DESIGNATED).select_related("unit")
    weak_codes = [d.unit.code for d in designations]
    if not weak_codes:
        raise UsageError("no designated weak units: designate some first")
    results = _results(args.cases, [args.period])
    units = _units_table(args.cases)
    load = caseloads(args.cases)
    strong = sorted(set(strong_units(results, period=args.period)) - set(weak_codes))
    pairs = recommend_partners(
        profiles(units, load, weak_codes), profiles(units, load, strong), capacity=args.capacity
    )
    for d in designations:
        partner = pairs.get(d.unit.code)
        _out(f"{d.unit.code} -> {partner or 'no partner (no caseload or staff figures)'}")
        if args.accept and partner:
            _accept(d, partner, actor)
    return 0


def _units_table(cases: Path) -> Any:
    """Units with parent and headcount: the case folder's units.csv when it has one (the
    generator writes staff figures there), else the database."""
    import pandas as pd

    from grassroots.organisations.models import Unit

    if (cases / "units.csv").is_file():
        return pd.read_csv(cases / "units.csv", dtype=str, keep_default_na=False)
    rows = Unit.objects.values("code", "parent__code", "headcount")
    return pd.DataFrame(list(rows)).rename(columns={"code": "unit_code", "parent__code": "parent"})


def _accept(designation: Any, partner_code: str, actor: Any) -> None:
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    from grassroots.assistance.services import AssistanceError, pair_weak_unit
    from grassroots.organisations.models import Unit

    partner = Unit.objects.get(code=partner_code)
    try:
        pair_weak_unit(designation=designation, partner=partner, recommended=partner, actor=actor)
    except (AssistanceError, PermissionDenied, Http404) as exc:
        raise UsageError(f"{designation.unit.code}: {exc or 'not in your scope'}") from None


def run_relapse(args: argparse.Namespace) -> int:
    from grassroots.commands._django import setup_django

    setup_django()
    from grassroots.assistance.models import Designation, WeakStatus
    from grassroots.assistance.selection import RelapseRule, relapse_warnings
    from grassroots.assistance.stored import stored_periods

    exited = {
        d.unit.code: d.exit_period
        for d in Designation.objects.filter(status=WeakStatus.EXITED).select_related("unit")
        if d.exit_period
    }
    if not exited:
        raise UsageError("no unit has exited weak status yet")
    results = (
        _stored(stored_periods(path=_province()))
        if args.stored
        else _results(args.cases, _span(args))
    )
    rule = RelapseRule(months=args.months)
    warnings = relapse_warnings(results, exited, rule=rule)
    _out(f"rule: {rule.describe()}")
    for w in warnings:
        _out(f"{w.unit_code} {w.period}: {w.evidence}")
    _out(f"{len(warnings)} relapse warnings among {len(exited)} exited units")
    return 0
