"""Evaluation runs: queued by a page, claimed and computed by a worker, finished with their
results and follow-ups. The engine does every computation.

Starting a run and executing it are separate steps so a web request never computes: the page
queues a run (``queue_run``) and a worker (``grassroots runs work``) claims and executes it.
``run_evaluation`` does both at once, for the command line and the demo. A run from intake
hands the engine frames read from the database; nothing is written to a temporary file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from django.db import connections, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.engine.errors import InputError
from grassroots.engine.pipeline import (
    Source,
    parse_period,
    prepare,
    prepare_values,
    score,
)
from grassroots.engine.scheme import Scheme
from grassroots.evaluation.actors import Actor, user_of
from grassroots.evaluation.errors import RunError
from grassroots.evaluation.inputs import (
    intake_element_frame,
    intake_inputs,
    intake_units,
    run_catalogue,
)
from grassroots.evaluation.models import (
    ORPHANED,
    EvaluationRun,
    RunStatus,
    SchemeVersion,
    SourceKind,
)
from grassroots.evaluation.results import result_rows, row_key, store_results
from grassroots.evaluation.schemes import scheme_of, scheme_replications
from grassroots.intake.catalogues.services import (
    CatalogueError,
    catalogue_of,
    latest_catalogue_version,
    stored_catalogue,
)
from grassroots.intake.models import CatalogueVersion
from grassroots.organisations import audit
from grassroots.organisations.models import AuditAction, Unit
from grassroots.organisations.versions import province_of

logger = logging.getLogger(__name__)

DEFAULT_SENSITIVITY = 0


def data_versions(folder: Path) -> dict[str, str]:
    """SHA-256 of every file in the case-record folder, by relative name."""
    if not folder.is_dir():
        raise RunError(f"{folder}: no such folder")
    versions = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        versions[path.relative_to(folder).as_posix()] = digest.hexdigest()
    return versions


def input_hash(
    *,
    scheme_text: str,
    period: str,
    versions: dict[str, Any],
    parameters: dict[str, Any],
    catalogue_text: str = "",
) -> str:
    """One digest of everything a run reads: equal hashes mean equal results.

    ``catalogue_text``: the YAML of the catalogue version the run computes with ("" for a
    scheme that scores no catalogue)."""
    payload = json.dumps(
        {
            "scheme": scheme_text,
            "catalogue": catalogue_text,
            "period": period,
            "data": versions,
            "parameters": parameters,
        },
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


# Chooses intake as a run's source where a case-record folder is expected (form, API, CLI).
INTAKE_SOURCE = "intake"


# The limits of a run's parameters, the same on every path (form, API, CLI, service): the
# engine's random generator takes a seed in [0, 2**32), and more replications only cost time.
MAX_SENSITIVITY = 1000
MAX_SEED = 2**32 - 1


def check_parameters(*, sensitivity: int, seed: int) -> None:
    """RunError (in the reader's language) when a parameter is outside its limits."""
    if isinstance(sensitivity, bool) or not 0 <= sensitivity <= MAX_SENSITIVITY:
        raise RunError(
            _("sensitivity must be between 0 (off) and %(max)s replications")
            % {"max": MAX_SENSITIVITY}
        )
    if isinstance(seed, bool) or not 0 <= seed <= MAX_SEED:
        raise RunError(_("the seed must be between 0 and %(max)s") % {"max": MAX_SEED})


@transaction.atomic
def queue_run(
    *,
    scheme_version: SchemeVersion,
    period: str,
    source: Path | str,
    actor: Actor,
    sensitivity: int | None = DEFAULT_SENSITIVITY,
    seed: int = 0,
    scope: Unit | None = None,
    provisional: bool = False,
) -> EvaluationRun:
    """Record a run with its inputs and queue it; nothing is computed here.

    ``sensitivity=None``: as many rank-interval replications as the scheme's ``uncertainty``
    asks for (`scheme_replications`), which is what the web page and the API start with.

    ``source`` is a case-record folder, or ``INTAKE_SOURCE``: the current data versions and
    reported figures of intake for the grassroots units under ``scope`` (None: all of them)
    that the workflow accepted; ``provisional``: unaccepted ones too (the run is then marked
    provisional and can never be published or read by a rule).
    """
    try:
        the_period = parse_period(period)
    except InputError as exc:
        raise RunError("; ".join(str(p) for p in exc.problems)) from None
    key = the_period.key
    if sensitivity is None:
        sensitivity = scheme_replications(scheme_version)
    check_parameters(sensitivity=sensitivity, seed=seed)
    parameters: dict[str, Any] = {"sensitivity": sensitivity, "seed": seed}
    from_intake = isinstance(source, str) and source == INTAKE_SOURCE  # a folder: a Path
    if provisional and not from_intake:
        raise RunError(_("Only a run from intake can be provisional (a folder has no workflow)"))
    if provisional:
        parameters["provisional"] = True
    try:
        scheme: Scheme | None = scheme_of(scheme_version)
    except RunError:
        if from_intake:
            raise
        scheme = None  # a folder run records the failure when it is executed, as before
    catalogue_version = (
        _catalogue_version(scheme, actor, province_of(scope)) if scheme is not None else None
    )
    catalogue = catalogue_of(catalogue_version) if catalogue_version is not None else None
    if from_intake:
        assert scheme is not None
        kind = SourceKind.INTAKE
        versions = intake_inputs(
            scheme=scheme, period=key, scope=scope, catalogue=catalogue, provisional=provisional
        )
        parameters["scope"] = scope.code if scope is not None else ""
        label = INTAKE_SOURCE
    else:
        kind = SourceKind.FOLDER
        versions = data_versions(Path(source))
        if scope is not None:  # who may list the run (`selectors.within_scope`)
            parameters["scope"] = scope.code
        label = str(Path(source).resolve())
    run = EvaluationRun.objects.create(
        scheme_version=scheme_version,
        catalogue_version=catalogue_version,
        period=key,
        source_kind=kind,
        source_path=label,
        data_versions=versions,
        parameters=parameters,
        input_hash=input_hash(
            scheme_text=scheme_version.yaml_text,
            catalogue_text=catalogue_version.yaml_text if catalogue_version else "",
            period=key,
            versions=versions,
            parameters=parameters,
        ),
        created_at=timezone.now(),
        created_by=user_of(actor),
        provisional=provisional,
    )
    audit.record(
        obj=run, action=AuditAction.CREATE, actor=actor, before=None, after=audit.snapshot(run)
    )
    return run


def _catalogue_version(
    scheme: Scheme, actor: Actor, province: Unit | None
) -> CatalogueVersion | None:
    """The stored catalogue version a new run of ``scheme`` computes with: the current one of
    the province it runs in (the national default for a national run)."""
    if scheme.catalogue is None:
        return None
    try:
        return stored_catalogue(scheme.catalogue, actor=actor, province=province)
    except CatalogueError as exc:
        raise RunError(str(exc)) from None


def catalogue_change(run: EvaluationRun) -> tuple[int, int] | None:
    """(recorded version, current version) when the catalogue the run computed with is no
    longer its catalogue's current version; None when it is (or the run recorded none)."""
    recorded = run.catalogue_version
    if recorded is None:
        return None
    scope = Unit.objects.filter(code=run.scope_code).first() if run.scope_code else None
    current = latest_catalogue_version(recorded.code, province=province_of(scope))
    if current is None or current.pk == recorded.pk:
        return None
    return recorded.version, current.version


def claim_next_run() -> EvaluationRun | None:
    """Take the oldest queued run for this worker (other workers skip the locked row)."""
    with transaction.atomic():
        run = (
            EvaluationRun.objects.select_for_update(skip_locked=True)
            .filter(status=RunStatus.QUEUED)
            .order_by("created_at", "id")
            .first()
        )
        if run is None:
            return None
        run.status = RunStatus.RUNNING
        run.progress = 5
        run.started_at = run.heartbeat_at = timezone.now()
        run.save(update_fields=["status", "progress", "started_at", "heartbeat_at"])
        return run


# A running run's worker renews its lease every HEARTBEAT_SECONDS; after RUN_LEASE without a
# renewal the worker is taken to be gone (killed, out of memory, host restarted).
HEARTBEAT_SECONDS = 30.0
RUN_LEASE = dt.timedelta(minutes=5)


class _Heartbeat:
    """Renews a run's lease from a background thread while the worker computes it."""

    def __init__(self, run_pk: int, interval: float = HEARTBEAT_SECONDS) -> None:
        self.run_pk = run_pk
        self.interval = interval
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"run-{run_pk}-heartbeat")

    def _beat(self) -> None:
        try:
            while not self.stop.wait(self.interval):
                EvaluationRun.objects.filter(pk=self.run_pk, status=RunStatus.RUNNING).update(
                    heartbeat_at=timezone.now()
                )
        except Exception:  # a missed beat only shortens the lease; the run goes on
            logger.warning("run %s: heartbeat failed", self.run_pk, exc_info=True)
        finally:
            connections.close_all()  # this thread's own database connection

    def __enter__(self) -> _Heartbeat:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()


