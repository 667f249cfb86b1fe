"""Writes of the intake app. Each service is one transaction and is audited.

``import_cases`` is all-or-nothing: the upload is staged and checked in a private folder under
``DATA_DIR/versions/``, converted to typed Parquet, its element values computed by the engine,
and only then registered in one transaction that also renames the staged folder to its final
name ``versions/<id>/``. Any failure leaves the database and the data directory as they were.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from grassroots.cells import cell_float
from grassroots.engine.cases import CaseTables, read_cases, write_parquet
from grassroots.engine.compute import compute_elements
from grassroots.engine.errors import InputError, Problem, raise_if_any
from grassroots.engine.periods import Period
from grassroots.files import private
from grassroots.intake.cases.staging import Limits, stage_upload
from grassroots.intake.integrity import checksum_of
from grassroots.intake.models import DEFAULT_CATALOGUE, DataVersion, ElementValue, versions_dir
from grassroots.intake.permissions import can_upload
from grassroots.intake.rosters import roster_problems
from grassroots.organisations import audit
from grassroots.organisations.audit import Clock
from grassroots.organisations.models import AuditAction, AuditEntry, Unit
from grassroots.organisations.versions import province_of

_LATEST = object()  # "whatever version is current when the upload starts"


class UploadRefused(Exception):
    """The uploader may not upload for this unit (the caller answers 404 or exits 2)."""


class ConcurrentUpload(Exception):
    """Another upload for the same unit and period was saved while this one was checked."""

    def __init__(self, winner: DataVersion) -> None:
        self.winner = winner
        super().__init__(
            f"another upload for {winner.unit.code} {winner.period} (version {winner.pk} by "
            f"{winner.uploader_name}) was saved while this one was being checked; nothing was "
            "saved: look at that version and upload again if yours is still needed"
        )


def latest_version(*, unit: Unit, period: str) -> DataVersion | None:
    return DataVersion.objects.filter(unit=unit, period=period).order_by("-id").first()


def upload_limits() -> Limits:
    limits = getattr(settings, "GRASSROOTS_INTAKE_LIMITS", None)
    return limits if isinstance(limits, Limits) else Limits()


def import_cases(
    *,
    source: Path,
    unit: Unit,
    period: str,
    actor: Any,
    source_name: str | None = None,
    expected_latest: DataVersion | None | object = _LATEST,
    catalogue: str = DEFAULT_CATALOGUE,
    clock: Clock = timezone.now,
) -> DataVersion:
    """Check, store and register one case-record upload as a new data version of ``unit``.

    ``expected_latest``: the version the uploader saw as current (default: the current one when
    the upload starts). If another version was saved since, ConcurrentUpload is raised."""
    if not can_upload(actor, unit):
        raise UploadRefused(unit.code)
    declared = parse_declared_period(period)
    base = (
        latest_version(unit=unit, period=declared)
        if expected_latest is _LATEST
        else expected_latest
    )
    root = versions_dir()
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=root))
    try:
        prepared = _prepare(source, staging, unit, declared, catalogue)
        refuse_locked(
            set(prepared.elements["unit_code"].astype(str)), declared, source_name or source.name
        )
        version = register_version(
            prepared,
            unit=unit,
            period=declared,
            actor=actor,
            base=base if isinstance(base, DataVersion) else None,
            source_name=source_name or source.name,
            clock=clock,
        )
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _validate_version(version, prepared.elements, actor, catalogue, clock)
    return version


def _validate_version(
    version: DataVersion, elements: pd.DataFrame, actor: Any, catalogue: str, clock: Clock
) -> None:
    """Rules and outlier flags at upload: stored as findings, never blocking the upload."""
    from grassroots.intake.models import Trigger
    from grassroots.intake.validation.services import run_validation

    codes = set(elements.loc[elements["period"] == version.period, "unit_code"].astype(str))
    units = list(Unit.objects.filter(code__in=codes))
    run_validation(
        scope=version.unit, units=units, period=version.period, actor=actor,
        trigger=Trigger.CASE_UPLOAD, source=f"data version {version.pk}", catalogue=catalogue,
        clock=clock,
    )  # fmt: skip


def refuse_locked(codes: set[str], period: str, name: str) -> None:
    """A locked (accepted) unit and period changes only after the province unlocks it."""
    from grassroots.intake.workflow.services import locked_units

    locked = locked_units(codes=codes, period=period)
    if locked:
        raise InputError(
            [
                Problem(
                    name,
                    None,
                    "unit_code",
                    f"{code} {period} is accepted and locked: ask the "
                    "province administrator to unlock it",
                )
                for code in locked
            ]  # fmt: skip
        )


def parse_declared_period(text: str) -> str:
    try:
        return Period.parse(text.strip()).key
    except ValueError as exc:  # InputError is a ValueError too
        raise InputError(
            [Problem("period", None, None, f"'{text}' is not a period ({exc})")]
        ) from None


@dataclass(frozen=True)
class Prepared:
    folder: Path  # typed Parquet files, ready to be renamed into place
    row_counts: dict[str, int]
    checksum: str
    elements: pd.DataFrame


def _prepare(source: Path, staging: Path, unit: Unit, period: str, catalogue: str) -> Prepared:
    raw, data = staging / "raw", staging / "data"
    raw.mkdir()
    data.mkdir()
    stage_upload(source, raw, limits=upload_limits())
    codes = set(Unit.objects.filter(path__startswith=unit.path).values_list("code", flat=True))
    cases = read_cases(raw, units=codes)
    raise_if_any(roster_problems(cases, codes))
    row_counts = write_parquet(cases, data)
    shutil.rmtree(raw)
    elements = _compute(read_cases(data), catalogue, period, province_of(unit))
    if elements.empty:
        raise InputError(
            [Problem(source.name, None, None, f"no case records fall in period {period}")]
        )
    return Prepared(data, row_counts, checksum_of(data), elements)


def _compute(cases: CaseTables, catalogue: str, period: str, province: Unit | None) -> pd.DataFrame:
    # The catalogue as the unit's province now stores it (the national default before it has
    # its own; the shipped one before any is stored).
    from grassroots.intake.catalogues.services import current_catalogue

    return compute_elements(cases, current_catalogue(catalogue, province=province), [period])


def register_version(
    prepared: Prepared,
    *,
    unit: Unit,
    period: str,
    actor: Any,
    base: DataVersion | None,
    source_name: str,
    clock: Clock,
) -> DataVersion:
    final: Path | None = None
    try:
        with transaction.atomic():
            # The unit row is the lock: two uploads for one unit queue here, and the second
            # finds the first one's version instead of mixing with it.
            Unit.objects.select_for_update().get(pk=unit.pk)
            current = latest_version(unit=unit, period=period)
            if (current.pk if current else None) != (base.pk if base else None):
                assert current is not None
                raise ConcurrentUpload(current)
            version = _create_version(prepared, unit, period, actor, current, source_name, clock)
            final = versions_dir() / str(version.pk)
            prepared.folder.rename(final)
            private(final)  # the unit's case data: 0700 folder, 0600 files
    except IntegrityError:
        _remove(final)
        current = latest_version(unit=unit, period=period)
        if current is None:
            raise
        raise ConcurrentUpload(current) from None
    except BaseException:
        _remove(final)
        raise
    return version


def register_versions(
    prepared: dict[str, Prepared],
    *,
    units: dict[str, Unit],
    period: str,
    actor: Any,
    bases: dict[str, DataVersion | None],
    source_names: dict[str, str],
    clock: Clock,
) -> tuple[list[DataVersion], dict[str, ConcurrentUpload]]:
    """``register_version`` for many units in one transaction: the unit rows locked together,
    the versions, their element values and audit entries written in bulk, each staged folder
    renamed to ``versions/<id>/``. A unit whose current version is no longer its ``base`` is
    left out (returned with its ConcurrentUpload); any failure writes nothing at all."""
    moved: list[Path] = []
    conflicts: dict[str, ConcurrentUpload] = {}
    try:
        with transaction.atomic():
            pks = sorted(units[code].pk for code in prepared)
            list(Unit.objects.select_for_update().filter(pk__in=pks).order_by("pk").values("pk"))
            current = latest_versions(units, prepared, period)
            codes = []
            for code in sorted(prepared):
                now, base = current.get(code), bases.get(code)
                if (now.pk if now else None) != (base.pk if base else None):
                    assert now is not None
                    conflicts[code] = ConcurrentUpload(now)
                else:
                    codes.append(code)
            authenticated = actor is not None and getattr(actor, "is_authenticated", False)
            versions = DataVersion.objects.bulk_create(
                [
                    DataVersion(
                        unit=units[code],
                        period=period,
                        periods=sorted(str(p) for p in prepared[code].elements["period"].unique()),
                        row_counts=prepared[code].row_counts,
                        checksum=prepared[code].checksum,
                        source_name=source_names[code][:255],
                        uploaded_by=actor if authenticated else None,
                        uploader_name=actor.get_username() if authenticated else audit.SYSTEM_ACTOR,
                        created=clock(),
                        supersedes=current.get(code),
                    )
                    for code in codes
                ],
                batch_size=500,
            )
            if any(v.pk is None for v in versions):  # a database that returns no ids
                by_unit = {
                    v.unit_id: v
                    for v in DataVersion.objects.filter(
                        unit__in=[units[c] for c in codes], period=period
                    ).order_by("id")
                }
                versions = [by_unit[units[c].pk] for c in codes]
            _store_elements_many(versions, [prepared[c].elements for c in codes])
            AuditEntry.objects.bulk_create(
                [_upload_entry(version, actor) for version in versions], batch_size=500
            )
            for code, version in zip(codes, versions, strict=True):
                final = versions_dir() / str(version.pk)
                prepared[code].folder.rename(final)
                moved.append(final)
                private(final)  # the unit's case data: 0700 folder, 0600 files
    except BaseException:
        for folder in moved:
            _remove(folder)
        raise
    return versions, conflicts


def latest_versions(
    units: dict[str, Unit], codes: Collection[str], period: str
) -> dict[str, DataVersion]:
    """Each unit's latest version of ``period`` (``latest_version`` for many units at once)."""
    wanted = {units[c].pk: c for c in codes}
    latest: dict[str, DataVersion] = {}
    found = DataVersion.objects.filter(unit_id__in=list(wanted), period=period).order_by("id")
    for version in found.select_related("unit"):
        latest[wanted[version.unit_id]] = version  # ascending ids: the last one wins
    return latest


