"""Weak units and the help they get: designation, pairing, ledger, one list two plans, exit."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from grassroots.organisations.models import Unit
from grassroots.organisations.versions import ProvinceVersion


class WeakLevel(models.TextChoices):
    NATIONAL = "national", _("National")
    PROVINCIAL = "provincial", _("Provincial")
    MUNICIPAL = "municipal", _("Municipal")


class WeakStatus(models.TextChoices):
    DESIGNATED = "designated", _("Designated weak")
    EXIT_RECOMMENDED = "exit_recommended", _("Exit recommended")
    EXITED = "exited", _("Exited")


class Dimension(models.TextChoices):
    """The five designation dimensions the province reasons under."""

    POLITICAL = "political", _("Political construction")
    BUSINESS = "business", _("Business")
    STAFF = "staff", _("Staff capability")
    MANAGEMENT = "management", _("Management")
    RESOURCING = "resourcing", _("Resourcing")


class Designation(models.Model):
    """One spell of a unit being weak, from designation to exit."""

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="weak_designations", verbose_name=_("unit")
    )
    level = models.CharField(_("level"), max_length=12, choices=WeakLevel.choices)
    designated_on = models.DateField(_("designated on"))
    status = models.CharField(
        _("status"), max_length=20, choices=WeakStatus.choices, default=WeakStatus.DESIGNATED
    )
    evidence = models.TextField(_("evidence"), blank=True)
    # A storage path rather than a FileField: the audit snapshot stores plain values only.
    evidence_file = models.CharField(_("evidence file"), max_length=300, blank=True)
    exited_on = models.DateField(_("exited on"), null=True, blank=True)
    # The exit period's overall score: the relapse watch measures a decline from it.
    exit_period = models.CharField(_("exit period"), max_length=10, blank=True)

    class Meta:
        ordering = ["unit__path", "-designated_on"]
        verbose_name = _("weak-unit designation")
        verbose_name_plural = _("weak-unit designations")

    def __str__(self) -> str:
        return f"{self.unit.code} {self.level} {self.designated_on}"


class DesignationReason(models.Model):
    designation = models.ForeignKey(
        Designation,
        on_delete=models.CASCADE,
        related_name="reasons",
        verbose_name=_("weak-unit designation"),
    )
    dimension = models.CharField(_("dimension"), max_length=12, choices=Dimension.choices)
    text = models.TextField(_("reason"))

    class Meta:
        verbose_name = _("designation reason")
        verbose_name_plural = _("designation reasons")

    @property
    def unit(self) -> Unit:
        return self.designation.unit

    def __str__(self) -> str:
        return f"{self.dimension}: {self.text[:60]}"


class StatusChange(models.Model):
    """The weak status history of a designation (append only)."""

    designation = models.ForeignKey(
        Designation,
        on_delete=models.CASCADE,
        related_name="history",
        verbose_name=_("weak-unit designation"),
    )
    status = models.CharField(_("status"), max_length=20, choices=WeakStatus.choices)
    on = models.DateField(_("date"))
    actor_name = models.CharField(_("changed by"), max_length=150)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["on", "id"]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")

    @property
    def unit(self) -> Unit:
        return self.designation.unit

    def __str__(self) -> str:
        return f"{self.designation.unit.code} {self.status} {self.on}"


class Pairing(models.Model):
    """The advanced partner helping a weak unit, and the leader who keeps contact."""

    designation = models.OneToOneField(
        Designation,
        on_delete=models.CASCADE,
        related_name="pairing",
        verbose_name=_("weak-unit designation"),
    )
    partner = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("partner")
    )
    recommended = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("recommended partner"),
    )
    contact_leader = models.CharField(_("contact leader"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("pairing")
        verbose_name_plural = _("pairings")

    @property
    def unit(self) -> Unit:
        return self.designation.unit

    def __str__(self) -> str:
        return f"{self.designation.unit.code} ← {self.partner.code}"


class ActivityKind(models.TextChoices):
    POST_EXCHANGE = "post_exchange", _("Temporary post exchange")
    VISIT = "visit", _("Visit")
    TRAINING = "training", _("Training")
    CASE_TEAM = "case_team", _("Case-handling team")
    LEADER_CONTACT = "leader_contact", _("Leader contact")


class Activity(models.Model):
    """One line of the assistance ledger."""

    designation = models.ForeignKey(
        Designation,
        on_delete=models.CASCADE,
        related_name="activities",
        verbose_name=_("weak-unit designation"),
    )
    kind = models.CharField(_("type"), max_length=20, choices=ActivityKind.choices)
    partner = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", null=True, verbose_name=_("partner")
    )
    people = models.PositiveIntegerField(_("people"), default=0)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    outcome = models.TextField(_("outcome"), blank=True)

    class Meta:
        ordering = ["start", "id"]
        verbose_name = _("assistance activity")
        verbose_name_plural = _("assistance activities")

    @property
    def unit(self) -> Unit:
        return self.designation.unit

    def __str__(self) -> str:
        return f"{self.designation.unit.code} {self.kind} {self.start}"


class ProblemSource(models.TextChoices):
    SURVEY = "survey", _("Survey")
    DATA = "data", _("Data")
    INSPECTION = "inspection", _("Inspection")


class Problem(models.Model):
    designation = models.ForeignKey(
        Designation,
        on_delete=models.CASCADE,
        related_name="problems",
        verbose_name=_("weak-unit designation"),
    )
    dimension = models.CharField(_("dimension"), max_length=12, choices=Dimension.choices)
    source = models.CharField(_("source"), max_length=12, choices=ProblemSource.choices)
    description = models.TextField(_("description"))

    class Meta:
        verbose_name = _("problem")
        verbose_name_plural = _("problems")

    @property
    def unit(self) -> Unit:
        return self.designation.unit

    def __str__(self) -> str:
        return self.description[:80]


class MeasureStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")


class Measure(models.Model):
    """A rectification measure. Overdue is derived (deadline passed, not done), never stored."""

    designation = models.ForeignKey(
        Designation,
        on_delete=models.CASCADE,
        related_name="measures",
        verbose_name=_("weak-unit designation"),
    )
    problem = models.ForeignKey(
        Problem,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="measures",
        verbose_name=_("problem"),
    )
    title = models.CharField(_("measure"), max_length=300)
    leader = models.CharField(_("responsible leader"), max_length=100)
    department = models.CharField(_("responsible department"), max_length=100)
    created_on = models.DateField(_("created on"))
    deadline = models.DateField(_("deadline"))
    status = models.CharField(
        _("status"), max_length=12, choices=MeasureStatus.choices, default=MeasureStatus.PLANNED
    )
    done_on = models.DateField(_("done on"), null=True, blank=True)

    class Meta:
        ordering = ["deadline", "id"]
        verbose_name = _("rectification measure")
        verbose_name_plural = _("rectification measures")

    @property
    def unit(self) -> Unit:
        return self.designation.unit

    def __str__(self) -> str:
        return self.title

    def is_overdue(self, today: object) -> bool:
        return self.status != MeasureStatus.DONE and self.deadline < today  # type: ignore[operator]


class ProgressReport(models.Model):
    """A quarterly progress report on one measure, written by the unit."""

    measure = models.ForeignKey(
        Measure,
        on_delete=models.CASCADE,
        related_name="reports",
        verbose_name=_("rectification measure"),
    )
    quarter = models.CharField(_("quarter"), max_length=6)
    text = models.TextField(_("progress"))
    status = models.CharField(_("status"), max_length=12, choices=MeasureStatus.choices)

    class Meta:
        ordering = ["quarter"]
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        constraints = [
            models.UniqueConstraint(fields=["measure", "quarter"], name="one_report_per_quarter")
        ]

    @property
    def unit(self) -> Unit:
        return self.measure.designation.unit

    def __str__(self) -> str:
        return f"{self.measure_id} {self.quarter}"


class Evidence(models.Model):
    measure = models.ForeignKey(
        Measure,
        on_delete=models.CASCADE,
        related_name="evidence",
        verbose_name=_("rectification measure"),
    )
    # A storage path rather than a FileField: the audit snapshot stores plain values only.
    file = models.CharField(_("file"), max_length=300)
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )

    class Meta:
        verbose_name = _("measure evidence")
        verbose_name_plural = _("measure evidence")

    @property
    def unit(self) -> Unit:
        return self.measure.designation.unit

    def __str__(self) -> str:
        return self.name


class Target(models.Model):
    """A quality-improvement target: an indicator's value to reach in a period."""

    designation = models.ForeignKey(
        Designation,
        on_delete=models.CASCADE,
        related_name="targets",
        verbose_name=_("weak-unit designation"),
    )
    indicator = models.CharField(_("indicator"), max_length=60)
    period = models.CharField(_("period"), max_length=10)
    value = models.FloatField(_("target value"))

    class Meta:
        ordering = ["period", "indicator"]
        verbose_name = _("improvement target")
        verbose_name_plural = _("improvement targets")
        constraints = [
            models.UniqueConstraint(
                fields=["designation", "indicator", "period"], name="one_target_per_period"
            )
        ]

    @property
    def unit(self) -> Unit:
        return self.designation.unit

    def __str__(self) -> str:
        return f"{self.indicator} {self.period} {self.value}"


