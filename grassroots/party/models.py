"""Party building and business assessed together (党建业务融合考核), issue 15: the state.

Party organisations of a unit (院党组 → 机关党委 → 党支部 → 党小组, a branch or group covering
departments: 支部建在部门上), plans whose recurring tasks are quantified to posts and people, the
tasks with their evidence and the reviewer's score, deductions, the province's versioned scheme,
the monthly and quarterly reports the engine scored (``grassroots/engine/party``), and the
warnings sent to a unit's secretary. Pilots, the research contest, brands, the rules library and
the quarterly party-member stars are in ``models_practice.py``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from grassroots.organisations.models import Unit
from grassroots.organisations.versions import ProvinceVersion, version_constraints
from grassroots.people.models import Department, Person


class OrgKind(models.TextChoices):
    LEADING_GROUP = "leading_group", _("Leading party group")  # 院党组
    ORGAN_COMMITTEE = "organ_committee", _("Organ party committee")  # 机关党委
    BRANCH = "branch", _("Party branch")  # 党支部
    GROUP = "group", _("Party group")  # 党小组


# Which kind may sit under which: the chain of the issue.
PARENT_KIND = {
    OrgKind.LEADING_GROUP: None,
    OrgKind.ORGAN_COMMITTEE: OrgKind.LEADING_GROUP,
    OrgKind.BRANCH: OrgKind.ORGAN_COMMITTEE,
    OrgKind.GROUP: OrgKind.BRANCH,
}


class PartyOrg(models.Model):
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="party_orgs", verbose_name=_("unit")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=OrgKind.choices)
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("above it"),
    )
    departments = models.ManyToManyField(
        Department, blank=True, related_name="party_orgs", verbose_name=_("departments covered")
    )
    secretary = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="party_secretary_of",
        verbose_name=_("secretary"),
    )
    members = models.ManyToManyField(
        Person, blank=True, related_name="party_orgs", verbose_name=_("members")
    )

    class Meta:
        ordering = ["unit", "id"]
        verbose_name = _("party organisation")
        verbose_name_plural = _("party organisations")

    def __str__(self) -> str:
        return f"{self.unit.code} {self.name}"


class Recurrence(models.TextChoices):
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    YEARLY = "yearly", _("Yearly")


class TaskPlan(models.Model):
    """A recurring task of a unit's plan, for the holders of a post or for one person."""

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="party_plans", verbose_name=_("unit")
    )
    title = models.CharField(_("task"), max_length=200)
    item = models.CharField(_("scheme item"), max_length=64)
    recurrence = models.CharField(_("recurrence"), max_length=10, choices=Recurrence.choices)
    points = models.DecimalField(_("points"), max_digits=6, decimal_places=2)
    owner_post = models.CharField(_("owner post"), max_length=50, blank=True)
    owner_person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    reviewer = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("reviewer")
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["unit", "id"]
        verbose_name = _("task plan")
        verbose_name_plural = _("task plans")

    def __str__(self) -> str:
        return f"{self.unit.code} {self.title}"


class TaskStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("task status", "Open")
    DONE = "done", _("Done, awaiting the score")
    SCORED = "scored", _("Scored")


