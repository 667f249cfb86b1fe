"""Reported figures: the template download and the all-or-nothing import with a dry run.

``import_figures(..., dry_run=True)`` checks the whole file and returns what would change; with
``dry_run=False`` the same checks run and the changes are saved in one transaction, each with
its history line (who, when, old → new, through which upload) and its audit entry.
"""

from __future__ import annotations

import csv
import hashlib
import tempfile
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from grassroots.engine.catalogue import Catalogue, load_catalogue
from grassroots.engine.errors import MAX_PROBLEMS, InputError, Problem, raise_if_any
from grassroots.engine.inputs import detect_encoding, read_element_values
from grassroots.files import private_tmp
from grassroots.intake.cases.services import UploadRefused, refuse_locked, upload_limits
from grassroots.intake.cases.staging import check_content
from grassroots.intake.figures import workbook
from grassroots.intake.models import (
    FigureUpload,
    ReportedValue,
    Trigger,
    UploadKind,
    ValidationFinding,
    ValueChange,
)
from grassroots.intake.permissions import uploadable_units
from grassroots.intake.validation.services import find, run_validation
from grassroots.organisations import audit
from grassroots.organisations.audit import Clock
from grassroots.organisations.models import AuditAction, AuditEntry, Level, Unit

Key = tuple[str, str]  # (unit code, element)


@dataclass(frozen=True)
class Change:
    unit_code: str
    element: str
    old: float | None
    new: float


@dataclass
class FigureResult:
    catalogue: str
    period: str
    rows: int
    changes: list[Change] = field(default_factory=list)
    upload: FigureUpload | None = None
    # Rule violations and outlier flags of the values as they would be (dry run) or are now.
    findings: list[ValidationFinding] = field(default_factory=list)
    units: dict[str, Unit] = field(default_factory=dict)  # code -> unit, for names

    def basis(self) -> dict[Key, float | None]:
        """The old values the changes were computed against (checked again when saving)."""
        return {(c.unit_code, c.element): c.old for c in self.changes}


class FiguresChanged(Exception):
    """Someone else's upload changed these values between the dry run and the save."""


def template_password() -> str:
    # Sheet protection stops accidents, not attackers: a stable per-installation password.
    return hashlib.sha256(f"template:{settings.SECRET_KEY}".encode()).hexdigest()[:16]


def template_units(unit: Unit) -> list[Unit]:
    """A grassroots unit's template lists itself; a city's (or province's) its grassroots units."""
    if unit.level == Level.GRASSROOTS:
        return [unit]
    return list(
        Unit.objects.filter(path__startswith=unit.path, level=Level.GRASSROOTS, active=True)
    )


def build_template(*, unit: Unit, catalogue: str, period: str) -> bytes:
    refs = [workbook.UnitRef(u.code, u.name_zh) for u in template_units(unit)]
    return workbook.build_template(
        catalogue=load_catalogue(catalogue), period=period, scope=unit.code, units=refs,
        password=template_password(),
    )  # fmt: skip


def import_figures(
    *,
    path: Path,
    actor: Any,
    source_name: str | None = None,
    catalogue: str | None = None,
    period: str | None = None,
    dry_run: bool,
    expected: Mapping[Key, float | None] | None = None,
    clock: Clock = timezone.now,
) -> FigureResult:
    """Check a filled template (.xlsx) or an element-values CSV; save it unless ``dry_run``."""
    allowed = set(uploadable_units(actor).values_list("code", flat=True))
    if not allowed:
        raise UploadRefused("no unit")
    name = source_name or path.name
    size = path.stat().st_size  # checked before the file is read into memory
    if size > upload_limits().max_bytes:
        raise InputError([Problem(name, None, None, _too_big(size))])
    data = path.read_bytes()
    frame, cat, key = _read(path, name, data, allowed, catalogue, period)
    refuse_locked(set(frame["unit_code"].astype(str)), key, name)
    changes = _changes(frame, cat.name, key)
    units = {u.code: u for u in Unit.objects.filter(code__in=set(frame["unit_code"].astype(str)))}
    result = FigureResult(cat.name, key, len(frame), changes, units=units)
    if dry_run:
        result.findings = find(
            units=list(units.values()), period=key, catalogue=cat.name,
            changes=[(c.unit_code, key, c.element, c.new) for c in changes],
        )  # fmt: skip
        return result
    result.upload = _save(result, name, data, actor, path, expected, clock)
    run = run_validation(
        scope=result.upload.unit, units=list(units.values()), period=key, actor=actor,
        trigger=Trigger.FIGURE_UPLOAD, source=f"figures upload {result.upload.pk}",
        catalogue=cat.name, clock=clock,
    )  # fmt: skip
    result.findings = list(run.findings.select_related("unit"))
    return result


def _too_big(size: int) -> str:
    return f"the upload is {size:,} bytes, over the limit of {upload_limits().max_bytes:,} bytes"


