"""Schemes as stored versions, evaluation runs and their long-form results.

A run is immutable once finished: its results, inputs (scheme version, data checksums,
parameters) and input hash are what a published ranking is reproduced from.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from grassroots.organisations.versions import ProvinceVersion, version_constraints


class SchemeVersion(ProvinceVersion):
    """One version of a scheme's YAML, owned by a province (none: the shipped national default).
    Editing a scheme adds a version to the editor's province; none is ever changed."""

    KEY = ("code",)

    code = models.CharField(_("scheme"), max_length=60, db_index=True)
    yaml_text = models.TextField(_("scheme YAML"))
    title_zh = models.CharField(_("Chinese title"), max_length=200, blank=True)
    title_en = models.CharField(_("English title"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["code", "-version"]
        constraints = version_constraints("scheme", "code")
        verbose_name = _("scheme version")
        verbose_name_plural = _("scheme versions")

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


FINISHED = frozenset({RunStatus.DONE, RunStatus.FAILED})


class Publication(models.TextChoices):
    """Where a finished run stands for its readers: a draft the province administrator and the
    auditor see, published to everyone in scope, or superseded by a later published run of the
    same scheme, period and scope (still readable as history)."""

    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    SUPERSEDED = "superseded", _("Superseded")


# The fields publishing writes on a finished run; nothing else of it ever changes.
PUBLICATION_FIELDS = frozenset({"publication", "published_at", "published_by", "superseded_by"})


class SourceKind(models.TextChoices):
    FOLDER = "folder", _("Case-record folder")
    INTAKE = "intake", _("Intake data versions")


# The start of the error of a run whose worker vanished (`runs.fail_orphaned_runs`).
ORPHANED = "the evaluation worker stopped while computing this run"


class RunImmutableError(Exception):
    """Raised when code tries to change a finished run (its results are a published record)."""


class EvaluationRun(models.Model):
    """One evaluation of one period against one scheme version, with everything it read."""

    scheme_version = models.ForeignKey(
        SchemeVersion, on_delete=models.PROTECT, related_name="runs", verbose_name=_("scheme")
    )
    # The catalogue version the run computed its elements and indicators with (None: a scheme
    # scoring no catalogue, or a run recorded before catalogues were versioned: the shipped one).
    catalogue_version = models.ForeignKey(
        "intake.CatalogueVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="runs",
        verbose_name=_("catalogue version"),
    )
    period = models.CharField(_("period"), max_length=20, db_index=True)
    source_kind = models.CharField(
        _("source kind"), max_length=10, choices=SourceKind.choices, default=SourceKind.FOLDER
    )
    source_path = models.CharField(_("data source"), max_length=500)
    # What the run read. A folder run: {file name: SHA-256} of the case-record folder. An intake
    # run: {"cases": {unit code: data version id}, "checksums": {version id: SHA-256},
    # "figures": {figure upload id: SHA-256}, "missing": {unit code: ["cases"|"figures"]},
    # "spans": {YTD or year period: {unit code: [the covered quarters' version ids]}},
    # "units": {unit code: peer group}} (see services.intake_inputs).
    data_versions = models.JSONField(_("data versions"), default=dict)
    parameters = models.JSONField(_("parameters"), default=dict)
    input_hash = models.CharField(_("input hash"), max_length=64, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    created_at = models.DateTimeField(_("created"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    # The worker's lease: renewed while it computes; a running run whose lease ran out has
    # lost its worker (killed, crashed host) and is marked failed (`runs.fail_orphaned_runs`).
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    # The failed run this one retries (same scheme version, period, source and parameters).
    retry_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="retries",
        verbose_name=_("retry of"),
    )
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    # Started over intake data the workflow has not accepted (locked) yet: shown as provisional
    # everywhere, never published, never read by a rule.
    provisional = models.BooleanField(_("provisional"), default=False)
    publication = models.CharField(
        _("publication"), max_length=12, choices=Publication.choices, default=Publication.DRAFT
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    superseded_by = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supersedes",
        verbose_name=_("superseded by"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="run_queue_idx")]
        verbose_name = _("evaluation run")
        verbose_name_plural = _("evaluation runs")

    def __str__(self) -> str:
        return f"#{self.pk} {self.scheme_version} {self.period} ({self.status})"

    @property
    def audit_unit_code(self) -> str:
        """The unit whose auditors see this run's entries: the scope it evaluated, when it
        was given one (else the log takes the actor's unit)."""
        return str((self.parameters or {}).get("scope") or "")

    @classmethod
    def from_db(
        cls, db: str | None, field_names: Collection[str], values: Collection[Any], **kwargs: Any
    ) -> EvaluationRun:
        # **kwargs: later Django versions pass more (6.0: fetch_mode), and the stubs say so.
        run = super().from_db(db, field_names, values, **kwargs)
        run._loaded_status = run.status
        return run

    def save(self, *args: Any, **kwargs: Any) -> None:
        fields = kwargs.get("update_fields")
        publishing = fields is not None and set(fields) <= PUBLICATION_FIELDS
        if getattr(self, "_loaded_status", None) in FINISHED and not publishing:
            raise RunImmutableError(f"run {self.pk} is finished and cannot be changed")
        super().save(*args, **kwargs)
        self._loaded_status = self.status

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self.status in FINISHED:
            raise RunImmutableError(f"run {self.pk} is finished and cannot be deleted")
        return super().delete(*args, **kwargs)

    @property
    def orphaned(self) -> bool:
        """Failed because its worker stopped (killed, host restarted), not because of its input."""
        return self.status == RunStatus.FAILED and self.error.startswith(ORPHANED)

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED

    @property
    def from_intake(self) -> bool:
        return self.source_kind == SourceKind.INTAKE

    @property
    def is_published(self) -> bool:
        return self.publication == Publication.PUBLISHED

    @property
    def scope_code(self) -> str:
        """The unit the run was started for ("" : every unit it was given)."""
        return str((self.parameters or {}).get("scope") or "")

    @property
    def unaccepted(self) -> list[str]:
        """Units in scope whose data for the period the workflow had not accepted."""
        return list((self.data_versions or {}).get("unaccepted", []))


class Result(models.Model):
    """One unit × node row of a run: the engine's long-form result, unchanged."""

    run = models.ForeignKey(
        EvaluationRun,
        on_delete=models.PROTECT,
        related_name="results",
        verbose_name=_("evaluation run"),
    )
    unit_code = models.CharField(_("unit code"), max_length=12)
    # The unit's materialised path at run time, so scoping is one prefix filter like Unit's.
    unit_path = models.CharField(_("unit path"), max_length=200, blank=True)
    node = models.CharField(_("node"), max_length=80)
    level = models.CharField(_("level"), max_length=40)
    value = models.FloatField(_("value"), null=True)
    score = models.FloatField(_("score"), null=True)
    rank_peer = models.IntegerField(_("rank in peer group"), null=True)
    rank_all = models.IntegerField(_("rank among all units"), null=True)
    colour = models.CharField(_("colour"), max_length=12, blank=True)
    flags = models.CharField(_("flags"), max_length=200, blank=True)
    why = models.TextField(_("why"), blank=True)
    # The same reason as a template key and parameters (engine.colours.parse_why), so the web
    # renders it in the reader's language; empty when the text is not one the engine writes.
    why_reason = models.JSONField(_("reason key"), default=list, blank=True)
    rank_q05 = models.FloatField(_("rank, 5th percentile"), null=True)
    rank_median = models.FloatField(_("rank, median"), null=True)
    rank_q95 = models.FloatField(_("rank, 95th percentile"), null=True)
    colour_share = models.FloatField(_("share of draws in this colour"), null=True)

    class Meta:
        indexes = [
            models.Index(fields=["run", "node", "unit_path"], name="result_run_node_idx"),
            models.Index(fields=["run", "unit_code"], name="result_run_unit_idx"),
        ]
        verbose_name = _("result")
        verbose_name_plural = _("results")

    def __str__(self) -> str:
        return f"{self.unit_code} {self.node} {self.score}"


class WarningKind(models.TextChoices):
    NEWLY_RED = "newly_red", _("Newly red")
    RED_RUNNING = "red_running", _("Red several periods running")
    RANK_DROP = "rank_drop", _("Rank drop")
    MISSING = "missing", _("Missing data")
    SUSPICIOUS = "suspicious", _("Suspicious pattern")


class WarningState(models.TextChoices):
    NEW = "new", _("New")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESOLVED = "resolved", _("Resolved")


class EarlyWarning(models.Model):
    """A warning recorded for a run. A red streak is one row: each later run that finds the unit
    still red moves it to that run and counts one more period (``periods``)."""

    run = models.ForeignKey(
        EvaluationRun,
        on_delete=models.PROTECT,
        related_name="warnings",
        verbose_name=_("evaluation run"),
    )
    scheme_code = models.CharField(_("scheme"), max_length=60)
    unit_code = models.CharField(_("unit code"), max_length=12)
    unit_path = models.CharField(_("unit path"), max_length=200, blank=True)
    node = models.CharField(_("node"), max_length=80)
    kind = models.CharField(_("kind"), max_length=20, choices=WarningKind.choices)
    first_period = models.CharField(_("first period"), max_length=20)
    last_period = models.CharField(_("last period"), max_length=20)
    periods = models.PositiveSmallIntegerField(_("periods running"), default=1)
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    state = models.CharField(
        _("state"), max_length=12, choices=WarningState.choices, default=WarningState.NEW
    )
    note = models.TextField(_("note"), blank=True)
    changed_at = models.DateTimeField(_("changed"), null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )

    class Meta:
        ordering = ["unit_code", "node", "kind"]
        indexes = [
            models.Index(fields=["run", "unit_path"], name="warning_run_path_idx"),
            models.Index(
                fields=["scheme_code", "unit_code", "node", "kind"], name="warning_streak_idx"
            ),
        ]
        verbose_name = _("early warning")
        verbose_name_plural = _("early warnings")

    def __str__(self) -> str:
        return f"{self.unit_code} {self.node} {self.kind} {self.last_period}"

    @property
    def audit_unit_code(self) -> str:
        return self.unit_code