class Task(models.Model):
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="party_tasks", verbose_name=_("unit")
    )
    plan = models.ForeignKey(
        TaskPlan, on_delete=models.PROTECT, null=True, blank=True, related_name="tasks"
    )
    title = models.CharField(_("task"), max_length=200)
    item = models.CharField(_("scheme item"), max_length=64)
    period = models.CharField(_("period"), max_length=10)  # 2024-W03, 2024-01, 2024Q1, 2024
    month = models.CharField(_("reported in"), max_length=7)  # 2024-01: its due date's month
    owner_post = models.CharField(_("owner post"), max_length=50, blank=True)
    owner = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="party_tasks", verbose_name=_("owner")
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewer = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="party_reviews", verbose_name=_("reviewer")
    )
    due = models.DateField(_("due"))
    points = models.DecimalField(_("points"), max_digits=6, decimal_places=2)
    status = models.CharField(
        _("status"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN
    )
    report = models.TextField(_("what was done"), blank=True)
    evidence_name = models.CharField(_("evidence"), max_length=200, blank=True)
    evidence_path = models.CharField(max_length=500, blank=True)
    evidence_size = models.PositiveIntegerField(null=True, blank=True)
    evidence_type = models.CharField(max_length=100, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2, null=True, blank=True)
    score_note = models.CharField(_("reviewer's note"), max_length=300, blank=True)
    scored_by = models.CharField(_("scored by"), max_length=150, blank=True)
    scored_at = models.DateTimeField(_("scored"), null=True, blank=True)
    overdue_notified = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "period", "owner"],
                condition=models.Q(plan__isnull=False),
                name="party_task_plan_period_owner",
            )
        ]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")

    def __str__(self) -> str:
        return f"{self.unit.code} {self.period} {self.title}"


class Deduction(models.Model):
    """Points deducted from a deduction item of one subject (the unit, a department or a
    person) in one month."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    item = models.CharField(_("scheme item"), max_length=64)
    month = models.CharField(_("month"), max_length=7)
    points = models.DecimalField(_("points deducted"), max_digits=6, decimal_places=2)
    reason = models.CharField(_("reason"), max_length=300)
    entered_by = models.CharField(max_length=150)
    entered = models.DateTimeField()

    class Meta:
        ordering = ["unit", "month", "id"]
        verbose_name = _("deduction")
        verbose_name_plural = _("deductions")


class PartySchemeVersion(ProvinceVersion):
    """One version of a province's integration scheme (the engine's YAML)."""

    KEY = ("code",)
    code = models.CharField(_("scheme"), max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["code", "-version"]
        constraints = version_constraints("party_scheme", "code")
        verbose_name = _("integration scheme version")
        verbose_name_plural = _("integration scheme versions")

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"


class SubjectKind(models.TextChoices):
    UNIT = "unit", _("Unit")
    DEPARTMENT = "department", _("Department")
    PERSON = "person", _("Person")


class ReportKind(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")


class PartyReport(models.Model):
    """One subject's standing in one month or quarter, as the engine scored it."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="party_reports")
    subject = models.CharField(max_length=12, choices=SubjectKind.choices)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=ReportKind.choices)
    period = models.CharField(_("period"), max_length=7)  # 2024-01 or 2024Q1
    scheme = models.ForeignKey(PartySchemeVersion, on_delete=models.PROTECT, related_name="+")
    total = models.FloatField(_("total"), null=True)
    points = models.JSONField(default=dict)
    rank = models.PositiveIntegerField(null=True)
    rank_count = models.PositiveIntegerField(default=0)
    colour = models.CharField(max_length=8)
    why = models.CharField(max_length=300)
    why_reason = models.JSONField(default=list)
    produced = models.DateTimeField()

    class Meta:
        ordering = ["unit", "subject", "period", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "subject", "department", "person", "period"],
                nulls_distinct=False,
                name="party_report_subject_period",
            )
        ]
        verbose_name = _("integration report")
        verbose_name_plural = _("integration reports")


