"""Writes of the evaluation app: scheme versions and runs. The engine does every computation.

Starting a run and executing it are separate steps so a web request never computes: the page
queues a run (``queue_run``) and a worker (``grassroots runs work``) claims and executes it.
``run_evaluation`` does both at once, for the command line and the demo.
"""

from __future__ import annotations

import hashlib
import json
import math
import tempfile
from collections.abc import Callable, Collection
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.utils import timezone

from grassroots.engine.catalogue import load_catalogue
from grassroots.engine.colours import parse_why
from grassroots.engine.errors import InputError
from grassroots.engine.pipeline import (
    Source,
    parse_period,
    periods_needed,
    prepare,
    score,
)
from grassroots.engine.scheme import Scheme, list_schemes, load_scheme, parse_scheme
from grassroots.evaluation.models import (
    EvaluationRun,
    Result,
    RunStatus,
    SchemeVersion,
    SourceKind,
)
from grassroots.evaluation.signals import announce_finished
from grassroots.organisations import audit
from grassroots.organisations.models import AuditAction, Level, Unit

Actor = AbstractBaseUser | AnonymousUser | None
DEFAULT_SENSITIVITY = 0
_BATCH = 2000


class RunError(Exception):
    """A run cannot be started as asked (bad scheme, period or source); message is for people."""


# --------------------------------------------------------------------------------- schemes


def parse_scheme_text(text: str, *, code: str) -> Scheme:
    """The scheme the YAML describes, checked by the engine; RunError lists every problem.

    A scheme that scores a catalogue names a registered catalogue (never a path), and its
    leaves name only that catalogue's indicators.
    """
    source = f"{code}.yaml"
    try:
        scheme = parse_scheme(text, source=source)
        if scheme.catalogue is not None:
            try:
                catalogue = load_catalogue(scheme.catalogue)
            except InputError as exc:
                raise InputError(
                    [replace(p, source=f"{source}: catalogue") for p in exc.problems]
                ) from None
            scheme = parse_scheme(text, source=source, indicator_codes=set(catalogue.indicators))
    except InputError as exc:
        raise RunError("; ".join(str(p) for p in exc.problems)) from None
    except RecursionError:
        raise RunError(f"{source}: the tree contains a cycle") from None
    return scheme


@transaction.atomic
def save_scheme_version(
    *, code: str, yaml_text: str, actor: Actor, note: str = ""
) -> SchemeVersion:
    """Check the YAML with the engine and store it as the scheme's next version.

    An unchanged text adds no version (saving the same form twice is not an edit).
    """
    scheme = parse_scheme_text(yaml_text, code=code)
    if scheme.name != code:
        raise RunError(f"the YAML names scheme {scheme.name!r}, not {code!r}")
    latest = (
        SchemeVersion.objects.select_for_update().filter(code=code).order_by("-version").first()
    )
    if latest is not None and latest.yaml_text == yaml_text:
        return latest
    version = SchemeVersion.objects.create(
        code=code,
        version=(latest.version + 1) if latest else 1,
        yaml_text=yaml_text,
        title_zh=scheme.title_zh,
        title_en=scheme.title_en,
        note=note[:500],
        created_at=timezone.now(),
        created_by=_user(actor),
    )
    audit.record(
        obj=version,
        action=AuditAction.CREATE,
        actor=actor,
        before=None,
        after=audit.snapshot(version, exclude=("yaml_text",)),
        reason=note,
    )
    return version


def load_shipped_schemes(*, actor: Actor = None) -> list[SchemeVersion]:
    """Store each shipped composite scheme (a new version only where the YAML changed)."""
    stored = []
    for name in list_schemes():
        if load_scheme(name).tree is None:
            continue  # checklists are assessed from results, not run here
        text = (_shipped_dir() / f"{name}.yaml").read_text(encoding="utf-8")
        stored.append(
            save_scheme_version(code=name, yaml_text=text, actor=actor, note="shipped scheme")
        )
    return stored


def _shipped_dir() -> Path:
    from grassroots.engine.scheme import SCHEMES_DIR

    return SCHEMES_DIR


def scheme_replications(version: SchemeVersion) -> int:
    """The rank-interval replications a new run of ``version`` computes by default."""
    return parse_scheme_text(version.yaml_text, code=version.code).uncertainty.replications