def fail_orphaned_runs(*, lease: dt.timedelta = RUN_LEASE) -> list[int]:
    """Mark failed every running run whose worker stopped renewing its lease; their ids.

    A worker killed mid-run (or a host that restarted) leaves its run "running" forever; the
    next worker, `grassroots runs work` and the runs page find it here, and it can be retried.
    """
    cutoff = timezone.now() - lease
    stale = Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
    failed = []
    with transaction.atomic():
        orphans = EvaluationRun.objects.select_for_update(skip_locked=True).filter(
            Q(status=RunStatus.RUNNING) & stale
        )
        for run in orphans:
            last = run.heartbeat_at or run.started_at
            run.status = RunStatus.FAILED
            run.progress = 100
            run.error = (
                f"{ORPHANED} (no heartbeat since "
                f"{timezone.localtime(last):%Y-%m-%d %H:%M:%S}); retry the run"
            )
            run.finished_at = timezone.now()
            run.save(update_fields=["status", "progress", "error", "finished_at"])
            audit.record(
                obj=run,
                action=AuditAction.UPDATE,
                actor=None,
                before={"status": RunStatus.RUNNING},
                after={"status": RunStatus.FAILED, "error": run.error},
                reason="orphaned run",
            )
            failed.append(run.pk)
    return failed


