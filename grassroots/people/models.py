"""The people of each unit (departments and staff) and their individual assessment.

A person belongs to one unit; their staff number (工号) is unique within it and is what case
records name in ``prosecutor_id``. Personal fields (birth year, grade, talent pool) are read only
through ``permissions.py`` and every view of a person's page leaves a ``PersonAccess`` row.

The individual assessment keeps state only: the engine (``grassroots/engine/individual.py``)
computes the scores, the app stores them per period and month, the reviewer-entered items, the
province's case-type coefficient tables (versioned per year) and the objections to a score.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from grassroots.organisations.models import Unit


class Category(models.TextChoices):
    PROSECUTOR = "prosecutor", _("Prosecutor with a quota seat")
    ASSISTANT = "assistant", _("Prosecutor's assistant")
    CLERK = "clerk", _("Court clerk")
    ADMIN = "admin", _("Judicial administration staff")
    LEADER = "leader", _("Unit leader")


class Department(models.Model):
    """A department of one unit (刑事检察部, 综合业务部, …); ``code`` is what case records name."""

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="departments", verbose_name=_("unit")
    )
    code = models.CharField(_("department code"), max_length=20)
    name = models.CharField(_("department name"), max_length=100)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["unit", "code"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "code"], name="people_department_unit_code")
        ]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return f"{self.unit.code} {self.code} {self.name}"


class Person(models.Model):
    """One member of a unit's staff."""

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="people", verbose_name=_("unit")
    )
    staff_number = models.CharField(_("staff number"), max_length=20)
    name = models.CharField(_("name"), max_length=50)
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="people",
        verbose_name=_("department"),
    )
    post = models.CharField(_("post"), max_length=50, blank=True)
    grade = models.CharField(_("grade"), max_length=50, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("birth year"))
    joined_year = models.PositiveSmallIntegerField(_("year joined"), null=True, blank=True)
    # Every prosecutor holds a quota seat (员额); a leader may (入额院领导).
    quota_seat = models.BooleanField(_("holds a quota seat"), default=False)
    talent_pool = models.BooleanField(_("in the talent pool"), default=False)
    heads_department = models.BooleanField(_("heads the department"), default=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
        verbose_name=_("login"),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["unit", "staff_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "staff_number"], name="people_person_unit_staff_number"
            )
        ]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return f"{self.unit.code} {self.staff_number} {self.name}"


class PersonAccess(models.Model):
    """One view of a person's page (personal data): who, when, which page. Append-only."""

    at = models.DateTimeField(db_index=True)
    viewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    viewer_name = models.CharField(max_length=150)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="accesses")
    unit_code = models.CharField(max_length=12, db_index=True)
    what = models.CharField(max_length=40)  # "page", "api"

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data accesses")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.viewer_name} → {self.person_id}"


class CoefficientTable(models.Model):
    """The province's case-type coefficient table of one year, one row per version."""

    province = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("province")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    version = models.PositiveIntegerField(_("version"))
    # The engine's coefficient YAML (``engine/individual/coefficients.py:parse_coefficients``).
    yaml_text = models.TextField(_("table"))
    example = models.BooleanField(_("example table"), default=False)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created = models.DateTimeField(_("created"))
    created_by = models.CharField(_("created by"), max_length=150)

    class Meta:
        ordering = ["province", "-year", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["province", "year", "version"], name="people_coefficients_version"
            )
        ]
        verbose_name = _("coefficient table")
        verbose_name_plural = _("coefficient tables")

    def __str__(self) -> str:
        return f"{self.province.code} {self.year} v{self.version}"


class AssessmentStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class AssessmentPeriod(models.Model):
    """One unit's individual assessment of one year for one staff category."""

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="assessments", verbose_name=_("unit")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    scheme_yaml = models.TextField(_("scheme"))
    scheme_name = models.CharField(_("scheme name"), max_length=100)
    # The objection window is the app's setting of the assessment (the engine's scheme says who
    # sees what; how long a person may object is procedure).
    objection_days = models.PositiveSmallIntegerField(_("days to object"), default=7)
    through = models.CharField(_("assessed through month"), max_length=7, blank=True)
    coefficients = models.ForeignKey(
        CoefficientTable,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("coefficient table"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=AssessmentStatus.choices, default=AssessmentStatus.OPEN
    )
    computed = models.DateTimeField(_("computed"), null=True, blank=True)

    class Meta:
        ordering = ["unit", "-year", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "category"], name="people_assessment_unit_year_category"
            )
        ]
        verbose_name = _("assessment period")
        verbose_name_plural = _("assessment periods")

    def __str__(self) -> str:
        return f"{self.unit.code} {self.year} {self.category}"


