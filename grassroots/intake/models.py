"""Data versions of case records and the element values computed from them.

A data version is immutable: its Parquet files live under ``DATA_DIR/versions/<id>/`` and are
never rewritten. A re-upload for the same unit and period is a new version that names the one
it supersedes, so every evaluation can say exactly which versions it used.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from grassroots.organisations.models import Unit
from grassroots.organisations.versions import ProvinceVersion, version_constraints


def versions_dir() -> Path:
    """Where data versions' Parquet folders live: one immutable folder per version, by its id."""
    return Path(settings.DATA_DIR) / "versions"


# The catalogue case records are computed with unless a caller names another.
DEFAULT_CATALOGUE = "spp-case-quality"


class DataVersion(models.Model):
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="data_versions", verbose_name=_("unit")
    )
    period = models.CharField(_("period"), max_length=16, db_index=True)
    # Every period key the stored records have element values for (the declared one included).
    periods = models.JSONField(_("periods covered"), default=list)
    row_counts = models.JSONField(_("rows per table"), default=dict)
    checksum = models.CharField(_("SHA-256 checksum"), max_length=64)
    source_name = models.CharField(_("uploaded file"), max_length=255)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploader_name = models.CharField(_("uploader"), max_length=150)
    created = models.DateTimeField(_("created"))
    supersedes = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
        verbose_name=_("supersedes"),
    )

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = _("data version")
        verbose_name_plural = _("data versions")

    def __str__(self) -> str:
        return f"v{self.pk} {self.unit.code} {self.period}"

    @property
    def total_rows(self) -> int:
        return sum(int(n) for n in self.row_counts.values())


