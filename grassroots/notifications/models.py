"""A user's notifications (the in-app inbox), their choices, and the e-mail outbox."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class MailState(models.TextChoices):
    NONE = "none", _("No e-mail")
    QUEUED = "queued", _("Queued for e-mail")
    DIGEST = "digest", _("Waiting for the daily digest")
    DIGESTED = "digested", _("In a daily digest")


class Notification(models.Model):
    """One message to one user. Title and body are message ids (English, translated when read)
    with their parameters, so each reader reads it in their own language."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=40)
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("text"), blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    # What the notification is about ("measure:12:due"): a user is told once per key.
    key = models.CharField(_("key"), max_length=200, blank=True)
    created = models.DateTimeField(_("created"), db_index=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    mail_state = models.CharField(
        _("e-mail"), max_length=10, choices=MailState.choices, default=MailState.NONE
    )

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["recipient", "read_at"], name="notif_unread")]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "key"], condition=~Q(key=""), name="notification_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id} {self.kind} {self.created:%Y-%m-%d}"


class Preference(models.Model):
    """What a user wants to be told, and how: kinds switched off, kinds not e-mailed, digest."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preference",
        verbose_name=_("user"),
    )
    off_kinds = models.JSONField(_("kinds switched off"), default=list, blank=True)
    no_mail_kinds = models.JSONField(_("kinds not e-mailed"), default=list, blank=True)
    digest = models.BooleanField(_("one daily digest instead of immediate e-mail"), default=False)
    language = models.CharField(_("e-mail language"), max_length=10, default="zh-hans")
    last_digest = models.DateField(_("last digest"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return f"{self.user_id}"

    @property
    def audit_unit_code(self) -> str:
        membership = getattr(self.user, "membership", None)
        return str(membership.unit.code) if membership is not None else ""


class OutboxMail(models.Model):
    """One e-mail to send: a notification, or a digest of several. The row stays until the
    mail is sent (then ``sent_at``); a failed attempt is retried later with a growing wait."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    notifications = models.ManyToManyField(Notification, related_name="mails")
    digest = models.BooleanField(default=False)
    created = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)
    next_attempt = models.DateTimeField(db_index=True)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["next_attempt", "id"]

    def __str__(self) -> str:
        return f"mail {self.pk} to {self.recipient_id}"
