"""Writes of the supervision app: keyword-only, one transaction each, audited."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.engine.supervision import datasets as engine_datasets
from grassroots.engine.supervision import idnumber
from grassroots.engine.supervision.guard import SqlRefused, check_sql, referenced_tables
from grassroots.engine.supervision.runner import Source, run_model
from grassroots.organisations.audit import record, tracked
from grassroots.organisations.models import AuditAction, Unit
from grassroots.organisations.scope import membership_of
from grassroots.supervision.models import (
    Dataset,
    DatasetVersion,
    Document,
    Lead,
    LeadStep,
    ModelRun,
    ModelStatus,
    ModelVersion,
    Schedule,
    Step,
    SupervisionModel,
    datasets_dir,
)
from grassroots.supervision.permissions import Act, may
from grassroots.supervision.selectors import case_sources, model_tables, registered_tables
from grassroots.supervision.wording import problem_text, refusal_text


class SupervisionError(ValueError):
    """A refused write, with messages in the user's language."""

    def __init__(
        self, messages: Sequence[str], problems: Sequence[engine_datasets.Problem] = ()
    ) -> None:
        self.messages = list(messages)
        self.problems = list(problems)  # a rejected file's located problems, with the messages
        super().__init__("; ".join(self.messages))


def keys() -> engine_datasets.Keys:
    return engine_datasets.Keys(
        hash_key=str(settings.GRASSROOTS_ID_HASH_KEY).encode(),
        seal_key=idnumber.fernet_key(str(settings.GRASSROOTS_ID_SEAL_KEY).encode()),
    )


def _require(actor: Any, act: Act, unit: Unit) -> None:
    if not may(actor, act, unit):
        raise PermissionDenied(f"not allowed to {act.value} for {unit.code}")


# Datasets ----------------------------------------------------------------------------------


def upload_dataset(
    *,
    actor: Any,
    unit: Unit,
    name: str,
    title: str,
    source_agency: str,
    data_date: dt.date,
    legal_basis: str,
    columns: Sequence[engine_datasets.Column],
    file: Path,
    filename: str,
    retain_until: dt.date | None = None,
) -> DatasetVersion:
    """A new immutable version of dataset ``name`` (created for ``unit`` if new), or
    SupervisionError naming every problem (file, sheet, row, column); nothing is kept then."""
    _require(actor, Act.UPLOAD, unit)
    existing = Dataset.objects.select_related("owner").filter(name=name).first()
    if existing is not None and not may(actor, Act.UPLOAD, existing.owner):
        raise SupervisionError([_("Dataset %(name)s belongs to another unit") % {"name": name}])
    if not engine_datasets.NAME.match(name) or "__" in name:
        raise SupervisionError([_("A table name is lower-case letters, digits and _")])
    if not legal_basis.strip() or not source_agency.strip():
        raise SupervisionError([_("The source agency and legal basis are required")])
    staging = Path(tempfile.mkdtemp(prefix="dataset-", dir=_staging_root()))
    try:
        try:
            written = engine_datasets.read_dataset(
                file, columns, keys=keys(), target=staging / "data.parquet", display_name=filename
            )
        except engine_datasets.DatasetRejected as exc:
            raise SupervisionError(
                [problem_text(p) for p in exc.problems], problems=exc.problems
            ) from None
        now = timezone.now()
        retain = retain_until or data_date.replace(
            year=data_date.year + int(settings.GRASSROOTS_DATASET_RETENTION_YEARS)
        )
        with transaction.atomic():
            dataset = existing
            if dataset is None:
                dataset = Dataset(name=name, title=title, owner=unit)
                with tracked(dataset, actor=actor, reason="new dataset"):
                    dataset.save()
            last = dataset.versions.order_by("-number").values_list("number", flat=True).first()
            version = DatasetVersion(
                dataset=dataset,
                number=(last or 0) + 1,
                source_agency=source_agency,
                data_date=data_date,
                legal_basis=legal_basis,
                columns=[{"name": c.name, "kind": c.kind, "required": c.required} for c in columns],
                filename=filename[:255],
                sha256=written.sha256,
                rows=written.rows,
                retain_until=retain,
                uploaded_by=actor,
                uploaded_at=now,
            )
            with tracked(version, actor=actor, reason="upload"):
                version.save()
            version.path.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(written.path), version.path)
        return version
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _staging_root() -> Path:
    root = datasets_dir() / "staging"
    root.mkdir(parents=True, exist_ok=True)
    return root