def latest_scheme_version(code: str) -> SchemeVersion:
    version = SchemeVersion.objects.filter(code=code).order_by("-version").first()
    if version is None:
        raise RunError(f"no scheme {code!r} is stored: run `grassroots runs schemes` first")
    return version


# ------------------------------------------------------------------------------------ runs


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
    *, scheme_text: str, period: str, versions: dict[str, str], parameters: dict[str, Any]
) -> str:
    """One digest of everything a run reads: equal hashes mean equal results."""
    payload = json.dumps(
        {"scheme": scheme_text, "period": period, "data": versions, "parameters": parameters},
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


# Chooses intake as a run's source where a case-record folder is expected (form, API, CLI).
INTAKE_SOURCE = "intake"


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
) -> EvaluationRun:
    """Record a run with its inputs and queue it; nothing is computed here.

    ``sensitivity=None``: as many rank-interval replications as the scheme's ``uncertainty``
    asks for (`scheme_replications`), which is what the web page and the API start with.

    ``source`` is a case-record folder, or ``INTAKE_SOURCE``: the current data versions and
    reported figures of intake for the grassroots units under ``scope`` (None: all of them).
    """
    try:
        the_period = parse_period(period)
    except InputError as exc:
        raise RunError("; ".join(str(p) for p in exc.problems)) from None
    key = the_period.key
    if sensitivity is None:
        sensitivity = scheme_replications(scheme_version)
    if sensitivity < 0:
        raise RunError("sensitivity must be 0 (off) or a positive number of replications")
    parameters: dict[str, Any] = {"sensitivity": sensitivity, "seed": seed}
    if isinstance(source, str) and source == INTAKE_SOURCE:  # a folder: a Path or absolute
        kind = SourceKind.INTAKE
        scheme = parse_scheme_text(scheme_version.yaml_text, code=scheme_version.code)
        versions = intake_inputs(scheme=scheme, period=key, scope=scope)
        parameters["scope"] = scope.code if scope is not None else ""
        label = INTAKE_SOURCE
    else:
        kind = SourceKind.FOLDER
        versions = data_versions(Path(source))
        label = str(Path(source).resolve())
    run = EvaluationRun.objects.create(
        scheme_version=scheme_version,
        period=key,
        source_kind=kind,
        source_path=label,
        data_versions=versions,
        parameters=parameters,
        input_hash=input_hash(
            scheme_text=scheme_version.yaml_text,
            period=key,
            versions=versions,
            parameters=parameters,
        ),
        created_at=timezone.now(),
        created_by=_user(actor),
    )
    audit.record(
        obj=run, action=AuditAction.CREATE, actor=actor, before=None, after=audit.snapshot(run)
    )
    return run


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
        run.started_at = timezone.now()
        run.save(update_fields=["status", "progress", "started_at"])
        return run


def compute(
    run: EvaluationRun, *, on_progress: Callable[[int], None] | None = None
) -> pd.DataFrame:
    """The engine's result for the run's recorded inputs (the files must still match)."""
    step = on_progress or (lambda _: None)
    with tempfile.TemporaryDirectory(prefix="grassroots-scheme-") as tmp:
        scheme_file = Path(tmp) / f"{run.scheme_version.code}.yaml"
        scheme_file.write_text(run.scheme_version.yaml_text, encoding="utf-8")
        if run.source_kind == SourceKind.INTAKE:
            source = write_intake_source(run, Path(tmp))
        else:
            folder = Path(run.source_path)
            if data_versions(folder) != run.data_versions:
                raise RunError(f"{folder}: the case records changed since the run was recorded")
            source = Source(cases=folder)
        prepared = prepare(scheme=scheme_file, period=run.period, source=source)
    step(50)
    params = run.parameters
    return score(
        prepared, sensitivity=int(params.get("sensitivity", 0)), seed=int(params.get("seed", 0))
    )


def execute_run(run: EvaluationRun) -> EvaluationRun:
    """Compute a claimed run and store its results and final status in one transaction."""

    def progress(percent: int) -> None:
        EvaluationRun.objects.filter(pk=run.pk).update(progress=percent)

    try:
        frame = compute(run, on_progress=progress)
    except (InputError, RunError, OSError) as exc:
        text = "; ".join(str(p) for p in exc.problems) if isinstance(exc, InputError) else str(exc)
        return _finish(run, status=RunStatus.FAILED, error=text)
    progress(90)
    return _finish(run, status=RunStatus.DONE, frame=frame)


