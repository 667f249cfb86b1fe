"""One province-wide case-record export registered as one data version per grassroots unit.

``import_cases`` stores one upload as one version of the unit it is uploaded for. A province
(or the demo) often holds one export covering every unit; evaluating from it should still
record each unit's own version, so a unit's later re-upload supersedes only that unit's data.
This reads and checks the export once, computes the element values of every unit at once, then
writes each unit's rows as its own typed Parquet folder and registers it through the same
``register_version`` step as an upload (unit row lock, supersedes the unit's current version, audit
entry, folder renamed into ``versions/<id>/``). A unit whose current version of the period
already holds exactly these rows (same checksum) gets no new version, so importing the same
export twice adds nothing. Validation rules and outlier flags run once over the imported units.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.engine.bulk import BulkSplit, split_by_unit
from grassroots.engine.caseformat import TABLES
from grassroots.engine.cases import CaseTables, read_cases, write_units_parquet
from grassroots.engine.catalogue import load_catalogue
from grassroots.engine.compute import compute_elements
from grassroots.engine.errors import InputError, Problem, raise_if_any
from grassroots.intake.cases.services import (
    Prepared,
    UploadRefused,
    latest_version,
    latest_versions,
    parse_declared_period,
    refuse_locked,
    register_version,
    register_versions,
)
from grassroots.intake.integrity import checksum_of
from grassroots.intake.models import (
    DEFAULT_CATALOGUE,
    DataVersion,
    ValidationFinding,
    versions_dir,
)
from grassroots.intake.permissions import can_upload
from grassroots.intake.rosters import _in_language, _roster_frame, roster_problems, rosters_for
from grassroots.organisations import audit
from grassroots.organisations.audit import Clock
from grassroots.organisations.models import AuditAction, Level, Unit
from grassroots.organisations.versions import province_of

logger = logging.getLogger(__name__)


def import_cases_by_unit(
    *,
    source: Path,
    root: Unit,
    period: str,
    actor: Any,
    catalogue: str = DEFAULT_CATALOGUE,
    clock: Clock = timezone.now,
) -> list[DataVersion]:
    """Register the records of each grassroots unit under ``root`` in the export folder
    ``source`` as that unit's data version for ``period``; returns the new versions.

    The whole export is checked first (InputError lists every problem; nothing is written).
    Units with no records in the period get no version."""
    if not can_upload(actor, root):
        raise UploadRefused(root.code)
    declared = parse_declared_period(period)
    subtree = dict(Unit.objects.filter(path__startswith=root.path).values_list("code", "level"))
    cases = read_cases(source, units=set(subtree))
    raise_if_any(roster_problems(cases, set(subtree)))
    elements = compute_elements(cases, load_catalogue(catalogue), [declared])
    elements = elements[elements["unit_code"].map(subtree) == Level.GRASSROOTS]
    if elements.empty:
        raise InputError(
            [Problem(source.name, None, None, f"no case records fall in period {declared}")]
        )
    codes = sorted(set(elements["unit_code"].astype(str)))
    refuse_locked(set(codes), declared, source.name)
    units = {u.code: u for u in Unit.objects.filter(code__in=codes)}
    root_dir = versions_dir()
    root_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-bulk-", dir=root_dir))
    created: list[DataVersion] = []
    try:
        for code in codes:
            (staging / code).mkdir()
        counts = write_units_parquet(cases, codes, lambda code: staging / code)
        for code in codes:
            folder = staging / code
            checksum = checksum_of(folder)
            unit = units[code]
            current = latest_version(unit=unit, period=declared)
            if current is not None and current.checksum == checksum:
                continue  # the same records are already the unit's current version
            prepared = Prepared(
                folder, counts[code], checksum, elements[elements["unit_code"] == code]
            )
            created.append(
                register_version(
                    prepared,
                    unit=unit,
                    period=declared,
                    actor=actor,
                    base=current,
                    source_name=f"{source.name} ({code})",
                    clock=clock,
                )
            )
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if created:
        _validate(root, [units[v.unit.code] for v in created], declared, actor, catalogue, clock)
    return created


def _validate(
    root: Unit,
    units: list[Unit],
    period: str,
    actor: Any,
    catalogue: str,
    clock: Clock,
    found: list[ValidationFinding] | None = None,
) -> None:
    from grassroots.intake.models import Trigger
    from grassroots.intake.validation.services import run_validation

    run_validation(
        scope=root, units=units, period=period, actor=actor, trigger=Trigger.CASE_UPLOAD,
        source=f"{len(units)} data versions imported by unit", catalogue=catalogue, clock=clock,
        found=found,
    )  # fmt: skip


# ---- national bulk import: all-or-nothing per unit, with a report of the refused units -------


@dataclass
class BulkReport:
    """What a bulk import did: the new versions, the units whose current version already held
    exactly these rows, and the refused units with their reasons (file, row, column)."""

    created: list[DataVersion] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    refused: dict[str, list[Problem]] = field(default_factory=dict)
    rows: int = 0
    # Wall-clock seconds per step: split (read once, check, element values, and the wait for
    # the files written meanwhile), validate (rules and outlier flags: found while the files are
    # written, stored after registering), register (versions, element values, audit).
    seconds: dict[str, float] = field(default_factory=dict)


def export_files(source: Path) -> dict[str, Path]:
    """The persons/events/matters files of an export: a folder holding them, or one file."""
    if source.is_dir():
        found = {}
        for name in TABLES:
            for suffix in (".parquet", ".csv"):
                if (source / f"{name}{suffix}").is_file():
                    found[name] = source / f"{name}{suffix}"
                    break
        if found:
            return found
    elif source.stem in TABLES and source.suffix.lower() in (".csv", ".parquet"):
        return {source.stem: source}
    message = _("no persons, events or matters file (.csv or .parquet) in %(name)s") % {
        "name": source.name
    }
    raise InputError([Problem(source.name, None, None, message)])


def import_bulk(
    *,
    source: Path,
    root: Unit,
    period: str,
    actor: Any,
    catalogue: str = DEFAULT_CATALOGUE,
    clock: Clock = timezone.now,
) -> BulkReport:
    """One export covering every unit under ``root`` (a province or the nation) for
    ``period`` -> one data version per grassroots unit, all-or-nothing per unit.

    Each table file is read once by DuckDB (``engine/bulk.py``) and split by unit. A unit with
    any problem (a bad value, a duplicate key, a staff number not on its roster, rows of a unit
    that is not a grassroots unit under ``root``, a locked period, no records in the period) is
    refused with its reasons; every other unit gets its version, registered like an upload
    (unit row lock, supersedes the current version, audit entry). A problem of a whole file
    (unreadable, unknown or missing column) refuses everything: InputError, nothing written.
    The import as a whole is audited on ``root`` with its counts and the refused units. The new
    versions are checked (validation rules, outlier flags) as uploads are, from the values they
    have once stored: found while the units' files are being written, stored once they are
    registered (found again afterwards when a unit is left unchanged, when another upload came
    in between, or when finding them failed: a check never stops the import)."""
    if not can_upload(actor, root):
        raise UploadRefused(root.code)
    declared = parse_declared_period(period)
    files = export_files(source)
    grassroots = set(
        Unit.objects.filter(path__startswith=root.path, level=Level.GRASSROOTS).values_list(
            "code", flat=True
        )
    )
    rosters = rosters_for(grassroots)
    root_dir = versions_dir()
    root_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-bulk-", dir=root_dir))
    report = BulkReport()
    started = time.perf_counter()
    split: BulkSplit | None = None
    found: list[ValidationFinding] | None = None
    try:
        # Element values are computed inside the split pass, from the checked rows it holds;
        # the units' files may still be being written when it returns.
        split = split_by_unit(
            files, staging, units=grassroots, roster=_roster_frame(rosters) if rosters else None,
            compute=partial(_bulk_elements, catalogue=catalogue, period=declared),
            background=True,
        )  # fmt: skip
        report.rows = split.rows
        refused = {code: [_reworded(p) for p in ps] for code, ps in split.refused.items()}
        elements = split.computed if isinstance(split.computed, pd.DataFrame) else _empty()
        units = {u.code: u for u in Unit.objects.filter(code__in=list(split.units))}
        locked = _locked(set(split.units), declared)
        by_unit = {str(code): frame for code, frame in elements.groupby("unit_code", sort=False)}
        candidates: list[str] = []
        for code in sorted(split.units):
            if code in locked:
                refused[code] = [locked[code]]
            elif code not in by_unit:
                message = _("no case records fall in period %(period)s") % {"period": declared}
                refused[code] = [Problem(source.name, None, None, message)]
            else:
                candidates.append(code)
        report.seconds["split"] = time.perf_counter() - started
        # The validation rules and outlier flags of every unit that may get a new version,
        # from its new values as they will be stored, found while the files are being written.
        if candidates:
            from grassroots.intake.validation.services import find

            fresh = elements[elements["unit_code"].isin(set(candidates))]
            try:
                found = find(
                    units=[units[c] for c in candidates], period=declared, catalogue=catalogue,
                    fresh=fresh,
                )  # fmt: skip
            except Exception:  # a check never stops an import: it is made again afterwards
                logger.exception("bulk import %s %s: checks deferred", source.name, declared)
                found = None
        report.seconds["validate"] = time.perf_counter() - started - report.seconds["split"]
        checksums = split.written()  # each unit folder's checksum_of, hashed as written
        current = latest_versions(units, candidates, declared)
        prepared: dict[str, Prepared] = {}
        for code in candidates:
            base = current.get(code)
            if base is not None and base.checksum == checksums[code]:
                report.unchanged.append(code)
                # Its current values stay those stored (computed with the catalogue of then,
                # or a city's later upload over it), not the ones checked: check afresh.
                found = None
                continue
            folder = split.unit_folder(code)
            prepared[code] = Prepared(folder, split.units[code], checksums[code], by_unit[code])
        report.seconds["split"] += time.perf_counter() - started - sum(report.seconds.values())
        # One transaction for all units: locks, versions, element values and audit in bulk.
        created, conflicts = register_versions(
            prepared, units=units, period=declared, actor=actor,
            bases={code: current.get(code) for code in prepared},
            source_names={code: f"{source.name} ({code})" for code in prepared}, clock=clock,
        )  # fmt: skip
        for code, exc in conflicts.items():
            refused[code] = [Problem(source.name, None, None, str(exc))]
        if conflicts:
            found = None  # another upload came in between: the check is made again below
        report.created += created
        report.refused = dict(sorted(refused.items()))
    finally:
        if split is not None:
            split.stop()
        shutil.rmtree(staging, ignore_errors=True)
    _audit(root, report, source, declared, actor, clock)
    report.seconds["register"] = time.perf_counter() - started - sum(report.seconds.values())
    if report.created:
        codes = {v.unit.code for v in report.created}
        _validate(
            root, [units[v.unit.code] for v in report.created], declared, actor, catalogue, clock,
            found=None if found is None else [f for f in found if f.unit.code in codes],
        )  # fmt: skip
    report.seconds["validate"] += time.perf_counter() - started - sum(report.seconds.values())
    return report


def _reworded(problem: Problem) -> Problem:
    """The roster's problems in the page's language (the other checks name file, row, column)."""
    if problem.column in ("prosecutor_id", "department") and "roster" in problem.message:
        return _in_language(problem)
    if problem.message.startswith("unknown unit code"):
        code = problem.message.split("'")[1]
        message = _("%(code)s is not a grassroots unit under this import's scope") % {"code": code}
        return Problem(problem.source, problem.row, problem.column, message, problem.sheet)
    return problem


def _bulk_elements(
    cases_for: Callable[[Collection[str]], CaseTables],
    con: Any,  # the split pass's DuckDB connection (only the engine imports DuckDB)
    accepted: Collection[str],
    *,
    catalogue: str,
    period: str,
) -> pd.DataFrame:
    """Element values of every accepted unit, each province's with its own catalogue
    (``split_by_unit``'s ``compute``: ``cases_for(codes)`` holds the units' checked rows)."""
    from grassroots.intake.catalogues.services import current_catalogue

    by_province: dict[str | None, list[str]] = {}
    provinces: dict[str | None, Unit | None] = {}
    for unit in Unit.objects.filter(code__in=list(accepted)).only("code", "path", "level"):
        codes = [c for c in unit.path.split("/") if c]
        key = codes[0] if codes else None  # paths start at the province: "370000/370100/..."
        by_province.setdefault(key, []).append(unit.code)
        if key not in provinces:
            provinces[key] = province_of(unit)
    # Provinces reading the same catalogue are computed together: one scan of their files.
    groups: dict[str, tuple[Any, list[str]]] = {}
    for key, codes in by_province.items():
        chosen = current_catalogue(catalogue, province=provinces[key])
        groups.setdefault(repr(chosen.elements), (chosen, []))[1].extend(codes)
    frames = [
        compute_elements(cases_for(codes), chosen, [period], con=con)
        for chosen, codes in groups.values()
    ]
    return pd.concat(frames, ignore_index=True) if frames else _empty()


def _empty() -> pd.DataFrame:
    return pd.DataFrame(columns=["unit_code", "period", "element", "value"])


def _locked(codes: set[str], period: str) -> dict[str, Problem]:
    from grassroots.intake.workflow.services import locked_units

    message = _("%(code)s %(period)s is accepted and locked: ask the province administrator to "
                "unlock it")  # fmt: skip
    return {
        code: Problem("unit_code", None, None, message % {"code": code, "period": period})
        for code in locked_units(codes=codes, period=period)
    }


def _audit(
    root: Unit, report: BulkReport, source: Path, period: str, actor: Any, clock: Clock
) -> None:
    refused = {code or "-": [str(p) for p in ps[:5]] for code, ps in report.refused.items()}
    audit.record(
        obj=root, action=AuditAction.CREATE, actor=actor, before=None,
        after={
            "bulk_import": source.name, "period": period, "rows": report.rows,
            "versions": {v.unit.code: v.pk for v in report.created},
            "unchanged": report.unchanged, "refused": refused,
        },
        reason=f"bulk case import {source.name} {period}: {len(report.created)} versions, "
        f"{len(report.unchanged)} unchanged, {len(report.refused)} refused",
        at=clock(),
    )  # fmt: skip