def delete_dataset_version(*, actor: Any, version: DatasetVersion, reason: str) -> DatasetVersion:
    """Remove the version's data; its row and the audit entry stay as the trace."""
    if actor is not None:
        _require(actor, Act.UPLOAD, version.dataset.owner)
    if not reason.strip():
        raise SupervisionError([_("A reason is required")])
    if version.deleted_at is not None:
        return version
    with transaction.atomic():
        with tracked(version, actor=actor, reason=reason):
            version.deleted_at = timezone.now()
            version.deleted_reason = reason[:500]
            version.save()
        shutil.rmtree(version.path.parent, ignore_errors=True)
    return version


def purge_expired(*, today: dt.date) -> list[DatasetVersion]:
    """Delete every version whose retention date has passed (the worker's or a command's job)."""
    due = DatasetVersion.objects.filter(deleted_at__isnull=True, retain_until__lt=today)
    return [
        delete_dataset_version(actor=None, version=v, reason="retention period ended")
        for v in due.select_related("dataset__owner")
    ]


def reveal(*, actor: Any, lead: Lead, reason: str) -> str:
    """The lead subject's clear identity number, for an allowed role with a reason; logged."""
    if not may(actor, Act.REVEAL, lead.unit):
        raise PermissionDenied("not allowed to reveal identity numbers")
    if not reason.strip():
        raise SupervisionError([_("A reason is required to reveal an identity number")])
    if not lead.subject_sealed:
        raise SupervisionError([_("This lead's subject is not an identity number")])
    clear = idnumber.unseal(keys().seal_key, lead.subject_sealed)
    record(
        obj=lead,
        action=AuditAction.VIEW,
        actor=actor,
        before=None,
        after={"field": "subject", "masked": lead.subject_masked},
        reason=reason,
    )
    return clear


def record_export(*, actor: Any, unit: Unit, count: int, what: str) -> None:
    record(
        obj=unit,
        action=AuditAction.EXPORT,
        actor=actor,
        before=None,
        after={"export": what, "rows": count},
        reason=f"export of {count} {what}",
    )


# Models ------------------------------------------------------------------------------------


def save_model_version(
    *,
    actor: Any,
    unit: Unit,
    code: str,
    name_zh: str,
    name_en: str = "",
    business_line: str,
    supervision_point: str,
    sql: str,
    parameters: dict[str, dict[str, object]] | None = None,
) -> ModelVersion:
    """A new draft version of model ``code`` (created for ``unit`` if new); the SQL is checked."""
    _require(actor, Act.AUTHOR, unit)
    model = SupervisionModel.objects.select_related("owner").filter(code=code).first()
    if model is not None and not may(actor, Act.AUTHOR, model.owner):
        raise SupervisionError([_("Model %(code)s belongs to another unit") % {"code": code}])
    try:
        check_sql(sql, model_tables(actor))
    except SqlRefused as exc:
        raise SupervisionError([refusal_text(exc.kind, exc.detail)]) from None
    with transaction.atomic():
        if model is None:
            model = SupervisionModel(code=code, owner=unit)
        with tracked(model, actor=actor, reason="model"):
            model.name_zh, model.name_en = name_zh, name_en
            model.business_line, model.supervision_point = business_line, supervision_point
            model.save()
        last = model.versions.order_by("-number").values_list("number", flat=True).first()
        version = ModelVersion(
            model=model,
            number=(last or 0) + 1,
            sql=sql,
            parameters=parameters or {},
            created_by=actor,
            created_at=timezone.now(),
        )
        with tracked(version, actor=actor, reason="new version"):
            version.save()
    return version


NEXT_STATUS = {ModelStatus.DRAFT: ModelStatus.REVIEWED, ModelStatus.REVIEWED: ModelStatus.LISTED}


