"""``grassroots intake ...``: run the validation checks, clean the pending uploads.

grassroots intake validate --period 2024Q3 [--unit 370100] [--user reviewer]
    Runs the validation rules and outlier flags on the current values of every active
    grassroots unit under --unit (default: the whole installation, or the user's own unit),
    stores the findings and lists them. Findings are notes for follow-up: the exit code is 0
    with findings, 2 only when the command cannot run.
grassroots intake cleanup [--older-than-minutes 60]
    Removes figure uploads still waiting for confirmation longer than that.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from grassroots.commands._errors import UsageError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("intake", help="validation checks and upkeep of the data intake")
    kinds = p.add_subparsers(dest="intake_command", metavar="ACTION", required=True)
    validate = kinds.add_parser("validate", help="run the validation rules and outlier flags")
    validate.add_argument("--period", required=True, help="e.g. 2024Q3, 2024-07, 2024")
    validate.add_argument("--unit", metavar="CODE", help="check this unit's subtree only")
    validate.add_argument(
        "--user", metavar="USERNAME", help="run as this user (their scope and role are checked)"
    )
    validate.set_defaults(func=run_validate)
    cleanup = kinds.add_parser("cleanup", help="remove expired pending figure uploads")
    cleanup.add_argument("--older-than-minutes", type=int, default=60, metavar="N")
    cleanup.set_defaults(func=run_cleanup)


def _target(args: argparse.Namespace) -> tuple[object, object]:
    """(actor or None, unit to check) after the same scope and role checks as the web page."""
    from django.contrib.auth import get_user_model

    from grassroots.intake.permissions import can_run_validation
    from grassroots.organisations.models import Unit
    from grassroots.organisations.scope import membership_of, visible_units

    user = None
    units = Unit.objects.all()
    if args.user:
        user = get_user_model().objects.filter(username=args.user).first()
        if user is None:
            raise UsageError(f"no user {args.user!r}")
        units = visible_units(user)
    if args.unit:
        unit = units.filter(code=args.unit).first()
        where = f" in the scope of {args.user}" if args.user else ""
        if unit is None:
            raise UsageError(f"no unit {args.unit}{where}")
    elif user is not None:
        membership = membership_of(user)
        if membership is None:
            raise UsageError(f"{args.user} has no unit")
        unit = membership.unit
    else:
        unit = Unit.objects.filter(parent__isnull=True).order_by("path").first()
        if unit is None:
            raise UsageError("no units loaded yet")
    if user is not None and not can_run_validation(user, unit):
        raise UsageError(f"{args.user}'s role may not run the checks")
    return user, unit


def run_validate(args: argparse.Namespace) -> int:
    from grassroots.commands._django import setup_django

    setup_django()
    from grassroots.engine.periods import Period
    from grassroots.intake.models import Trigger
    from grassroots.intake.validation.services import run_all, units_to_check

    try:
        period = Period.parse(args.period.strip()).key
    except ValueError:
        raise UsageError(f"'{args.period}' is not a period such as 2024Q3") from None
    user, unit = _target(args)
    runs = run_all(
        scope=unit, units=units_to_check(unit), period=period, actor=user,  # type: ignore[arg-type]
        trigger=Trigger.ON_DEMAND, source="command line",
    )  # fmt: skip
    for run in runs:
        findings = list(run.findings.select_related("unit"))
        for f in findings:
            _out(f"{f.unit.code} {f.period} {f.kind} {f.code} [{f.importance}]: {f.message}")
        rules = sum(f.kind == "rule" for f in findings)
        _out(
            f"validation run {run.pk} ({run.catalogue}): {run.units.count()} units checked for "
            f"{period}, {rules} rule violations, {len(findings) - rules} outliers"
        )
    return 0


def run_cleanup(args: argparse.Namespace) -> int:
    from grassroots.commands._django import setup_django

    setup_django()
    from grassroots.intake.figures.pending import cleanup

    if args.older_than_minutes < 0:
        raise UsageError("--older-than-minutes must be 0 or more")
    removed = cleanup(max_age=dt.timedelta(minutes=args.older_than_minutes))
    _out(f"removed {removed} pending uploads older than {args.older_than_minutes} minutes")
    return 0


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")