def _read(
    path: Path,
    name: str,
    data: bytes,
    allowed: Collection[str],
    catalogue: str | None,
    period: str | None,
) -> tuple[pd.DataFrame, Catalogue, str]:
    suffix = Path(name).suffix.lower()
    if suffix == ".xlsx":
        return _read_xlsx(path, name, data, allowed, catalogue, period)
    if suffix == ".csv":
        return _read_csv(path, name, data, allowed, catalogue, period)
    raise InputError([Problem(name, None, None, "not a figures template (.xlsx) or .csv file")])


def _read_xlsx(
    path: Path,
    name: str,
    data: bytes,
    allowed: Collection[str],
    catalogue: str | None,
    period: str | None,
) -> tuple[pd.DataFrame, Catalogue, str]:
    workbook.check_xlsx_safety(name, data, upload_limits())
    meta = workbook.read_template_meta(name, path)
    wanted = [(what, want, got) for what, want, got in
              (("catalogue", catalogue, meta.catalogue), ("period", period, meta.period))
              if want and want != got]  # fmt: skip
    if wanted:
        raise InputError(
            [
                Problem(name, None, None, f"this template is for {what} {got}, not {want}")
                for what, want, got in wanted
            ]  # fmt: skip
        )
    rows = workbook.sheet_rows(name, path)
    raise_if_any(workbook.header_problems(name, rows[0] if rows else []))
    cat = load_catalogue(meta.catalogue)
    with tempfile.TemporaryDirectory(prefix="figures-", dir=private_tmp()) as tmp:
        csv_path = Path(tmp) / "values.csv"
        workbook.to_engine_csv(rows, csv_path)
        frame = _engine_read(csv_path, name, cat, allowed, sheet=workbook.SHEET)
    _check_rows(frame, cat, meta.period, name, sheet=workbook.SHEET)
    return frame, cat, meta.period


def _read_csv(
    path: Path,
    name: str,
    data: bytes,
    allowed: Collection[str],
    catalogue: str | None,
    period: str | None,
) -> tuple[pd.DataFrame, Catalogue, str]:
    if not catalogue or not period:
        raise InputError([Problem(name, None, None, "a CSV upload needs a catalogue and period")])
    check_content(name, data[:8192])
    if b"\x00" in data:  # anywhere, not only in the first 8 KB (issue 19.7)
        raise InputError(
            [Problem(name, None, None, "is not a text CSV file (it holds a NUL byte)")]
        )
    cat = load_catalogue(catalogue)
    frame = _engine_read(path, name, cat, allowed, sheet=None)
    _check_rows(frame, cat, period, name, sheet=None)
    return frame, cat, period


def _engine_read(
    path: Path, name: str, cat: Catalogue, allowed: Collection[str], *, sheet: str | None
) -> pd.DataFrame:
    """The engine's checks, with its problems re-addressed to the uploaded file and sheet."""
    try:
        frame = read_element_values(path, catalogue=cat, units=allowed)
    except InputError as exc:
        raise InputError([_readdress(p, name, sheet) for p in exc.problems]) from None
    frame.insert(0, "_row", _value_rows(path))
    return frame


def _value_rows(path: Path) -> list[int]:
    """File row numbers of the rows the engine kept: it keeps file order and drops only rows
    with an empty value, so the numbers are recovered by the same rule."""
    with path.open(encoding=detect_encoding(path), newline="") as handle:
        reader = csv.reader(handle)
        header = [h.strip().lstrip("\ufeff") for h in next(reader)]
        at = header.index("value")
        return [
            number
            for number, row in enumerate(reader, start=2)
            if at < len(row) and row[at].strip()
        ]


def _readdress(problem: Problem, name: str, sheet: str | None) -> Problem:
    column = problem.column
    if sheet is not None and column in workbook.ENGINE_TO_HEADER:
        column = workbook.ENGINE_TO_HEADER[column]
    message = problem.message.replace("unknown unit code", "unit outside your scope")
    return replace(problem, source=name, sheet=sheet, column=column, message=message)


def _check_rows(
    frame: pd.DataFrame, cat: Catalogue, period: str, name: str, *, sheet: str | None
) -> None:
    """What the engine cannot know: the period of this upload and which elements are reported."""
    col = (lambda c: workbook.ENGINE_TO_HEADER[c]) if sheet else (lambda c: c)
    problems = [
        Problem(name, int(r), col("period"), f"'{p}' is not this upload's period {period}", sheet)
        for r, p in zip(frame["_row"], frame["period"], strict=True)
        if p != period
    ]
    problems += [
        Problem(
            name, int(r), col("element"), f"{e} is computed from case records, not reported", sheet
        )  # fmt: skip
        for r, e in zip(frame["_row"], frame["element"], strict=True)
        if not cat.elements[e].reported
    ]
    raise_if_any(sorted(problems, key=lambda p: p.row or 0)[:MAX_PROBLEMS])