def advance_model_version(*, actor: Any, version: ModelVersion) -> ModelVersion:
    """Draft → reviewed → listed (the province reviews and lists)."""
    _require(actor, Act.REVIEW, version.model.owner)
    status = ModelStatus(version.status)
    if status not in NEXT_STATUS:
        raise SupervisionError([_("This version is already listed")])
    with transaction.atomic(), tracked(version, actor=actor, reason="status"):
        version.status = NEXT_STATUS[status]
        version.save()
    return version


# Runs and leads ----------------------------------------------------------------------------


def _responsible(code: str, scope: Unit) -> Unit | None:
    """The unit whose jurisdiction ``code`` is, walking up 370102 → 370100 → 370000, if it is in
    ``scope``'s subtree (None: outside the runner's scope, the lead is not the runner's)."""
    candidates = [code, code[:4] + "00", code[:2] + "0000"] if len(code) == 6 else [code]
    units = {u.code: u for u in Unit.objects.filter(code__in=candidates)}
    for candidate in candidates:
        unit = units.get(candidate)
        if unit is not None:
            return unit if unit.path.startswith(scope.path) else None
    return None


def run_model_version(
    *, actor: Any, version: ModelVersion, parameters: dict[str, Any] | None = None
) -> ModelRun:
    """Run a version over the current datasets the actor may use; new leads for new subjects."""
    membership = membership_of(actor)
    if membership is None or not may(actor, Act.RUN, membership.unit):
        raise PermissionDenied("not allowed to run models")
    scope = membership.unit
    if version.status != ModelStatus.LISTED and not may(actor, Act.AUTHOR, version.model.owner):
        raise SupervisionError([_("Only a listed version can be run outside the model's own unit")])
    tables = registered_tables(actor)
    values = {k: spec.get("default") for k, spec in (version.parameters or {}).items()}
    values.update({k: v for k, v in (parameters or {}).items() if k in values})
    try:
        cases = case_sources(actor)
        used = referenced_tables(version.sql, set(tables) | set(cases) | set(model_tables(actor)))
        missing = [name for name in used if name not in tables and name not in cases]
        if missing:
            raise SqlRefused("dataset", ", ".join(missing))
        sources = {
            name: Source([tables[name].path], tables[name].id_columns)
            if name in tables
            else Source(cases[name])
            for name in used
        }
        outcome = run_model(version.sql, sources, params=values)
    except SqlRefused as exc:
        raise SupervisionError([refusal_text(exc.kind, exc.detail)]) from None
    now = timezone.now()
    today = timezone.localdate()
    with transaction.atomic():
        run = ModelRun.objects.create(
            version=version,
            unit=scope,
            started_by=actor,
            started_at=now,
            seconds=outcome.seconds,
            parameters=values,
            datasets={name: tables[name].pk for name in used if name in tables},
        )
        existing = {
            lead.subject_hash: lead
            for lead in Lead.objects.filter(
                model=version.model, subject_hash__in=[r.subject for r in outcome.leads]
            )
        }
        found = new = 0
        for row in outcome.leads:
            unit = _responsible(row.unit_code, scope)
            if unit is None:
                continue
            found += 1
            lead = existing.get(row.subject)
            if lead is not None:
                lead.last_run = run
                lead.save(update_fields=["last_run"])
                continue
            # A subject that is not an identity number (a case id) is shown as it is.
            masked, sealed = outcome.subjects.get(row.subject, (_shown(row.subject), ""))
            lead = Lead(
                model=version.model,
                unit=unit,
                jurisdiction=row.unit_code,
                subject_hash=row.subject,
                subject_masked=masked,
                subject_sealed=sealed,
                fields=row.fields,
                evidence=outcome.evidence.get(row.subject, []),
                risk_score=row.risk_score,
                step=Step.SCREENING,
                step_since=today,
                first_run=run,
                last_run=run,
                created_at=now,
            )
            with tracked(lead, actor=actor, reason=f"run {run.pk}"):
                lead.save()
            LeadStep.objects.create(
                lead=lead, step=Step.SCREENING, owner=actor, on=today, note=str(version)
            )
            new += 1
        run.found, run.new = found, new
        run.save(update_fields=["found", "new"])
    return run