@transaction.atomic
def retry_run(*, run: EvaluationRun, actor: Actor) -> EvaluationRun:
    """Queue a failed run again with its scheme version, period, source, scope and parameters.

    Only a failed run is retried (a finished run is a record, a queued or running one is still
    on its way); the new run names the one it retries."""
    locked = EvaluationRun.objects.select_for_update().get(pk=run.pk)
    if locked.status != RunStatus.FAILED:
        raise RunError(_("Only a failed run can be retried."))
    params = locked.parameters or {}
    scope = Unit.objects.filter(code=locked.scope_code).first() if locked.scope_code else None
    fresh = queue_run(
        scheme_version=locked.scheme_version,
        period=locked.period,
        source=INTAKE_SOURCE if locked.from_intake else Path(locked.source_path),
        actor=actor,
        sensitivity=int(params.get("sensitivity", 0)),
        seed=int(params.get("seed", 0)),
        scope=scope,
        provisional=locked.provisional,
    )
    fresh.retry_of = locked
    fresh.save(update_fields=["retry_of"])
    return fresh


def compute(
    run: EvaluationRun, *, on_progress: Callable[[int], None] | None = None
) -> pd.DataFrame:
    """The engine's result for the run's recorded inputs (the files must still match)."""
    step = on_progress or (lambda _: None)
    scheme = scheme_of(run.scheme_version)
    if run.source_kind == SourceKind.INTAKE:
        prepared = prepare_values(
            scheme=scheme,
            catalogue=run_catalogue(run),
            period=run.period,
            units=intake_units(run),
            elements=intake_element_frame(run),
        )
    else:
        folder = Path(run.source_path)
        if data_versions(folder) != run.data_versions:
            raise RunError(f"{folder}: the case records changed since the run was recorded")
        prepared = prepare(
            scheme=scheme,
            period=run.period,
            source=Source(cases=folder),
            catalogue=run_catalogue(run),
        )
    step(50)
    params = run.parameters
    return score(
        prepared, sensitivity=int(params.get("sensitivity", 0)), seed=int(params.get("seed", 0))
    )


