"""``grassroots demo``: an embedded-SQLite demo province, ready to click through.

Idempotent: a second run migrates nothing new, reloads nothing that is already there, and
serves again.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from grassroots.commands._errors import UsageError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("demo", help="set up the demo province on SQLite and serve it")
    p.add_argument("--province", default="37", help="province code (default 37, Shandong)")
    p.add_argument("--no-serve", action="store_true", help="prepare only, do not serve")
    p.add_argument("--bind", default="127.0.0.1:8000")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    os.environ.setdefault("GRASSROOTS_DEBUG", "true")
    data_dir = Path(os.environ.setdefault("GRASSROOTS_DATA_DIR", str(Path.cwd() / "var")))
    data_dir.mkdir(parents=True, exist_ok=True)
    if os.environ.get("DATABASE_URL", "").strip() == "":
        os.environ.pop("DATABASE_URL", None)  # the embedded SQLite database under var/

    from grassroots.commands._django import setup_django

    setup_django(require_migrated=False)
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from grassroots.organisations.demo import prepare_demo

    logins = prepare_demo(province=args.province, data_dir=data_dir)
    evaluation = _demo_evaluation(province=args.province, data_dir=data_dir)
    from grassroots.people.demo import prepare_people_demo

    # After the case records are in intake: the prosecutors' assessment is computed from them.
    logins += prepare_people_demo(province=args.province)
    from django.contrib.auth import get_user_model

    from grassroots.library.demo import prepare_library_demo

    # After the rosters: the library's cases name their prosecutors, its honours people.
    demo_admin = get_user_model().objects.get(username="demo-admin")
    prepare_library_demo(province=args.province, admin=demo_admin)
    from grassroots.party.demo import prepare_party_demo

    # After the rosters: party organisations and tasks are built on the people.
    logins += prepare_party_demo(province=args.province)

    from grassroots.direct.demo import prepare_direct_demo

    # After the weak units are designated: their supporters are on the contact map.
    prepare_direct_demo(province=args.province)
    _print_banner(args.bind, logins)
    print(f"Evaluation of {DEMO_PERIOD} (scheme core-business): {evaluation}")
    if args.no_serve:
        return 0
    from grassroots.commands import serve

    # The pages only queue the runs started on them: the worker beside them executes them.
    return serve.run(argparse.Namespace(bind=args.bind, workers=2, with_worker=True))


DEMO_PERIOD = "2024Q4"
# Four quarters: the weak-unit candidate rule reads "bottom tier in 3 of the last 4".
DEMO_RUN_PERIODS = ("2024Q1", "2024Q2", "2024Q3", DEMO_PERIOD)


def _demo_evaluation(*, province: str, data_dir: Path) -> Path:
    """Generate the demo province's case records once and evaluate its latest quarter.

    Both steps are the engine's own commands, so the demo exercises the real chain
    (case records → elements → indicators → scores, ranks, colours, rank intervals).
    Skipped when the result already exists, which keeps `make demo` idempotent and quick.
    """
    from grassroots.engine.errors import InputError
    from grassroots.engine.outputs import write_result
    from grassroots.engine.pipeline import Source, evaluate_source
    from grassroots.engine.synth import SynthError, SynthOptions, generate

    cases = data_dir / "demo" / f"cases-{province}"
    result = data_dir / "demo" / f"evaluation-{province}-{DEMO_PERIOD}.xlsx"
    try:
        if not (cases / "truth.json").exists():
            options = SynthOptions(first="2023Q1", last=DEMO_PERIOD, provinces=(province,), seed=1)
            generate(cases, options)
        if not result.exists():
            frame = evaluate_source(
                scheme="core-business",
                period=DEMO_PERIOD,
                source=Source(cases=cases),
                sensitivity=200,
                seed=1,
            )
            write_result(frame, result)
    except (SynthError, InputError) as exc:
        raise UsageError(
            f"could not prepare the demo evaluation in {cases.parent}: {exc}"
        ) from None
    _store_demo_runs(cases, province)
    return result


def _store_demo_runs(cases: Path, province: str) -> None:
    """Import the generated records into intake as one data version per unit and quarter, and
    store the year's four quarters as runs from intake, so the pages have a league table with
    changes traced to data versions and the weak-unit rules have a year to read; then put the
    province's weak-unit work on file. Nothing already imported or computed is done again."""
    from django.contrib.auth import get_user_model

    from grassroots.evaluation.inputs import intake_inputs
    from grassroots.evaluation.models import EvaluationRun, Publication, RunStatus
    from grassroots.evaluation.publication import publish_run
    from grassroots.evaluation.runs import INTAKE_SOURCE, input_hash, run_evaluation
    from grassroots.evaluation.schemes import (
        latest_scheme_version,
        load_shipped_schemes,
        parse_scheme_text,
    )
    from grassroots.intake.cases.bulk import import_cases_by_unit
    from grassroots.intake.catalogues.services import catalogue_of, stored_catalogue
    from grassroots.intake.models import Submission, SubmissionStatus
    from grassroots.organisations.models import Unit

    load_shipped_schemes()
    scheme = latest_scheme_version("core-business")
    parsed = parse_scheme_text(scheme.yaml_text, code=scheme.code)
    root = Unit.objects.get(code=f"{province[:2]}0000")
    uploader = get_user_model().objects.get(username="demo-admin")
    for period in DEMO_RUN_PERIODS:
        # An accepted period is locked: its data is already in, as the province accepted it.
        accepted = Submission.objects.filter(
            unit__path__startswith=root.path, period=period, status=SubmissionStatus.ACCEPTED
        )
        if not accepted.exists():
            import_cases_by_unit(source=cases, root=root, period=period, actor=uploader)
        _accept_demo_period(root=root, period=period, admin=uploader)
        parameters = {"sensitivity": 200, "seed": 1, "scope": root.code}
        catalogue = stored_catalogue(parsed.catalogue or "")
        versions = intake_inputs(
            scheme=parsed, period=period, scope=root, catalogue=catalogue_of(catalogue)
        )
        digest = input_hash(
            scheme_text=scheme.yaml_text,
            catalogue_text=catalogue.yaml_text,
            period=period,
            versions=versions,
            parameters=parameters,
        )
        done = EvaluationRun.objects.filter(input_hash=digest, status=RunStatus.DONE).first()
        if done is not None:
            if done.publication == Publication.DRAFT:  # a demo stopped before publishing it
                publish_run(run=done, actor=uploader)
            continue
        run = run_evaluation(
            scheme_version=scheme,
            period=period,
            source=INTAKE_SOURCE,
            actor=None,
            sensitivity=200,
            seed=1,
            scope=root,
        )
        if run.status != RunStatus.DONE:
            raise UsageError(f"could not store the demo evaluation of {period}: {run.error}")
        publish_run(run=run, actor=uploader)
    from grassroots.assistance.demo import seed_demo_assistance

    seed_demo_assistance(province=root, admin=uploader)


