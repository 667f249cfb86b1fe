"""Units (the procuratorate hierarchy), people's roles, API tokens and the audit log."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.utils.translation import gettext_lazy as _

from grassroots.organisations.chain import entry_hash


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
    # The three administrators (三员): the auditor is the audit administrator.
    AUDITOR = "auditor", _("Auditor (read-only)")
    # The people app's roles (issue 14): the unit's personnel manager (政治部) keeps the roster;
    # a member of the unit's assessment committee (考评委员会) sees every score and decides
    # objections; a staff member (干警) sees only their own page.
    PERSONNEL_MANAGER = "personnel_manager", _("Unit personnel manager")
    COMMITTEE = "committee", _("Assessment committee member")
    STAFF = "staff", _("Staff member")
    SYSTEM_ADMIN = "system_admin", _("System administrator")
    SECURITY_ADMIN = "security_admin", _("Security administrator")


# No account holds two of these: a user has one membership, so one role (三员分立).
THREE_ADMINISTRATORS = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR})
# Roles that do business work (and may be given by the security administrator's page).
BUSINESS_ROLES = (
    Role.PROVINCE_ADMIN,
    Role.CITY_REVIEWER,
    Role.GRASSROOTS_CLERK,
    Role.LEADER,
    Role.PERSONNEL_MANAGER,
    Role.COMMITTEE,
    Role.STAFF,
)


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
    # Blank: an account the system administrator made, waiting for the security administrator
    # to give it a role; it sees nothing until then.
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)

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
    revoked = models.DateTimeField(_("revoked"), null=True, blank=True)

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
    # Security events (安全审计).
    LOGIN = "login", _("Log in")
    LOGIN_FAILED = "login_failed", _("Failed login")
    LOGOUT = "logout", _("Log out")
    LOCKOUT = "lockout", _("Account locked")
    UNLOCK = "unlock", _("Account unlocked")
    DENIED = "denied", _("Access refused")
    EXPORT = "export", _("Export or download")
    PASSWORD = "password", _("Password change")
    TWO_FACTOR = "two_factor", _("Second factor")
    ACTIVATE = "activate", _("Account activated")
    DEACTIVATE = "deactivate", _("Account deactivated")
    REVOKE = "revoke", _("Token revoked")
    VIEW = "view", _("View personal data")


class AuditResult(models.TextChoices):
    OK = "ok", _("Succeeded")
    FAILED = "failed", _("Failed")
    REFUSED = "refused", _("Refused")


class AuditImmutableError(Exception):
    """Raised when code tries to change or delete an audit entry (the log is append-only)."""


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    # Bulk paths bypass Model.save/delete, so they are closed here as well; the database
    # triggers of migration 0002 are the last line for anything that goes around the ORM.
    def update(self, **kwargs: object) -> int:
        raise AuditImmutableError("audit entries cannot be updated")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditImmutableError("audit entries cannot be deleted")

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> list[AuditEntry]:
        entries = list(objs)
        with transaction.atomic(using=self.db):
            chain_entries(entries)
            created = super().bulk_create(entries, *args, **kwargs)
            _witness_on_commit(created[-1] if created else None, using=self.db)
            return created


# Any constant: the key of the PostgreSQL advisory lock that serialises audit writers.
_CHAIN_LOCK_KEY = 0x6772_6173_7372_6F6F  # "grassroo"


def chain_entries(entries: list[AuditEntry]) -> None:
    """Give unsaved entries their place in the chain; call inside the transaction saving them.

    Two writers must not both read the same last hash and fork the chain: on PostgreSQL a
    transaction-level advisory lock is held until the writer commits; SQLite's IMMEDIATE
    transactions (the embedded database's setting) already admit one writer at a time.
    """
    if not entries:
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])
    previous = AuditEntry.objects.order_by("-id").values_list("hash", flat=True).first() or ""
    for audit in entries:
        audit.prev_hash = previous
        audit.hash = entry_hash(audit.chain_fields(), previous)
        previous = audit.hash


def _witness_on_commit(entry: AuditEntry | None, *, using: str | None) -> None:
    """Once the entry is committed, witness the chain's new head outside the database
    (``audit_witness.py``), so entries later removed from the end are found."""
    if entry is None or entry.pk is None:
        return
    from grassroots.organisations.audit_witness import Head, witness

    head_id, head_hash = entry.pk, entry.hash

    def record() -> None:
        genesis = AuditEntry.objects.order_by("id").values_list("hash", flat=True).first()
        if genesis:
            witness(Head(head_id, head_hash, genesis))

    transaction.on_commit(record, using=using)


class AuditEntry(models.Model):
    """Append-only record of a change to a business record. Never edited or deleted by the app."""

    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField(max_length=150)  # kept even if the user is later renamed
    action = models.CharField(max_length=20, choices=AuditAction.choices)
    model = models.CharField(max_length=100, db_index=True)  # "organisations.unit"
    object_id = models.CharField(max_length=64, db_index=True)
    object_repr = models.CharField(max_length=200)
    unit_code = models.CharField(max_length=12, blank=True, db_index=True)  # for scoping the log
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    result = models.CharField(max_length=10, choices=AuditResult.choices, default=AuditResult.OK)
    source = models.CharField(max_length=100, blank=True)  # client address, or "cli (user@host)"
    # The hash chain: each entry's hash covers its content and the previous entry's hash, so an
    # edited, removed or inserted entry breaks every hash after it (`grassroots audit verify`).
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, blank=True)

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
        with transaction.atomic(using=kwargs.get("using")):
            chain_entries([self])
            super().save(*args, **kwargs)
            _witness_on_commit(self, using=kwargs.get("using"))

    def chain_fields(self) -> dict[str, Any]:
        """The content the entry's hash covers (everything but the id and the hashes)."""
        return {
            "at": self.at,
            "actor_id": self.actor_id,
            "actor_name": self.actor_name,
            "action": self.action,
            "model": self.model,
            "object_id": self.object_id,
            "object_repr": self.object_repr,
            "unit_code": self.unit_code,
            "before": self.before,
            "after": self.after,
            "reason": self.reason,
            "result": self.result,
            "source": self.source,
        }

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditImmutableError("audit entries cannot be deleted")


class AccountSecurity(models.Model):
    """A login's password age, forced change and second factor (one row per user, made lazily)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="security",
        verbose_name=_("user"),
    )
    password_changed = models.DateTimeField(_("password changed"), null=True, blank=True)
    must_change_password = models.BooleanField(_("must change password"), default=False)
    totp_secret = models.CharField(_("authenticator key"), max_length=64, blank=True)
    totp_enabled = models.BooleanField(_("second factor on"), default=False)
    # The last accepted time step: a code is accepted once (no replay within its 30 s).
    totp_last_step = models.BigIntegerField(_("time step of the last code"), default=0)

    class Meta:
        verbose_name = _("account security")
        verbose_name_plural = _("account security")

    def __str__(self) -> str:
        return f"security of {self.user}"

    @property
    def audit_unit_code(self) -> str:
        membership = getattr(self.user, "membership", None)
        return str(membership.unit.code) if membership is not None else ""


class LoginGuard(models.Model):
    """Failed password attempts per account name (any address), and the lock they lead to.

    Kept per name, known or not, so a guess at a name that does not exist behaves the same.
    """

    username = models.CharField(_("username"), max_length=150, unique=True)
    failures = models.PositiveIntegerField(_("failures in a row"), default=0)
    lockouts = models.PositiveIntegerField(_("locks in a row"), default=0)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)

    class Meta:
        verbose_name = _("login guard")
        verbose_name_plural = _("login guards")

    def __str__(self) -> str:
        return f"guard of {self.username}"
