"""``grassroots supervision run|demo|purge``: supervision models from the command line.

grassroots supervision run MODEL --version N --as USERNAME [--param NAME=VALUE ...]
grassroots supervision demo --as USERNAME [--seed 16]
grassroots supervision purge [--today YYYY-MM-DD]
grassroots supervision overdue --as USERNAME [--today YYYY-MM-DD] [--fail]

``run`` runs a model version as the given user, so the same scope, datasets and audit apply as
on the web; it prints the leads found (identity numbers masked). ``demo`` uploads the generated
datasets of the three shipped models and lists them. ``purge`` deletes dataset versions whose
retention date has passed, leaving their records and audit entries. ``overdue`` lists the leads
past their step's time limit (GRASSROOTS_LEAD_*_DAYS) in the user's scope, for a daily job that
mails or pages the units (``--fail`` makes the exit status say whether there were any).
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from grassroots.commands._errors import UsageError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("supervision", help="legal supervision models: run, demo data, retention")
    actions = p.add_subparsers(dest="supervision_command", metavar="ACTION", required=True)
    run = actions.add_parser("run", help="run a model version and record its leads")
    run.add_argument("model", help="model code, e.g. custody-pension")
    run.add_argument("--version", type=int, required=True, help="version number")
    run.add_argument("--as", dest="username", required=True, help="acting user")
    run.add_argument("--param", action="append", default=[], metavar="NAME=VALUE")
    run.set_defaults(func=run_model)
    demo = actions.add_parser("demo", help="upload the generated datasets and list the 3 models")
    demo.add_argument("--as", dest="username", required=True, help="acting province administrator")
    demo.add_argument("--seed", type=int, default=16)
    demo.set_defaults(func=run_demo)
    purge = actions.add_parser("purge", help="delete dataset versions past their retention date")
    purge.add_argument("--today", type=dt.date.fromisoformat, default=None)
    purge.set_defaults(func=run_purge)
    overdue = actions.add_parser("overdue", help="leads past their step's time limit, by unit")
    overdue.add_argument("--as", dest="username", required=True, help="whose scope to list")
    overdue.add_argument("--today", type=dt.date.fromisoformat, default=None)
    overdue.add_argument("--fail", action="store_true", help="exit 1 when any lead is overdue")
    overdue.set_defaults(func=run_overdue)


def _actor(username: str) -> Any:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise UsageError(f"no user {username!r}: give --as USERNAME")
    return user


def _params(pairs: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            raise UsageError(f"--param {pair!r}: write NAME=VALUE")
        out[name] = int(value) if value.lstrip("-").isdigit() else value
    return out


def run_model(args: argparse.Namespace) -> int:
    from grassroots.commands._django import setup_django

    setup_django()
    from django.http import Http404

    from grassroots.supervision.selectors import leads_for, model_by_code
    from grassroots.supervision.services import SupervisionError, run_model_version

    actor = _actor(args.username)
    try:
        model = model_by_code(actor, args.model)
    except Http404:
        raise UsageError(f"no model {args.model!r} in the scope of {args.username}") from None
    version = model.versions.filter(number=args.version).first()
    if version is None:
        raise UsageError(f"model {args.model} has no version {args.version}")
    try:
        run = run_model_version(actor=actor, version=version, parameters=_params(args.param))
    except SupervisionError as exc:
        raise UsageError("; ".join(exc.messages)) from None
    print(f"run {run.pk}: {run.found} leads, {run.new} new, {run.seconds:.2f} s")
    for lead in leads_for(actor).filter(last_run=run):
        print(
            f"{lead.unit.code}\t{lead.subject_masked}\t{lead.risk_score:.2f}\t{lead.get_step_display()}"
        )
    return 0


def run_demo(args: argparse.Namespace) -> int:
    from grassroots.commands._django import setup_django

    setup_django()
    from django.utils import timezone

    from grassroots.engine.supervision import synth
    from grassroots.organisations.models import Unit
    from grassroots.organisations.scope import membership_of
    from grassroots.supervision.demo import install

    actor = _actor(args.username)
    membership = membership_of(actor)
    if membership is None:
        raise UsageError(f"{args.username} has no unit")
    counties = [
        u.code
        for u in Unit.objects.filter(path__startswith=membership.unit.path, level="grassroots")
    ][:8] or [membership.unit.code]
    planted = synth.build(seed=args.seed, regions=counties)
    with tempfile.TemporaryDirectory() as folder:
        versions = install(
            actor=actor,
            unit=membership.unit,
            planted=planted,
            folder=Path(folder),
            today=timezone.localdate(),
        )
    for code, version in versions.items():
        print(
            f"{code} v{version.number} {version.status}: {len(planted.leads[code])} planted leads"
        )
    return 0


def run_purge(args: argparse.Namespace) -> int:
    from grassroots.commands._django import setup_django

    setup_django()
    from django.utils import timezone

    from grassroots.supervision.services import purge_expired

    gone = purge_expired(today=args.today or timezone.localdate())
    for version in gone:
        print(f"deleted {version}")
    print(f"{len(gone)} dataset version(s) deleted")
    return 0


def run_overdue(args: argparse.Namespace) -> int:
    from grassroots.commands._django import setup_django

    setup_django()
    from django.utils import timezone

    from grassroots.supervision.selectors import due_date, overdue_leads

    actor = _actor(args.username)
    today = args.today or timezone.localdate()
    leads = sorted(overdue_leads(actor, today), key=lambda lead: (lead.unit.code, lead.pk))
    for lead in leads:
        due = due_date(lead)
        print(
            f"{lead.unit.code}\t{lead.model.code}\t{lead.subject_masked}\t{lead.step}\t"
            f"due {due}\t{(today - due).days if due else 0} days over"
        )
    print(f"{len(leads)} overdue lead(s)")
    return 1 if leads and args.fail else 0