class PartyWarning(models.Model):
    """A unit turned yellow or red in a report: the warning sent to its secretary."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    report = models.OneToOneField(PartyReport, on_delete=models.PROTECT, related_name="warning")
    secretary = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="party_warnings"
    )
    colour = models.CharField(max_length=8)
    why = models.CharField(max_length=300)
    created = models.DateTimeField()
    read = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = _("integration warning")
        verbose_name_plural = _("integration warnings")


# ------------------------------------------------------------------------------------------
# Practice (issue 15.4): pilots, the research contest, brands, the rules library, the stars.


class PilotStatus(models.TextChoices):
    ONGOING = "ongoing", _("Ongoing")
    FINISHED = "finished", _("Finished")


class Pilot(models.Model):
    """A pilot unit (or department) of integration, its project and results (试点)."""

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("department"),
    )  # fmt: skip
    project = models.CharField(_("project"), max_length=200)
    started = models.DateField(_("started"))
    status = models.CharField(
        _("status"), max_length=10, choices=PilotStatus.choices, default=PilotStatus.ONGOING
    )
    results = models.TextField(_("results"), blank=True)

    class Meta:
        ordering = ["unit", "started", "id"]
        verbose_name = _("pilot")
        verbose_name_plural = _("pilots")


class Contest(models.Model):
    """A research contest of a province (调研大赛): rounds, entries, panel scores, finalists."""

    province = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("contest"), max_length=200)
    rounds = models.PositiveSmallIntegerField(_("rounds"), default=2)
    finalists = models.PositiveSmallIntegerField(_("finalists"), default=20)
    current_round = models.PositiveSmallIntegerField(_("current round"), default=1)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("research contest")
        verbose_name_plural = _("research contests")

    @property
    def audit_unit_code(self) -> str:
        return str(self.province.code)


class ContestEntry(models.Model):
    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="entries")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    author = models.CharField(_("author"), max_length=100)
    title = models.CharField(_("title"), max_length=300)
    reached = models.PositiveSmallIntegerField(_("reached round"), default=1)
    finalist = models.BooleanField(_("finalist"), default=False)

    class Meta:
        ordering = ["contest", "id"]
        verbose_name = _("contest entry")
        verbose_name_plural = _("contest entries")


class PanelScore(models.Model):
    entry = models.ForeignKey(ContestEntry, on_delete=models.CASCADE, related_name="scores")
    round = models.PositiveSmallIntegerField(_("round"))
    judge = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entry", "round", "judge"], name="party_panel_once")
        ]
        verbose_name = _("panel score")
        verbose_name_plural = _("panel scores")

    @property
    def audit_unit_code(self) -> str:
        return str(self.entry.unit.code)


class PartyBrand(models.Model):
    """A party-building brand of a unit, the library's brand it is (一支部一品牌)."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    org = models.ForeignKey(
        PartyOrg, on_delete=models.PROTECT, null=True, blank=True, related_name="brands",
        verbose_name=_("party organisation"),
    )  # fmt: skip
    library_brand = models.ForeignKey(
        "library.Brand", on_delete=models.PROTECT, related_name="party_brands",
        verbose_name=_("library brand"),
    )  # fmt: skip
    motto = models.CharField(_("what it stands for"), max_length=300, blank=True)

    class Meta:
        ordering = ["unit", "id"]
        verbose_name = _("party-building brand")
        verbose_name_plural = _("party-building brands")


class RuleResult(models.Model):
    """A system result of the rules library (制度成果): chapters and items, versioned by
    ``code``, made by one unit."""

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("made by")
    )
    code = models.CharField(_("code"), max_length=40)
    version = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=300)
    adopted = models.DateField(_("adopted"))

    class Meta:
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "code", "version"], name="party_rule_version")
        ]
        verbose_name = _("system result")
        verbose_name_plural = _("system results")


class RuleChapter(models.Model):
    result = models.ForeignKey(RuleResult, on_delete=models.CASCADE, related_name="chapters")
    number = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)

    class Meta:
        ordering = ["result", "number"]


class RuleItem(models.Model):
    chapter = models.ForeignKey(RuleChapter, on_delete=models.CASCADE, related_name="items")
    number = models.PositiveSmallIntegerField()  # numbered through the whole result (第N条)
    text = models.TextField()

    class Meta:
        ordering = ["chapter", "number"]


class Star(models.Model):
    """A quarterly "party member star" (党员之星) of a unit."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    quarter = models.CharField(_("quarter"), max_length=6)
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("person")
    )
    reason = models.CharField(_("reason"), max_length=300)
    selected_by = models.CharField(max_length=150)

    class Meta:
        ordering = ["unit", "-quarter", "id"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "quarter", "person"], name="party_star_once")
        ]
        verbose_name = _("party member star")
        verbose_name_plural = _("party member stars")