@transaction.atomic
def _finish(
    run: EvaluationRun, *, status: RunStatus, frame: pd.DataFrame | None = None, error: str = ""
) -> EvaluationRun:
    if frame is not None:
        Result.objects.bulk_create(result_rows(run, frame), batch_size=_BATCH)
    run.refresh_from_db()
    run.status = status
    run.progress = 100
    run.error = error[:5000]
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "progress", "error", "finished_at"])
    # Followers (the weak-unit target checks) read the committed results, never a half-run.
    transaction.on_commit(lambda: announce_finished(run))
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
    )
    with transaction.atomic():
        locked = EvaluationRun.objects.select_for_update().get(pk=run.pk)
        locked.status = RunStatus.RUNNING
        locked.started_at = timezone.now()
        locked.progress = 5
        locked.save(update_fields=["status", "started_at", "progress"])
    return execute_run(locked)


def compute_from_intake(
    *,
    scheme_version: SchemeVersion,
    period: str,
    scope: Unit | None = None,
    sensitivity: int = DEFAULT_SENSITIVITY,
    seed: int = 0,
) -> pd.DataFrame:
    """The result a run from intake would store, computed without storing a run."""
    try:
        key = parse_period(period).key
    except InputError as exc:
        raise RunError("; ".join(str(p) for p in exc.problems)) from None
    scheme = parse_scheme_text(scheme_version.yaml_text, code=scheme_version.code)
    transient = EvaluationRun(
        scheme_version=scheme_version,
        period=key,
        source_kind=SourceKind.INTAKE,
        source_path=INTAKE_SOURCE,
        data_versions=intake_inputs(scheme=scheme, period=key, scope=scope),
        parameters={"sensitivity": sensitivity, "seed": seed},
    )
    return compute(transient)


def work(*, once: bool = False) -> int:
    """Execute queued runs until none is left (``once``: at most one). Returns how many ran."""
    done = 0
    while (run := claim_next_run()) is not None:
        execute_run(run)
        done += 1
        if once:
            break
    return done


# -------------------------------------------------------------------------- intake inputs
#
# A run from intake reads, for each grassroots unit in scope, the element values of the newest
# current (not superseded) data version of the period that holds values for that unit (a unit's
# own upload, or a city's upload covering it), plus the reported figures of the period. It
# records the version of each unit, every version's checksum and the figure uploads it read, so
# it is recomputed from the same data even after those versions are superseded: a superseded
# version is never changed or deleted, and the run keeps pointing at it.


def intake_inputs(*, scheme: Scheme, period: str, scope: Unit | None) -> dict[str, Any]:
    """What a run from intake will read, as recorded in ``EvaluationRun.data_versions``.

    RunError when the scheme scores no catalogue or there is no data at all for the period."""
    from grassroots.intake.models import DataVersion, ElementValue, FigureUpload, ReportedValue

    catalogue, case_elements, reported_elements = _needed_elements(scheme)
    units = _scope_units(scope)
    if not units:
        raise RunError("no grassroots units in the scope of this run")
    periods = [p.key for p in periods_needed(scheme, parse_period(period))]
    cases: dict[str, dict[str, int]] = {p: {} for p in periods}
    if case_elements:
        rows = ElementValue.objects.filter(
            period__in=periods,
            data_version__period__in=periods,
            data_version__superseded_by__isnull=True,
            unit__code__in=units,
            element__in=case_elements,
        ).values_list("period", "unit__code", "data_version_id")
        for p, code, version in rows.order_by().distinct():
            cases[p][code] = max(version, cases[p].get(code, 0))  # newest version wins
    chosen = {v for per in cases.values() for v in per.values()}
    checksums = dict(DataVersion.objects.filter(pk__in=chosen).values_list("pk", "checksum"))
    figures: dict[str, str] = {}
    reported: set[str] = set()
    if reported_elements:
        uploads = FigureUpload.objects.filter(catalogue=catalogue, period__in=periods)
        figures = {str(pk): c for pk, c in uploads.values_list("pk", "checksum").order_by("pk")}
        reported = set(
            ReportedValue.objects.filter(
                catalogue=catalogue,
                period=period,
                unit__code__in=units,
                element__in=reported_elements,
            ).values_list("unit__code", flat=True)
        )
    missing: dict[str, list[str]] = {}
    for code in units:
        gaps = []
        if case_elements and code not in cases[period]:
            gaps.append("cases")
        if reported_elements and code not in reported:
            gaps.append("figures")
        if gaps:
            missing[code] = gaps
    if len(missing) == len(units):
        raise RunError(
            f"intake holds no data for {period} for the units in scope: upload case records "
            "(or report figures) for the period first"
        )
    recorded: dict[str, Any] = {
        "cases": dict(sorted(cases[period].items())),
        "checksums": {str(pk): checksums[pk] for pk in sorted(checksums)},
        "figures": figures,
        "missing": missing,
        "units": units,
    }
    earlier = {p: dict(sorted(c.items())) for p, c in cases.items() if p != period}
    if earlier:
        recorded["earlier"] = earlier
    return recorded