def _accept_demo_period(*, root: Any, period: str, admin: Any) -> None:
    """Put the period's data of every grassroots unit under ``root`` through the workflow, as
    the province's people would: submitted (by the demo clerk for its own unit, by the province
    administrator for the others), approved by the city's reviewer (demo-reviewer for its city;
    a reviewer account without a password, ``demo-review-<city>``, for each other city, since
    only a city reviewer approves), then accepted city by city by the province administrator.
    Steps already taken are skipped, so a second demo run changes nothing."""
    from django.contrib.auth import get_user_model

    from grassroots.intake.models import SubmissionStatus as S
    from grassroots.intake.workflow.services import accept_city, approve, status_of, submit
    from grassroots.organisations.models import Level, Membership, Role, Unit
    from grassroots.organisations.services import add_member, create_user

    users = get_user_model().objects
    clerks = {
        m.unit_id: m.user
        for m in Membership.objects.filter(role=Role.GRASSROOTS_CLERK).select_related("user")
    }
    cities = Unit.objects.filter(path__startswith=root.path, level=Level.CITY).order_by("path")
    for city in cities:
        units = list(Unit.objects.filter(parent=city, level=Level.GRASSROOTS, active=True))
        statuses = {u.pk: status_of(unit=u, period=period) for u in units}
        if not units or all(s == S.ACCEPTED for s in statuses.values()):
            continue
        reviewer = next(
            (
                m.user
                for m in Membership.objects.filter(role=Role.CITY_REVIEWER, unit=city)
                .select_related("user")
                .order_by("user__username")
            ),
            None,
        )
        if reviewer is None:
            reviewer = create_user(username=f"demo-review-{city.code}", password=None, actor=None)
            add_member(user=reviewer, unit=city, role=Role.CITY_REVIEWER, actor=None,
                       reason="demo: approves its city's demo data")  # fmt: skip
            reviewer = users.get(pk=reviewer.pk)
        for unit in units:
            if statuses[unit.pk] in (S.DRAFT, S.RETURNED):
                submit(unit=unit, period=period, actor=clerks.get(unit.pk, admin))
                statuses[unit.pk] = S.SUBMITTED
            if statuses[unit.pk] == S.SUBMITTED:
                approve(unit=unit, period=period, actor=reviewer)
        accept_city(city=city, period=period, actor=admin)


def _print_banner(bind: str, logins: list[tuple[str, str, str, str]]) -> None:
    print()
    print(f"Grassroots demo: http://{bind}/")
    print("Logins (username / password — role, unit):")
    for username, password, role, unit in logins:
        print(f"  {username:<18} {password:<20} {role}, {unit}")
    print()
