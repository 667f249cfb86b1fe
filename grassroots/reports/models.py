"""Documents the office issues (bulletins, analyses, records), the province's report policy
and the narrative paragraphs the office writes.

A `Document` is immutable once stored: its file under the data directory, the SHA-256 of that
file, and everything it was made from (the published runs, their data versions, the template
version, the policy), so the same inputs give the same bytes again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from grassroots.organisations.models import Unit


def documents_dir() -> Path:
    """Where stored documents live: one file per document, named by its id."""
    return Path(settings.DATA_DIR) / "documents"


class Product(models.TextChoices):
    BULLETIN = "bulletin", _("Quarterly bulletin")
    MONTHLY = "monthly", _("Monthly report")
    HALF_YEAR = "half_year", _("Half-year analysis")
    ANNUAL = "annual", _("Annual report")
    UNIT_PROFILE = "unit_profile", _("Unit profile")
    PLAN_PROGRESS = "plan_progress", _("Weak-unit plan progress report")
    EXIT_RECORD = "exit_record", _("Exit-assessment record")


class Format(models.TextChoices):
    DOCX = "docx", _("Word (.docx)")
    PDF = "pdf", _("PDF")
    XLSX = "xlsx", _("Excel (.xlsx)")


class RankingMode(models.TextChoices):
    """The province's policy on ranks in documents. Since October 2024 the SPP no longer ranks
    regions ("一取消三不再"): "analysis" shows values, ranges, distributions and trends only."""

    ANALYSIS = "analysis", _("Analysis (no ranks, league tables or notification values)")
    RANKING = "ranking", _("Ranking (the bulletin also has the league table)")


DEFAULT_MARKING = "内部资料 注意保存"


class ReportPolicy(models.Model):
    """A province's settings for its documents (one row per province; none: the defaults)."""

    province = models.OneToOneField(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("province")
    )
    ranking = models.CharField(
        _("ranking policy"),
        max_length=10,
        choices=RankingMode.choices,
        default=RankingMode.ANALYSIS,
    )
    marking = models.CharField(_("marking"), max_length=100, default=DEFAULT_MARKING, blank=True)
    issuer = models.CharField(_("issuing office"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("updated"), null=True, blank=True)

    class Meta:
        verbose_name = _("report policy")
        verbose_name_plural = _("report policies")

    def __str__(self) -> str:
        return f"{self.province.code} {self.ranking}"

    @property
    def audit_unit_code(self) -> str:
        return self.province.code


class NarrativeSection(models.TextChoices):
    CONSULTATION = "consultation", _("Conclusions of the consultation meeting")
    NEXT_STEPS = "next_steps", _("Next steps")


class Narrative(models.Model):
    """What the office writes into a document (会商 conclusions, next steps): kept per scope,
    period and product, and put into the document each time it is generated."""

    product = models.CharField(_("product"), max_length=20, choices=Product.choices)
    scope = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("scope")
    )
    period = models.CharField(_("period"), max_length=20)
    section = models.CharField(_("section"), max_length=20, choices=NarrativeSection.choices)
    text = models.TextField(_("text"), blank=True)
    updated_at = models.DateTimeField(_("updated"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["product", "scope", "period", "section"], name="narrative_unique"
            )
        ]
        verbose_name = _("narrative section")
        verbose_name_plural = _("narrative sections")

    def __str__(self) -> str:
        return f"{self.scope.code} {self.period} {self.section}"

    @property
    def audit_unit_code(self) -> str:
        return self.scope.code