def _needed_elements(scheme: Scheme) -> tuple[str, list[str], list[str]]:
    """The scheme's catalogue and the elements its indicators read: (from records, reported)."""
    if scheme.catalogue is None:
        raise RunError(f"{scheme.name} scores no catalogue: it cannot be run from intake")
    try:
        catalogue = load_catalogue(scheme.catalogue)
    except InputError as exc:
        raise RunError("; ".join(str(p) for p in exc.problems)) from None
    needed: set[str] = set()
    for code in scheme.indicator_codes():
        needed |= catalogue.elements_of(code)
    case = sorted(
        e for e in needed if e in catalogue.elements and not catalogue.elements[e].reported
    )
    reported = sorted(
        e for e in needed if e in catalogue.elements and catalogue.elements[e].reported
    )
    return catalogue.name, case, reported


def _scope_units(scope: Unit | None) -> dict[str, str]:
    """Active grassroots units under ``scope`` (all without one): unit code -> peer group."""
    units = Unit.objects.filter(level=Level.GRASSROOTS, active=True)
    if scope is not None:
        units = units.filter(path__startswith=scope.path)
    return {
        code: peer or parent or code
        for code, peer, parent in units.order_by("code").values_list(
            "code", "peer_group", "parent__code"
        )
    }


def intake_element_frame(
    run: EvaluationRun, *, units: Collection[str] | None = None
) -> pd.DataFrame:
    """The element values the run read: ``unit_code, period, element, value`` (+ ``source``:
    "version:<id>" or "figures:<upload id>"), rebuilt from its recorded versions and uploads;
    ``units`` limits it to those unit codes.

    Checks the recorded versions and uploads still exist with the recorded checksums."""
    from grassroots.intake.models import DataVersion, ElementValue, FigureUpload, ValueChange

    recorded = run.data_versions
    scheme = parse_scheme_text(run.scheme_version.yaml_text, code=run.scheme_version.code)
    catalogue, case_elements, reported_elements = _needed_elements(scheme)
    per_period = {run.period: recorded.get("cases", {}), **recorded.get("earlier", {})}
    checksums = {
        str(pk): c
        for pk, c in DataVersion.objects.values_list("pk", "checksum").filter(
            pk__in=[int(v) for v in recorded.get("checksums", {})]
        )
    }
    if checksums != recorded.get("checksums", {}):
        raise RunError(f"run {run.pk}: a data version it read is gone or its checksum changed")
    uploads = {
        str(pk): c
        for pk, c in FigureUpload.objects.filter(
            pk__in=[int(v) for v in recorded.get("figures", {})]
        ).values_list("pk", "checksum")
    }
    if uploads != recorded.get("figures", {}):
        raise RunError(f"run {run.pk}: a figure upload it read is gone or its checksum changed")
    codes = set(recorded.get("units", {})) if units is None else set(units)
    wanted = {
        (p, code): int(v)
        for p, chosen in per_period.items()
        for code, v in chosen.items()
        if code in codes
    }
    rows = []
    values = ElementValue.objects.filter(
        data_version_id__in=set(wanted.values()),
        element__in=case_elements,
        unit__code__in=codes,
    ).values_list("period", "unit__code", "element", "value", "data_version_id")
    for p, code, element, value, version in values.order_by("unit__code", "period", "element"):
        if wanted.get((p, code)) == version:
            rows.append((code, p, element, value, f"version:{version}"))
    if reported_elements and uploads:
        latest: dict[tuple[str, str, str], tuple[float, int]] = {}
        changes = ValueChange.objects.filter(
            upload_id__in=[int(u) for u in uploads],
            reported__catalogue=catalogue,
            reported__period__in=list(per_period),
            reported__unit__code__in=codes,
            reported__element__in=reported_elements,
        ).values_list(
            "reported__unit__code", "reported__period", "reported__element", "new", "upload_id"
        )
        for code, p, element, new, upload in changes.order_by("id"):
            latest[(code, p, element)] = (new, upload)  # the last change wins
        rows += [(c, p, e, v, f"figures:{u}") for (c, p, e), (v, u) in sorted(latest.items())]
    return pd.DataFrame(rows, columns=["unit_code", "period", "element", "value", "source"])