def _shown(subject: str) -> str:
    """How a subject without a masked identity number is shown: a keyed hash abridged."""
    if len(subject) == 64 and all(c in "0123456789abcdef" for c in subject):
        return subject[:8] + "…"
    return subject[:32]


NEXT_STEPS: dict[Step, tuple[Step, ...]] = {
    Step.SCREENING: (Step.REVIEW, Step.NOT_A_CASE),
    Step.REVIEW: (Step.VERIFICATION, Step.NOT_A_CASE),
    Step.VERIFICATION: (Step.FILED, Step.NOT_A_CASE),
    Step.FILED: (Step.HEARING, Step.DOCUMENT),
    Step.HEARING: (Step.DOCUMENT,),
    Step.DOCUMENT: (Step.FOLLOW_UP,),
    Step.FOLLOW_UP: (Step.CLOSED,),
    Step.CLOSED: (),
    Step.NOT_A_CASE: (),
}
TERMINAL = (Step.CLOSED, Step.NOT_A_CASE)


def advance_lead(
    *,
    actor: Any,
    lead: Lead,
    step: Step,
    on: dt.date,
    note: str = "",
    evidence: str = "",
    document: str = "",
    adopted: bool = False,
    recovered: Decimal | None = None,
) -> Lead:
    """Move a lead to its next step, with the owner (the actor), date and evidence."""
    _require(actor, Act.WORK, lead.unit)
    step = Step(step)
    if step not in NEXT_STEPS[Step(lead.step)]:
        raise SupervisionError(
            [
                _("A lead at %(now)s cannot go to %(next)s")
                % {"now": Step(lead.step).label, "next": step.label}
            ]
        )
    if step is Step.DOCUMENT and document not in Document.values:
        raise SupervisionError([_("Choose the supervision document issued")])
    if step in (Step.NOT_A_CASE, Step.CLOSED) and not note.strip():
        raise SupervisionError([_("Say why in the note")])
    if on < lead.step_since:
        raise SupervisionError([_("The date is before the lead's current step")])
    with transaction.atomic():
        with tracked(lead, actor=actor, reason=f"step {step.value}"):
            lead.step, lead.step_since = step, on
            if step is Step.DOCUMENT:
                lead.document = document
            if step is Step.CLOSED:
                lead.adopted = adopted
                lead.recovered = recovered or Decimal(0)
            lead.save()
        LeadStep.objects.create(
            lead=lead, step=step, owner=actor, on=on, note=note, evidence=evidence
        )
    return lead


# Schedules ---------------------------------------------------------------------------------


def schedule_runs(
    *, actor: Any, version: ModelVersion, every_days: int, first_on: dt.date
) -> Schedule:
    """Run ``version`` every ``every_days`` days from ``first_on`` for the actor's unit, as the
    actor (so the runs have the actor's scope and datasets)."""
    membership = membership_of(actor)
    if membership is None or not may(actor, Act.RUN, membership.unit):
        raise PermissionDenied("not allowed to run models")
    if version.status != ModelStatus.LISTED:
        raise SupervisionError([_("Only a listed version can be scheduled")])
    if every_days < 1:
        raise SupervisionError([_("Run at least once a day apart")])
    schedule = Schedule(
        version=version, unit=membership.unit, run_as=actor, every_days=every_days, next_on=first_on
    )
    with transaction.atomic(), tracked(schedule, actor=actor, reason="schedule"):
        schedule.save()
    return schedule


def run_due_schedules(*, today: dt.date) -> list[ModelRun]:
    """Run every active schedule due by ``today`` (the worker calls this); a failing one keeps
    its error and is tried again at its next date."""
    runs: list[ModelRun] = []
    due = Schedule.objects.filter(active=True, next_on__lte=today).select_related(
        "version__model__owner", "run_as__membership__unit"
    )
    for schedule in due:
        try:
            runs.append(run_model_version(actor=schedule.run_as, version=schedule.version))
            schedule.last_error = ""
        except (SupervisionError, PermissionDenied) as exc:
            schedule.last_error = str(exc)[:500]
        while schedule.next_on <= today:
            schedule.next_on += dt.timedelta(days=schedule.every_days)
        schedule.save(update_fields=["next_on", "last_error"])
    return runs