def _store_elements_many(versions: list[DataVersion], frames: list[pd.DataFrame]) -> None:
    """Every version's element values in one ``executemany`` (a national import writes some
    hundred thousand rows: building a model object per row cost more than writing them)."""
    if not versions:
        return
    codes = {str(code) for frame in frames for code in frame["unit_code"].unique()}
    ids = dict(Unit.objects.filter(code__in=codes).values_list("code", "pk"))
    rows = []
    for version, frame in zip(versions, frames, strict=True):
        rows += [
            (version.pk, ids[str(code)], str(period), str(element), float(value))
            for code, period, element, value in zip(
                frame["unit_code"].tolist(),
                frame["period"].tolist(),
                frame["element"].tolist(),
                frame["value"].tolist(),
                strict=True,
            )
        ]
    meta = ElementValue._meta
    column_of = {f.name: str(f.column) for f in meta.concrete_fields}
    columns = [column_of[n] for n in ("data_version", "unit", "period", "element", "value")]
    sql = (
        f"INSERT INTO {connection.ops.quote_name(meta.db_table)} "
        f"({', '.join(connection.ops.quote_name(c) for c in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _remove(folder: Path | None) -> None:
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


def _create_version(
    prepared: Prepared,
    unit: Unit,
    period: str,
    actor: Any,
    supersedes: DataVersion | None,
    source_name: str,
    clock: Clock,
) -> DataVersion:
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    version = DataVersion.objects.create(
        unit=unit,
        period=period,
        periods=sorted(set(prepared.elements["period"].astype(str))),
        row_counts=prepared.row_counts,
        checksum=prepared.checksum,
        source_name=source_name[:255],
        uploaded_by=actor if authenticated else None,
        uploader_name=actor.get_username() if authenticated else audit.SYSTEM_ACTOR,
        created=clock(),
        supersedes=supersedes,
    )
    _store_elements(version, prepared.elements)
    _upload_entry(version, actor).save()
    return version


def _upload_entry(version: DataVersion, actor: Any) -> AuditEntry:
    """The audit entry of an uploaded version (unsaved: one upload saves it, a bulk import
    creates every unit's at once)."""
    return audit.entry(
        obj=version,
        action=AuditAction.CREATE,
        actor=actor,
        before=None,
        after=audit.snapshot(version),
        reason=f"case records uploaded ({version.total_rows} rows)",
        at=version.created,
    )


def _store_elements(version: DataVersion, frame: pd.DataFrame) -> None:
    ids = dict(
        Unit.objects.filter(code__in=set(frame["unit_code"].astype(str))).values_list("code", "pk")
    )
    ElementValue.objects.bulk_create(
        [
            ElementValue(
                data_version=version,
                unit_id=ids[str(row.unit_code)],
                period=str(row.period),
                element=str(row.element),
                value=cell_float(row.value),
            )
            for row in frame.itertuples(index=False)
        ],
        batch_size=2000,
    )