class ReportTemplate(models.Model):
    """A province's version of a product's template (section order, indicators, titles,
    marking). Editing adds a version; documents name the version they were made with."""

    province = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("province")
    )
    product = models.CharField(_("product"), max_length=20, choices=Product.choices)
    version = models.PositiveIntegerField(_("version"))
    spec = models.JSONField(_("template"), default=dict)
    created_at = models.DateTimeField(_("created"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["province", "product", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["province", "product", "version"], name="report_template_version_unique"
            )
        ]
        verbose_name = _("report template")
        verbose_name_plural = _("report templates")

    def __str__(self) -> str:
        return f"{self.province.code} {self.product} v{self.version}"

    @property
    def audit_unit_code(self) -> str:
        return self.province.code


class DocumentImmutableError(Exception):
    """Raised when code tries to change or delete a stored document."""


class Document(models.Model):
    product = models.CharField(_("product"), max_length=20, choices=Product.choices)
    scope = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("scope")
    )
    period = models.CharField(_("period"), max_length=20)
    format = models.CharField(_("format"), max_length=5, choices=Format.choices)
    # {"run": id, "previous": id|None, "last_year": id|None}: the published runs it read.
    runs = models.JSONField(_("evaluation runs"), default=dict)
    # The data versions (and their checksums) of the runs it read, as the runs recorded them.
    data_versions = models.JSONField(_("data versions"), default=dict)
    template_version = models.CharField(_("template version"), max_length=40)
    ranking = models.CharField(_("ranking policy"), max_length=10, choices=RankingMode.choices)
    number = models.CharField(_("document number"), max_length=60)
    issued_on = models.DateField(_("issued on"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveIntegerField(_("size in bytes"))
    pages = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    generated_at = models.DateTimeField(_("generated"))
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("generated by"),
    )

    class Meta:
        ordering = ["-generated_at", "-id"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return f"{self.product} {self.scope.code} {self.period} .{self.format}"

    @property
    def audit_unit_code(self) -> str:
        return self.scope.code

    @property
    def path(self) -> Path:
        return documents_dir() / f"{self.pk}.{self.format}"

    @property
    def filename(self) -> str:
        return f"{self.scope.code}-{self.period}-{self.product}.{self.format}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise DocumentImmutableError(f"document {self.pk} is stored and cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise DocumentImmutableError(f"document {self.pk} is stored and cannot be deleted")


class DraftStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Being made")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class DraftJob(models.Model):
    """The draft bulletin a published run asks for: queued when the run is published, made by
    the background worker (`grassroots runs work`), not inside the publishing request."""

    run = models.OneToOneField(
        "evaluation.EvaluationRun",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("evaluation run"),
    )
    province = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("province")
    )
    period = models.CharField(_("period"), max_length=20)
    status = models.CharField(
        _("status"), max_length=8, choices=DraftStatus.choices, default=DraftStatus.QUEUED
    )
    document = models.ForeignKey(
        Document,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("document"),
    )
    error = models.TextField(_("error"), blank=True)
    queued_at = models.DateTimeField(_("queued"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-queued_at", "-id"]
        verbose_name = _("draft bulletin")
        verbose_name_plural = _("draft bulletins")

    def __str__(self) -> str:
        return f"draft {self.province.code} {self.period} {self.status}"

    @property
    def audit_unit_code(self) -> str:
        return self.province.code


class JobStep(models.TextChoices):
    """Where a document job is: shown on the reports page while the worker makes it."""

    QUEUED = "queued", _("Waiting for the background worker")
    CHECKING = "checking", _("Checking the request")
    READING = "reading", _("Reading the published runs")
    WRITING = "writing", _("Writing the sections")
    RENDERING = "rendering", _("Rendering the file")
    STORING = "storing", _("Storing the document")
    DONE = "done", _("Document made")


class DocumentJob(models.Model):
    """A document asked for on the reports page: queued by the request, made by the background
    worker (`grassroots runs work`), which writes its step and percent as it goes. A failure
    keeps its message (in the language of whoever asked) and stores no document."""

    product = models.CharField(_("product"), max_length=20, choices=Product.choices)
    scope = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("scope")
    )
    period = models.CharField(_("period"), max_length=20)
    format = models.CharField(_("format"), max_length=5, choices=Format.choices)
    language = models.CharField(_("language"), max_length=10)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    status = models.CharField(
        _("status"), max_length=8, choices=DraftStatus.choices, default=DraftStatus.QUEUED
    )
    step = models.CharField(
        _("progress step"), max_length=10, choices=JobStep.choices, default=JobStep.QUEUED
    )
    percent = models.PositiveSmallIntegerField(_("percent done"), default=0)
    error = models.TextField(_("error"), blank=True)
    document = models.ForeignKey(
        Document,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("document"),
    )
    queued_at = models.DateTimeField(_("queued"))
    # Written with every step: a running job not touched for long lost its worker.
    updated_at = models.DateTimeField(_("updated"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-queued_at", "-id"]
        indexes = [models.Index(fields=["status", "id"], name="report_job_status")]
        verbose_name = _("document request")
        verbose_name_plural = _("document requests")

    def __str__(self) -> str:
        return f"job {self.product} {self.scope.code} {self.period} .{self.format} {self.status}"

    @property
    def audit_unit_code(self) -> str:
        return self.scope.code

    @property
    def is_finished(self) -> bool:
        return self.status in (DraftStatus.DONE, DraftStatus.FAILED)
