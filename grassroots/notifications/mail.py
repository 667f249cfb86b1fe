"""The outbox: e-mail sent by the worker (``grassroots runs work``), never by a web request.

Every round the worker calls ``deliver(now)``: the time-based scans, then the daily digests
that are due, then every outbox row whose time has come. A row stays until its mail is sent;
a failed attempt (server down, refused) is kept with its error and tried again later, waiting
1, 2, 4, … minutes, at most ``GRASSROOTS_SMTP_RETRY_MAX_MINUTES``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from grassroots.notifications.models import MailState, Notification, OutboxMail, Preference
from grassroots.notifications.scans import run_scans
from grassroots.notifications.services import body_of, mail_enabled, title_of

logger = logging.getLogger(__name__)
BATCH = 50


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the ``attempts``-th failed attempt: 1, 2, 4, … minutes, capped."""
    cap = int(getattr(settings, "GRASSROOTS_SMTP_RETRY_MAX_MINUTES", 360))
    return dt.timedelta(minutes=min(2 ** max(attempts - 1, 0), cap))


def queue_digests(now: dt.datetime) -> int:
    """One digest mail per user with waiting notifications, once a day from the digest hour."""
    local = timezone.localtime(now)
    if local.hour < int(getattr(settings, "GRASSROOTS_DIGEST_HOUR", 8)):
        return 0
    today = local.date()
    queued = 0
    users = (
        Notification.objects.filter(mail_state=MailState.DIGEST)
        .values_list("recipient_id", flat=True)
        .distinct()
    )
    for user_id in list(users):
        with transaction.atomic():
            pref = Preference.objects.select_for_update().filter(user_id=user_id).first()
            if pref is not None and pref.last_digest == today:
                continue
            waiting = list(
                Notification.objects.select_for_update().filter(
                    recipient_id=user_id, mail_state=MailState.DIGEST
                )
            )
            if not waiting:
                continue
            mail = OutboxMail.objects.create(
                recipient_id=user_id, created=now, next_attempt=now, digest=True
            )
            mail.notifications.add(*waiting)
            Notification.objects.filter(pk__in=[n.pk for n in waiting]).update(
                mail_state=MailState.DIGESTED
            )
            if pref is not None:
                pref.last_digest = today
                pref.save(update_fields=["last_digest"])
            queued += 1
    return queued


def _absolute(link: str) -> str:
    base = str(getattr(settings, "GRASSROOTS_SITE_URL", "")).rstrip("/")
    return f"{base}{link}" if link.startswith("/") and base else link


def render(mail: OutboxMail) -> EmailMessage:
    """The message in the recipient's chosen language."""
    pref = Preference.objects.filter(user_id=mail.recipient_id).first()
    language = pref.language if pref is not None else settings.LANGUAGE_CODE
    notes = list(mail.notifications.order_by("created", "id"))
    with translation.override(language):
        if mail.digest:
            subject = ngettext(
                "Grassroots: %(count)s new notification",
                "Grassroots: %(count)s new notifications",
                len(notes),
            ) % {"count": len(notes)}
        else:
            subject = title_of(notes[0]) if notes else gettext("Grassroots notification")
        parts = []
        for note in notes:
            lines = [title_of(note)] if mail.digest else []
            if note.body:
                lines.append(body_of(note))
            if note.link:
                lines.append(_absolute(note.link))
            parts.append("\n".join(lines))
        text = "\n\n".join(parts)
    return EmailMessage(
        subject=subject.replace("\n", " ")[:200],
        body=text,
        from_email=getattr(settings, "GRASSROOTS_MAIL_FROM", "") or None,
        to=[mail.recipient.email],
    )


def _connection() -> Any:
    return get_connection(
        backend="django.core.mail.backends.smtp.EmailBackend",
        host=settings.GRASSROOTS_SMTP_HOST,
        port=settings.GRASSROOTS_SMTP_PORT,
        username=settings.GRASSROOTS_SMTP_USER or None,
        password=settings.GRASSROOTS_SMTP_PASSWORD or None,
        use_tls=settings.GRASSROOTS_SMTP_STARTTLS,
        use_ssl=settings.GRASSROOTS_SMTP_SSL,
        timeout=settings.GRASSROOTS_SMTP_TIMEOUT,
        fail_silently=False,
    )


def send_due(now: dt.datetime) -> tuple[int, int]:
    """Send the outbox rows whose time has come: (sent, failed)."""
    if not mail_enabled():
        return 0, 0
    due = list(
        OutboxMail.objects.filter(sent_at__isnull=True, next_attempt__lte=now)
        .select_related("recipient")
        .order_by("next_attempt", "id")[:BATCH]
    )
    if not due:
        return 0, 0
    sent = failed = 0
    connection = _connection()
    try:
        for mail in due:
            with transaction.atomic():
                row = (
                    OutboxMail.objects.select_for_update(skip_locked=True)
                    .filter(pk=mail.pk, sent_at__isnull=True)
                    .select_related("recipient")
                    .first()
                )
                if row is None:
                    continue  # another worker has it
                try:
                    if not row.recipient.email:
                        raise ValueError("the recipient has no e-mail address")
                    message = render(row)
                    message.connection = connection
                    message.send()
                except Exception as exc:  # anything the server or network says: retry later
                    row.attempts += 1
                    row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                    row.next_attempt = now + backoff(row.attempts)
                    row.save(update_fields=["attempts", "last_error", "next_attempt"])
                    failed += 1
                    with contextlib.suppress(Exception):
                        connection.close()
                    continue
                row.attempts += 1
                row.sent_at = now
                row.last_error = ""
                row.save(update_fields=["attempts", "sent_at", "last_error"])
                sent += 1
    finally:
        with contextlib.suppress(Exception):
            connection.close()
    return sent, failed


def deliver(now: dt.datetime | None = None) -> dict[str, int]:
    """The worker's notification step: scans, digests, sending. What it did."""
    now = now or timezone.now()
    told = sum(run_scans(now).values())
    digests = queue_digests(now)
    sent, failed = send_due(now)
    return {"told": told, "digests": digests, "sent": sent, "failed": failed}