class ElementValue(models.Model):
    """One data element value (unit × period × element) as a data version yielded it."""

    data_version = models.ForeignKey(
        DataVersion,
        on_delete=models.PROTECT,
        related_name="element_values",
        verbose_name=_("data version"),
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    period = models.CharField(_("period"), max_length=16)
    element = models.CharField(_("element"), max_length=80)
    value = models.FloatField(_("value"))

    class Meta:
        ordering = ["unit__path", "period", "element"]
        verbose_name = _("element value")
        verbose_name_plural = _("element values")
        constraints = [
            models.UniqueConstraint(
                fields=["data_version", "unit", "period", "element"],
                name="intake_element_value_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.period} {self.element}={self.value}"


class UploadKind(models.TextChoices):
    XLSX = "xlsx", _("Excel template")
    CSV = "csv", _("CSV file")


class FigureUpload(models.Model):
    """One accepted upload of reported figures (a filled template or a CSV)."""

    catalogue = models.CharField(_("catalogue"), max_length=60)
    period = models.CharField(_("period"), max_length=16)
    kind = models.CharField(_("kind"), max_length=8, choices=UploadKind.choices)
    source_name = models.CharField(_("uploaded file"), max_length=255)
    checksum = models.CharField(_("SHA-256 checksum"), max_length=64)
    rows = models.PositiveIntegerField(_("rows"))
    changed = models.PositiveIntegerField(_("values changed"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploader_name = models.CharField(_("uploader"), max_length=150)
    # The uploader's unit: the log and the upload list are scoped through it.
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    created = models.DateTimeField(_("created"))

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = _("figures upload")
        verbose_name_plural = _("figures uploads")

    def __str__(self) -> str:
        return f"upload {self.pk} {self.catalogue} {self.period}"


class ReportedValue(models.Model):
    """The current value of one reported element for a unit and period."""

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    catalogue = models.CharField(_("catalogue"), max_length=60)
    period = models.CharField(_("period"), max_length=16)
    element = models.CharField(_("element"), max_length=80)
    value = models.FloatField(_("value"))
    upload = models.ForeignKey(
        FigureUpload, on_delete=models.PROTECT, related_name="+", verbose_name=_("figures upload")
    )
    updated = models.DateTimeField(_("updated"))

    class Meta:
        ordering = ["unit__path", "period", "element"]
        verbose_name = _("reported value")
        verbose_name_plural = _("reported values")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "catalogue", "period", "element"], name="intake_reported_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.catalogue} {self.period} {self.element}={self.value:g}"


class ValueChange(models.Model):
    """History: who changed a reported value, when, from what to what, through which upload."""

    reported = models.ForeignKey(
        ReportedValue,
        on_delete=models.PROTECT,
        related_name="changes",
        verbose_name=_("reported value"),
    )
    upload = models.ForeignKey(
        FigureUpload,
        on_delete=models.PROTECT,
        related_name="changes",
        verbose_name=_("figures upload"),
    )
    old = models.FloatField(_("old value"), null=True, blank=True)
    new = models.FloatField(_("new value"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    actor_name = models.CharField(_("changed by"), max_length=150)
    at = models.DateTimeField(_("changed at"))

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("value change")
        verbose_name_plural = _("value changes")

    def __str__(self) -> str:
        return f"{self.reported} {self.old} -> {self.new}"


class SubmissionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved by the city")
    ACCEPTED = "accepted", _("Accepted and locked")
    RETURNED = "returned", _("Returned for correction")


class Submission(models.Model):
    """The workflow state of one unit's data for one period; ACCEPTED means locked."""

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    period = models.CharField(_("period"), max_length=16)
    status = models.CharField(
        _("status"), max_length=12, choices=SubmissionStatus.choices, default=SubmissionStatus.DRAFT
    )
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    updated = models.DateTimeField(_("updated"))
    updated_by = models.CharField(_("updated by"), max_length=150)
    # When the unit first submitted this period: timeliness is judged on it, so a submission
    # returned and submitted again is not made late by the reviewer's return.
    first_submitted = models.DateTimeField(_("first submitted"), null=True, blank=True)

    class Meta:
        ordering = ["unit__path", "period"]
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        constraints = [
            models.UniqueConstraint(fields=["unit", "period"], name="intake_submission_unique")
        ]

    def __str__(self) -> str:
        return f"{self.unit.code} {self.period} {self.status}"

    @property
    def locked(self) -> bool:
        return self.status == SubmissionStatus.ACCEPTED


class Deadline(models.Model):
    """The due date of a period's reports, set by the province administrator.

    ``catalogue`` empty: the period's deadline for every unit's submission; a catalogue's own
    deadline, when set, replaces it on that catalogue's reporting view."""

    # The province whose units it is for (issue 19.5: a province's setting is its own; empty:
    # a national deadline, which applies where a province has set none).
    province = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("province"),
    )
    period = models.CharField(_("period"), max_length=16)
    catalogue = models.CharField(_("catalogue"), max_length=60, blank=True)
    due = models.DateField(_("due date"))
    updated = models.DateTimeField(_("updated"))
    updated_by = models.CharField(_("updated by"), max_length=150)

    class Meta:
        ordering = ["period", "catalogue"]
        verbose_name = _("reporting deadline")
        verbose_name_plural = _("reporting deadlines")
        constraints = [
            models.UniqueConstraint(
                fields=["province", "period", "catalogue"],
                condition=models.Q(province__isnull=False),
                name="intake_deadline_province_unique",
            ),
            models.UniqueConstraint(
                fields=["period", "catalogue"],
                condition=models.Q(province__isnull=True),
                name="intake_deadline_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.catalogue or '*'} due {self.due}"

    @property
    def audit_unit_code(self) -> str:
        return self.province.code if self.province is not None else ""


class Trigger(models.TextChoices):
    CASE_UPLOAD = "case_upload", _("Case-record upload")
    FIGURE_UPLOAD = "figure_upload", _("Figures upload")
    ON_DEMAND = "on_demand", _("On demand")


class ValidationRun(models.Model):
    """One run of the validation rules and outlier checks over units' current values."""

    at = models.DateTimeField(_("run at"))
    trigger = models.CharField(_("trigger"), max_length=16, choices=Trigger.choices)
    # What caused it: "data version 12", "figures upload 5", "web", "command line", "API".
    source = models.CharField(_("source"), max_length=100, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("run by (user)"),
    )
    actor_name = models.CharField(_("run by"), max_length=150)
    catalogue = models.CharField(_("catalogue"), max_length=60)
    period = models.CharField(_("period"), max_length=16, db_index=True)
    # The unit whose subtree was checked (scopes the audit entry and the run list).
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("checked unit")
    )
    # Every unit checked, so a unit without findings shows as checked and clean.
    units = models.ManyToManyField(Unit, related_name="+", verbose_name=_("units checked"))

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("validation run")
        verbose_name_plural = _("validation runs")

    def __str__(self) -> str:
        return f"validation {self.pk} {self.period} {self.trigger}"

    @property
    def source_label(self) -> str:
        """The source as the reader says it: a bulk import's count worded in the page's
        language (intake.cases.bulk stores it in English), a file name as it is."""
        from django.utils.translation import gettext

        match = re.fullmatch(r"(\d+) data versions imported by unit", self.source)
        if match is None:
            return self.source
        return gettext("%(n)s data versions imported by unit") % {"n": match.group(1)}


class FindingKind(models.TextChoices):
    RULE = "rule", _("Validation rule")
    OUTLIER = "outlier", _("Outlier")


class ValidationFinding(models.Model):
    """A rule violation or an outlier flag; a note for follow-up, it never changes a value."""

    run = models.ForeignKey(
        ValidationRun,
        on_delete=models.PROTECT,
        related_name="findings",
        verbose_name=_("validation run"),
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    period = models.CharField(_("period"), max_length=16)
    kind = models.CharField(_("kind"), max_length=8, choices=FindingKind.choices)
    # The rule's code, or the element's for an outlier.
    code = models.CharField(_("code"), max_length=80)
    importance = models.CharField(_("importance"), max_length=8)
    # A rule: the two sides (None = absent). An outlier: value, reference median, z, basis, n.
    left = models.FloatField(_("left side"), null=True, blank=True)
    right = models.FloatField(_("right side"), null=True, blank=True)
    value = models.FloatField(_("value"), null=True, blank=True)
    median = models.FloatField(_("reference median"), null=True, blank=True)
    z = models.FloatField(_("z score"), null=True, blank=True)
    basis = models.CharField(_("basis"), max_length=8, blank=True)  # "history" or "peers"
    references = models.PositiveIntegerField(_("references"), null=True, blank=True)
    message = models.CharField(_("message"), max_length=500)

    class Meta:
        ordering = ["unit__path", "kind", "code"]
        verbose_name = _("validation finding")
        verbose_name_plural = _("validation findings")

    def __str__(self) -> str:
        return f"{self.unit_id} {self.period} {self.kind} {self.code}"


class CatalogueVersion(ProvinceVersion):
    """One version of an indicator catalogue's YAML (a registered name, never a path), owned
    by a province (none: the shipped national default).

    Adding a version never changes an earlier one: element values are computed, and runs are
    recorded and reproduced, with a stated version. The shipped catalogue is version 1."""

    KEY = ("code",)

    code = models.CharField(_("catalogue"), max_length=60, db_index=True)
    yaml_text = models.TextField(_("catalogue YAML"))
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
        constraints = version_constraints("catalogue", "code")
        verbose_name = _("catalogue version")
        verbose_name_plural = _("catalogue versions")

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"


class ElementSnapshot(models.Model):
    """The values a run read from one element source (``intake/element_sources.py``), frozen.

    ``rows`` holds ``[unit, period, element, value, [evidence...]]`` in a stable order and
    ``checksum`` their SHA-256; the run records both, so it is reproduced from exactly these
    values and a snapshot changed afterwards is refused. Never changed once written."""

    source = models.CharField(_("source"), max_length=40)
    periods = models.JSONField(_("periods"), default=list)
    rows = models.JSONField(_("values"), default=list)
    checksum = models.CharField(_("SHA-256"), max_length=64)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("element snapshot")
        verbose_name_plural = _("element snapshots")

    def __str__(self) -> str:
        return f"{self.source} #{self.pk}"