class ExitStandard(ProvinceVersion):
    """One version of a province's weak-unit exit standard: a checklist scheme's YAML.

    Each province owns its versions; the first is a copy of the shipped national default, never
    the shipped file itself, so one province's edit is never another's standard.
    """

    province = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="exit_standards", verbose_name=_("province")
    )
    yaml_text = models.TextField(_("standard (YAML)"))
    note = models.CharField(_("reason for the change"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"))
    created_by = models.CharField(_("created by"), max_length=150, blank=True)

    class Meta:
        ordering = ["province__code", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["province", "version"], name="one_exit_standard_version_per_number"
            )
        ]
        verbose_name = _("exit standard version")
        verbose_name_plural = _("exit standard versions")

    def stamp_creator(self, actor: Any) -> None:
        authenticated = getattr(actor, "is_authenticated", False)
        self.created_by = actor.get_username() if authenticated else "system"

    @property
    def unit(self) -> Unit:
        return self.province

    def __str__(self) -> str:
        return f"{self.province.code} exit standard v{self.version}"


class ExitDecision(models.TextChoices):
    EXIT = "exit", _("Exits weak status")
    REMAIN = "remain", _("Remains weak")


class ExitAssessment(models.Model):
    """An exit assessment against the weak-exit-standard, item by item (see ExitItem)."""

    designation = models.ForeignKey(
        Designation,
        on_delete=models.CASCADE,
        related_name="assessments",
        verbose_name=_("weak-unit designation"),
    )
    # The result periods assessed, oldest first.
    periods = models.JSONField(_("periods assessed"), default=list)
    recommended_on = models.DateField(_("recommended on"), null=True, blank=True)
    recommended_by = models.CharField(_("recommended by"), max_length=150, blank=True)
    decision = models.CharField(
        _("decision"), max_length=8, choices=ExitDecision.choices, blank=True
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decided_by = models.CharField(_("decided by"), max_length=150, blank=True)
    # The standard version the items were assessed against (empty only on records made before
    # the standard was stored: those used the shipped default).
    standard = models.ForeignKey(
        ExitStandard,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assessments",
        verbose_name=_("exit standard version"),
    )
    # An exit decided although the standard is not met in full: why, in the province's words.
    override_reason = models.TextField(_("reason for deciding against the standard"), blank=True)

    class Meta:
        verbose_name = _("exit assessment")
        verbose_name_plural = _("exit assessments")

    @property
    def unit(self) -> Unit:
        return self.designation.unit

    def __str__(self) -> str:
        return f"{self.designation.unit.code} exit {self.periods}"


class ItemStatus(models.TextChoices):
    MET = "met", _("Met")
    NOT_MET = "not_met", _("Not met")
    UNDECIDED = "undecided", _("Undecided")


class ExitItem(models.Model):
    assessment = models.ForeignKey(
        ExitAssessment,
        on_delete=models.CASCADE,
        related_name="items",
        verbose_name=_("exit assessment"),
    )
    code = models.CharField(_("item code"), max_length=10)
    heading = models.CharField(_("heading"), max_length=30)
    quantitative = models.BooleanField(_("quantitative"))
    status = models.CharField(_("status"), max_length=10, choices=ItemStatus.choices)
    reason = models.TextField(_("reason"), blank=True)
    evidence = models.TextField(_("evidence"), blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("exit assessment item")
        verbose_name_plural = _("exit assessment items")

    @property
    def unit(self) -> Unit:
        return self.assessment.designation.unit

    def __str__(self) -> str:
        return f"{self.code} {self.status}"


class ContributionWeights(models.Model):
    """The points the quarterly contribution award gives per case selected at each level (at
    定评, read from the library: a case entered in several programmes counts once, at its
    highest level) and per rectification measure completed. Kept by the province on the weights
    page, each change audited; a province without a row uses the defaults below."""

    province = models.OneToOneField(
        Unit,
        on_delete=models.PROTECT,
        related_name="contribution_weights",
        verbose_name=_("province"),
    )
    spp_guiding = models.FloatField(_("per SPP guiding case"), default=8.0)
    spp_typical = models.FloatField(_("per SPP typical case"), default=5.0)
    provincial = models.FloatField(_("per provincial case"), default=2.0)
    city = models.FloatField(_("per city case"), default=1.0)
    per_measure = models.FloatField(_("per measure completed"), default=1.0)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("contribution award weights")
        verbose_name_plural = _("contribution award weights")

    def __str__(self) -> str:
        return f"weights {self.province.code}"

    @property
    def audit_unit_code(self) -> str:
        return str(self.province.code)

    def per_level(self) -> dict[str, float]:
        return {
            "spp_guiding": self.spp_guiding,
            "spp_typical": self.spp_typical,
            "provincial": self.provincial,
            "city": self.city,
        }


class Award(models.Model):
    """A confirmed contribution award: a unit's place in a quarter's ranked list, and why."""

    quarter = models.CharField(_("quarter"), max_length=6)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="assistance_awards", verbose_name=_("unit")
    )
    rank = models.PositiveIntegerField(_("rank"))
    points = models.FloatField(_("points"))
    score_gain = models.FloatField(_("score gain"))
    typical_cases = models.PositiveIntegerField(_("typical cases selected"))
    measures_completed = models.PositiveIntegerField(_("measures completed"))
    rule = models.CharField(_("rule"), max_length=300)
    confirmed_on = models.DateField(_("confirmed on"))
    confirmed_by = models.CharField(_("confirmed by"), max_length=150)

    class Meta:
        ordering = ["-quarter", "rank"]
        verbose_name = _("contribution award")
        verbose_name_plural = _("contribution awards")
        constraints = [
            models.UniqueConstraint(fields=["quarter", "unit"], name="one_award_per_unit_quarter")
        ]

    def __str__(self) -> str:
        return f"{self.quarter} #{self.rank} {self.unit.code}"


class TargetCheck(models.Model):
    """A target checked against one finished evaluation run of its period (stored when the run
    finishes, so a missed target is warned and the history of checks is kept)."""

    target = models.ForeignKey(
        Target,
        on_delete=models.CASCADE,
        related_name="checks",
        verbose_name=_("improvement target"),
    )
    run = models.ForeignKey(
        "evaluation.EvaluationRun",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("evaluation run"),
    )
    value = models.FloatField(_("result"), null=True)
    met = models.BooleanField(_("met"), null=True)
    checked_at = models.DateTimeField(_("checked at"))

    class Meta:
        ordering = ["-checked_at", "-id"]
        verbose_name = _("target check")
        verbose_name_plural = _("target checks")
        constraints = [
            models.UniqueConstraint(fields=["target", "run"], name="one_check_per_target_run")
        ]

    @property
    def unit(self) -> Unit:
        return self.target.designation.unit

    def __str__(self) -> str:
        return f"{self.target} run {self.run_id}: {self.met}"
