"""The direct channel (直报): a grassroots unit's problems and suggestions reported straight to
the province, routed by the contact map the province keeps, answered within time limits."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from grassroots.organisations.models import Unit


class ContactKind(models.TextChoices):
    """One line of the contact map; routing reads them in this order."""

    WEAK_LEADER = "weak_leader", _("Supporting leader of a weak unit")
    WEAK_DEPARTMENT = "weak_department", _("Supporting department of a weak unit")
    DEPARTMENT_LINE = "department_line", _("Department for a business line")
    LEADER_UNIT = "leader_unit", _("Leader for a grassroots contact unit")
    LEADER_CITY = "leader_city", _("Leader for a city")
    OFFICE = "office", _("Receiving office of the province")


class Line(models.TextChoices):
    CRIMINAL = "criminal", _("Criminal prosecution")
    CIVIL = "civil", _("Civil prosecution")
    ADMINISTRATIVE = "administrative", _("Administrative prosecution")
    PUBLIC_INTEREST = "public_interest", _("Public-interest litigation")
    GENERAL = "general", _("General affairs")


class ContactEntry(models.Model):
    """A handler of the province (a user with a role there) and what they answer for."""

    province = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("province")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ContactKind.choices)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="direct_contacts",
        verbose_name=_("handler"),
    )
    # The city or grassroots unit the line is for (leaders, weak units); none for a line or
    # the office.
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("unit"),
    )
    line = models.CharField(_("business line"), max_length=20, choices=Line.choices, blank=True)
    department = models.CharField(_("department"), max_length=100, blank=True)

    class Meta:
        ordering = ["province", "kind", "id"]
        verbose_name = _("contact-map entry")
        verbose_name_plural = _("contact-map entries")

    def __str__(self) -> str:
        return f"{self.kind} {self.handler_id} {self.unit_id or self.line}"

    @property
    def audit_unit_code(self) -> str:
        return str(self.province.code)


class Category(models.TextChoices):
    PROBLEM = "problem", _("Problem")
    SUGGESTION = "suggestion", _("Suggestion")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent")


class Stage(models.TextChoices):
    FIRST = "first", _("Waiting for the first reply")
    SUBSTANTIVE = "substantive", _("Waiting for the substantive reply")
    UPDATE = "update", _("Monthly updates")
    CLOSED = "closed", pgettext_lazy("direct report", "Closed")


class Report(models.Model):
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="direct_reports", verbose_name=_("unit")
    )
    province = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("province")
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("filed by"),
    )
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    urgency = models.CharField(_("urgency"), max_length=8, choices=Urgency.choices)
    line = models.CharField(_("business line"), max_length=20, choices=Line.choices, blank=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    filed_at = models.DateTimeField(_("filed"))
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="direct_handling",
        verbose_name=_("handler"),
    )
    # The department the current handler answers for ("" for a leader).
    department = models.CharField(_("department"), max_length=100, blank=True)
    # The persons on the map for this report, in order (user ids): escalation goes down it.
    route = models.JSONField(_("route"), default=list)
    route_step = models.PositiveSmallIntegerField(_("place on the route"), default=0)
    stage = models.CharField(_("stage"), max_length=12, choices=Stage.choices, default=Stage.FIRST)
    due_at = models.DateTimeField(_("due"), null=True, blank=True, db_index=True)
    first_reply_at = models.DateTimeField(_("first reply"), null=True, blank=True)
    substantive_at = models.DateTimeField(_("substantive reply"), null=True, blank=True)
    escalations = models.PositiveSmallIntegerField(_("escalations"), default=0)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        ordering = ["-filed_at", "-id"]
        verbose_name = _("direct report")
        verbose_name_plural = _("direct reports")

    def __str__(self) -> str:
        return f"{self.number} {self.title[:40]}"

    @property
    def number(self) -> str:
        return f"ZB{self.filed_at:%Y}-{self.pk:05d}" if self.pk else ""

    def is_overdue(self, now: object) -> bool:
        return self.stage != Stage.CLOSED and self.due_at is not None and self.due_at < now  # type: ignore[operator]


class MessageKind(models.TextChoices):
    FILED = "filed", _("Filed")
    REPLY = "reply", _("Reply")
    SUBSTANTIVE = "substantive", _("Substantive reply")
    NOTE = "note", _("Note from the unit")
    FORWARD = "forward", _("Forwarded")
    ESCALATE = "escalate", _("Escalated")
    CLOSE = "close", _("Closed")


class Message(models.Model):
    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="messages", verbose_name=_("direct report")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=MessageKind.choices)
    # None: the system (an overdue item escalated by the worker).
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        verbose_name=_("author"),
    )
    to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        verbose_name=_("to"),
    )
    text = models.TextField(_("text"), blank=True)
    created = models.DateTimeField(_("created"))

    class Meta:
        ordering = ["created", "id"]
        verbose_name = _("direct-report step")
        verbose_name_plural = _("direct-report steps")

    def __str__(self) -> str:
        return f"{self.report_id} {self.kind}"

    @property
    def unit(self) -> Unit:
        return self.report.unit


class Attachment(models.Model):
    report = models.ForeignKey(
        Report,
        on_delete=models.CASCADE,
        related_name="attachments",
        verbose_name=_("direct report"),
    )
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size"))
    content_type = models.CharField(_("type"), max_length=100)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    stored = models.CharField(_("stored as"), max_length=300)  # relative to DATA_DIR/direct
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded"))

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name

    @property
    def unit(self) -> Unit:
        return self.report.unit
