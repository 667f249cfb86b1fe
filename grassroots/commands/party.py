"""``grassroots party ...``: party building and business from the command line.

grassroots party generate UNIT --from 2024-01-01 --to 2024-03-31 --as USERNAME
grassroots party produce PERIOD --as USERNAME          (2024-05 or 2024Q2)
grassroots party tasks UNIT --as USERNAME [--open]
grassroots party standing UNIT --as USERNAME
grassroots party check-scheme FILE

Each acts as the given user, so the same scope, permissions and audit apply as on the web (a
unit out of the user's scope is "no such unit"). ``standing`` shows ranks and colours only as
the province's scheme lets that user see them.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from grassroots.commands._errors import UsageError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("party", help="party building and business: tasks, reports, standing")
    actions = p.add_subparsers(dest="party_command", metavar="ACTION", required=True)
    gen = actions.add_parser("generate", help="generate a unit's tasks from its plan")
    gen.add_argument("unit")
    gen.add_argument("--from", dest="start", type=dt.date.fromisoformat, required=True)
    gen.add_argument("--to", dest="end", type=dt.date.fromisoformat, required=True)
    gen.add_argument("--as", dest="username", required=True)
    gen.set_defaults(func=run_generate)
    produce = actions.add_parser("produce", help="produce a month's or quarter's reports")
    produce.add_argument("period", help="2024-05 or 2024Q2")
    produce.add_argument("--as", dest="username", required=True)
    produce.set_defaults(func=run_produce)
    tasks = actions.add_parser("tasks", help="list a unit's tasks")
    tasks.add_argument("unit")
    tasks.add_argument("--as", dest="username", required=True)
    tasks.add_argument("--open", action="store_true", help="only tasks not yet scored")
    tasks.set_defaults(func=run_tasks)
    standing = actions.add_parser("standing", help="a unit's monthly and quarterly standing")
    standing.add_argument("unit")
    standing.add_argument("--as", dest="username", required=True)
    standing.set_defaults(func=run_standing)
    check = actions.add_parser("check-scheme", help="check an integration scheme's YAML")
    check.add_argument("file", type=Path)
    check.set_defaults(func=run_check)


def _setup() -> None:
    from grassroots.commands._django import setup_django

    setup_django()


def _actor(username: str) -> Any:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise UsageError(f"no user {username!r}: give --as USERNAME")
    return user


def _unit(actor: Any, code: str) -> Any:
    from django.http import Http404

    from grassroots.organisations.scope import get_unit_for_user
    from grassroots.party.permissions import sees_unit

    try:
        unit = get_unit_for_user(actor, code)
    except Http404:
        raise UsageError(f"no such unit {code!r}") from None
    if not sees_unit(actor, unit):
        raise UsageError(f"no such unit {code!r}")
    return unit


def run_generate(args: argparse.Namespace) -> int:
    _setup()
    from grassroots.party.services import NotAllowed, PartyError, generate_tasks

    actor = _actor(args.username)
    unit = _unit(actor, args.unit)
    try:
        made = generate_tasks(unit=unit, start=args.start, end=args.end, actor=actor)
    except NotAllowed:
        raise UsageError(f"{args.username} may not manage {unit.code}'s party work") from None
    except PartyError as exc:
        raise UsageError(str(exc)) from None
    print(f"{len(made)} tasks generated for {unit.code}")
    return 0


def run_produce(args: argparse.Namespace) -> int:
    _setup()
    from grassroots.organisations.versions import owner_for
    from grassroots.party.compute import produce_month, produce_quarter
    from grassroots.party.services import NotAllowed, PartyError

    actor = _actor(args.username)
    province = owner_for(actor)
    if province is None:
        raise UsageError(f"{args.username} is not in a province")
    try:
        if "Q" in args.period:
            done = produce_quarter(province=province, quarter=args.period, actor=actor)
        else:
            done = produce_month(province=province, month=args.period, actor=actor)
    except NotAllowed:
        raise UsageError(f"{args.username} may not produce {province.code}'s reports") from None
    except PartyError as exc:
        raise UsageError(str(exc)) from None
    print(f"{done.period}: {done.reports} reports, {len(done.warnings)} warnings sent")
    return 0


def run_tasks(args: argparse.Namespace) -> int:
    _setup()
    from grassroots.party.permissions import manages
    from grassroots.party.selectors import open_tasks, overdue

    actor = _actor(args.username)
    unit = _unit(actor, args.unit)
    if not manages(actor, unit):
        raise UsageError(f"no such unit {args.unit!r}")
    from grassroots.party.models import Task

    tasks = (
        open_tasks(unit) if args.open else Task.objects.filter(unit=unit).select_related("owner")
    )
    late = set(overdue(open_tasks(unit)).values_list("pk", flat=True))
    for t in tasks.order_by("due", "id"):
        flag = " OVERDUE" if t.pk in late else ""
        score = "" if t.score is None else f" {t.score}/{t.points}"
        print(f"{t.pk}\t{t.period}\t{t.due}\t{t.status}{score}\t{t.owner.name}\t{t.title}{flag}")
    return 0


def run_standing(args: argparse.Namespace) -> int:
    _setup()
    from grassroots.party.selectors import display

    actor = _actor(args.username)
    unit = _unit(actor, args.unit)
    d = display(actor, unit)
    for label, s in (("month", d.monthly), ("quarter", d.quarterly)):
        if s is None:
            continue
        rank = f" rank {s.rank} of {s.count}" if s.rank else ""
        colour = f" {s.colour}: {s.why}" if s.colour else ""
        print(f"{label} {s.period}: {s.total}{rank}{colour}")
    print(f"open tasks: {len(d.open_tasks)} ({len(d.overdue_ids)} overdue)")
    return 0


def run_check(args: argparse.Namespace) -> int:
    from grassroots.engine.errors import InputError
    from grassroots.engine.party import parse_party_scheme

    try:
        scheme = parse_party_scheme(args.file.read_text(encoding="utf-8"), source=args.file.name)
    except OSError as exc:
        raise UsageError(str(exc)) from None
    except InputError as exc:
        print(str(exc))
        return 1
    print(f"{scheme.code}: valid ({len(scheme.leaves())} items)")
    return 0
