"""Units (the procuratorate hierarchy), people's roles, API tokens and the audit log."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    NATION = "nation", _("Supreme People's Procuratorate")
    PROVINCE = "province", _("Provincial procuratorate")
    CITY = "city", _("City procuratorate")
    GRASSROOTS = "grassroots", _("Grassroots procuratorate")


class UnitKind(models.TextChoices):
    REGULAR = "regular", _("Regular")
    RAILWAY = "railway", _("Railway transport")
    FORESTRY = "forestry", _("Forestry")
    ZONE = "zone", _("Development zone")
    OTHER = "other", _("Other special unit")


class Unit(models.Model):
    """One procuratorate. `code` is stable and is the key everywhere else (files, API, engine)."""

    code = models.CharField(_("code"), max_length=12, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    level = models.CharField(_("level"), max_length=12, choices=Level.choices)
    kind = models.CharField(
        _("kind"), max_length=12, choices=UnitKind.choices, default=UnitKind.REGULAR
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    # Materialised path of full codes ("370000/370100/370102/") so a subtree is one indexed prefix query.
    # The national unit (the one root) has the empty path: every path starts with it, so its
    # subtree is every unit, and paths stored before it existed (run results) stay valid.
    path = models.CharField(_("path"), max_length=200, db_index=True, editable=False)
    peer_group = models.CharField(_("peer group"), max_length=40, blank=True)
    headcount = models.PositiveIntegerField(_("headcount"), null=True, blank=True)
    procurators = models.PositiveIntegerField(_("procurators"), null=True, blank=True)
    under_45_share = models.DecimalField(
        _("share of officers under 45"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Percent, 0-100"),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["path"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")

    def __str__(self) -> str:
        return f"{self.code} {self.name_zh}"


class Role(models.TextChoices):
    PROVINCE_ADMIN = "province_admin", _("Province administrator")
    CITY_REVIEWER = "city_reviewer", _("City reviewer")
    GRASSROOTS_CLERK = "grassroots_clerk", _("Grassroots clerk")
    LEADER = "leader", _("Leader (read-only)")
    AUDITOR = "auditor", _("Auditor (read-only)")


class Membership(models.Model):
    """A user's one unit and role. A user without a membership sees nothing."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="membership",
        verbose_name=_("user"),
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="members", verbose_name=_("unit")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} @ {self.unit.code} ({self.role})"


class ApiToken(models.Model):
    """A bearer token for the API. Only its SHA-256 digest is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=100)
    digest = models.CharField(_("digest"), max_length=64, unique=True)
    prefix = models.CharField(_("prefix"), max_length=8)
    created = models.DateTimeField(_("created"))
    expires = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    @property
    def audit_unit_code(self) -> str:
        """A token's entries are its user's unit's, for that unit's auditors."""
        membership = getattr(self.user, "membership", None)
        return str(membership.unit.code) if membership is not None else ""


class AuditAction(models.TextChoices):
    CREATE = "create", _("Create")
    UPDATE = "update", _("Update")
    DELETE = "delete", _("Delete")
    VIEW = "view", _("View personal data")
    EXPORT = "export", _("Export")


class AuditImmutableError(Exception):
    """Raised when code tries to change or delete an audit entry (the log is append-only)."""


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    # Bulk paths bypass Model.save/delete, so they are closed here as well; the database
    # triggers of migration 0002 are the last line for anything that goes around the ORM.
    def update(self, **kwargs: object) -> int:
        raise AuditImmutableError("audit entries cannot be updated")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditImmutableError("audit entries cannot be deleted")


class AuditEntry(models.Model):
    """Append-only record of a change to a business record. Never edited or deleted by the app."""

    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField(max_length=150)  # kept even if the user is later renamed
    action = models.CharField(max_length=10, choices=AuditAction.choices)
    model = models.CharField(max_length=100, db_index=True)  # "organisations.unit"
    object_id = models.CharField(max_length=64, db_index=True)
    object_repr = models.CharField(max_length=200)
    unit_code = models.CharField(max_length=12, blank=True, db_index=True)  # for scoping the log
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    reason = models.CharField(max_length=500, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        # The league cache's "units stamp" is the newest entry of one model: MAX(id) WHERE
        # model = ... is one index probe with this, not a scan of that model's entries.
        indexes = [models.Index(fields=["model", "id"], name="audit_model_id_idx")]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.model}#{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditImmutableError("audit entries cannot be changed once written")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditImmutableError("audit entries cannot be deleted")
