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

import shutil
import tempfile
from pathlib import Path
from typing import Any

from django.utils import timezone

from grassroots.engine.cases import read_cases, write_units_parquet
from grassroots.engine.catalogue import load_catalogue
from grassroots.engine.compute import compute_elements
from grassroots.engine.errors import InputError, Problem, raise_if_any
from grassroots.intake.cases.services import (
    Prepared,
    UploadRefused,
    latest_version,
    parse_declared_period,
    refuse_locked,
    register_version,
)
from grassroots.intake.integrity import checksum_of
from grassroots.intake.models import DEFAULT_CATALOGUE, DataVersion, versions_dir
from grassroots.intake.permissions import can_upload
from grassroots.intake.rosters import roster_problems
from grassroots.organisations.audit import Clock
from grassroots.organisations.models import Level, Unit


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
    root: Unit, units: list[Unit], period: str, actor: Any, catalogue: str, clock: Clock
) -> None:
    from grassroots.intake.models import Trigger
    from grassroots.intake.validation.services import run_validation

    run_validation(
        scope=root, units=units, period=period, actor=actor, trigger=Trigger.CASE_UPLOAD,
        source=f"{len(units)} data versions imported by unit", catalogue=catalogue, clock=clock,
    )  # fmt: skip