def _current(catalogue: str, period: str, codes: Collection[str]) -> dict[Key, float]:
    rows = ReportedValue.objects.filter(
        catalogue=catalogue, period=period, unit__code__in=codes
    ).values_list("unit__code", "element", "value")
    return {(u, e): v for u, e, v in rows}


def _changes(frame: pd.DataFrame, catalogue: str, period: str) -> list[Change]:
    current = _current(catalogue, period, set(frame["unit_code"]))
    changes = []
    for unit_code, element, value in zip(
        frame["unit_code"], frame["element"], frame["value"], strict=True
    ):
        old = current.get((unit_code, element))
        if old != float(value):
            changes.append(Change(str(unit_code), str(element), old, float(value)))
    return changes


def _save(
    result: FigureResult,
    name: str,
    data: bytes,
    actor: Any,
    path: Path,
    expected: Mapping[Key, float | None] | None,
    clock: Clock,
) -> FigureUpload:
    codes = sorted({c.unit_code for c in result.changes})
    with transaction.atomic():
        # Lock the units in code order (no deadlock between two uploads), then re-read: an
        # upload saved meanwhile shows up here, and this one is refused rather than mixed in.
        units = {
            u.code: u
            for u in Unit.objects.select_for_update().filter(code__in=codes).order_by("code")
        }
        current = _current(result.catalogue, result.period, codes)
        basis = expected if expected is not None else result.basis()
        if any(current.get(k) != old for k, old in basis.items()):
            raise FiguresChanged(
                "these values were changed by another upload while this one was checked; "
                "nothing was saved: check the file again"
            )
        upload = _create_upload(result, name, data, actor, clock)
        _apply(result, upload, units, actor)
    return upload


def _create_upload(
    result: FigureResult, name: str, data: bytes, actor: Any, clock: Clock
) -> FigureUpload:
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    upload = FigureUpload.objects.create(
        catalogue=result.catalogue,
        period=result.period,
        kind=UploadKind.XLSX if name.lower().endswith(".xlsx") else UploadKind.CSV,
        source_name=name[:255],
        checksum=hashlib.sha256(data).hexdigest(),
        rows=result.rows,
        changed=len(result.changes),
        uploaded_by=actor if authenticated else None,
        uploader_name=actor.get_username() if authenticated else audit.SYSTEM_ACTOR,
        unit=actor.membership.unit,
        created=clock(),
    )
    audit.record(
        obj=upload, action=AuditAction.CREATE, actor=actor, before=None,
        after=audit.snapshot(upload), reason="figures uploaded", at=upload.created,
    )  # fmt: skip
    return upload


def _apply(result: FigureResult, upload: FigureUpload, units: dict[str, Unit], actor: Any) -> None:
    existing = {
        (r.unit.code, r.element): r
        for r in ReportedValue.objects.select_related("unit").filter(
            catalogue=result.catalogue, period=result.period, unit__in=units.values()
        )
    }
    befores = {key: audit.snapshot(row) for key, row in existing.items()}
    created, updated = [], []
    for change in result.changes:
        row = existing.get((change.unit_code, change.element))
        if row is None:
            row = ReportedValue(
                unit=units[change.unit_code], catalogue=result.catalogue, period=result.period,
                element=change.element, value=change.new, upload=upload, updated=upload.created,
            )  # fmt: skip
            existing[(change.unit_code, change.element)] = row
            created.append(row)
        else:
            row.value, row.upload, row.updated = change.new, upload, upload.created
            updated.append(row)
    # PostgreSQL (and SQLite >= 3.35) return the new primary keys from bulk_create, which the history rows need.
    ReportedValue.objects.bulk_create(created, batch_size=2000)
    ReportedValue.objects.bulk_update(updated, ["value", "upload", "updated"], batch_size=2000)
    _history(result, upload, existing, befores, actor)


def _history(
    result: FigureResult,
    upload: FigureUpload,
    rows: dict[Key, ReportedValue],
    befores: dict[Key, dict[str, Any]],
    actor: Any,
) -> None:
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    history, entries = [], []
    for change in result.changes:
        key = (change.unit_code, change.element)
        row, before = rows[key], befores.get(key)
        history.append(
            ValueChange(
                reported=row,
                upload=upload,
                old=change.old,
                new=change.new,
                actor=actor if authenticated else None,
                actor_name=upload.uploader_name,
                at=upload.created,
            )  # fmt: skip
        )
        entries.append(
            audit.entry(
                obj=row,
                action=AuditAction.UPDATE if before else AuditAction.CREATE,
                actor=actor,
                before=before,
                after=audit.snapshot(row),
                reason=f"figures upload {upload.pk}",
                at=upload.created,
            )  # fmt: skip
        )
    ValueChange.objects.bulk_create(history, batch_size=2000)
    AuditEntry.objects.bulk_create(entries, batch_size=2000)