def execute_run(run: EvaluationRun) -> EvaluationRun:
    """Compute a claimed run and store its results and final status in one transaction."""

    def progress(percent: int) -> None:
        EvaluationRun.objects.filter(pk=run.pk).update(
            progress=percent, heartbeat_at=timezone.now()
        )

    try:
        with _Heartbeat(run.pk):
            frame = compute(run, on_progress=progress)
    except (InputError, RunError, OSError) as exc:
        text = "; ".join(str(p) for p in exc.problems) if isinstance(exc, InputError) else str(exc)
        return _finish(run, status=RunStatus.FAILED, error=text)
    except Exception as exc:  # a fault of ours: the run fails, the worker goes on
        logger.exception("run %s failed", run.pk)
        return _finish(
            run, status=RunStatus.FAILED, error=f"internal error ({type(exc).__name__}); retry"
        )
    progress(90)
    return _finish(run, status=RunStatus.DONE, frame=frame)


@transaction.atomic
def _finish(
    run: EvaluationRun, *, status: RunStatus, frame: pd.DataFrame | None = None, error: str = ""
) -> EvaluationRun:
    if frame is not None:
        store_results(run, frame)
    run.refresh_from_db()
    run.status = status
    run.progress = 100
    run.error = error[:5000]
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "progress", "error", "finished_at"])
    # A finished run is a draft: its follow-ups (the weak-unit target checks) run when the
    # province publishes it (`publication.publish_run`), never on a draft or provisional run.
    return run


def run_evaluation(
    *,
    scheme_version: SchemeVersion,
    period: str,
    source: Path | str,
    actor: Actor,
    sensitivity: int = DEFAULT_SENSITIVITY,
    seed: int = 0,
    scope: Unit | None = None,
    provisional: bool = False,
) -> EvaluationRun:
    """Queue and execute a run now (command line, demo); the web only queues."""
    run = queue_run(
        scheme_version=scheme_version,
        period=period,
        source=source,
        actor=actor,
        sensitivity=sensitivity,
        seed=seed,
        scope=scope,
        provisional=provisional,
    )
    with transaction.atomic():
        locked = EvaluationRun.objects.select_for_update().get(pk=run.pk)
        locked.status = RunStatus.RUNNING
        locked.started_at = locked.heartbeat_at = timezone.now()
        locked.progress = 5
        locked.save(update_fields=["status", "started_at", "heartbeat_at", "progress"])
    return execute_run(locked)


def compute_from_intake(
    *,
    scheme_version: SchemeVersion,
    period: str,
    scope: Unit | None = None,
    sensitivity: int = DEFAULT_SENSITIVITY,
    seed: int = 0,
    provisional: bool = False,
) -> pd.DataFrame:
    """The result a run from intake would store, computed without storing a run."""
    try:
        key = parse_period(period).key
    except InputError as exc:
        raise RunError("; ".join(str(p) for p in exc.problems)) from None
    scheme = scheme_of(scheme_version)
    catalogue_version = _catalogue_version(scheme, None, province_of(scope))
    catalogue = catalogue_of(catalogue_version) if catalogue_version is not None else None
    transient = EvaluationRun(
        scheme_version=scheme_version,
        catalogue_version=catalogue_version,
        period=key,
        source_kind=SourceKind.INTAKE,
        source_path=INTAKE_SOURCE,
        data_versions=intake_inputs(
            scheme=scheme,
            period=key,
            scope=scope,
            catalogue=catalogue,
            provisional=provisional,
        ),
        parameters={"sensitivity": sensitivity, "seed": seed},
    )
    return compute(transient)


def work(*, once: bool = False) -> int:
    """Execute queued runs until none is left (``once``: at most one). Returns how many ran."""
    done = 0
    fail_orphaned_runs()
    while (run := claim_next_run()) is not None:
        execute_run(run)
        done += 1
        if once:
            break
    return done


def reproduce(run: EvaluationRun) -> bool:
    """Recompute the run from its recorded inputs and say whether every stored row matches."""
    fresh = pd.DataFrame([row_key(r) for r in result_rows(run, compute(run))])
    stored = pd.DataFrame([row_key(r) for r in run.results.all()])
    key = ["unit_code", "node"]
    if fresh.empty or len(fresh) != len(stored):
        return False
    a = fresh.sort_values(key).reset_index(drop=True)
    b = stored.sort_values(key).reset_index(drop=True)
    return bool(a.equals(b))
