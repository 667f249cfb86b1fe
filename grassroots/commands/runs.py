"""``grassroots runs``: evaluation runs stored in the database.

grassroots runs schemes                       store the shipped schemes (new versions only if changed)
                                              and catalogues (version 1 where none is stored)
grassroots runs create --scheme core-business --period 2024Q4 --cases DIR [--sensitivity N --seed S]
grassroots runs create --scheme core-business --period 2024Q4 --from-intake [--scope CODE]
grassroots runs work [--once] [--poll SECONDS] execute queued runs (the web only queues them),
                                              then the notifications' scans and e-mail outbox
grassroots runs list
grassroots runs verify RUN                    recompute a run from its recorded inputs and compare

``grassroots evaluate --cases DIR --save`` writes its file and stores the same run through ``runs create``.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path
from typing import Any

from grassroots.commands._errors import UsageError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("runs", help="evaluation runs stored in the database")
    actions = p.add_subparsers(dest="runs_command", metavar="ACTION", required=True)

    schemes = actions.add_parser("schemes", help="store the shipped schemes as versions")
    schemes.set_defaults(func=run_schemes)

    create = actions.add_parser("create", help="evaluate now and store the run")
    create.add_argument("--scheme", required=True, metavar="CODE", help="a stored scheme code")
    create.add_argument("--period", required=True, metavar="P", help="2024Q4, 2024-07, ...")
    source = create.add_mutually_exclusive_group(required=True)
    source.add_argument("--cases", type=Path, metavar="DIR", help="a case-record folder")
    source.add_argument(
        "--from-intake",
        action="store_true",
        help="read intake's current data versions and reported figures of the period",
    )
    create.add_argument(
        "--scope", metavar="CODE", help="with --from-intake: only the grassroots units under CODE"
    )
    create.add_argument(
        "--provisional",
        action="store_true",
        help="with --from-intake: read data the province has not accepted yet too "
        "(the run is never published and no rule reads it)",
    )
    create.add_argument(
        "--sensitivity",
        type=int,
        default=None,
        metavar="N",
        help="rank-interval replications (default: as many as the scheme's uncertainty asks for)",
    )
    create.add_argument("--seed", type=int, default=0, metavar="S")
    create.add_argument("--queue", action="store_true", help="only queue it for the worker")
    create.set_defaults(func=run_create)

    work = actions.add_parser("work", help="execute queued runs")
    work.add_argument("--once", action="store_true", help="execute at most one run, then stop")
    work.add_argument(
        "--poll", type=float, default=0, metavar="S", help="keep polling every S seconds"
    )
    work.set_defaults(func=run_work)

    lst = actions.add_parser("list", help="print the runs")
    lst.set_defaults(func=run_list)

    verify = actions.add_parser("verify", help="recompute a run and compare with what is stored")
    verify.add_argument("run", type=int)
    verify.set_defaults(func=run_verify)

    publish = actions.add_parser("publish", help="publish a finished draft run (audited)")
    publish.add_argument("run", type=int)
    publish.add_argument(
        "--actor", required=True, metavar="USER", help="the province administrator publishing"
    )
    publish.set_defaults(func=run_publish)


def run_schemes(args: argparse.Namespace) -> int:
    from grassroots.commands._django import setup_django

    setup_django()
    from grassroots.evaluation.schemes import load_shipped_schemes
    from grassroots.intake.catalogues.services import load_shipped_catalogues

    for version in load_shipped_schemes():
        _out(f"{version.code} v{version.version}")
    for catalogue in load_shipped_catalogues():
        _out(f"catalogue {catalogue.code} v{catalogue.version}")
    return 0


def run_create(args: argparse.Namespace) -> int:
    from grassroots.commands._django import setup_django

    setup_django()
    from grassroots.evaluation.errors import RunError
    from grassroots.evaluation.models import RunStatus
    from grassroots.evaluation.runs import INTAKE_SOURCE, queue_run, run_evaluation
    from grassroots.evaluation.schemes import (
        latest_scheme_version,
        load_shipped_schemes,
        scheme_replications,
    )
    from grassroots.organisations.versions import province_of

    if args.sensitivity is not None and args.sensitivity < 0:
        raise UsageError("--sensitivity must be 0 (off) or a positive number of replications")
    from_intake = getattr(args, "from_intake", False)
    if getattr(args, "scope", None) and not from_intake:
        raise UsageError("--scope limits a run from intake: use it with --from-intake")
    provisional = bool(getattr(args, "provisional", False))
    if provisional and not from_intake:
        raise UsageError("--provisional marks a run from intake: use it with --from-intake")
    scope = _scope(args.scope) if from_intake and args.scope else None
    load_shipped_schemes()
    try:
        # A run for a province's units uses that province's version of the scheme.
        version = latest_scheme_version(args.scheme, province=province_of(scope))
        kwargs = {
            "scheme_version": version,
            "period": args.period,
            "source": INTAKE_SOURCE if from_intake else args.cases,
            "actor": None,
            "sensitivity": (
                args.sensitivity if args.sensitivity is not None else scheme_replications(version)
            ),
            "seed": args.seed,
            "scope": scope,
            "provisional": provisional,
        }
        run = queue_run(**kwargs) if args.queue else run_evaluation(**kwargs)
    except RunError as exc:
        raise UsageError(str(exc)) from None
    _out(f"run {run.pk}: {run.status} ({run.results.count()} results) hash {run.input_hash}")
    if from_intake:
        recorded = run.data_versions
        _out(
            f"read {len(set(recorded['cases'].values()))} data version(s) for "
            f"{len(recorded['cases'])} unit(s), {len(recorded['figures'])} figure upload(s); "
            f"{len(recorded['missing'])} unit(s) without data"
        )
    args.created_run = run
    if run.status == RunStatus.FAILED:
        _err(run.error)
        return 2
    return 0


def _scope(code: str) -> Any:
    from grassroots.organisations.models import Unit

    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        raise UsageError(f"--scope {code}: no such unit")
    return unit


def run_work(args: argparse.Namespace) -> int:
    from grassroots.commands._django import setup_django

    setup_django()
    from django.conf import settings
    from django.utils import timezone

    from grassroots.commands._markers import beat
    from grassroots.evaluation.background import run_jobs
    from grassroots.evaluation.runs import work
    from grassroots.files import remove_stale_temporaries
    from grassroots.notifications.mail import deliver
    from grassroots.supervision.services import run_due_schedules

    data_dir = Path(settings.DATA_DIR)
    # Uploads and staging copies a killed server left behind hold case data: removed here.
    for path in remove_stale_temporaries():
        _out(f"removed a stale temporary file: {path.name}")
    # SIGTERM (serve --with-worker stopping, an init system) ends the loop between runs, so a
    # run being computed finishes and is stored rather than left "running" for ever.
    stopping: list[int] = []
    previous = signal.signal(signal.SIGTERM, lambda signum, _frame: stopping.append(signum))
    try:
        while not stopping:
            # The heartbeat `grassroots check --deploy` reads: this worker looked for runs now.
            beat(data_dir, args.poll)
            done = work(once=True) if args.once else _work_until(work, stopping)
            if done:
                _out(f"{done} run(s) executed")
            scheduled = run_due_schedules(today=timezone.localdate())
            if scheduled:
                _out(f"{len(scheduled)} scheduled supervision run(s) executed")
            # Other apps' queued work (documents asked for on the reports page, draft
            # bulletins of published runs): each registered in its AppConfig.ready().
            for name, made in run_jobs().items():
                if made:
                    _out(f"{name}: {made} made")
            # Notifications: the time-based scans, the daily digests and the e-mail outbox
            # (a failed send stays queued and is retried; it never stops the runs).
            _deliver_notifications(deliver)
            if args.once or args.poll <= 0:
                return 0
            deadline = time.monotonic() + args.poll
            while not stopping and time.monotonic() < deadline:
                time.sleep(min(0.2, args.poll))
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)


def _deliver_notifications(deliver: Any) -> None:
    try:
        done = deliver(timezone_now())
    except Exception as exc:  # logged; the next round tries again
        _err(f"notifications: {type(exc).__name__}: {exc}")
        return
    if done["told"] or done["sent"] or done["failed"]:
        _out(
            f"notifications: {done['told']} told, {done['sent']} e-mail(s) sent, "
            f"{done['failed']} to retry"
        )


def timezone_now() -> Any:
    from django.utils import timezone

    return timezone.now()


def _work_until(work: Any, stopping: list[int]) -> int:
    """Execute queued runs one at a time until none is left or a stop was asked for."""
    done = 0
    while not stopping and work(once=True):
        done += 1
    return done


def run_list(args: argparse.Namespace) -> int:
    from grassroots.commands._django import setup_django

    setup_django()
    from grassroots.evaluation.models import EvaluationRun

    for run in EvaluationRun.objects.select_related("scheme_version").order_by("id"):
        state = "provisional" if run.provisional else run.publication
        _out(
            f"{run.pk:>5}  {run.scheme_version}  {run.period}  {run.status:<8}  {state:<11}  "
            f"{run.input_hash}"
        )
    return 0


def run_verify(args: argparse.Namespace) -> int:
    from grassroots.commands._django import setup_django

    setup_django()
    from grassroots.evaluation.errors import RunError
    from grassroots.evaluation.models import EvaluationRun
    from grassroots.evaluation.runs import catalogue_change, reproduce

    run = EvaluationRun.objects.filter(pk=args.run).first()
    if run is None:
        raise UsageError(f"no run {args.run}")
    try:
        same = reproduce(run)
    except RunError as exc:
        raise UsageError(str(exc)) from None
    _out(f"run {run.pk}: {'reproduced' if same else 'DIFFERS from its recorded inputs'}")
    change = catalogue_change(run)
    if change is not None:
        # The run is reproduced with the version it recorded; a new run would use the current.
        code = run.catalogue_version.code if run.catalogue_version else ""
        _out(f"catalogue changed: {code} version {change[0]} → {change[1]}")
    return 0 if same else 1


def run_publish(args: argparse.Namespace) -> int:
    from grassroots.commands._django import setup_django

    setup_django()
    from django.contrib.auth import get_user_model

    from grassroots.evaluation.errors import NotAllowed, OutOfScope, RunError
    from grassroots.evaluation.models import EvaluationRun
    from grassroots.evaluation.publication import publish_run

    actor = get_user_model().objects.filter(username=args.actor).first()
    if actor is None:
        raise UsageError(f"--actor: no user {args.actor!r}")
    run = EvaluationRun.objects.select_related("scheme_version").filter(pk=args.run).first()
    if run is None:
        raise UsageError(f"no run {args.run}")
    try:
        publish_run(run=run, actor=actor)
    except OutOfScope:
        raise UsageError(f"run {args.run} covers units outside {args.actor}'s scope") from None
    except (NotAllowed, RunError) as exc:
        raise UsageError(f"run {args.run}: {exc}") from None
    _out(f"run {run.pk}: published")
    return 0


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")


def _err(text: str) -> None:
    sys.stderr.write(text + "\n")
