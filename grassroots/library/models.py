"""The library (issue 13.1): typical cases, experience articles, brands, honours, attachments and
the search documents built from them.

A *case* is the underlying matter (one unit, its prosecutors, 要旨, body); each programme it is
entered in (an SPP typical-case call, the provincial selection, …) is a ``CaseEntry`` with its
own level, batch and status. The same case entered in several programmes is therefore linked by
construction (one ``Case``, several entries) and is counted once (PRACTICE-2 §5: "一案多用").
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from grassroots.organisations.models import Unit
from grassroots.people.models import Person


def attachments_dir() -> Path:
    return Path(settings.DATA_DIR) / "library" / "attachments"


class BusinessLine(models.TextChoices):
    CRIMINAL = "criminal", _("Criminal prosecution")
    CIVIL = "civil", _("Civil prosecution")
    ADMINISTRATIVE = "administrative", _("Administrative prosecution")
    PUBLIC_INTEREST = "public_interest", _("Public-interest litigation")
    MINORS = "minors", _("Juvenile prosecution")
    OTHER = "other", _("Other work")


class CaseKind(models.TextChoices):
    GUIDING = "guiding", _("Guiding case")
    TYPICAL = "typical", _("Typical case")
    EXCELLENT = "excellent", _("Excellent case")


class CaseLevel(models.TextChoices):
    SPP_GUIDING = "spp_guiding", _("SPP guiding")
    SPP_TYPICAL = "spp_typical", _("SPP typical")
    PROVINCIAL = "provincial", _("Provincial")
    CITY = "city", _("City")


# Highest first: a case final at several levels counts at its highest.
LEVEL_ORDER = (
    CaseLevel.SPP_GUIDING,
    CaseLevel.SPP_TYPICAL,
    CaseLevel.PROVINCIAL,
    CaseLevel.CITY,
)


class EntryStatus(models.TextChoices):
    CULTIVATING = "cultivating", _("Cultivating")
    RECOMMENDED = "recommended", _("Recommended")
    FIRST_REVIEW = "first_review", _("First review")
    SHORTLISTED = "shortlisted", _("Shortlisted and publicised")
    FINAL = "final", _("Final result")


# The pipeline in order (培育 → 推荐 → 初评 → 入围公示 → 定评).
STATUS_ORDER = (
    EntryStatus.CULTIVATING,
    EntryStatus.RECOMMENDED,
    EntryStatus.FIRST_REVIEW,
    EntryStatus.SHORTLISTED,
    EntryStatus.FINAL,
)


class Case(models.Model):
    """One matter of one unit, whatever programmes it is entered in."""

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="library_cases", verbose_name=_("unit")
    )
    case_number = models.CharField(
        _("case number"), max_length=80, blank=True, help_text=_("The unit's case number (案号).")
    )
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=CaseKind.choices)
    business_line = models.CharField(
        _("business line"), max_length=20, choices=BusinessLine.choices
    )
    prosecutors = models.ManyToManyField(
        Person, blank=True, related_name="library_cases", verbose_name=_("handling prosecutors")
    )
    keywords = models.CharField(_("keywords"), max_length=300, blank=True)
    gist = models.TextField(_("gist"), blank=True)  # 要旨
    body = models.TextField(_("body"), blank=True)  # sanitised HTML
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "case_number"],
                condition=~models.Q(case_number=""),
                name="library_case_unit_number_once",
            )
        ]

    def __str__(self) -> str:
        return self.title


class CaseEntry(models.Model):
    """The case entered in one programme (and batch) at one level, with its status."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="entries")
    programme = models.CharField(_("programme"), max_length=200)
    batch = models.CharField(_("batch"), max_length=60, blank=True)
    level = models.CharField(_("level"), max_length=12, choices=CaseLevel.choices)
    status = models.CharField(
        _("status"), max_length=14, choices=EntryStatus.choices, default=EntryStatus.CULTIVATING
    )
    grade = models.CharField(_("grade"), max_length=60, blank=True)  # at 定评: 典型 / 优秀 / 一等奖
    status_date = models.DateField(_("date of the status"))
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["case", "status_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "programme", "batch"], name="library_entry_programme_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case.title} · {self.programme} {self.batch}".strip()

    @property
    def audit_unit_code(self) -> str:
        return str(self.case.unit.code)


class Column(models.Model):
    """A column of experience articles the province defines (三年攻坚, 基层检察长谈攻坚, …)."""

    province = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="library_columns", verbose_name=_("province")
    )
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["province", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["province", "name_zh"], name="library_column_once")
        ]

    def __str__(self) -> str:
        return self.name_zh

    @property
    def audit_unit_code(self) -> str:
        return str(self.province.code)


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted for review")
    RETURNED = "returned", _("Returned")
    PUBLISHED = "published", _("Published")


