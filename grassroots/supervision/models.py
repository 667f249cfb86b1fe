"""Datasets of other agencies, supervision models and their versions, runs, leads and lead steps."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from grassroots.organisations.models import Unit


def datasets_dir() -> Path:
    return Path(settings.DATA_DIR) / "supervision" / "datasets"


class Dataset(models.Model):
    """A named table models may read (e.g. ``pension_payments``); its data lives in versions."""

    name = models.CharField(_("table name"), max_length=63, unique=True)
    title = models.CharField(_("title"), max_length=200)
    owner = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("owner unit")
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def audit_unit_code(self) -> str:
        return str(self.owner.code)


class DatasetVersion(models.Model):
    """One immutable upload. Deleting it removes the file and keeps this row as the trace."""

    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    source_agency = models.CharField(_("source agency"), max_length=200)
    data_date = models.DateField(_("data date"))
    legal_basis = models.CharField(_("legal basis"), max_length=500)
    columns = models.JSONField(_("declared columns"))  # [{"name", "kind", "required"}]
    filename = models.CharField(_("file"), max_length=255)
    sha256 = models.CharField(max_length=64)
    rows = models.PositiveIntegerField(_("rows"))
    retain_until = models.DateField(_("retain until"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"))
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True)
    deleted_reason = models.CharField(_("reason for deletion"), max_length=500, blank=True)

    class Meta:
        ordering = ["dataset__name", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["dataset", "number"], name="supervision_dataset_version_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.dataset.name} v{self.number}"

    @property
    def audit_unit_code(self) -> str:
        return str(self.dataset.owner.code)

    @property
    def path(self) -> Path:
        return datasets_dir() / str(self.pk) / "data.parquet"

    @property
    def id_columns(self) -> list[str]:
        return [c["name"] for c in self.columns if c["kind"] == "id_number"]


class ModelStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    REVIEWED = "reviewed", _("Reviewed")
    LISTED = "listed", _("Listed")


class SupervisionModel(models.Model):
    code = models.SlugField(_("code"), max_length=60, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    business_line = models.CharField(_("business line"), max_length=100)
    supervision_point = models.CharField(_("supervision point"), max_length=200)
    owner = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("owner unit")
    )

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code

    @property
    def audit_unit_code(self) -> str:
        return str(self.owner.code)


class ModelVersion(models.Model):
    model = models.ForeignKey(SupervisionModel, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    sql = models.TextField(_("SQL"))
    parameters = models.JSONField(_("parameters"), default=dict)  # name -> {"type", "default"}
    status = models.CharField(
        _("status"), max_length=10, choices=ModelStatus.choices, default=ModelStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"))

    class Meta:
        ordering = ["model__code", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["model", "number"], name="supervision_model_version_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.model.code} v{self.number}"

    @property
    def audit_unit_code(self) -> str:
        return str(self.model.owner.code)


class ModelRun(models.Model):
    version = models.ForeignKey(ModelVersion, on_delete=models.PROTECT, related_name="runs")
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("run for")
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(_("started"))
    seconds = models.FloatField(_("seconds"), default=0)
    parameters = models.JSONField(default=dict)
    datasets = models.JSONField(default=dict)  # table name -> dataset version id
    found = models.PositiveIntegerField(_("leads found"), default=0)
    new = models.PositiveIntegerField(_("new leads"), default=0)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.version} run {self.pk}"


class Step(models.TextChoices):
    SCREENING = "screening", _("Screening")
    REVIEW = "review", _("Second review")
    VERIFICATION = "verification", _("Verification")
    FILED = "filed", _("Case filed")
    HEARING = "hearing", _("Public hearing")
    DOCUMENT = "document", _("Supervision document")
    FOLLOW_UP = "follow_up", _("Follow-up")
    CLOSED = "closed", _("Closed")
    NOT_A_CASE = "not_a_case", _("Not a case")


# The steps a lead has reached once it became a case (成案): counted as filed.
FILED_OR_LATER = (Step.FILED, Step.HEARING, Step.DOCUMENT, Step.FOLLOW_UP, Step.CLOSED)


class Document(models.TextChoices):
    RECOMMENDATION = "recommendation", _("Procuratorial recommendation")
    CORRECTION = "correction", _("Notice to correct a violation")
    PROSECUTION = "prosecution", _("Prosecution")
    PROTEST = "protest", _("Protest or retrial recommendation")


class Lead(models.Model):
    """One subject a model flagged; found again by later runs, never duplicated."""

    model = models.ForeignKey(SupervisionModel, on_delete=models.PROTECT, related_name="leads")
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("responsible unit")
    )
    jurisdiction = models.CharField(_("jurisdiction code"), max_length=12)
    subject_hash = models.CharField(max_length=64)
    subject_masked = models.CharField(_("subject"), max_length=32)
    subject_sealed = models.TextField(blank=True)
    fields = models.JSONField(_("key fields"), default=dict)
    evidence = models.JSONField(_("evidence rows"), default=list)
    risk_score = models.FloatField(_("risk score"))
    step = models.CharField(_("step"), max_length=14, choices=Step.choices, default=Step.SCREENING)
    step_since = models.DateField(_("step since"))
    first_run = models.ForeignKey(ModelRun, on_delete=models.PROTECT, related_name="+")
    last_run = models.ForeignKey(ModelRun, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("found"))
    document = models.CharField(_("document"), max_length=16, choices=Document.choices, blank=True)
    adopted = models.BooleanField(_("recommendation adopted"), default=False)
    recovered = models.DecimalField(
        _("money recovered"), max_digits=14, decimal_places=2, default=0
    )

    class Meta:
        ordering = ["-risk_score", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["model", "subject_hash"], name="supervision_lead_once")
        ]

    def __str__(self) -> str:
        return f"{self.model.code} {self.subject_masked}"


class LeadStep(models.Model):
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="steps")
    step = models.CharField(_("step"), max_length=14, choices=Step.choices)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    on = models.DateField(_("date"))
    note = models.TextField(_("note"), blank=True)
    evidence = models.TextField(_("evidence"), blank=True)

    class Meta:
        ordering = ["on", "pk"]

    def __str__(self) -> str:
        return f"{self.lead_id} {self.step}"

    @property
    def audit_unit_code(self) -> str:
        return str(self.lead.unit.code)


class Schedule(models.Model):
    """Run a model version every N days for a unit, as the user who set it up (the worker's job)."""

    version = models.ForeignKey(ModelVersion, on_delete=models.PROTECT, related_name="schedules")
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("run for")
    )
    run_as = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    every_days = models.PositiveIntegerField(_("every (days)"))
    next_on = models.DateField(_("next run"))
    active = models.BooleanField(_("active"), default=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)

    class Meta:
        ordering = ["next_on", "pk"]

    def __str__(self) -> str:
        return f"{self.version} every {self.every_days} d"

    @property
    def audit_unit_code(self) -> str:
        return str(self.unit.code)