class ReviewerItem(models.Model):
    """A score a reviewer enters by hand for one person, month and scheme item: a 共性 or 综合评价
    mark (a reviewer item) or an addition or deduction (an adjustment item, negative to deduct)."""

    assessment = models.ForeignKey(AssessmentPeriod, on_delete=models.CASCADE, related_name="items")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="review_items")
    month = models.PositiveSmallIntegerField(_("month"))
    item = models.CharField(_("item"), max_length=64)  # the scheme's item code
    points = models.DecimalField(_("points"), max_digits=7, decimal_places=2)
    note = models.CharField(_("note"), max_length=300, blank=True)
    entered_by = models.CharField(max_length=150)
    entered = models.DateTimeField()

    class Meta:
        ordering = ["assessment", "person", "month", "item"]
        verbose_name = _("reviewer item")
        verbose_name_plural = _("reviewer items")

    @property
    def audit_unit_code(self) -> str:
        return str(self.assessment.unit.code)

    def __str__(self) -> str:
        return f"{self.person_id} {self.month} {self.item} {self.points}"


class PersonScore(models.Model):
    """One person's accumulated score from January to the end of one month (逐月累计, the
    engine's ``ytd`` period), as the engine gave it; ``detail`` holds the item rows."""

    assessment = models.ForeignKey(
        AssessmentPeriod, on_delete=models.CASCADE, related_name="scores"
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="scores")
    month = models.PositiveSmallIntegerField(_("month"))
    performance = models.FloatField(_("performance (业绩)"))
    common = models.FloatField(_("common (共性)"))
    overall = models.FloatField(_("overall (综合评价)"))
    total = models.FloatField(_("total"))
    grade = models.CharField(_("grade"), max_length=64, blank=True)  # the scheme's grade code
    band = models.PositiveSmallIntegerField(_("standing band"), null=True, blank=True)  # 1-based
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    group_size = models.PositiveIntegerField(_("ranked together"), null=True, blank=True)
    detail = models.JSONField(_("detail"), default=dict)
    published = models.DateTimeField(_("published"))

    class Meta:
        ordering = ["assessment", "month", "person"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "person", "month"], name="people_score_person_month"
            )
        ]
        verbose_name = _("person score")
        verbose_name_plural = _("person scores")

    @property
    def audit_unit_code(self) -> str:
        return str(self.assessment.unit.code)

    def __str__(self) -> str:
        return f"{self.person_id} {self.month} {self.total:.2f}"


class ObjectionStatus(models.TextChoices):
    OPEN = "open", _("Awaiting the committee")
    UPHELD = "upheld", _("Upheld")
    REJECTED = "rejected", _("Rejected")


class Objection(models.Model):
    """A person's objection to one monthly score, and the committee's decision."""

    score = models.ForeignKey(PersonScore, on_delete=models.PROTECT, related_name="objections")
    raised_by = models.CharField(_("raised by"), max_length=150)
    raised = models.DateTimeField(_("raised"))
    text = models.TextField(_("objection"))
    status = models.CharField(
        _("status"), max_length=10, choices=ObjectionStatus.choices, default=ObjectionStatus.OPEN
    )
    decided_by = models.CharField(_("decided by"), max_length=150, blank=True)
    decided = models.DateTimeField(_("decided"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    corrected_total = models.FloatField(_("corrected total"), null=True, blank=True)

    class Meta:
        ordering = ["-raised", "-id"]
        verbose_name = _("objection")
        verbose_name_plural = _("objections")

    @property
    def audit_unit_code(self) -> str:
        return str(self.score.assessment.unit.code)

    def __str__(self) -> str:
        return f"objection {self.pk} to score {self.score_id}"