def write_intake_source(run: EvaluationRun, folder: Path) -> Source:
    """The run's recorded intake inputs as the engine's element-values and units files."""
    elements = intake_element_frame(run).drop(columns="source")
    units = pd.DataFrame(
        [(code, code, peer) for code, peer in run.data_versions.get("units", {}).items()],
        columns=["unit_code", "name", "peer_group"],
    )
    elements_file, units_file = folder / "elements.csv", folder / "units.csv"
    elements.to_csv(elements_file, index=False, encoding="utf-8")
    units.to_csv(units_file, index=False, encoding="utf-8")
    return Source(elements=elements_file, units=units_file)


# --------------------------------------------------------------------------------- results

_FLOAT_COLUMNS = ("value", "score", "rank_q05", "rank_median", "rank_q95", "colour_share")


def result_rows(run: EvaluationRun, frame: pd.DataFrame) -> list[Result]:
    paths = dict(Unit.objects.values_list("code", "path"))
    rows = []
    for rec in frame.to_dict("records"):
        code = str(rec["unit_code"])
        rows.append(
            Result(
                run=run,
                unit_code=code,
                unit_path=paths.get(code, ""),
                node=str(rec["node"]),
                level=_text(rec.get("level")),
                rank_peer=_int(rec.get("rank_peer")),
                rank_all=_int(rec.get("rank_all")),
                colour=_text(rec.get("colour")),
                flags=_text(rec.get("flags"))[:200],
                why=_text(rec.get("why")),
                why_reason=why_reason(_text(rec.get("why"))),
                **{c: _float(rec.get(c)) for c in _FLOAT_COLUMNS},
            )
        )
    return rows


def why_reason(text: str) -> list[dict[str, object]]:
    """The why text as template keys and parameters, [] when it is not an engine sentence."""
    reasons = parse_why(text)
    return [r.as_json() for r in reasons] if reasons else []


def stored_frame(run: EvaluationRun, *, path: str = "") -> pd.DataFrame:
    """A run's stored results as the engine's long form (for exports and reproduction)."""
    columns = [
        "unit_code",
        "node",
        "level",
        "value",
        "score",
        "rank_peer",
        "rank_all",
        "colour",
        "flags",
        "why",
        *_FLOAT_COLUMNS[2:],
    ]
    rows = run.results.all()
    if path:
        rows = rows.filter(unit_path__startswith=path)
    frame = pd.DataFrame(
        list(rows.order_by("unit_code", "id").values_list(*columns)), columns=columns
    )
    frame.insert(1, "period", run.period)
    return frame


def reproduce(run: EvaluationRun) -> bool:
    """Recompute the run from its recorded inputs and say whether every stored row matches."""
    fresh = pd.DataFrame([_row_key(r) for r in result_rows(run, compute(run))])
    stored = pd.DataFrame([_row_key(r) for r in run.results.all()])
    key = ["unit_code", "node"]
    if fresh.empty or len(fresh) != len(stored):
        return False
    a = fresh.sort_values(key).reset_index(drop=True)
    b = stored.sort_values(key).reset_index(drop=True)
    return bool(a.equals(b))


def _row_key(r: Result) -> dict[str, Any]:
    return {
        "unit_code": r.unit_code,
        "node": r.node,
        "level": r.level,
        "score": None if r.score is None else round(r.score, 9),
        "value": None if r.value is None else round(r.value, 9),
        "rank_peer": r.rank_peer,
        "rank_all": r.rank_all,
        "colour": r.colour,
        "rank_median": r.rank_median,
    }


def _float(v: Any) -> float | None:
    if v is None or v is pd.NA:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _int(v: Any) -> int | None:
    f = _float(v)
    return None if f is None else int(f)


def _text(v: Any) -> str:
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return ""
    return str(v)


def _user(actor: Actor) -> Any:
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None