class Article(models.Model):
    """A piece of experience written by a unit, published by the province after review."""

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="library_articles", verbose_name=_("unit")
    )
    column = models.ForeignKey(
        Column, on_delete=models.PROTECT, related_name="articles", verbose_name=_("column")
    )
    title = models.CharField(_("title"), max_length=200)
    author = models.CharField(_("author"), max_length=100, blank=True)
    business_line = models.CharField(
        _("business line"), max_length=20, choices=BusinessLine.choices, blank=True
    )
    keywords = models.CharField(_("keywords"), max_length=300, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    body = models.TextField(_("body"), blank=True)  # sanitised HTML
    status = models.CharField(
        _("status"), max_length=10, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT
    )
    review_note = models.CharField(_("review note"), max_length=500, blank=True)
    published_on = models.DateField(_("published on"), null=True, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return self.title


class BrandType(models.TextChoices):
    PARTY = "party", _("Party building")
    CULTURE = "culture", _("Procuratorial culture")
    BUSINESS = "business", _("Business work")


class Brand(models.Model):
    """A unit's brand (一院一品 / 一院多品: a unit may hold one or several)."""

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="library_brands", verbose_name=_("unit")
    )
    name = models.CharField(_("brand"), max_length=200)
    brand_type = models.CharField(_("type"), max_length=10, choices=BrandType.choices)
    business_line = models.CharField(
        _("business line"), max_length=20, choices=BusinessLine.choices, blank=True
    )
    description = models.TextField(_("description"), blank=True)  # sanitised HTML
    plan = models.TextField(_("creation plan"), blank=True)  # sanitised HTML
    started_on = models.DateField(_("started on"), null=True, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["unit__code", "name"]
        constraints = [models.UniqueConstraint(fields=["unit", "name"], name="library_brand_once")]

    def __str__(self) -> str:
        return self.name


class GoalStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    UNDERWAY = "underway", _("Underway")
    ACHIEVED = "achieved", _("Achieved")
    MISSED = "missed", _("Missed")


class BrandGoal(models.Model):
    """One staged goal of a brand's creation plan."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="goals")
    stage = models.PositiveSmallIntegerField(_("stage"))
    goal = models.CharField(_("goal"), max_length=300)
    due = models.DateField(_("due"))
    status = models.CharField(
        _("status"), max_length=10, choices=GoalStatus.choices, default=GoalStatus.PLANNED
    )

    class Meta:
        ordering = ["brand", "stage", "due", "id"]

    def __str__(self) -> str:
        return self.goal

    @property
    def audit_unit_code(self) -> str:
        return str(self.brand.unit.code)


class AwardLevel(models.TextChoices):
    NATION = "nation", _("National")
    PROVINCE = "province", _("Provincial")
    CITY = "city", _("City")
    COUNTY = "county", _("County")


class BrandAward(models.Model):
    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="awards")
    title = models.CharField(_("award"), max_length=200)
    level = models.CharField(_("level"), max_length=10, choices=AwardLevel.choices)
    awarded_on = models.DateField(_("date"))
    awarding_body = models.CharField(_("awarding body"), max_length=200)

    class Meta:
        ordering = ["brand", "-awarded_on", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def audit_unit_code(self) -> str:
        return str(self.brand.unit.code)


class Honour(models.Model):
    """An honour of a unit, or of one of its people (``person`` set)."""

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="library_honours", verbose_name=_("unit")
    )
    person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="library_honours",
        verbose_name=_("person"),
    )
    title = models.CharField(_("title"), max_length=200)
    level = models.CharField(_("level"), max_length=10, choices=AwardLevel.choices)
    awarded_on = models.DateField(_("date"))
    awarding_body = models.CharField(_("awarding body"), max_length=200)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-awarded_on", "id"]

    def __str__(self) -> str:
        return self.title


class Attachment(models.Model):
    """A file attached to a case or an article, stored under the data directory."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    filename = models.CharField(_("file"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"))

    class Meta:
        ordering = ["uploaded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(case__isnull=False, article__isnull=True)
                | models.Q(case__isnull=True, article__isnull=False),
                name="library_attachment_one_owner",
            )
        ]

    def __str__(self) -> str:
        return self.filename

    @property
    def owner_unit(self) -> Unit:
        return self.case.unit if self.case is not None else self.article.unit  # type: ignore[union-attr]

    @property
    def audit_unit_code(self) -> str:
        return str(self.owner_unit.code)

    @property
    def path(self) -> Path:
        return attachments_dir() / str(self.pk)


class DocKind(models.TextChoices):
    CASE = "case", _("Case")
    ARTICLE = "article", _("Experience article")
    BRAND = "brand", _("Brand")
    HONOUR = "honour", _("Honour")


class SearchDocument(models.Model):
    """What full-text search reads: one row per library item, its text segmented by jieba.

    ``tokens`` is the item's text as space-separated words (``grassroots/library/search.py``);
    PostgreSQL reads it with the 'simple' configuration, SQLite's FTS5 table ``library_fts``
    (created by the migration on SQLite only) holds the same words.
    """

    kind = models.CharField(max_length=10, choices=DocKind.choices)
    object_id = models.PositiveBigIntegerField()
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=200)
    level = models.CharField(max_length=12, blank=True)
    line = models.CharField(max_length=20, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    visible_to_all = models.BooleanField(default=False)  # published/final: every unit may see it
    tokens = models.TextField()
    words = models.PositiveIntegerField(default=0)  # how many words ``tokens`` holds (for BM25)

    class Meta:
        ordering = ["kind", "object_id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="library_doc_once")
        ]
        indexes = [models.Index(fields=["level", "line", "year"], name="library_doc_filters")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id}"
